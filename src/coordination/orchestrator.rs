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
//! The orchestrator journals every transition (`journal`, added to its `work`). It waits
//! for each reply: with a `[policy]` it retries on timeout and, when retries run out,
//! compensates from the step it gave up on (included: it may have been applied) and tells
//! the client `failed`. A journaled orchestrator re-issues its in-flight request after a
//! restart; an in-memory one forgets its in-flight workflows.

use crate::model::{ComponentId, Message, MessageKind, Path, StatusRoute, WorkResult, WorkflowRef};

use super::coordinator::{compensate_from, compensation_replied, give_up};
use super::{Coordinator, Cx, Rules};

pub struct Orchestrator;

const O: ComponentId = ComponentId::ORCHESTRATOR;

impl Rules for Orchestrator {
    const STATUS: StatusRoute = StatusRoute::Component(ComponentId::ORCHESTRATOR);
    const COORDINATOR: Option<Coordinator> = Some(Coordinator::Orchestrator);

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        cx.send(workflow, ComponentId::CLIENT, O, MessageKind::Start, 0, 0);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        let workflow = message.workflow;
        let step = message.step;
        match (message.kind, result) {
            (MessageKind::Start, _) => {
                if cx.begin(workflow) {
                    let first = cx.first_step(workflow);
                    cx.request(workflow, O, MessageKind::Command, first);
                }
            }
            (MessageKind::Command, WorkResult::Committed) => {
                cx.send(workflow, message.dst, O, MessageKind::Reply, step, 0)
            }
            (MessageKind::Command, _) => {
                cx.send(workflow, message.dst, O, MessageKind::Failure, step, 0)
            }
            (MessageKind::Reply, _) => {
                if !cx.take_reply(workflow, MessageKind::Command, step) {
                    return;
                }
                let done = cx.steps_through(workflow, step);
                cx.learn_steps(workflow, done);
                if done == 1 {
                    cx.accept(workflow, O);
                }
                match cx.next_step(workflow, step) {
                    Some(next) => cx.request(workflow, O, MessageKind::Command, next),
                    None => cx.send_to_client(workflow, O, MessageKind::Done, step, 0),
                }
            }
            (MessageKind::Failure, _) => {
                if cx.take_reply(workflow, MessageKind::Command, step)
                    && cx.start_compensating(workflow, false)
                {
                    let previous = cx.previous_step(workflow, step);
                    compensate_from(cx, workflow, O, previous);
                }
            }
            (MessageKind::Compensate, _) => cx.send(
                workflow,
                message.dst,
                O,
                MessageKind::CompensationReply,
                step,
                0,
            ),
            (MessageKind::CompensationReply, _) => compensation_replied(cx, message, O),
            (MessageKind::StatusQuery, _) => {
                let known = cx.known_steps(workflow);
                cx.answer_status(message, known);
            }
            (kind, _) => unreachable!("the orchestrator never sends {}", kind.label()),
        }
    }

    fn give_up(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        give_up(cx, workflow, O);
    }

    /// The orchestrator relays the data: each step's output comes back in its reply and
    /// goes on in the next command; the last one's in the answer to the client.
    fn carried_output(message: &Message, path: &Path, _sync: bool) -> Option<u8> {
        match message.kind {
            MessageKind::Reply => Some(message.step),
            MessageKind::Command => path.previous(message.step),
            MessageKind::Done => path.last(),
            _ => None,
        }
    }
}
