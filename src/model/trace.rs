//! Optional per-event records of a run, for `check`'s message flows, `sagasim trace` and
//! the common-random-numbers tests. Off by default: a normal run records nothing. A run
//! may record every workflow, only chosen ones (memory bounded by the selection), or only
//! note which workflows a selection picks (the first of `trace`'s two passes).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use crate::engine::{SimDuration, SimTime};
use crate::metrics::Outcome;

use super::message::{CallLink, MessageKind};
use super::system::ComponentId;

/// What a worker did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Task {
    /// The workflow step's own work.
    Step,
    /// Undoing a step.
    Compensate,
    /// Answering a status query.
    Query,
    /// Coordinator bookkeeping: orchestrator work + journal, or front-controller progress.
    Coordinate,
    /// Sync: reading an ack (an RPC response with no body) on the held worker: no cost.
    Resume,
}

impl Task {
    /// As the text trace writes it.
    pub fn label(self) -> &'static str {
        match self {
            Task::Step => "step",
            Task::Compensate => "compensate",
            Task::Query => "status query",
            Task::Coordinate => "coordinate",
            Task::Resume => "resume",
        }
    }
}

/// What became of a message when it reached its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Taken in: into the inbox, straight to a worker, or to the worker waiting on it.
    Accepted,
    /// A broker holds it: the destination is down or cut off by a partition.
    Held,
    /// Lost: dropped in transit, rejected by a full inbox, sent to a dead or partitioned
    /// component without a broker, or about state a crash erased.
    Lost,
}

/// One event of one workflow. `index` is the message's position among its workflow's
/// messages: it ties a message's send, arrival and handling together.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceRecord {
    /// A message was sent.
    Sent {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// The message's position among its workflow's messages.
        index: u32,
        /// The sender.
        src: ComponentId,
        /// The receiver.
        dst: ComponentId,
        /// What the message asks for or reports.
        kind: MessageKind,
        /// The workflow step it concerns (0-based).
        step: u8,
        /// Its size.
        bytes: u64,
        /// Kind-specific data (a status query's id, a stamp's committed steps).
        payload: u32,
        /// A component giving itself work: no network.
        local: bool,
        /// Sync: a call, its answer, or a one-way message.
        link: CallLink,
    },
    /// A message reached its destination.
    Arrived {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// The message's position among its workflow's messages.
        index: u32,
        /// What the message asks for or reports.
        kind: MessageKind,
        /// Where it happened.
        component: ComponentId,
        /// Accepted, held by a broker, or lost.
        fate: Arrival,
    },
    /// A worker started on a message.
    WorkStarted {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// The message's position among its workflow's messages.
        index: u32,
        /// Where it happened.
        component: ComponentId,
        /// What the worker does.
        task: Task,
        /// The workflow step it concerns (0-based).
        step: u8,
        /// How long the work takes.
        duration: SimDuration,
    },
    /// A crash killed the worker handling (or blocked on) this message.
    WorkLost {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// The message's position among its workflow's messages.
        index: u32,
        /// Where it happened.
        component: ComponentId,
    },
    /// A step's work finished.
    StepFinished {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// The workflow step it concerns (0-based).
        step: u8,
        /// Whether the step committed (or failed for a business reason).
        committed: bool,
    },
    /// A full inbox refused a message.
    Rejected {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// Where it happened.
        component: ComponentId,
    },
    /// `component` stopped waiting for an answer (it then backs off, or gives up).
    TimedOut {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// Where it happened.
        component: ComponentId,
    },
    /// `component`'s backoff is over: it sends its request again.
    Retried {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// Where it happened.
        component: ComponentId,
    },
    /// The workflow's outcome, as the client learns it (stuck: at the end of the run).
    Ended {
        /// When it happened.
        at: SimTime,
        /// The workflow's number (0 is the first started).
        workflow: u64,
        /// How the workflow ended.
        outcome: Outcome,
    },
}

impl TraceRecord {
    /// The workflow (its number: 0 is the first started) the record belongs to.
    pub fn workflow(&self) -> u64 {
        match *self {
            TraceRecord::Sent { workflow, .. }
            | TraceRecord::Arrived { workflow, .. }
            | TraceRecord::WorkStarted { workflow, .. }
            | TraceRecord::WorkLost { workflow, .. }
            | TraceRecord::StepFinished { workflow, .. }
            | TraceRecord::Rejected { workflow, .. }
            | TraceRecord::TimedOut { workflow, .. }
            | TraceRecord::Retried { workflow, .. }
            | TraceRecord::Ended { workflow, .. } => workflow,
        }
    }

