//! Orchestrator: a central component commands every step and drives compensation.
//!
//! ```text
//! success (2n+2 messages)            failure at step k (4k messages)
//!   C ──start──▶ O                     … O ──command k──▶ Sk ──failure──▶ O
//!   O ──command i──▶ Si                O ──compensate k-1──▶ Sk-1 ──reply──▶ O
//!   Si ──reply──▶ O      (i = 1..n)      … one at a time, in reverse order …
//!   O ──done──▶ C                      O ──compensate 1──▶ S1 ──reply──▶ O ──compensated──▶ C
//! status: C ──query──▶ O ──reply──▶ C (O's own state: exact at O)
//! ```
//! The orchestrator journals every transition (`journal`, added to its `work`).

use crate::model::{ComponentId, Message, MessageKind, StatusRoute, WorkResult, WorkflowRef};

use super::{Coordination, Coordinator, Cx, Variant};

pub struct Orchestrator;

const O: ComponentId = ComponentId::ORCHESTRATOR;

impl Coordination for Orchestrator {
    const VARIANT: Variant = Variant::Orchestrator;
    const STATUS: StatusRoute = StatusRoute::Component(ComponentId::ORCHESTRATOR);
    const COORDINATOR: Option<Coordinator> = Some(Coordinator::Orchestrator);

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        cx.send(workflow, ComponentId::CLIENT, O, MessageKind::Start, 0, 0);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        let workflow = message.workflow;
        let step = message.step;
        match (message.kind, result) {
            (MessageKind::Start, _) => command(cx, workflow, 0),
            (MessageKind::Command, WorkResult::Committed) => {
                cx.send(workflow, message.dst, O, MessageKind::Reply, step, 0)
            }
            (MessageKind::Command, _) => {
                cx.send(workflow, message.dst, O, MessageKind::Failure, step, 0)
            }
            (MessageKind::Reply, _) => {
                cx.learn_steps(workflow, step + 1);
                if cx.is_last(step) {
                    cx.to_client(workflow, O, MessageKind::Done, step, 0);
                } else {
                    command(cx, workflow, step + 1);
                }
            }
            (MessageKind::Failure | MessageKind::CompensationReply, _) => {
                compensate_before(cx, workflow, step)
            }
            (MessageKind::Compensate, _) => cx.send(
                workflow,
                message.dst,
                O,
                MessageKind::CompensationReply,
                step,
                0,
            ),
            (MessageKind::StatusQuery, _) => {
                let known = cx.known_steps(workflow);
                cx.answer_status(message, known);
            }
            (kind, _) => unreachable!("orchestrator never sends {}", kind.label()),
        }
    }
}

fn command(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, step: u8) {
    let service = cx.at_step(step);
    cx.send(workflow, O, service, MessageKind::Command, step, 0);
}

/// Compensate the step before `step`, or tell the client the rollback is complete.
fn compensate_before(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, step: u8) {
    match step.checked_sub(1) {
        Some(previous) => {
            let service = cx.at_step(previous);
            cx.send(workflow, O, service, MessageKind::Compensate, previous, 0);
        }
        None => cx.to_client(workflow, O, MessageKind::Compensated, 0, 0),
    }
}
