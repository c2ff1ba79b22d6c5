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
//! blocking call, so every worker along the chain is held until the answers travel back:
//! acks when every step committed (S1 then answers the client `done`), or the failure,
//! passed back hop by hop to S1's held worker, which drives the rollback. Progress reports
//! are one-way notifications that only keep S1's status answers current: S1 applies them
//! on its other workers, never inside the chain it waits on, so the chain cannot deadlock
//! on S1's pool. S1's compensation commands are calls answered by the compensation
//! replies, and S1 undoes its own step on the same worker.

use crate::model::{
    ComponentId, Message, MessageKind, Path, ROLLBACK_GAVE_UP, StatusRoute, WorkResult, WorkflowRef,
};

use super::choreography::{forward, start_chain};
use super::coordinator::{compensation_replied, give_up, roll_back};
use super::{Coordinator, Cx, Rules, event_outputs};

pub struct FrontController;

impl Rules for FrontController {
    const STATUS: StatusRoute = StatusRoute::FirstService;
    const COORDINATOR: Option<Coordinator> = Some(Coordinator::FirstService);
    const JOINS_AT_SERVICES: bool = true;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    /// Data passes along the chain; the last step's output reaches the controller with
    /// its progress (async, or sync with parallel blocks, where the controller answers
    /// the client on that progress), or back up the chain of returning calls (sync on a
    /// chain: the controller answers the client when its own call returns, so the result
    /// comes with that return), and goes from there to the client with the answer.
    fn carried_outputs(message: &Message, path: &Path, sync: bool, _returns: bool) -> u64 {
        let last = path.outputs_at_end();
        let returns = sync && !path.has_parallel();
        match message.kind {
            MessageKind::Event => event_outputs(message, path),
            MessageKind::Progress if !returns && Some(message.step) == path.last() => last,
            MessageKind::Ack if returns => last,
            MessageKind::Done => last,
            _ => 0,
        }
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        let workflow = message.workflow;
        let step = message.step;
        let here = message.dst;
        let controller = cx.first_service();
        let parallel = cx.path(workflow).has_parallel();
        match (message.kind, result) {
            (MessageKind::Start, result) => {
                if !cx.begin(workflow) {
                    return;
                }
                if result != WorkResult::Committed {
                    cx.send_to_client(workflow, here, MessageKind::Compensated, 0, 0);
                    return;
                }
                cx.learn_step(workflow, 0);
                cx.accept(workflow, here);
                if parallel {
                    // Parallel blocks: the events fan out and join as in a choreography;
                    // the controller follows the progress (no single awaited event).
                    forward(cx, workflow, here, 0);
                    expect_next_steps(cx, workflow);
                    return;
                }
                match cx.next_step(workflow, 0) {
                    Some(next) => cx.request(workflow, here, MessageKind::Event, next),
                    None => cx.send_to_client(workflow, here, MessageKind::Done, 0, 0),
                }
            }
            (MessageKind::Event, WorkResult::Committed) if here != controller => {
                // The event goes first: progress reporting is off the critical path.
                if parallel {
                    if cx.next_step(workflow, step).is_some() {
                        forward(cx, workflow, here, step);
                    }
                } else if let Some(next) = cx.next_step(workflow, step) {
                    let service = cx.at_step(next);
                    cx.call(workflow, here, service, MessageKind::Event, next);
                }
                cx.notify(workflow, here, controller, MessageKind::Progress, step, 0);
            }
            (MessageKind::Event, WorkResult::StepFailed) => report_failure(cx, message, step, 0),
            // Sync: a failure travelling back up the chain of calls, through a service that
            // only passes it on (the controller drives the rollback).
            (MessageKind::Failure, _) if here != controller => {
                report_failure(cx, message, step, message.payload)
            }
            // After giving up, a step's progress means a late event drove it: undone.
            (MessageKind::Progress, _) if cx.has_given_up(workflow) => {
                cx.undo_late_step(workflow, here, step)
            }
            (MessageKind::Progress, _) if parallel => parallel_progress(cx, workflow, here, step),
            (MessageKind::Failure, _) if parallel => {
                let gave_up = message.payload & ROLLBACK_GAVE_UP != 0;
                parallel_failure(cx, workflow, here, step, gave_up)
            }
            (MessageKind::Progress, _) => {
                let done = cx.steps_through(workflow, step);
                cx.learn_step(workflow, step);
                if cx.is_sync() {
                    // The answer to the controller's own call ends its wait; progress only
                    // keeps its status answers current.
                    return;
                }
                // Progress may overtake: any progress at or past the awaited step ends the wait.
                let path = cx.path(workflow);
                let Some(awaited) = cx
                    .pending(workflow)
                    .filter(|p| p.kind == MessageKind::Event && path.position(p.step) < done)
                else {
                    return;
                };
                cx.take_reply(workflow, MessageKind::Event, awaited.step);
                match path.next(step) {
                    Some(next) => cx.expect(workflow, MessageKind::Event, next),
                    None => cx.send_to_client(workflow, here, MessageKind::Done, step, 0),
                }
            }
            (MessageKind::Failure, _) => {
                // A participant that gave up on its call reports the step it called: that
                // step may have been applied, so it is undone too.
                let gave_up = message.payload & ROLLBACK_GAVE_UP != 0;
                if cx.start_compensating(workflow, gave_up) {
                    // Every step before the failed one committed (a chain); the one it
                    // gave up on may have too.
                    let mut undo = cx.path(workflow).done_with(step);
                    if !gave_up {
                        undo &= !(1u64 << step);
                    }
                    roll_back(cx, workflow, controller, undo);
                }
            }
            (MessageKind::Compensate, _) if here == controller => {
                if cx.take_reply(workflow, MessageKind::Compensate, 0) {
                    let outcome = cx.rollback_outcome(workflow);
                    cx.send_to_client(workflow, here, outcome, 0, 0);
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
            (MessageKind::CompensationReply, _) => compensation_replied(cx, message, controller),
            (MessageKind::StatusQuery, _) => {
                let known = cx.known_steps(workflow);
                cx.answer_status(message, known);
            }
            // A re-sent event that reached S1 itself cannot happen (S1 only re-sends to
            // later steps); any other combination is a bug.
            (kind, _) => unreachable!("the front controller never sends {}", kind.label()),
        }
    }

    /// Sync: the chain returned: every step committed (a failure would have come back
    /// instead), so the controller knows the workflow is done.
    fn acked(cx: &mut Cx<'_, '_>, ack: &Message) {
        let workflow = ack.workflow;
        let path = cx.path(workflow);
        let (Some(second), Some(last)) = (path.next(0), path.last()) else {
            return;
        };
        if ack.dst == cx.first_service() && cx.take_reply(workflow, MessageKind::Event, second) {
            cx.learn_step(workflow, last);
            cx.send_to_client(workflow, ack.dst, MessageKind::Done, last, 0);
        }
    }

    /// Sync: a participant's call to the next service timed out for good: it reports the
    /// step it called back up the chain, and the controller rolls the workflow back
    /// (`failed`).
    fn call_failed(cx: &mut Cx<'_, '_>, request: &Message, abandoned: u64) {
        let workflow = request.workflow;
        let here = request.dst;
        if abandoned != 0 {
            // A fork gave up on branches: each counts as failed, given up on. The
            // controller, when it is the fork, knows it at once.
            for &head in cx.path(workflow).steps() {
                if abandoned & (1u64 << head) != 0 {
                    if here == cx.first_service() {
                        parallel_failure(cx, workflow, here, head, true);
                    } else {
                        report_failure(cx, request, head, ROLLBACK_GAVE_UP);
                    }
                }
            }
            return;
        }
        // Inside a branch the step called is the branch's next; elsewhere (before the
        // fork, after the join) the path's next.
        let path = cx.path(workflow);
        let called = if path.has_parallel() && path.in_parallel(request.step) {
            path.next_in_branch(request.step)
        } else {
            path.next(request.step)
        }
        .expect("a participant that called has a next step");
        report_failure(cx, request, called, ROLLBACK_GAVE_UP);
    }

    fn give_up(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        let controller = cx.first_service();
        give_up(cx, workflow, controller);
    }
}

/// With parallel blocks (async, no `[policy]`): the controller learns each step's
/// progress; the last step's ends the workflow, and during a rollback it may settle the
/// block the controller waits on.
fn parallel_progress(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, here: ComponentId, step: u8) {
    cx.take_awaited(workflow, step);
    cx.learn_step(workflow, step);
    // Steps the progress implies are done too: their waits end with it.
    cx.end_known_waits(workflow);
    if cx.is_compensating(workflow) {
        settle_block(cx, workflow, here, step);
        expect_next_steps(cx, workflow);
    } else if cx.path(workflow).last() == Some(step) && cx.is_active(workflow) {
        cx.send_to_client(workflow, here, MessageKind::Done, step, 0);
    } else {
        expect_next_steps(cx, workflow);
    }
}

/// With a `[policy]` on a parallel workflow: the controller waits for the progress of
/// every step that can run next (each step not known done whose predecessors are), with
/// one timer for them all; on a timeout it re-sends their events, and when retries run
/// out it undoes what it knows committed and the steps it waited on (they may have run),
/// ending `failed`.
///
/// After a failure in a block, until the block settles and the rollback begins, it waits
/// only on the branches still running (a failed branch runs no further, and nothing
/// after the block will run).
fn expect_next_steps(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
    if !cx.has_policy() || cx.is_rolling_back(workflow) {
        return;
    }
    let settling = cx.is_compensating(workflow);
    let failed = cx.join_failed(workflow);
    let known = cx.known_mask(workflow);
    let awaiting = cx.awaiting(workflow);
    let path = cx.path(workflow);
    for &step in path.steps() {
        let bit = 1u64 << step;
        let running =
            !settling || (path.in_parallel(step) && failed & 1u64 << path.tail_of(step) == 0);
        if running && (known | awaiting) & bit == 0 && path.done_with(step) & !bit & !known == 0 {
            cx.expect_in_block(workflow, step);
        }
    }
}

/// With parallel blocks: a step failed. The steps before it on its path committed. In a
/// block, the other branches run on (nobody can stop a choreography): the controller
/// waits until each has reached its last step or failed, then undoes everything it knows
/// committed, one step at a time, latest first. After the block, it undoes at once.
fn parallel_failure(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    here: ComponentId,
    step: u8,
    gave_up: bool,
) {
    if gave_up && (cx.known_mask(workflow) & 1u64 << step != 0 || !cx.is_active(workflow)) {
        // A call given up on whose step did run (its progress is in; only the answer was
        // lost or late), or a workflow already ended: nothing to roll back for it.
        return;
    }
    let path = cx.path(workflow);
    let before = path.done_with(step) & !(1u64 << step);
    cx.take_awaited(workflow, step);
    cx.learn_mask(workflow, before);
    cx.start_compensating(workflow, gave_up);
    if path.in_parallel(step) {
        cx.mark_branch_failed(workflow, path.tail_of(step));
        settle_block(cx, workflow, here, step);
    } else if !cx.is_rolling_back(workflow) {
        let known = cx.known_mask(workflow);
        cx.start_rolling_back(workflow);
        roll_back(cx, workflow, here, known);
    }
}

/// During a rollback, once every branch of the block of `step` has reached its last step
/// or failed, undo what committed (once).
fn settle_block(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, here: ComponentId, step: u8) {
    let path = cx.path(workflow);
    if cx.is_rolling_back(workflow) || !path.in_parallel(step) {
        return;
    }
    let tails = path.tails_mask(path.stage_of(step));
    let settled = (cx.known_mask(workflow) | cx.join_failed(workflow)) & tails;
    if settled == tails {
        let known = cx.known_mask(workflow);
        cx.start_rolling_back(workflow);
        roll_back(cx, workflow, here, known);
    }
}

/// A step failed (or a call from its service gave up on the next): tell the controller.
/// Async: one notification straight to it. Sync, on a chain: the answer to this
/// service's caller, passed back up the chain of calls to the controller's held worker;
/// a notification could be overtaken by the chain's acks and look like success. With
/// parallel blocks the controller follows progress, not the chain's return, so a
/// notification straight to it is safe there too.
fn report_failure(cx: &mut Cx<'_, '_>, handled: &Message, failed_step: u8, flag: u32) {
    let here = handled.dst;
    let workflow = handled.workflow;
    if cx.is_sync() && !cx.path(workflow).has_parallel() {
        let own = cx
            .step_on_path(workflow, here)
            .expect("a participant performs a step of the path");
        let caller = cx.at_step(
            cx.previous_step(workflow, own)
                .expect("a participant after the first was called"),
        );
        cx.send(
            workflow,
            here,
            caller,
            MessageKind::Failure,
            failed_step,
            flag,
        );
    } else {
        let controller = cx.first_service();
        cx.notify(
            workflow,
            here,
            controller,
            MessageKind::Failure,
            failed_step,
            flag,
        );
    }
}
