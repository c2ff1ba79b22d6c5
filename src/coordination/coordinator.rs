//! The coordinator's side of the rules, shared by the orchestrator and the front
//! controller's first service: what it knows of each workflow, the request it awaits, and
//! how it rolls a workflow back (one step at a time, in reverse order, then the outcome).
//! The waits' timers and retries are the world's (`model::world::coordinator`).

use crate::model::{ComponentId, Message, MessageKind, Request, WorkflowRef};

use super::Cx;

impl Cx<'_, '_> {
    /// Steps the coordinator knows completed.
    pub fn known_steps(&mut self, workflow: WorkflowRef) -> u8 {
        self.world.workflow(workflow).coordinator_known
    }

    /// The coordinator learns that `steps` steps completed (knowledge only grows).
    pub fn learn_steps(&mut self, workflow: WorkflowRef, steps: u8) {
        let state = self.world.workflow(workflow);
        state.coordinator_known = state.coordinator_known.max(steps);
    }

    /// The coordinator sees the workflow's start; `false` if it already had (a duplicate).
    pub fn begin(&mut self, workflow: WorkflowRef) -> bool {
        let state = &mut self.world.workflow(workflow).coordinator;
        let first = !state.began;
        state.began = true;
        state.active |= first;
        first
    }

    /// The coordinator at `from` sends a request and waits for its reply (with the
    /// scenario's timeout and retries).
    pub fn request(
        &mut self,
        workflow: WorkflowRef,
        from: ComponentId,
        kind: MessageKind,
        step: u8,
    ) {
        let dst = self.at_step(step);
        self.world
            .send_awaited(self.queue, workflow, from, Request { kind, dst, step });
    }

    /// Wait for the reply to a `kind` request for `step` that someone else sent.
    pub fn expect(&mut self, workflow: WorkflowRef, kind: MessageKind, step: u8) {
        let dst = self.at_step(step);
        self.world
            .expect_reply(self.queue, workflow, Request { kind, dst, step });
    }

    /// Whether a reply is the one awaited (the wait then ends); duplicates and late
    /// replies are not.
    pub fn take_reply(&mut self, workflow: WorkflowRef, kind: MessageKind, step: u8) -> bool {
        self.world.take_reply(workflow, kind, step)
    }

    /// The request the coordinator awaits, if any.
    pub fn pending(&mut self, workflow: WorkflowRef) -> Option<Request> {
        self.world.workflow(workflow).coordinator.pending
    }

    /// Mark the workflow as rolling back; `false` if it already was.
    pub fn start_compensating(&mut self, workflow: WorkflowRef, gave_up: bool) -> bool {
        let state = &mut self.world.workflow(workflow).coordinator;
        state.gave_up |= gave_up;
        if state.compensating {
            return false;
        }
        state.compensating = true;
        state.pending = None;
        true
    }

    /// The message that ends a rollback: `failed` if the coordinator gave up on a step,
    /// `compensated` after a business failure.
    pub fn rollback_outcome(&mut self, workflow: WorkflowRef) -> MessageKind {
        if self.world.workflow(workflow).coordinator.gave_up {
            MessageKind::Failed
        } else {
            MessageKind::Compensated
        }
    }
}

/// Compensate `step` (waiting for its reply) from the coordinator at `at`, or, with nothing
/// left, tell the client how the rollback ended. A coordinator that is also a participant
/// (the front controller's first service) undoes its own step itself.
pub(super) fn compensate_from(
    cx: &mut Cx<'_, '_>,
    workflow: WorkflowRef,
    at: ComponentId,
    step: Option<u8>,
) {
    match step {
        Some(step) => cx.request(workflow, at, MessageKind::Compensate, step),
        None => {
            let outcome = cx.rollback_outcome(workflow);
            cx.send_to_client(workflow, at, outcome, 0, 0);
        }
    }
}

/// A compensation reply reached the coordinator at `at`: if it is the one awaited, the
/// rollback moves on to the step before.
pub(super) fn compensation_replied(cx: &mut Cx<'_, '_>, reply: &Message, at: ComponentId) {
    if cx.take_reply(reply.workflow, MessageKind::Compensate, reply.step) {
        let previous = cx.previous_step(reply.workflow, reply.step);
        compensate_from(cx, reply.workflow, at, previous);
    }
}

/// The coordinator at `at` exhausted its retries on the awaited request: roll back from
/// the step it gave up on, that step included when it was a forward request (it may have
/// been applied before its reply was lost); the outcome is `failed`.
pub(super) fn give_up(cx: &mut Cx<'_, '_>, workflow: WorkflowRef, at: ComponentId) {
    let Some(pending) = cx.pending(workflow) else {
        return;
    };
    cx.start_compensating(workflow, true);
    let from = match pending.kind {
        MessageKind::Compensate => cx.previous_step(workflow, pending.step),
        _ => Some(pending.step),
    };
    compensate_from(cx, workflow, at, from);
}
