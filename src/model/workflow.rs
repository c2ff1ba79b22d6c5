//! Live workflow state, in a slab that recycles slots: memory follows the number of
//! workflows in flight, not the number run. A slot is freed only when its workflow has an
//! outcome and no message or timer refers to it any more.

use crate::engine::SimTime;
use crate::metrics::Outcome;

use super::message::MessageKind;
use super::system::ComponentId;

/// A handle to a workflow; the generation detects a stale handle to a recycled slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkflowRef {
    slot: u32,
    generation: u32,
}

impl WorkflowRef {
    /// A key unique among live and recent workflows (slot and generation).
    pub fn key(self) -> u64 {
        (u64::from(self.slot) << 32) | u64::from(self.generation)
    }
}

/// A status query the client is waiting on (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PendingQuery {
    pub id: u32,
    /// Times the client re-asked after a timeout (`[policy]`; retries are validated to at
    /// most 1,000, so 16 bits hold it).
    pub attempt: u16,
    /// Replies still to come.
    pub awaiting: u8,
    /// Steps reported so far (summed over replies).
    pub reported: u8,
    pub sent_at: SimTime,
    /// Which answerers (by step, bit 0 for a single answerer) have replied: a duplicated
    /// reply is not counted twice.
    pub answered_mask: u64,
}

/// The status queries a client still waits on for one workflow, oldest first: at most
/// `PendingQueries::CAPACITY`; asking once more gives up the oldest (its answer, should it
/// come, is ignored). The list lets go of its memory whenever it empties, so that a held
/// workflow with no query outstanding costs no allocation.
#[derive(Debug, Clone, Default)]
pub struct PendingQueries {
    queries: Vec<PendingQuery>,
}

impl PendingQueries {
    pub const CAPACITY: usize = 64;

    /// The position of query `id`, if the client still waits on it.
    pub fn find(&self, id: u32) -> Option<usize> {
        self.queries.iter().position(|query| query.id == id)
    }

    pub fn get_mut(&mut self, position: usize) -> &mut PendingQuery {
        &mut self.queries[position]
    }

    /// Stop waiting on the query at `position`, keeping the others in order; returns it.
    pub fn remove(&mut self, position: usize) -> PendingQuery {
        let query = self.queries.remove(position);
        self.release_if_empty();
        query
    }

    /// Stop waiting on the query at `position`, moving the newest into its place.
    pub fn swap_remove(&mut self, position: usize) -> PendingQuery {
        let query = self.queries.swap_remove(position);
        self.release_if_empty();
        query
    }

    /// Wait on `query` too, giving up the oldest if all places are taken.
    pub fn push(&mut self, query: PendingQuery) {
        if self.queries.len() >= Self::CAPACITY {
            self.queries.remove(0);
        }
        self.queries.push(query);
    }

    fn release_if_empty(&mut self) {
        if self.queries.is_empty() {
            self.queries = Vec::new();
        }
    }
}

/// A request the coordinator waits on, re-sent on a timeout or after a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub kind: MessageKind,
    pub dst: ComponentId,
    pub step: u8,
}

/// What the coordinator (orchestrator or front controller) holds about a workflow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoordinatorState {
    /// The coordinator has seen the workflow's start (a duplicate start is ignored).
    pub began: bool,
    /// The coordinator has the workflow in flight.
    pub active: bool,
    /// Its in-memory state died in a crash: it no longer knows the workflow.
    pub lost: bool,
    pub compensating: bool,
    /// Retries were exhausted: the outcome will be `failed`.
    pub gave_up: bool,
    pub pending: Option<Request>,
    /// The steps of a parallel block whose command's reply it awaits (the orchestrator).
    pub awaiting: u64,
    /// The steps still to compensate in a rollback, latest on the path first.
    pub undo: u64,
    /// The steps a rollback has ordered undone or will (and, for the front controller,
    /// the late steps it ordered undone after giving up).
    pub covered: u64,
    /// The rollback's compensations have begun (with parallel blocks the front
    /// controller first waits for the branches to settle).
    pub rolling_back: bool,
    /// Every attempt at `pending` so far was refused (a full inbox, an expired deadline,
    /// an open breaker): none of them can have been applied.
    pub only_refused: bool,
    /// Retries made for `pending`.
    pub attempt: u32,
    /// Bumped whenever the wait changes, so that stale timers are ignored.
    pub token: u32,
}