    /// When it happened.
    pub fn at(&self) -> SimTime {
        match *self {
            TraceRecord::Sent { at, .. }
            | TraceRecord::Arrived { at, .. }
            | TraceRecord::WorkStarted { at, .. }
            | TraceRecord::WorkLost { at, .. }
            | TraceRecord::StepFinished { at, .. }
            | TraceRecord::Rejected { at, .. }
            | TraceRecord::TimedOut { at, .. }
            | TraceRecord::Retried { at, .. }
            | TraceRecord::Ended { at, .. } => at,
        }
    }
}

/// Which workflows `trace` shows, chosen by what happened to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceSelection {
    /// The `count` slowest measured workflows with `outcome` (`None`: any), by time to
    /// that outcome; ties go to the earlier workflow. Over any outcome, slowness is
    /// outcome-aware: a stuck workflow is slower than a failed one, and a failed one than
    /// any that reached a business outcome (completed or compensated).
    Slowest {
        /// The outcome the workflows must have (`None`: any).
        outcome: Option<Outcome>,
        /// How many to pick.
        count: usize,
    },
    /// The first `count` measured workflows (by start) with `outcome`.
    First {
        /// The outcome the workflows must have.
        outcome: Outcome,
        /// How many to pick.
        count: usize,
    },
}

impl TraceSelection {
    fn count(self) -> usize {
        match self {
            TraceSelection::Slowest { count, .. } | TraceSelection::First { count, .. } => count,
        }
    }

    /// Whether a workflow that ended with `outcome` can be picked.
    fn accepts(self, ended: Outcome) -> bool {
        match self {
            TraceSelection::Slowest { outcome, .. } => outcome.is_none_or(|o| o == ended),
            TraceSelection::First { outcome, .. } => outcome == ended,
        }
    }
}

/// What a run traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceFilter {
    /// Every record of every workflow (check's flows and tests: memory grows with the run).
    All,
    /// Every record of these workflows only.
    Workflows(BTreeSet<u64>),
    /// No records: only which workflows `selection` picks (bounded by its count).
    Find(TraceSelection),
}

/// The run's recorder: records of the workflows its filter wants, or the workflows a
/// selection picks.
#[derive(Debug, Clone)]
pub struct Tracer {
    filter: TraceFilter,
    records: Vec<TraceRecord>,
    /// `Find`: the best candidates so far, worst on top (so it is the one evicted), by
    /// (how badly it ended, time to its end).
    candidates: BinaryHeap<(Reverse<(u8, SimDuration)>, u64)>,
    first: BinaryHeap<u64>,
}

impl Tracer {
    pub fn new(filter: TraceFilter) -> Self {
        Tracer {
            filter,
            records: Vec::new(),
            candidates: BinaryHeap::new(),
            first: BinaryHeap::new(),
        }
    }

    /// Whether records of workflow `number` are kept.
    pub fn wants(&self, number: u64) -> bool {
        match &self.filter {
            TraceFilter::All => true,
            TraceFilter::Workflows(chosen) => chosen.contains(&number),
            TraceFilter::Find(_) => false,
        }
    }

    pub fn push(&mut self, record: TraceRecord) {
        self.records.push(record);
    }

    /// Workflow `number`, started at `started_at`, ended with `outcome` at `at`.
    pub fn ended(
        &mut self,
        number: u64,
        started_at: SimTime,
        at: SimTime,
        outcome: Outcome,
        measured: bool,
    ) {
        if self.wants(number) {
            self.push(TraceRecord::Ended {
                at,
                workflow: number,
                outcome,
            });
        }
        let TraceFilter::Find(selection) = self.filter else {
            return;
        };
        if !measured || !selection.accepts(outcome) || selection.count() == 0 {
            return;
        }
        match selection {
            TraceSelection::Slowest { count, .. } => {
                // Max-heap on (shorter first, later first): the top is the worst kept.
                let badness = match outcome {
                    Outcome::Completed | Outcome::Compensated => 0,
                    Outcome::Failed => 1,
                    Outcome::Stuck => 2,
                };
                self.candidates
                    .push((Reverse((badness, at.since(started_at))), number));
                if self.candidates.len() > count {
                    self.candidates.pop();
                }
            }
            TraceSelection::First { count, .. } => {
                self.first.push(number);
                if self.first.len() > count {
                    self.first.pop();
                }
            }
        }
    }

    /// The records kept, in the order they happened.
    pub fn into_records(self) -> Vec<TraceRecord> {
        self.records
    }

    /// `Find`: the workflows picked, in the selection's order (slowest first, or by start).
    pub fn picked(&self) -> Vec<u64> {
        let mut slowest: Vec<(Reverse<(u8, SimDuration)>, u64)> =
            self.candidates.iter().copied().collect();
        slowest.sort();
        let mut first: Vec<u64> = self.first.iter().copied().collect();
        first.sort_unstable();
        slowest
            .into_iter()
            .map(|(_, number)| number)
            .chain(first)
            .collect()
    }
}
