//! Choreography: each service triggers the next with an event; nobody owns the state.
//!
//! ```text
//! success (n+1 messages)                failure at step k (2k messages)
//!   C ──start──▶ S1                        … Sk fails and rolls back locally
//!   Si ──event──▶ Si+1   (i = 1..n-1)      Sk ──failed──▶ Sk-1 (compensates) ──▶ … ──▶ S1
//!   Sn ──done──▶ C                         S1 (compensates) ──compensated──▶ C
//! status: unsupported — no component knows the workflow's state (counted unanswered)
//! ```
//! Sync: each event is a blocking call. Sn returns (an ack), each caller returns in turn,
//! and S1, its own call returned, answers the client `done` (`answer = "return"`, the
//! default); with `answer = "callback"` Sn sends `done` to the client itself while the acks
//! travel back. Either way n−1 acks release the held workers: the same count. A failure's compensation
//! travels back as the answer to each call (no acks). A call that times out for good (with
//! `[policy]`) makes its caller undo its own step and pass the rollback back: `failed`.

use crate::model::{
    ComponentId, JOIN_ABANDONED, Message, MessageKind, ROLLBACK_FROM_JOIN, ROLLBACK_GAVE_UP,
    StatusRoute, WorkResult, WorkflowRef,
};

use super::{Coordinator, Cx, Rules};

pub struct Choreography;

impl Rules for Choreography {
    const STATUS: StatusRoute = StatusRoute::Unsupported;
    const COORDINATOR: Option<Coordinator> = None;
    const JOINS_AT_SERVICES: bool = true;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        chain_handled(cx, message, result);
    }

    fn call_failed(cx: &mut Cx<'_, '_>, request: &Message, abandoned: u64) {
        chain_call_failed(cx, request, abandoned);
    }

    fn acked(cx: &mut Cx<'_, '_>, ack: &Message) {
        chain_acked(cx, ack);
    }
}

/// The client starts the chain at the first service.
#[inline]
pub(super) fn start_chain(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
    let first = cx.first_step(workflow);
    let service = cx.at_step(first);
    cx.send(
        workflow,
        ComponentId::CLIENT,
        service,
        MessageKind::Start,
        first,
        0,
    );
}

/// The event chain shared by choreography and its stateless variant: forward on commit,
/// backward chain of compensations on failure. A parallel block's step before it fans
/// out to every branch; the step after it joins them (`World` holds a join's arrivals
/// until the last) and, when a branch failed, rolls the block back: it orders each
/// completed branch undone from its last step, gathers their reports, then passes the
/// rollback on to the step before the block.
pub(super) fn chain_handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
    let workflow = message.workflow;
    let step = message.step;
    let here = message.dst;
    match (message.kind, result) {
        // At a join, every branch has reported and one failed (or was given up on).
        (MessageKind::Failure, _) => {
            let flag = cx.join_rollback_flag(workflow);
            roll_back_block(cx, workflow, here, step, flag)
        }
        // At a join, every completed branch is undone.
        (MessageKind::CompensationReply, _) => {
            pass_back_before_block(cx, workflow, here, step, message.payload)
        }
        (_, WorkResult::Committed) => {
            let path = cx.path(workflow);
            if path.first() == Some(step) {
                cx.accept(workflow, here);
            }
            if path.has_parallel() {
                forward(cx, workflow, here, step);
            } else {
                match path.next(step) {
                    Some(next) => {
                        let service = cx.at_step(next);
                        cx.call(workflow, here, service, MessageKind::Event, next);
                    }
                    None => finish_chain(cx, workflow, here, step),
                }
            }
        }
        (_, WorkResult::StepFailed) => pass_back(cx, workflow, here, step, 0),
        (_, WorkResult::Compensated) => pass_back(cx, workflow, here, step, message.payload),
        (_, WorkResult::Answered | WorkResult::Applied) => {
            unreachable!("a chain sends no {} messages", message.kind.label())
        }
    }
}

