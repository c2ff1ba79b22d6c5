//! The coordinator's waits: the request it awaits a reply to, timeouts, retries with
//! backoff, and re-issuing the in-flight request after a journaled restart.

use crate::engine::{EventQueue, SimTime, StreamPurpose};

use super::super::message::{JOIN_EVERY_BRANCH, Message, MessageKind};
use super::super::station::HoldState;
use super::super::system::ComponentId;
use super::super::workflow::{Request, WorkflowRef};
use super::{Event, SendMode, World};

/// What a reply timeout leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutOutcome {
    /// Stale timer, or a retry is scheduled.
    Nothing,
    /// Retries are exhausted: the variant gives up on the request.
    GiveUp,
}

impl World<'_> {
    /// The coordinator at `from` sends `request` and waits for its reply.
    pub fn send_awaited(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        from: ComponentId,
        request: Request,
    ) {
        if request.dst == from {
            self.local(queue, workflow, from, request.kind, request.step, 0);
        } else {
            let sent = self.send_request(queue, workflow, from, request);
            self.workflows.get_mut(workflow).coordinator_hold = sent.call_id().unwrap_or(0);
        }
        self.expect_reply(queue, workflow, request);
    }

    /// The coordinator's message for `request`.
    fn send_request(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        from: ComponentId,
        request: Request,
    ) -> Message {
        self.send(
            queue,
            workflow,
            from,
            request.dst,
            request.kind,
            request.step,
            0,
            SendMode::CoordinatorCall,
        )
    }

    /// The orchestrator sends `request`, one of a parallel block's commands, and waits for
    /// its reply among the others' (under `[policy]`, one timer for the whole block).
    pub fn send_awaited_in_block(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        from: ComponentId,
        request: Request,
    ) {
        let sent = self.send_request(queue, workflow, from, request);
        // Sync: the block's calls are one fan-out, under one id.
        self.workflows.get_mut(workflow).coordinator_hold = sent.call_id().unwrap_or(0);
        self.await_in_block(queue, workflow, request);
    }

    /// The front controller waits for the progress of `step`, one of the steps a parallel
    /// workflow goes on with (only with a `[policy]`: nothing else needs the wait).
    pub fn expect_in_block(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        step: u8,
    ) {
        if self.spec.failures.policy.is_some() {
            let dst = self.spec.step_component(usize::from(step));
            let kind = MessageKind::Event;
            self.await_in_block(queue, workflow, Request { kind, dst, step });
        }
    }

    /// The coordinator waits for `request`'s step among a parallel block's: one timer for
    /// the block, `timeout` after the latest step added (earlier timers go stale); on it,
    /// every step still awaited is asked again.
    fn await_in_block(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        request: Request,
    ) {
        if let Some(coordinator) = self.config.coordinator {
            self.complexity.waits(coordinator, &request);
        }
        let state = &mut self.workflows.get_mut(workflow).coordinator;
        state.awaiting |= 1u64 << request.step;
        state.token = state.token.wrapping_add(1);
        let token = state.token;
        if let Some(policy) = self.spec.failures.policy {
            let wait = self.wait_for(queue.now(), workflow, request.kind, policy.timeout);
            self.workflows.get_mut(workflow).outstanding += 1;
            queue.schedule_in(wait, Event::ReplyTimeout { workflow, token });
        }
    }

    /// Re-send the request of every step of a parallel block still awaited (after a
    /// timeout's backoff, or a journaled restart): the orchestrator's commands; the front
    /// controller's events, one-way, as a chain's first event would go (to a join, one
    /// event standing for every branch).
    fn reissue_block(&mut self, workflow: WorkflowRef, queue: &mut EventQueue<Event>) {
        let Some(coordinator) = self.config.coordinator else {
            return;
        };
        let state = self.workflows.get(workflow);
        let (awaiting, measured) = (state.coordinator.awaiting, state.measured);
        let path = self.path_of(workflow);
        for &step in path.steps() {
            if awaiting & (1u64 << step) == 0 {
                continue;
            }
            let dst = self.spec.step_component(usize::from(step));
            self.metrics.retry(measured);
            self.resending = true;
            if coordinator == ComponentId::ORCHESTRATOR {
                // A block's commands, or its branches' undo orders (`compensate =
                // "parallel"`).
                let kind = if self.workflows.get(workflow).coordinator.rolling_back {
                    MessageKind::Compensate
                } else {
                    MessageKind::Command
                };
                let request = Request { kind, dst, step };
                self.send_awaited_in_block(queue, workflow, coordinator, request);
            } else {
                // To a join, one event standing for every branch (the controller knows
                // them all done: it awaits a join only then).
                let payload = if path.is_join(step) {
                    JOIN_EVERY_BRANCH
                } else {
                    0
                };
                let kind = MessageKind::Event;
                self.send(
                    queue,
                    workflow,
                    coordinator,
                    dst,
                    kind,
                    step,
                    payload,
                    SendMode::Notify,
                );
                self.expect_in_block(queue, workflow, step);
            }
            self.resending = false;
        }
    }

    /// A reply to a parallel block's command for `step` arrived: whether it was awaited
    /// (the wait for it ends); a duplicate or a late reply was not.
    pub fn take_awaited(&mut self, now: SimTime, workflow: WorkflowRef, step: u8) -> bool {
        let state = &mut self.workflows.get_mut(workflow).coordinator;
        let bit = 1u64 << step;
        let awaited = state.awaiting & bit != 0;
        state.awaiting &= !bit;
        if awaited {
            // Progress: the retries start over.
            state.attempt = 0;
            if self.resilience.breaker.is_some() {
                self.breaker_answered(now, workflow, MessageKind::Command, step);
            }
        }
        awaited
    }

    /// Wait for the reply to `request` (sent by someone else, or just now).
    pub fn expect_reply(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        request: Request,
    ) {
        if let Some(coordinator) = self.config.coordinator {
            self.complexity.waits(coordinator, &request);
        }
        let state = &mut self.workflows.get_mut(workflow).coordinator;
        if state.pending != Some(request) {
            state.attempt = 0;
            state.only_refused = true;
        }
        state.pending = Some(request);
        state.token = state.token.wrapping_add(1);
        let token = state.token;
        if let Some(policy) = self.spec.failures.policy {
            let wait = self.wait_for(queue.now(), workflow, request.kind, policy.timeout);
            self.workflows.get_mut(workflow).outstanding += 1;
            queue.schedule_in(wait, Event::ReplyTimeout { workflow, token });
        }
    }

    /// A reply to a `kind` request for `step` arrived: whether it is the one awaited (if
    /// so, the wait ends); anything else is a duplicate or too late.
    pub fn take_reply(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        kind: MessageKind,
        step: u8,
    ) -> bool {
        let state = &mut self.workflows.get_mut(workflow).coordinator;
        match state.pending {
            Some(request) if request.kind == kind && request.step == step => {
                state.pending = None;
                state.token = state.token.wrapping_add(1);
                state.attempt = 0;
                if self.resilience.breaker.is_some() {
                    self.breaker_answered(now, workflow, kind, step);
                }
                true
            }
            _ => false,
        }
    }

    /// An async coordinator's command or compensation order was answered: a successful
    /// call for its breaker (sync answers count as they reach the held worker).
    fn breaker_answered(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        kind: MessageKind,
        step: u8,
    ) {
        if self.sync || !matches!(kind, MessageKind::Command | MessageKind::Compensate) {
            return;
        }
        if let Some(coordinator) = self.config.coordinator {
            let replica = self.sending_replica(coordinator, workflow);
            let dst = self.spec.step_component(usize::from(step));
            self.breaker_records(now, (coordinator, replica), dst, false);
        }
    }

    /// A timer event referring to `workflow` has been handled.
    pub fn timer_done(&mut self, workflow: WorkflowRef) {
        self.drop_reference(workflow);
    }

    /// The wait for a reply expired. The caller calls `timer_done` afterwards.
    pub fn reply_timeout(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        token: u32,
        queue: &mut EventQueue<Event>,
    ) -> TimeoutOutcome {
        let Some(coordinator) = self.config.coordinator else {
            return TimeoutOutcome::Nothing;
        };
        let Some(policy) = self.spec.failures.policy else {
            return TimeoutOutcome::Nothing;
        };
        let state = self.workflows.get(workflow);
        if state.coordinator.token != token
            || (state.coordinator.pending.is_none() && state.coordinator.awaiting == 0)
            || !self.coordinator_up(coordinator, workflow)
        {
            return TimeoutOutcome::Nothing;
        }
        let kind = state
            .coordinator
            .pending
            .map_or(MessageKind::Command, |r| r.kind);
        if let Some(request) = state.coordinator.pending
            && (self.sync || matches!(kind, MessageKind::Command | MessageKind::Compensate))
        {
            let replica = self.sending_replica(coordinator, workflow);
            self.breaker_records(now, (coordinator, replica), request.dst, true);
        }
        let final_failure = !self.may_retry(now, workflow, kind);
        let hold = self.workflows.get(workflow).coordinator_hold;
        if hold != 0 {
            let station = self.coordinator_station(coordinator, workflow);
            if self.stations[station]
                .held(hold)
                .is_some_and(|held| held.fan_out && held.state == HoldState::Continuing)
            {
                // The worker is busy with one of the block's replies: the wait for the
                // others is checked again a timeout later.
                self.workflows.get_mut(workflow).outstanding += 1;
                queue.schedule_in(policy.timeout, Event::ReplyTimeout { workflow, token });
                return TimeoutOutcome::Nothing;
            }
        }
        self.trace_wait(now, workflow, coordinator, false);
        self.workflows.get_mut(workflow).coordinator.only_refused = false;
        self.coordinator_wait_failed(now, workflow, final_failure, false, queue)
    }

    /// The coordinator's wait for its awaited request failed now (a timeout, or
    /// `refused`: a refusal or a breaker's fast failure): in sync its worker stops waiting and sleeps through the
    /// backoff (a thread retrying in a loop); it retries while the policy's retries last
    /// and the request may still go (`final_failure`: it may not), else gives up.
    pub(super) fn coordinator_wait_failed(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        final_failure: bool,
        refused: bool,
        queue: &mut EventQueue<Event>,
    ) -> TimeoutOutcome {
        let Some(coordinator) = self.config.coordinator else {
            return TimeoutOutcome::Nothing;
        };
        let hold = self.workflows.get(workflow).coordinator_hold;
        if hold != 0 {
            let station = self.coordinator_station(coordinator, workflow);
            let sleeping = self.stations[station].sleep_held(now, hold);
            self.workflows.get_mut(workflow).coordinator_hold = sleeping.unwrap_or(0);
        }
        let Some(policy) = self.spec.failures.policy else {
            return TimeoutOutcome::GiveUp;
        };
        let state = self.workflows.get_mut(workflow);
        state.coordinator.attempt += 1;
        let (attempt, waited) = (state.coordinator.attempt, state.coordinator.token);
        if refused {
            // The wait's timeout is still pending: it goes stale. (A timeout that fired
            // leaves no other timer with its token, and keeping the token keeps the
            // retries' jitter draws, which it keys, what they always were.)
            state.coordinator.token = waited.wrapping_add(1);
        }
        let token = state.coordinator.token;
        if attempt > policy.retries || final_failure {
            return TimeoutOutcome::GiveUp;
        }
        let mut rng = self
            .streams
            .stream(StreamPurpose::Jitter, state.number, u64::from(waited));
        let backoff = policy.backoff_before(attempt, rng.next_open01());
        state.outstanding += 1;
        queue.schedule_in(backoff, Event::Retry { workflow, token });
        TimeoutOutcome::Nothing
    }

    /// The backoff is over: re-send the awaited request (in sync, from the worker that
    /// slept through the backoff).
    pub fn retry(&mut self, workflow: WorkflowRef, token: u32, queue: &mut EventQueue<Event>) {
        let state = self.workflows.get(workflow);
        let measured = state.measured;
        if let Some(coordinator) = self.config.coordinator
            && state.coordinator.awaiting != 0
            && state.coordinator.token == token
            && self.coordinator_up(coordinator, workflow)
        {
            self.trace_wait(queue.now(), workflow, coordinator, true);
            let resumed = self.resume_coordinator_worker(queue.now(), workflow);
            self.reissue_block(workflow, queue);
            if resumed {
                self.after_resumed(queue.now(), queue);
            }
        } else if let (Some(coordinator), Some(request), true) = (
            self.config.coordinator,
            state.coordinator.pending,
            state.coordinator.token == token,
        ) && self.coordinator_up(coordinator, workflow)
        {
            self.trace_wait(queue.now(), workflow, coordinator, true);
            let resumed = self.resume_coordinator_worker(queue.now(), workflow);
            self.metrics.retry(measured);
            self.resending = true;
            self.send_awaited(queue, workflow, coordinator, request);
            self.resending = false;
            if resumed {
                self.after_resumed(queue.now(), queue);
            }
        }
        self.drop_reference(workflow);
    }

    /// Sync: act as the coordinator's worker that sleeps after a timed-out request (to
    /// retry or give up). `false` if there is none (async, or it died in a crash): the
    /// coordinator then acts without holding a worker.
    pub fn resume_coordinator_worker(&mut self, now: SimTime, workflow: WorkflowRef) -> bool {
        let hold = std::mem::take(&mut self.workflows.get_mut(workflow).coordinator_hold);
        match self.config.coordinator {
            Some(coordinator) if hold != 0 => {
                let replica = self.sending_replica(coordinator, workflow);
                self.resume_held(now, (coordinator, replica), hold)
                    .is_some()
            }
            _ => false,
        }
    }

    /// The station of the coordinator's replica that owns `workflow`'s shard.
    fn coordinator_station(&self, coordinator: ComponentId, workflow: WorkflowRef) -> usize {
        let replica = self.sending_replica(coordinator, workflow);
        self.station_of(coordinator, replica)
    }

    /// Whether the coordinator's replica that owns `workflow`'s shard is up.
    fn coordinator_up(&self, coordinator: ComponentId, workflow: WorkflowRef) -> bool {
        self.stations[self.coordinator_station(coordinator, workflow)].up
    }

    /// A journaled coordinator restarted: re-issue the request it was waiting on (the
    /// service may already have done it: a possible duplicate); then drop the hold its
    /// restart took on the workflow.
    pub fn resume(&mut self, workflow: WorkflowRef, queue: &mut EventQueue<Event>) {
        self.resume_held_workflow(workflow, queue);
        self.drop_reference(workflow);
    }

    fn resume_held_workflow(&mut self, workflow: WorkflowRef, queue: &mut EventQueue<Event>) {
        let state = self.workflows.get(workflow);
        if state.coordinator.awaiting != 0 {
            // A parallel block: re-issue every command still awaited.
            self.reissue_block(workflow, queue);
            return;
        }
        if let (Some(coordinator), Some(request)) =
            (self.config.coordinator, state.coordinator.pending)
        {
            let measured = state.measured;
            self.metrics.retry(measured);
            self.resending = true;
            self.send_awaited(queue, workflow, coordinator, request);
            self.resending = false;
        }
    }
}
