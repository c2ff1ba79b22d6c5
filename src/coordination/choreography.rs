//! Choreography: each service triggers the next with an event; nobody owns the state.
//!
//! ```text
//! success (n+1 messages)                failure at step k (2k messages)
//!   C ──start──▶ S1                        … Sk fails and rolls back locally
//!   Si ──event──▶ Si+1   (i = 1..n-1)      Sk ──failed──▶ Sk-1 (compensates) ──▶ … ──▶ S1
//!   Sn ──done──▶ C                         S1 (compensates) ──compensated──▶ C
//! status: unsupported — no component knows the workflow's state (counted unanswered)
//! ```

use crate::model::{ComponentId, Message, MessageKind, StatusRoute, WorkResult, WorkflowRef};

use super::{Coordination, Coordinator, Cx, Variant};

pub struct Choreography;

impl Coordination for Choreography {
    const VARIANT: Variant = Variant::Choreography;
    const STATUS: StatusRoute = StatusRoute::Unsupported;
    const COORDINATOR: Option<Coordinator> = None;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        chain_handled(cx, message, result);
    }
}

/// The client starts the chain at the first service.
pub(super) fn start_chain(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
    let first = cx.first_service();
    cx.send(
        workflow,
        ComponentId::CLIENT,
        first,
        MessageKind::Start,
        0,
        0,
    );
}

/// The event chain shared by choreography and its stateless variant: forward on commit,
/// backward chain of compensations on failure.
pub(super) fn chain_handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
    let workflow = message.workflow;
    let step = message.step;
    if step == 0 && result == WorkResult::Committed {
        cx.accept(workflow, message.dst);
    }
    match result {
        WorkResult::Committed if cx.is_last(step) => {
            cx.to_client(workflow, message.dst, MessageKind::Done, step, 0)
        }
        WorkResult::Committed => {
            let next = cx.at_step(step + 1);
            cx.send(workflow, message.dst, next, MessageKind::Event, step + 1, 0);
        }
        WorkResult::StepFailed | WorkResult::Compensated => {
            pass_back(cx, workflow, message.dst, step)
        }
        WorkResult::Answered | WorkResult::Applied => {
            unreachable!("a chain sends no {} messages", message.kind.label())
        }
    }
}

/// Hand the failure to the previous step's service, or tell the client it is all undone.
fn pass_back(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, from: ComponentId, step: u8) {
    match step.checked_sub(1) {
        Some(previous) => {
            let service = cx.at_step(previous);
            cx.send(
                workflow,
                from,
                service,
                MessageKind::Compensate,
                previous,
                0,
            );
        }
        None => cx.to_client(workflow, from, MessageKind::Compensated, 0, 0),
    }
}