/// The last step of a chain committed at `here`: it answers the client (async, or a
/// `callback`), or, when a sync chain answers through its first service, just returns
/// (its caller gets the ack, and so on up to the first service: `chain_acked`).
pub(super) fn finish_chain(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    here: ComponentId,
    step: u8,
) {
    if cx.answers_return() && cx.path(workflow).first() != Some(step) {
        return;
    }
    cx.send_to_client(workflow, here, MessageKind::Done, step, 0);
}

/// Sync, answering through the first service: the return of the first service's call
/// reaches it once every later step has returned, and it answers the client `done`.
pub(super) fn chain_acked(cx: &mut Cx<'_, '_>, ack: &Message) {
    let workflow = ack.workflow;
    let path = cx.path(workflow);
    if !cx.answers_return() || path.has_parallel() {
        return;
    }
    let (Some(first), Some(last)) = (path.first(), path.last()) else {
        return;
    };
    // The return says whether the chain below completed (in stamp coupling a failure
    // returns an ack too, its rollback going by one-way orders): the last step's own
    // record is what that return value carries.
    if ack.dst == cx.at_step(first)
        && path.next(first) == Some(ack.step)
        && cx.step_completed(workflow, last)
    {
        cx.send_to_client(workflow, ack.dst, MessageKind::Done, last, 0);
    }
}

/// `step` committed at `here`: trigger what follows it on the path.
pub(super) fn forward(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, here: ComponentId, step: u8) {
    let path = cx.path(workflow);
    if !path.has_parallel() {
        match path.next(step) {
            Some(next) => {
                let service = cx.at_step(next);
                cx.call(workflow, here, service, MessageKind::Event, next);
            }
            None => cx.send_to_client(workflow, here, MessageKind::Done, step, 0),
        }
        return;
    }
    if let Some(next) = path.next_in_branch(step) {
        let service = cx.at_step(next);
        cx.call(workflow, here, service, MessageKind::Event, next);
        return;
    }
    let stage = path.stage_of(step);
    if path.in_parallel(step) {
        // A branch's last step: its event goes to the join, saying which branch it ends.
        let join = path.join_after(step);
        let service = cx.at_step(join);
        cx.send(
            workflow,
            here,
            service,
            MessageKind::Event,
            join,
            u32::from(step),
        );
        return;
    }
    match path.stages().get(stage + 1) {
        None => cx.send_to_client(workflow, here, MessageKind::Done, step, 0),
        Some(_) => {
            for head in path.heads(stage + 1) {
                let service = cx.at_step(head);
                cx.call(workflow, here, service, MessageKind::Event, head);
            }
        }
    }
}

/// Hand the failure to the step before `step` on its branch (in sync communication, as
/// the answer to its call); from a branch's first step, report to the join; from the
/// step after a block, roll the block back; from the first step, tell the client it is
/// all undone.
#[inline]
fn pass_back(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, from: ComponentId, step: u8, flag: u32) {
    let path = cx.path(workflow);
    let previous = if path.has_parallel() {
        path.previous_in_branch(step)
    } else {
        path.previous(step)
    };
    if let Some(previous) = previous {
        compensate(cx, workflow, from, previous, flag);
        return;
    }
    let stage = path.stage_of(step);
    if path.has_parallel() && path.in_parallel(step) {
        // A branch's first step: the branch is undone (the join ordered it) or failed.
        let join = path.join_after(step);
        let service = cx.at_step(join);
        let tail = u32::from(path.tail_of(step));
        let kind = if flag & ROLLBACK_FROM_JOIN != 0 {
            MessageKind::CompensationReply
        } else {
            MessageKind::Failure
        };
        cx.send(
            workflow,
            from,
            service,
            kind,
            join,
            tail | (flag & ROLLBACK_GAVE_UP),
        );
        return;
    }
    match stage.checked_sub(1) {
        None => {
            let outcome = if flag & ROLLBACK_GAVE_UP != 0 {
                MessageKind::Failed
            } else {
                MessageKind::Compensated
            };
            cx.send_to_client(workflow, from, outcome, 0, 0);
        }
        Some(before) if path.stages()[before].len() == 1 => {
            let previous = *path.stages()[before][0]
                .last()
                .expect("a branch has a step");
            compensate(cx, workflow, from, previous, flag & ROLLBACK_GAVE_UP);
        }
        Some(_) => roll_back_block(cx, workflow, from, step, flag),
    }
}

