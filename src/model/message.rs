//! Messages between components: what they are about, and which workflow they belong to.

use crate::metrics::MessageCategory;

use super::system::ComponentId;
use super::workflow::WorkflowRef;

/// What a message asks for or reports. The coordination variants choose which kinds they
/// send; the model only needs to know what work each kind implies at its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// Client → first handler: start a workflow.
    Start,
    /// Orchestrator → service: do your step.
    Command,
    /// Service → orchestrator: my step committed.
    Reply,
    /// Service → next service: the previous step committed, do yours.
    Event,
    /// Service → front controller: my step committed.
    Progress,
    /// Service → coordinator: my step failed for a business reason.
    Failure,
    /// Undo your step (a command, or a failed event passed back along a chain).
    Compensate,
    /// A compensation finished (to the coordinator, or to the client in stamp coupling).
    CompensationReply,
    /// → client: the workflow completed.
    Done,
    /// → client: the workflow was rolled back.
    Compensated,
    /// Client → component: how far along is this workflow?
    StatusQuery,
    /// Component → client: this many steps, as far as I know.
    StatusReply,
    /// → client: the workflow is accepted (eventual consistency: after the first step).
    Accepted,
    /// → client: the coordinator gave up (retries exhausted); rolled back as far as it could.
    Failed,
    /// Sync communication: the callee's handler returned (an RPC response with no body).
    Ack,
}

impl MessageKind {
    /// Status traffic is measured apart from the workflow's own messages.
    pub fn is_status(self) -> bool {
        matches!(self, MessageKind::StatusQuery | MessageKind::StatusReply)
    }

    /// The report category of a first transmission of this kind.
    pub fn category(self) -> MessageCategory {
        match self {
            MessageKind::Start
            | MessageKind::Done
            | MessageKind::Compensated
            | MessageKind::Failed
            | MessageKind::Accepted => MessageCategory::StartDone,
            MessageKind::Command => MessageCategory::Command,
            MessageKind::Reply | MessageKind::Failure | MessageKind::Ack => MessageCategory::Reply,
            MessageKind::Event => MessageCategory::Event,
            MessageKind::Progress => MessageCategory::Progress,
            MessageKind::Compensate | MessageKind::CompensationReply => {
                MessageCategory::Compensation
            }
            MessageKind::StatusQuery | MessageKind::StatusReply => MessageCategory::Status,
        }
    }

    /// The kind as reports write it.
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::Start => "start",
            MessageKind::Command => "command",
            MessageKind::Reply => "reply",
            MessageKind::Event => "event",
            MessageKind::Progress => "progress",
            MessageKind::Failure => "failure",
            MessageKind::Compensate => "compensate",
            MessageKind::CompensationReply => "compensation-reply",
            MessageKind::Done => "done",
            MessageKind::Compensated => "compensated",
            MessageKind::StatusQuery => "status-query",
            MessageKind::StatusReply => "status-reply",
            MessageKind::Accepted => "accepted",
            MessageKind::Failed => "failed",
            MessageKind::Ack => "ack",
        }
    }
}

/// One message. `src == dst` marks a local task (a component giving itself work, such as
/// the front controller compensating its own step): it takes a worker but crosses no
/// network and is not counted as a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub workflow: WorkflowRef,
    /// Position among the workflow's messages: keys this message's random draws.
    pub index: u32,
    /// Kind-specific: status query id; expected compensation reports; committed steps
    /// carried by a stamp.
    pub payload: u32,
    /// Sync communication: which blocking call this message makes or answers (see
    /// [`Message::call_id`] and [`Message::answered_call`]). 0: neither (a one-way message).
    pub hold: u32,
    pub src: ComponentId,
    pub dst: ComponentId,
    pub kind: MessageKind,
    /// The workflow step the message concerns (0-based); for a status reply, the number
    /// of steps reported.
    pub step: u8,
    /// The replica of `src` that sent it, and the replica of `dst` it goes to (0 for a
    /// component of one replica; a broker's pooled consumers pick it on admission).
    pub src_replica: u8,
    pub dst_replica: u8,
}

/// A rollback's payload bit: it was caused by a call that timed out for good, so the
/// workflow ends `failed` rather than `compensated`. Below it, stamp coupling's reports
/// carry how many reports complete the rollback.
pub const ROLLBACK_GAVE_UP: u32 = 1 << 16;

/// The low bits of a choreography message to the step after a parallel block: the last
/// step of the branch it comes from (which branch has arrived, failed or been undone).
pub const JOIN_BRANCH_MASK: u32 = 0xFF;

/// A rollback's payload bit in a choreography: the join step after a parallel block
/// ordered it, so the branch's first step reports back to the join when it is undone.
pub const ROLLBACK_FROM_JOIN: u32 = 1 << 17;

/// An event to the step after a parallel block that stands for every branch: the front
/// controller re-sends it when the join's progress is late, knowing every branch done.
pub const JOIN_EVERY_BRANCH: u32 = 1 << 18;

/// A failure report to the step after a parallel block from the fork, on behalf of a
/// branch whose call it gave up on (sync): the branch's own later messages are ignored.
pub const JOIN_ABANDONED: u32 = 1 << 19;

/// Marks `Message::hold` as the answer to a call rather than the call itself.
const ANSWER_BIT: u32 = 1 << 31;

/// Most call ids a station hands out before they wrap (the top bit marks answers).
pub const CALL_ID_MASK: u32 = ANSWER_BIT - 1;

/// How a message relates to a blocking call (sync communication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallLink {
    /// Nobody's worker waits for it.
    OneWay,
    /// The sender's worker waits for the answer.
    Call,
    /// It answers a call: the caller's held worker continues with it.
    Answer,
}

impl Message {
    /// How this message relates to a blocking call.
    pub fn link(&self) -> CallLink {
        if self.answered_call().is_some() {
            CallLink::Answer
        } else if self.call_id().is_some() {
            CallLink::Call
        } else {
            CallLink::OneWay
        }
    }

    /// Sync communication: the id of the blocking call this message makes (its caller's
    /// worker waits for the answer), if it is one.
    pub fn call_id(&self) -> Option<u32> {
        (self.hold != 0 && self.hold & ANSWER_BIT == 0).then_some(self.hold)
    }

    /// Sync communication: the id of the call this message answers (at its destination),
    /// if it is an answer.
    pub fn answered_call(&self) -> Option<u32> {
        (self.hold & ANSWER_BIT != 0).then_some(self.hold & CALL_ID_MASK)
    }

    /// Make this message blocking call `id`.
    pub fn mark_call(&mut self, id: u32) {
        debug_assert!(id != 0 && id & ANSWER_BIT == 0);
        self.hold = id;
    }

    /// Make this message the answer to call `id`.
    pub fn mark_answer(&mut self, id: u32) {
        debug_assert!(id != 0 && id & ANSWER_BIT == 0);
        self.hold = id | ANSWER_BIT;
    }
}
