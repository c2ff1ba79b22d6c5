//! Choreography: each service triggers the next with an event; nobody owns the state.
//!
//! ```text
//! success (n+1 messages)                failure at step k (2k messages)
//!   C ──start──▶ S1                        … Sk fails and rolls back locally
//!   Si ──event──▶ Si+1   (i = 1..n-1)      Sk ──failed──▶ Sk-1 (compensates) ──▶ … ──▶ S1
//!   Sn ──done──▶ C                         S1 (compensates) ──compensated──▶ C
//! status: unsupported — no component knows the workflow's state (counted unanswered)
//! ```
//! Sync: each event is a blocking call; Sn's `done` is a one-way callback to the client and
//! acks travel back up the chain, releasing each held worker. A failure's compensation
//! travels back as the answer to each call (no acks). A call that times out for good (with
//! `[policy]`) makes its caller undo its own step and pass the rollback back: `failed`.

use crate::model::{
    ComponentId, Message, MessageKind, ROLLBACK_GAVE_UP, StatusRoute, WorkResult, WorkflowRef,
};

use super::{Coordinator, Cx, Rules};

pub struct Choreography;

impl Rules for Choreography {
    const STATUS: StatusRoute = StatusRoute::Unsupported;
    const COORDINATOR: Option<Coordinator> = None;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        chain_handled(cx, message, result);
    }

    fn call_failed(cx: &mut Cx<'_, '_>, request: &Message) {
        chain_call_failed(cx, request);
    }
}

/// The client starts the chain at the first service.
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
/// backward chain of compensations on failure.
pub(super) fn chain_handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
    let workflow = message.workflow;
    let step = message.step;
    if result == WorkResult::Committed && step == cx.first_step(workflow) {
        cx.accept(workflow, message.dst);
    }
    match result {
        WorkResult::Committed => match cx.next_step(workflow, step) {
            Some(next) => {
                let service = cx.at_step(next);
                cx.call(workflow, message.dst, service, MessageKind::Event, next);
            }
            None => cx.send_to_client(workflow, message.dst, MessageKind::Done, step, 0),
        },
        WorkResult::StepFailed => pass_back(cx, workflow, message.dst, step, 0),
        WorkResult::Compensated => pass_back(cx, workflow, message.dst, step, message.payload),
        WorkResult::Answered | WorkResult::Applied => {
            unreachable!("a chain sends no {} messages", message.kind.label())
        }
    }
}

/// Hand the failure to the previous step's service (in sync communication, as the answer
/// to its call), or tell the client it is all undone.
fn pass_back(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, from: ComponentId, step: u8, flag: u32) {
    match cx.previous_step(workflow, step) {
        Some(previous) => {
            let service = cx.at_step(previous);
            cx.send(
                workflow,
                from,
                service,
                MessageKind::Compensate,
                previous,
                flag,
            );
        }
        None => {
            let outcome = if flag & ROLLBACK_GAVE_UP != 0 {
                MessageKind::Failed
            } else {
                MessageKind::Compensated
            };
            cx.send_to_client(workflow, from, outcome, 0, 0);
        }
    }
}

/// Sync: a service's call to the next one timed out for good. Its own step committed, so
/// it undoes it (on the same worker) and passes the rollback back along the chain; the
/// steps after it, if the call did reach them, stay committed (nobody knows of them).
pub(super) fn chain_call_failed(cx: &mut Cx<'_, '_>, request: &Message) {
    let here = request.dst;
    cx.local(
        request.workflow,
        here,
        MessageKind::Compensate,
        request.step,
        ROLLBACK_GAVE_UP,
    );
}