/// At `join`, the step after a parallel block: order every branch that completed undone,
/// from its last step; with none, pass the rollback on at once.
fn roll_back_block(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    here: ComponentId,
    join: u8,
    flag: u32,
) {
    let path = cx.path(workflow);
    let tails = path.tails_mask(path.stage_of(join) - 1);
    let completed = tails & !cx.join_failed(workflow);
    if completed == 0 {
        pass_back_before_block(cx, workflow, here, join, flag);
        return;
    }
    for &tail in path.steps() {
        if completed & (1u64 << tail) != 0 {
            let flag = ROLLBACK_FROM_JOIN | (flag & ROLLBACK_GAVE_UP);
            compensate(cx, workflow, here, tail, flag);
        }
    }
}

/// The block before `join` is undone: the rollback goes on at the step before the block.
fn pass_back_before_block(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    here: ComponentId,
    join: u8,
    flag: u32,
) {
    let path = cx.path(workflow);
    let block = path.stage_of(join) - 1;
    let fork = *path.stages()[block - 1][0]
        .last()
        .expect("a branch has a step");
    compensate(cx, workflow, here, fork, flag & ROLLBACK_GAVE_UP);
}

/// Send `step`'s service the order to undo it (in sync communication, as the answer to
/// its call when it is the caller).
fn compensate(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, from: ComponentId, step: u8, flag: u32) {
    let service = cx.at_step(step);
    cx.send(workflow, from, service, MessageKind::Compensate, step, flag);
}

/// Sync: a service's call to the next one timed out for good. Its own step committed, so
/// it undoes it (on the same worker) and passes the rollback back along the chain; the
/// steps after it, if the call did reach them, stay committed (nobody knows of them).
pub(super) fn chain_call_failed(cx: &mut Cx<'_, '_>, request: &Message, abandoned: u64) {
    if abandoned != 0 {
        report_abandoned_branches(cx, request, abandoned);
        return;
    }
    let here = request.dst;
    cx.local(
        request.workflow,
        here,
        MessageKind::Compensate,
        request.step,
        ROLLBACK_GAVE_UP,
    );
}

/// Sync: a fork's calls into the branches of `abandoned` (their first steps) ran out of
/// retries. Whether they ran is unknown; the fork reports each to the join as failed, on
/// its behalf, so that the join rolls the block back as after a branch's own failure
/// (ending `failed`). A branch that did reach the join is not rolled back for it.
pub(super) fn report_abandoned_branches(cx: &mut Cx<'_, '_>, request: &Message, abandoned: u64) {
    let workflow = request.workflow;
    for &head in cx.path(workflow).steps() {
        if abandoned & (1u64 << head) != 0 {
            let flags = ROLLBACK_GAVE_UP | JOIN_ABANDONED;
            report_to_join(cx, workflow, request.dst, head, flags);
        }
    }
}

/// From `from`, tell the join after the block of `failed` that `failed`'s branch failed
/// there: the steps before `failed` committed (a stamp's payload, and what the join
/// learns), with `flags`.
pub(super) fn report_to_join(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    from: ComponentId,
    failed: u8,
    flags: u32,
) {
    let path = cx.path(workflow);
    let join = path.join_after(failed);
    let service = cx.at_step(join);
    let payload = u32::from(path.tail_of(failed)) | u32::from(failed) << 8 | flags;
    cx.send(workflow, from, service, MessageKind::Failure, join, payload);
}
