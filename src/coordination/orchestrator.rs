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

use super::coordinator::{compensation_replied, give_up, roll_back};
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
            (MessageKind::Reply, _) if in_block(cx, workflow, step) => {
                branch_replied(cx, workflow, step)
            }
            (MessageKind::Reply, _) => {
                if !cx.take_reply(workflow, MessageKind::Command, step) {
                    return;
                }
                cx.learn_step(workflow, step);
                let path = cx.path(workflow);
                if path.first() == Some(step) {
                    cx.accept(workflow, O);
                }
                if !path.has_parallel() {
                    match path.next(step) {
                        Some(next) => cx.request(workflow, O, MessageKind::Command, next),
                        None => cx.send_to_client(workflow, O, MessageKind::Done, step, 0),
                    }
                    return;
                }
                match path.next_in_branch(step) {
                    Some(next) => cx.request(workflow, O, MessageKind::Command, next),
                    None => start_stage(cx, workflow, path.stage_of(step) + 1),
                }
            }
            (MessageKind::Failure, _) if in_block(cx, workflow, step) => {
                if cx.take_awaited(workflow, step) {
                    cx.start_compensating(workflow, false);
                    let stage = cx.path(workflow).stage_of(step);
                    settle_block(cx, workflow, stage);
                }
            }
            (MessageKind::Failure, _) => {
                if cx.take_reply(workflow, MessageKind::Command, step)
                    && cx.start_compensating(workflow, false)
                {
                    let known = cx.known_mask(workflow);
                    roll_back(cx, workflow, O, known);
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
    /// goes on in the commands of the steps that consume it (a parallel block's first
    /// steps each get the output before the block; the step after it gets every branch's);
    /// the last one's in the answer to the client.
    fn carried_outputs(message: &Message, path: &Path, _sync: bool, _returns: bool) -> u64 {
        match message.kind {
            MessageKind::Reply => 1u64 << message.step,
            MessageKind::Command => path.inputs_of(message.step),
            MessageKind::Done => path.outputs_at_end(),
            _ => 0,
        }
    }
}

/// Whether `step` runs in a parallel block of the workflow's path.
#[inline(always)]
fn in_block(cx: &Cx<'_, '_>, workflow: WorkflowRef, step: u8) -> bool {
    let path = cx.path(workflow);
    path.has_parallel() && path.in_parallel(step)
}

/// Begin stage `stage` of the workflow's path: command its step, or every first step of
/// a parallel block's branches at once; past the last stage, the workflow is done.
fn start_stage(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, stage: usize) {
    let path = cx.path(workflow);
    match path.stages().get(stage) {
        None => {
            let last = path.last().expect("a path has a step");
            cx.send_to_client(workflow, O, MessageKind::Done, last, 0);
        }
        Some(branches) if branches.len() == 1 => {
            cx.request(workflow, O, MessageKind::Command, branches[0][0]);
        }
        Some(_) => {
            for head in path.heads(stage) {
                cx.request_in_block(workflow, O, MessageKind::Command, head);
            }
        }
    }
}

/// A reply from a step of a parallel block: its branch goes on, and when no command of
/// the block is outstanding the block is over. After a failure in the block no new step
/// starts: the steps under way finish, then the rollback begins.
fn branch_replied(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, step: u8) {
    if !cx.take_awaited(workflow, step) {
        return;
    }
    cx.learn_step(workflow, step);
    let compensating = cx.is_compensating(workflow);
    let path = cx.path(workflow);
    match path.next_in_branch(step) {
        Some(next) if !compensating => cx.request_in_block(workflow, O, MessageKind::Command, next),
        _ => settle_block(cx, workflow, path.stage_of(step)),
    }
}

/// When no command of parallel block `stage` is outstanding: roll back what committed
/// after a failure, or go on to the next stage.
fn settle_block(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, stage: usize) {
    if cx.awaiting(workflow) != 0 {
        return;
    }
    if cx.is_compensating(workflow) {
        let known = cx.known_mask(workflow);
        roll_back(cx, workflow, O, known);
    } else {
        start_stage(cx, workflow, stage + 1);
    }
}
