//! The coordinator's side of the rules, shared by the orchestrator and the front
//! controller's first service: what it knows of each workflow, the request it awaits, and
//! how it rolls a workflow back (one step at a time, in reverse order, then the outcome).
//! The waits' timers and retries are the world's (`model::world::coordinator`).

use crate::model::{ComponentId, Message, MessageKind, Request, WorkflowRef};

use super::Cx;

impl Cx<'_, '_> {
    /// How many steps the coordinator knows completed.
    pub fn known_steps(&mut self, workflow: WorkflowRef) -> u8 {
        self.world.workflow(workflow).coordinator_known.count_ones() as u8
    }

    /// The steps the coordinator knows completed.
    pub fn known_mask(&mut self, workflow: WorkflowRef) -> u64 {
        self.world.workflow(workflow).coordinator_known
    }

    /// The coordinator learns that the steps of `mask` completed.
    pub fn learn_mask(&mut self, workflow: WorkflowRef, mask: u64) {
        self.world.workflow(workflow).coordinator_known |= mask;
    }

    /// Whether the coordinator still has the workflow in flight (it has not sent the
    /// outcome).
    pub fn is_active(&mut self, workflow: WorkflowRef) -> bool {
        self.world.workflow(workflow).coordinator.active
    }

    /// The front controller heard that the branch ending at `tail` failed.
    pub fn mark_branch_failed(&mut self, workflow: WorkflowRef, tail: u8) {
        self.world.workflow(workflow).joins_mut().failed |= 1u64 << tail;
    }

    /// Whether the rollback's compensations have begun (they begin once).
    pub fn is_rolling_back(&mut self, workflow: WorkflowRef) -> bool {
        self.world.workflow(workflow).coordinator.rolling_back
    }

    pub fn start_rolling_back(&mut self, workflow: WorkflowRef) {
        self.world.workflow(workflow).coordinator.rolling_back = true;
    }

    /// The coordinator learns that `step` completed, and with it every step it implies
    /// (the earlier stages, its branch up to it); knowledge only grows.
    #[inline(always)]
    pub fn learn_step(&mut self, workflow: WorkflowRef, step: u8) {
        let implied = self.path(workflow).done_with(step);
        self.world.workflow(workflow).coordinator_known |= implied;
    }

    /// The coordinator sees the workflow's start; `false` if it already had (a duplicate).
    pub fn begin(&mut self, workflow: WorkflowRef) -> bool {
        let state = &mut self.world.workflow(workflow).coordinator;
        let first = !state.began;
        state.began = true;
        state.active |= first;
        first
    }

    /// The coordinator at `from` sends a request and waits for its reply (with the
    /// scenario's timeout and retries).
    #[inline]
    pub fn request(
        &mut self,
        workflow: WorkflowRef,
        from: ComponentId,
        kind: MessageKind,
        step: u8,
    ) {
        let dst = self.at_step(step);
        self.world
            .send_awaited(self.queue, workflow, from, Request { kind, dst, step });
    }

    /// The orchestrator sends one of a parallel block's requests; it waits for the
    /// replies of all of them.
    pub fn request_in_block(
        &mut self,
        workflow: WorkflowRef,
        from: ComponentId,
        kind: MessageKind,
        step: u8,
    ) {
        let dst = self.at_step(step);
        self.world
            .send_awaited_in_block(self.queue, workflow, from, Request { kind, dst, step });
    }

    /// The front controller waits for `step`'s progress among a parallel workflow's
    /// steps under way (only with a `[policy]`: nothing else needs the wait).
    pub fn expect_in_block(&mut self, workflow: WorkflowRef, step: u8) {
        self.world.expect_in_block(self.queue, workflow, step);
    }

    /// Whether the reply of a parallel block's request for `step` is awaited (the wait
    /// for it then ends).
    pub fn take_awaited(&mut self, workflow: WorkflowRef, step: u8) -> bool {
        let now = self.queue.now();
        self.world.take_awaited(now, workflow, step)
    }

