//! Stamp coupling: choreography whose messages carry the workflow's state (the "stamp").
//!
//! ```text
//! success (n+1 messages)                    failure at step k ≥ 2 (3k−2 messages; k = 1: 2)
//!   C ──start──▶ S1                           … Sk fails; its stamp lists S1..Sk-1 as done
//!   Si ──event + stamp──▶ Si+1                Sk ──compensate──▶ S1, S2, …, Sk-1 (all at once)
//!   Sn ──done + stamp──▶ C                    each Sj ──report──▶ C; C marks the workflow
//!                                             compensated when all k-1 have reported
//! size of a message = base + (steps completed per its stamp) × state_per_step
//! status: unsupported for outside callers (no just-in-time status)
//! ```

use crate::model::{Message, MessageKind, MessageSizes, StatusRoute, WorkResult, WorkflowRef};

use super::choreography::start_chain;
use super::{Coordination, Coordinator, Cx, Variant};

pub struct StampCoupling;

impl Coordination for StampCoupling {
    const VARIANT: Variant = Variant::StampCoupling;
    const STATUS: StatusRoute = StatusRoute::Unsupported;
    const COORDINATOR: Option<Coordinator> = None;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        let workflow = message.workflow;
        let step = message.step;
        let here = message.dst;
        if step == 0 && result == WorkResult::Committed {
            cx.accept(workflow, here);
        }
        match result {
            WorkResult::Committed if cx.is_last(step) => {
                cx.to_client(workflow, here, MessageKind::Done, step, 0)
            }
            WorkResult::Committed => {
                let next = cx.at_step(step + 1);
                cx.send(workflow, here, next, MessageKind::Event, step + 1, 0);
            }
            WorkResult::StepFailed if step == 0 => {
                cx.to_client(workflow, here, MessageKind::Compensated, 0, 0)
            }
            WorkResult::StepFailed => {
                // The stamp says steps 0..step committed: undo them all in parallel.
                for done in 0..step {
                    let service = cx.at_step(done);
                    cx.send(
                        workflow,
                        here,
                        service,
                        MessageKind::Compensate,
                        done,
                        u32::from(step),
                    );
                }
            }
            WorkResult::Compensated => cx.to_client(
                workflow,
                here,
                MessageKind::CompensationReply,
                step,
                message.payload,
            ),
            WorkResult::Answered | WorkResult::Applied => {
                unreachable!("stamp coupling sends no {} messages", message.kind.label())
            }
        }
    }

    fn message_size(sizes: &MessageSizes, message: &Message, steps: usize) -> u64 {
        let stamp_steps = match message.kind {
            MessageKind::Start | MessageKind::Event => u64::from(message.step),
            MessageKind::Done => steps as u64,
            MessageKind::Compensate | MessageKind::CompensationReply => u64::from(message.payload),
            _ => 0,
        };
        sizes.base_bytes + stamp_steps * sizes.state_per_step_bytes
    }
}
