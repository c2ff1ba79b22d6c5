//! Front controller: choreography, with the first service (S1) owning the workflow state.
//!
//! ```text
//! success (2n messages)                    failure at step k ≥ 2 (4k−4 messages; k = 1: 2)
//!   C ──start──▶ S1                          … Sk ──failure──▶ S1
//!   Si ──event──▶ Si+1   (i = 1..n-1)        S1 ──compensate k-1──▶ Sk-1 ──reply──▶ S1
//!   Si ──progress──▶ S1  (i = 2..n)            … one at a time, in reverse order, down to S2 …
//!   S1 ──done──▶ C  (once Sn's progress        S1 compensates itself (no message)
//!                    is applied)             S1 ──compensated──▶ C
//! status: C ──query──▶ S1 ──reply──▶ C; S1 lags by the progress messages in flight
//! ```
//! S1 applies each progress, failure and compensation reply at its `progress` cost plus its
//! own `journal`.

use crate::model::{ComponentId, Message, MessageKind, StatusRoute, WorkResult, WorkflowRef};

use super::choreography::start_chain;
use super::{Coordination, Coordinator, Cx, Variant};

pub struct FrontController;

impl Coordination for FrontController {
    const VARIANT: Variant = Variant::FrontController;
    const STATUS: StatusRoute = StatusRoute::FirstService;
    const COORDINATOR: Option<Coordinator> = Some(Coordinator::FirstService);

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        let workflow = message.workflow;
        let step = message.step;
        let here = message.dst;
        let controller = cx.first_service();
        match (message.kind, result) {
            (MessageKind::Start | MessageKind::Event, WorkResult::Committed) => {
                // The event goes first: progress reporting is off the critical path.
                if !cx.is_last(step) {
                    let next = cx.at_step(step + 1);
                    cx.send(workflow, here, next, MessageKind::Event, step + 1, 0);
                }
                if step > 0 {
                    cx.send(workflow, here, controller, MessageKind::Progress, step, 0);
                } else {
                    cx.learn_steps(workflow, 1);
                    if cx.is_last(step) {
                        cx.to_client(workflow, here, MessageKind::Done, step, 0);
                    }
                }
            }
            (MessageKind::Start, _) => cx.to_client(workflow, here, MessageKind::Compensated, 0, 0),
            (MessageKind::Event, _) => {
                cx.send(workflow, here, controller, MessageKind::Failure, step, 0)
            }
            (MessageKind::Progress, _) => {
                cx.learn_steps(workflow, step + 1);
                if cx.is_last(step) {
                    cx.to_client(workflow, here, MessageKind::Done, step, 0);
                }
            }
            (MessageKind::Failure | MessageKind::CompensationReply, _) => {
                compensate_before(cx, workflow, controller, step)
            }
            (MessageKind::Compensate, _) if here == controller => {
                cx.to_client(workflow, here, MessageKind::Compensated, 0, 0)
            }
            (MessageKind::Compensate, _) => cx.send(
                workflow,
                here,
                controller,
                MessageKind::CompensationReply,
                step,
                0,
            ),
            (MessageKind::StatusQuery, _) => {
                let known = cx.known_steps(workflow);
                cx.answer_status(message, known);
            }
            (kind, _) => unreachable!("the front controller never sends {}", kind.label()),
        }
    }
}

/// S1 compensates the step before `step`: remotely for steps 2.., itself for step 1.
fn compensate_before(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    controller: ComponentId,
    step: u8,
) {
    let previous = step
        .checked_sub(1)
        .expect("failures and replies come from step 2 on");
    if previous == 0 {
        cx.local(workflow, controller, MessageKind::Compensate, 0);
    } else {
        let service = cx.at_step(previous);
        cx.send(
            workflow,
            controller,
            service,
            MessageKind::Compensate,
            previous,
            0,
        );
    }
}
