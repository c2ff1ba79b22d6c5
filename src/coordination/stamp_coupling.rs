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
//! Sync: each event is a blocking call, acks travel back up the chain, and S1 answers the
//! client `done` once its own call returns (`answer = "return"`; with `"callback"` Sn
//! answers it); the compensations and the reports are one-way. A call that times out for good makes its caller undo
//! every step its stamp lists, its own included, the same way: `failed`.

use crate::model::{
    ComponentId, JOIN_BRANCH_MASK, Message, MessageKind, MessageSizeRule, MessageSizes, Path,
    ROLLBACK_GAVE_UP, StatusRoute, WorkResult, WorkflowRef,
};

use super::choreography::{
    chain_acked, finish_chain, forward, report_abandoned_branches, report_to_join, start_chain,
};
use super::{Coordinator, Cx, Rules};

pub struct StampCoupling;

impl Rules for StampCoupling {
    const STATUS: StatusRoute = StatusRoute::Unsupported;
    const COORDINATOR: Option<Coordinator> = None;
    const JOINS_AT_SERVICES: bool = true;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        let workflow = message.workflow;
        let step = message.step;
        let here = message.dst;
        // The stamp: how many steps of the path are done before this one.
        let before = cx.steps_through(workflow, step) - 1;
        if before == 0 && result == WorkResult::Committed {
            cx.accept(workflow, here);
        }
        let path = cx.path(workflow);
        match (message.kind, result) {
            // At the step after a parallel block: every branch has reported and one
            // failed. The stamps it gathered list what committed: undo it all at once.
            (MessageKind::Failure, _) => {
                let committed = cx.join_known(workflow);
                let flag = cx.join_rollback_flag(workflow);
                compensate_all(cx, workflow, here, committed, flag);
            }
            (_, WorkResult::Committed) if path.has_parallel() => forward(cx, workflow, here, step),
            (_, WorkResult::Committed) => match cx.next_step(workflow, step) {
                Some(next) => {
                    let service = cx.at_step(next);
                    cx.call(workflow, here, service, MessageKind::Event, next);
                }
                None => finish_chain(cx, workflow, here, step),
            },
            (_, WorkResult::StepFailed) if before == 0 => {
                cx.send_to_client(workflow, here, MessageKind::Compensated, 0, 0)
            }
            // In a parallel block the stamp knows nothing of the other branches: report
            // to the join, which gathers every branch's stamp.
            (_, WorkResult::StepFailed) if path.has_parallel() && path.in_parallel(step) => {
                report_to_join(cx, workflow, here, step, 0)
            }
            (_, WorkResult::StepFailed) => {
                let committed = path.done_with(step) & !(1u64 << step);
                compensate_all(cx, workflow, here, committed, 0)
            }
            (_, WorkResult::Compensated) => cx.send_to_client(
                workflow,
                here,
                MessageKind::CompensationReply,
                step,
                message.payload,
            ),
            (_, WorkResult::Answered | WorkResult::Applied) => {
                unreachable!("stamp coupling sends no {} messages", message.kind.label())
            }
        }
    }

    fn acked(cx: &mut Cx<'_, '_>, ack: &Message) {
        chain_acked(cx, ack);
    }

    /// Sync: the call to the next service timed out for good. The stamp says the path's
    /// steps up to this one committed (this one included): undo them all at once, ending
    /// `failed`.
    fn call_failed(cx: &mut Cx<'_, '_>, request: &Message, abandoned: u64) {
        if abandoned != 0 {
            // A fork gave up on branches: the join, told on their behalf, gathers the
            // stamps and undoes what committed.
            report_abandoned_branches(cx, request, abandoned);
            return;
        }
        let step = request.step;
        let here = request.dst;
        let path = cx.path(request.workflow);
        if path.has_parallel() && path.in_parallel(step) {
            // Inside a block the stamp knows nothing of the other branches: the join owns
            // the rollback. Report the step called as failed (given up on), with the stamp
            // of the steps before it, as a branch's own failure would be.
            let called = path
                .next_in_branch(step)
                .expect("a branch step that called");
            report_to_join(cx, request.workflow, here, called, ROLLBACK_GAVE_UP);
            return;
        }
        let committed = path.done_with(step);
        compensate_all(cx, request.workflow, here, committed, ROLLBACK_GAVE_UP);
        cx.local(
            request.workflow,
            here,
            MessageKind::Compensate,
            step,
            committed.count_ones() | ROLLBACK_GAVE_UP,
        );
    }

    const MESSAGE_SIZE: Option<MessageSizeRule> = Some(stamped_size);
}

/// A message's size: the base, plus the stamp's state for the steps done before it.
fn stamped_size(sizes: &MessageSizes, message: &Message, path: &Path) -> u64 {
    let stamp_steps = match message.kind {
        // A join's events each carry their branch's stamp; a branch's failure report the
        // stamp of the steps before the failed one.
        MessageKind::Event if path.has_parallel() && path.is_join(message.step) => u64::from(
            path.done_with((message.payload & JOIN_BRANCH_MASK) as u8)
                .count_ones(),
        ),
        MessageKind::Failure => {
            u64::from(path.done_with((message.payload >> 8) as u8).count_ones()) - 1
        }
        MessageKind::Start | MessageKind::Event if !path.has_parallel() => {
            u64::from(path.position(message.step))
        }
        MessageKind::Start | MessageKind::Event => {
            u64::from(path.done_with(message.step).count_ones()) - 1
        }
        MessageKind::Done => path.len() as u64,
        MessageKind::Compensate | MessageKind::CompensationReply => {
            u64::from(message.payload & !ROLLBACK_GAVE_UP)
        }
        _ => 0,
    };
    sizes.base_bytes + stamp_steps * sizes.state_per_step_bytes
}

/// The stamp says the steps of `committed` are done: tell the services of all of them
/// except `from`'s own step at once (one-way), each to compensate and report to the
/// client, which counts the reports.
fn compensate_all(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    from: ComponentId,
    committed: u64,
    flag: u32,
) {
    let path = cx.path(workflow);
    let count = committed.count_ones();
    for &done in path.steps() {
        let service = cx.at_step(done);
        if committed & (1u64 << done) != 0 && service != from {
            cx.notify(
                workflow,
                from,
                service,
                MessageKind::Compensate,
                done,
                count | flag,
            );
        }
    }
}