    /// The waits for steps the coordinator now knows done end (their progress is implied
    /// by a later step's).
    pub fn end_known_waits(&mut self, workflow: WorkflowRef) {
        let state = self.world.workflow(workflow);
        state.coordinator.awaiting &= !state.coordinator_known;
    }

    /// The parallel block's steps whose replies are still awaited.
    pub fn awaiting(&mut self, workflow: WorkflowRef) -> u64 {
        self.world.workflow(workflow).coordinator.awaiting
    }

    /// Whether the workflow is rolling back.
    pub fn is_compensating(&mut self, workflow: WorkflowRef) -> bool {
        self.world.workflow(workflow).coordinator.compensating
    }

    /// Wait for the reply to a `kind` request for `step` that someone else sent.
    pub fn expect(&mut self, workflow: WorkflowRef, kind: MessageKind, step: u8) {
        let dst = self.at_step(step);
        self.world
            .expect_reply(self.queue, workflow, Request { kind, dst, step });
    }

    /// Whether a reply is the one awaited (the wait then ends); duplicates and late
    /// replies are not.
    pub fn take_reply(&mut self, workflow: WorkflowRef, kind: MessageKind, step: u8) -> bool {
        let now = self.queue.now();
        self.world.take_reply(now, workflow, kind, step)
    }

    /// The request the coordinator awaits, if any.
    pub fn pending(&mut self, workflow: WorkflowRef) -> Option<Request> {
        self.world.workflow(workflow).coordinator.pending
    }

    /// Mark the workflow as rolling back; `false` if it already was.
    pub fn start_compensating(&mut self, workflow: WorkflowRef, gave_up: bool) -> bool {
        let state = &mut self.world.workflow(workflow).coordinator;
        state.gave_up |= gave_up;
        if state.compensating {
            return false;
        }
        state.compensating = true;
        state.pending = None;
        true
    }

    /// Whether the coordinator gave up on the workflow (retries ran out).
    pub fn has_given_up(&mut self, workflow: WorkflowRef) -> bool {
        self.world.workflow(workflow).coordinator.gave_up
    }

    /// The coordinator at `at`, which gave up on the workflow, hears that `step`
    /// committed: a step a late event drove, after it stopped waiting. Unless its rollback
    /// covers that step, it orders it undone now, one-way, as a workflow owner that learns
    /// of a step after giving up does: once per report, as each says the step was applied
    /// (a step that is not idempotent may be applied twice by two late events).
    pub fn undo_late_step(&mut self, workflow: WorkflowRef, at: ComponentId, step: u8) {
        let bit = 1u64 << step;
        if self.world.workflow(workflow).coordinator.covered & bit != 0 {
            return;
        }
        let service = self.at_step(step);
        self.notify(workflow, at, service, MessageKind::Compensate, step, 0);
    }

    /// The message that ends a rollback: `failed` if the coordinator gave up on a step,
    /// `compensated` after a business failure.
    pub fn rollback_outcome(&mut self, workflow: WorkflowRef) -> MessageKind {
        if self.world.workflow(workflow).coordinator.gave_up {
            MessageKind::Failed
        } else {
            MessageKind::Compensated
        }
    }
}

/// Roll the workflow back from the coordinator at `at`: undo the steps of `undo` one at a
/// time, latest on the path first, each waiting for its reply, then tell the client how
/// the rollback ended. A coordinator that is also a participant (the front controller's
/// first service) undoes its own step itself.
pub(super) fn roll_back(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, at: ComponentId, undo: u64) {
    let state = &mut cx.world.workflow(workflow).coordinator;
    state.undo = undo;
    state.covered |= undo;
    state.rolling_back = true;
    // The rollback's own requests are awaited from now on, not a block's.
    state.awaiting = 0;
    compensate_next(cx, workflow, at);
}