/// What the steps after a workflow's parallel blocks know of their branches (bits: the
/// branches' last steps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JoinState {
    /// Branches whose outcome (last step's event, or failure) reached the join step.
    pub arrived: u64,
    /// Branches that failed.
    pub failed: u64,
    /// Branches whose rollback the join ordered and got back.
    pub returned: u64,
    /// What the join has learnt committed from the branches' messages (stamp coupling
    /// merges their stamps).
    pub known: u64,
    /// Branches whose report says a call was given up on (sync): the rollback then ends
    /// `failed`.
    pub gave_up: u64,
    /// Branches their fork gave up on (sync), reported on their behalf.
    pub abandoned: u64,
}

#[derive(Debug, Clone)]
pub struct Workflow {
    /// Arrival index: the key of this workflow's random streams.
    pub number: u64,
    /// The path it takes through the workflow graph (`WorkflowGraph::path`).
    pub path: u16,
    pub started_at: SimTime,
    pub measured: bool,
    /// Set once, when the client learns the outcome (or gives up).
    pub outcome: Option<Outcome>,
    /// Steps whose work ever completed (ground truth for status staleness).
    pub completed_mask: u64,
    /// Steps committed and not compensated.
    pub committed_mask: u64,
    /// Steps the coordinator (orchestrator or front controller) knows completed.
    pub coordinator_known: u64,
    /// Joins after parallel blocks, kept only for workflows that reach one (most
    /// workflows of most scenarios have none: 8 bytes instead of 32).
    pub joins: Option<Box<JoinState>>,
    /// Stamp coupling: the steps whose compensation reports the client has received.
    pub reports_mask: u64,
    /// Messages, local tasks and timers that still refer to this workflow.
    pub outstanding: u32,
    pub next_message_index: u32,
    pub next_query_id: u32,
    pub pending_queries: PendingQueries,
    /// Consecutive polls since a status answer last reported progress (saturating).
    pub polls_without_news: u8,
    /// A status answer reported progress since the last poll.
    pub news_since_poll: bool,
    /// The steps the last status answer reported (`u8::MAX` before the first answer).
    pub last_reported_steps: u8,
    /// The coordinator's replica that holds its state (0 with one replica).
    pub owner: u8,
    /// Steps whose work finished (committed or failed): running one again is a duplicate.
    pub done_mask: u64,
    /// Steps compensated at least once.
    pub compensated_mask: u64,
    /// Eventual consistency: when the client was told the workflow is accepted.
    pub accepted_at: Option<SimTime>,
    /// Whether the time to consistency has been recorded.
    pub consistent: bool,
    pub coordinator: CoordinatorState,
    /// Sync communication: the coordinator's worker held by the awaited request.
    pub coordinator_hold: u32,
    /// The last fault occurrence that touched this workflow, plus one (0: none).
    pub touched_by: u32,
}

impl Workflow {
    /// A workflow the client starts now.
    pub fn new(number: u64, path: u16, started_at: SimTime, measured: bool) -> Self {
        Workflow {
            number,
            path,
            started_at,
            measured,
            outcome: None,
            completed_mask: 0,
            committed_mask: 0,
            coordinator_known: 0,
            joins: None,
            reports_mask: 0,
            outstanding: 0,
            next_message_index: 0,
            next_query_id: 0,
            pending_queries: PendingQueries::default(),
            polls_without_news: 0,
            news_since_poll: true,
            last_reported_steps: u8::MAX,
            owner: 0,
            done_mask: 0,
            compensated_mask: 0,
            accepted_at: None,
            consistent: false,
            coordinator: CoordinatorState::default(),
            coordinator_hold: 0,
            touched_by: 0,
        }
    }

    /// The workflow's join state, created on first use.
    pub fn joins_mut(&mut self) -> &mut JoinState {
        self.joins.get_or_insert_with(Box::default)
    }

    /// The workflow's join state (all empty before any join).
    pub fn joins(&self) -> JoinState {
        self.joins.as_deref().copied().unwrap_or_default()
    }

    pub fn steps_completed(&self) -> u8 {
        self.completed_mask.count_ones() as u8
    }
}

struct Slot {
    generation: u32,
    workflow: Option<Workflow>,
}

#[derive(Default)]
pub struct WorkflowTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
}

