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
//! own `journal`. It waits for the next progress: with a `[policy]`, on timeout it re-sends
//! the event for the step after the last it knows of, and when retries run out it
//! compensates what it knows of (and the step it gave up on) and tells the client `failed`.
//!
//! Sync: S1's own event to S2 is its awaited request and each later event a participant's
//! blocking call, so every worker along the chain is held until the acks travel back.
//! Progress and failure reports are one-way notifications: S1 applies them on its other
//! workers, never inside the chain it waits on, so the chain cannot deadlock on S1's pool.
//! S1's compensation commands are calls answered by the compensation replies, and S1
//! undoes its own step on the same worker.

use crate::model::{Message, MessageKind, ROLLBACK_GAVE_UP, StatusRoute, WorkResult, WorkflowRef};

use super::choreography::start_chain;
use super::{Coordinator, Cx, Rules};

pub struct FrontController;

impl Rules for FrontController {
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
            (MessageKind::Start, result) => {
                if !cx.begin(workflow) {
                    return;
                }
                if result != WorkResult::Committed {
                    cx.to_client(workflow, here, MessageKind::Compensated, 0, 0);
                    return;
                }
                cx.learn_steps(workflow, 1);
                cx.accept(workflow, here);
                if cx.is_last(0) {
                    cx.to_client(workflow, here, MessageKind::Done, 0, 0);
                } else {
                    cx.request(workflow, here, MessageKind::Event, 1);
                }
            }
            (MessageKind::Event, WorkResult::Committed) if here != controller => {
                // The event goes first: progress reporting is off the critical path.
                if !cx.is_last(step) {
                    let next = cx.at_step(step + 1);
                    cx.call(workflow, here, next, MessageKind::Event, step + 1);
                }
                cx.notify(workflow, here, controller, MessageKind::Progress, step, 0);
            }
            (MessageKind::Event, WorkResult::StepFailed) => {
                cx.notify(workflow, here, controller, MessageKind::Failure, step, 0)
            }
            (MessageKind::Progress, _) => {
                cx.learn_steps(workflow, step + 1);
                // Progress may overtake: any progress at or past the awaited step ends the wait.
                let Some(awaited) = cx
                    .pending(workflow)
                    .filter(|p| p.kind == MessageKind::Event && p.step <= step)
                else {
                    return;
                };
                cx.take_reply(workflow, MessageKind::Event, awaited.step);
                if cx.is_last(step) {
                    cx.to_client(workflow, here, MessageKind::Done, step, 0);
                } else {
                    cx.expect(workflow, MessageKind::Event, step + 1);
                }
            }
            (MessageKind::Failure, _) => {
                // A participant that gave up on its call reports the step it called: that
                // step may have been applied, so it is undone too.
                let gave_up = message.payload & ROLLBACK_GAVE_UP != 0;
                if cx.start_compensating(workflow, gave_up) {
                    let from = if gave_up {
                        Some(step)
                    } else {
                        step.checked_sub(1)
                    };
                    compensate_from(cx, workflow, from);
                }
            }
            (MessageKind::Compensate, _) if here == controller => {
                if cx.take_reply(workflow, MessageKind::Compensate, 0) {
                    let outcome = cx.rollback_outcome(workflow);
                    cx.to_client(workflow, here, outcome, 0, 0);
                }
            }
            (MessageKind::Compensate, _) => cx.send(
                workflow,
                here,
                controller,
                MessageKind::CompensationReply,
                step,
                0,
            ),
            (MessageKind::CompensationReply, _) => {
                if cx.take_reply(workflow, MessageKind::Compensate, step) {
                    compensate_from(cx, workflow, step.checked_sub(1));
                }
            }
            (MessageKind::StatusQuery, _) => {
                let known = cx.known_steps(workflow);
                cx.answer_status(message, known);
            }
            // A re-sent event that reached S1 itself cannot happen (S1 only re-sends to
            // later steps); any other combination is a bug.
            (kind, _) => unreachable!("the front controller never sends {}", kind.label()),
        }
    }

    /// Sync: a participant's call to the next service timed out for good: it tells the
    /// controller, which rolls the workflow back (`failed`).
    fn call_failed(cx: &mut Cx<'_, '_>, request: &Message) {
        let controller = cx.first_service();
        cx.notify(
            request.workflow,
            request.dst,
            controller,
            MessageKind::Failure,
            request.step + 1,
            ROLLBACK_GAVE_UP,
        );
    }

    fn give_up(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        let Some(pending) = cx.pending(workflow) else {
            return;
        };
        cx.start_compensating(workflow, true);
        let from = match pending.kind {
            MessageKind::Event => Some(pending.step),
            _ => pending.step.checked_sub(1),
        };
        compensate_from(cx, workflow, from);
    }
}

/// S1 compensates `step` (remotely for steps 2.., itself for step 1), waiting for it.
fn compensate_from(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, step: Option<u8>) {
    let controller = cx.first_service();
    match step {
        Some(step) => cx.request(workflow, controller, MessageKind::Compensate, step),
        None => {
            let outcome = cx.rollback_outcome(workflow);
            cx.to_client(workflow, controller, outcome, 0, 0);
        }
    }
}