/// Compensate the latest step still to undo, or, with none left, send the outcome. An
/// orchestrator with `compensate = "parallel"` undoes a parallel block's branches at once.
fn compensate_next(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, at: ComponentId) {
    let undo = cx.world.workflow(workflow).coordinator.undo;
    let path = cx.path(workflow);
    match path
        .steps()
        .iter()
        .rev()
        .copied()
        .find(|&step| undo & (1u64 << step) != 0)
    {
        Some(step)
            if at == ComponentId::ORCHESTRATOR
                && path.has_parallel()
                && path.in_parallel(step)
                && cx.compensates_in_parallel() =>
        {
            let stage = path.stage_of(step);
            let mut branches = 0u64;
            for &latest in path.steps().iter().rev() {
                let tail = 1u64 << path.tail_of(latest);
                if undo & (1u64 << latest) != 0
                    && path.stage_of(latest) == stage
                    && branches & tail == 0
                {
                    branches |= tail;
                    undo_in_block(cx, workflow, at, latest);
                }
            }
        }
        Some(step) => {
            cx.world.workflow(workflow).coordinator.undo &= !(1u64 << step);
            cx.request(workflow, at, MessageKind::Compensate, step);
        }
        None => {
            let outcome = cx.rollback_outcome(workflow);
            cx.send_to_client(workflow, at, outcome, 0, 0);
        }
    }
}

/// Order `step`, one of a parallel block's steps, undone among the block's others.
fn undo_in_block(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, at: ComponentId, step: u8) {
    cx.world.workflow(workflow).coordinator.undo &= !(1u64 << step);
    cx.request_in_block(workflow, at, MessageKind::Compensate, step);
}

/// A compensation reply reached the coordinator at `at`: if it is the one awaited, the
/// rollback moves on to the next step to undo. Undoing a block's branches at once, the
/// branch goes on to its step before, and once no branch's undo is awaited, the rest.
pub(super) fn compensation_replied(cx: &mut Cx<'_, '_>, reply: &Message, at: ComponentId) {
    let workflow = reply.workflow;
    if cx.awaiting(workflow) & (1u64 << reply.step) != 0 {
        if !cx.take_awaited(workflow, reply.step) {
            return;
        }
        let undo = cx.world.workflow(workflow).coordinator.undo;
        let path = cx.path(workflow);
        let mut earlier = path.previous_in_branch(reply.step);
        while let Some(step) = earlier {
            if undo & (1u64 << step) != 0 {
                undo_in_block(cx, workflow, at, step);
                return;
            }
            earlier = path.previous_in_branch(step);
        }
        if cx.awaiting(workflow) == 0 {
            compensate_next(cx, workflow, at);
        }
        return;
    }
    if cx.take_reply(workflow, MessageKind::Compensate, reply.step) {
        compensate_next(cx, workflow, at);
    }
}

/// The coordinator at `at` exhausted its retries on the awaited request: roll back from
/// the step it gave up on, that step included when it was a forward request (it may have
/// been applied before its reply was lost) unless every attempt was refused; the
/// outcome is `failed`.
pub(super) fn give_up(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, at: ComponentId) {
    let awaiting = cx.awaiting(workflow);
    if awaiting != 0 && cx.is_rolling_back(workflow) {
        // A block's branches undone at once: the undo orders it gave up on stay as they
        // are (as a single one does); the rollback goes on with the rest.
        cx.world.workflow(workflow).coordinator.awaiting = 0;
        compensate_next(cx, workflow, at);
        return;
    }
    if awaiting != 0 {
        // A parallel block: its commands still awaited may have been applied, so they are
        // undone too, with every step known committed; late replies are ignored.
        cx.start_compensating(workflow, true);
        cx.world.workflow(workflow).coordinator.awaiting = 0;
        let undo = cx.known_mask(workflow) | awaiting;
        roll_back(cx, workflow, at, undo);
        return;
    }
    let Some(pending) = cx.pending(workflow) else {
        return;
    };
    let refused = cx.world.workflow(workflow).coordinator.only_refused;
    cx.start_compensating(workflow, true);
    match pending.kind {
        MessageKind::Compensate => compensate_next(cx, workflow, at),
        _ => {
            let mut undo = cx.path(workflow).done_with(pending.step);
            if refused {
                // Every attempt was refused (a 503, an expired deadline, an open
                // breaker): the step was never applied, so there is nothing to undo.
                undo &= !(1u64 << pending.step);
            }
            roll_back(cx, workflow, at, undo);
        }
    }
}