impl WorkflowTable {
    pub fn insert(&mut self, workflow: Workflow) -> WorkflowRef {
        self.live += 1;
        if let Some(slot) = self.free.pop() {
            let entry = &mut self.slots[slot as usize];
            entry.generation = entry.generation.wrapping_add(1);
            entry.workflow = Some(workflow);
            WorkflowRef {
                slot,
                generation: entry.generation,
            }
        } else {
            let slot =
                u32::try_from(self.slots.len()).expect("fewer than 2^32 workflows in flight");
            self.slots.push(Slot {
                generation: 0,
                workflow: Some(workflow),
            });
            WorkflowRef {
                slot,
                generation: 0,
            }
        }
    }

    /// The workflow behind a live handle. Every message and timer holds its workflow's slot
    /// open, so a stale handle is a broken invariant. Inlined: every message looks its
    /// workflow up (the inliner dropped these calls when `Workflow` grew to 192 B).
    #[inline(always)]
    pub fn get_mut(&mut self, handle: WorkflowRef) -> &mut Workflow {
        let entry = &mut self.slots[handle.slot as usize];
        assert_eq!(entry.generation, handle.generation, "stale workflow handle");
        entry.workflow.as_mut().expect("workflow slot is live")
    }

    #[inline(always)]
    pub fn get(&self, handle: WorkflowRef) -> &Workflow {
        let entry = &self.slots[handle.slot as usize];
        assert_eq!(entry.generation, handle.generation, "stale workflow handle");
        entry.workflow.as_ref().expect("workflow slot is live")
    }

    /// Free the slot if the workflow has ended and nothing refers to it.
    pub fn release_if_done(&mut self, handle: WorkflowRef) {
        let entry = &mut self.slots[handle.slot as usize];
        if entry
            .workflow
            .as_ref()
            .is_some_and(|w| w.outcome.is_some() && w.outstanding == 0)
        {
            entry.workflow = None;
            self.free.push(handle.slot);
            self.live -= 1;
        }
    }

    /// Workflows still held, in slot order (deterministic).
    pub fn live(&self) -> impl Iterator<Item = &Workflow> {
        self.slots.iter().filter_map(|slot| slot.workflow.as_ref())
    }

    pub fn live_mut(&mut self) -> impl Iterator<Item = &mut Workflow> {
        self.slots
            .iter_mut()
            .filter_map(|slot| slot.workflow.as_mut())
    }

    /// Live workflows with their handles, in slot order, to change.
    pub fn live_handles_mut(&mut self) -> impl Iterator<Item = (WorkflowRef, &mut Workflow)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(slot, entry)| {
                let handle = WorkflowRef {
                    slot: slot as u32,
                    generation: entry.generation,
                };
                entry.workflow.as_mut().map(|workflow| (handle, workflow))
            })
    }

    /// Workflows held now.
    pub fn live_count(&self) -> usize {
        self.live
    }

    /// Slots allocated so far: the high-water mark of workflows held at once.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow(number: u64) -> Workflow {
        Workflow::new(number, 0, SimTime::ZERO, true)
    }

    #[test]
    fn slots_are_recycled_only_after_the_outcome_and_the_last_reference() {
        let mut table = WorkflowTable::default();
        let first = table.insert(workflow(1));
        table.get_mut(first).outstanding = 1;
        table.get_mut(first).outcome = Some(Outcome::Completed);
        table.release_if_done(first);
        assert_eq!(table.live().count(), 1, "a message still refers to it");
        table.get_mut(first).outstanding = 0;
        table.release_if_done(first);
        assert_eq!(table.live().count(), 0);
        let second = table.insert(workflow(2));
        assert_eq!(table.capacity(), 1, "the slot was reused");
        assert_ne!(first, second, "with a new generation");
    }

    #[test]
    fn a_held_workflow_stays_small() {
        // DESIGN §8: memory per held workflow ≤ 256 B, slot and queued events included;
        // the workflow itself is 192 B (join state is boxed, only for workflows that
        // reach a join): a field more must pay for itself, and say so here. The last 8 B:
        // the steps a coordinator's rollback covers, so that a front controller that gave
        // up undoes each step a late event drives, and none twice (issue 22).
        assert_eq!(std::mem::size_of::<Workflow>(), 192);
    }

    #[test]
    #[should_panic(expected = "stale workflow handle")]
    fn a_stale_handle_is_caught() {
        let mut table = WorkflowTable::default();
        let first = table.insert(workflow(1));
        table.get_mut(first).outcome = Some(Outcome::Completed);
        table.release_if_done(first);
        table.insert(workflow(2));
        table.get(first);
    }
}
