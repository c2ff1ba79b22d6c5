//! Optional per-event records of a run, for `check`'s message flows, `trace` and the
//! common-random-numbers tests. Off by default: a normal run records nothing.

use crate::engine::{SimDuration, SimTime};

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

#[derive(Debug, Clone, PartialEq)]
pub enum TraceRecord {
    Sent {
        at: SimTime,
        workflow: u64,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        bytes: u64,
        payload: u32,
        local: bool,
        link: CallLink,
    },
    WorkStarted {
        at: SimTime,
        workflow: u64,
        component: ComponentId,
        task: Task,
        step: u8,
        duration: SimDuration,
    },
    StepFinished {
        at: SimTime,
        workflow: u64,
        step: u8,
        committed: bool,
    },
    Rejected {
        at: SimTime,
        workflow: u64,
        component: ComponentId,
    },
}
