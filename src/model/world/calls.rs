//! Sync communication's blocking calls: which sends are calls and which answer them, the
//! worker a call holds, answers handled as continuations of the same job, automatic acks,
//! and participants' call timeouts and retries. Async runs never enter this file's paths.

use crate::engine::{EventQueue, SimTime, StreamPurpose};
use crate::metrics::MessageCategory;

use super::super::message::{Message, MessageKind};
use super::super::station::{Answered, HeldWorker, HoldState};
use super::super::system::ComponentId;
use super::super::workflow::WorkflowRef;
use super::{Event, Handling, SendMode, World};

/// What a participant's call timer led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallTimeoutOutcome {
    /// Stale timer, or a retry is scheduled or sent.
    Nothing,
    /// Retries are exhausted: the held worker is resumed for the variant to treat the call
    /// as failed (then `after_resumed`). `abandoned`: a fan-out's callee steps whose
    /// answers never came (0 for a single call).
    Exhausted { request: Message, abandoned: u64 },
}

impl World<'_> {
    /// Sync: the job a finished message belongs to. An answer (or local task) continues
    /// the held job it was meant for; anything else is a new job from the inbox.
    pub(super) fn handling_of(&mut self, now: SimTime, message: &Message) -> Handling {
        let fresh = Handling {
            at: message.dst,
            replica: message.dst_replica,
            request: *message,
            answered: false,
            continuation: false,
            call: None,
            coordinator_call: false,
            attempt: 0,
            local: None,
            fan_out: 0,
            awaiting: 0,
            fan_out_call: None,
        };
        match message.answered_call() {
            Some(id) => {
                let station = self.station_of(message.dst, message.dst_replica);
                let held = self.stations[station]
                    .take_held(now, id)
                    .expect("a continuation runs on its held worker");
                Handling {
                    request: held.request,
                    answered: held.answered,
                    continuation: true,
                    // A fan-out's wait goes on across its answers; a new call counts anew.
                    attempt: if held.fan_out { held.attempt } else { 0 },
                    fan_out: if held.fan_out { id } else { 0 },
                    awaiting: held.awaiting,
                    fan_out_call: held.fan_out.then_some(held.call),
                    ..fresh
                }
            }
            None => fresh,
        }
    }

    /// Sync: resume the worker held under `id` at `at` (a timer fired for its call), so
    /// that the variant can act as that worker. `None` if it is gone (crashed).
    pub(super) fn resume_held(
        &mut self,
        now: SimTime,
        (at, replica): (ComponentId, u8),
        id: u32,
    ) -> Option<HeldWorker> {
        let station = self.station_of(at, replica);
        let held = self.stations[station].take_held(now, id)?;
        self.acting = (at, replica);
        self.handling = Some(Handling {
            at,
            replica,
            request: held.request,
            answered: held.answered,
            continuation: false,
            call: None,
            coordinator_call: false,
            attempt: held.attempt,
            local: None,
            fan_out: 0,
            awaiting: 0,
            fan_out_call: None,
        });
        Some(held)
    }

    /// After the variant reacted to a finished message: keep the worker held if it made a
    /// blocking call, otherwise answer its caller if needed and take the next message.
    // One caller (the run loop), once per message handled: pinned inline, as the inliner
    // drops it whenever the crate's codegen units reshuffle.
    #[inline(always)]
    pub fn after_work(&mut self, now: SimTime, message: &Message, queue: &mut EventQueue<Event>) {
        match self.handling.take() {
            Some(handling) => self.end_job_step(now, handling, Some(message), queue),
            // Async: workers never wait.
            None => {
                self.free_worker(now, message.dst, message.dst_replica, queue);
                self.drop_reference(message.workflow);
            }
        }
    }

    /// Sync: the variant has acted for a resumed held worker (no message was processed).
    pub fn after_resumed(&mut self, now: SimTime, queue: &mut EventQueue<Event>) {
        if let Some(handling) = self.handling.take() {
            self.end_job_step(now, handling, None, queue);
        }
    }

    /// Sync: one step of a worker's job is over. A blocking call keeps the worker held (the
    /// request's reference with it); a local task continues on the same worker; otherwise
    /// the job is done: answer the caller if nobody did, and take the next message.
    fn end_job_step(
        &mut self,
        now: SimTime,
        handling: Handling,
        processed: Option<&Message>,
        queue: &mut EventQueue<Event>,
    ) {
        if let Some(answer) = processed.filter(|_| handling.continuation) {
            self.drop_reference(answer.workflow);
        }
        let at = handling.at;
        let station = self.station_of(at, handling.replica);
        let held = |call: Message, state| HeldWorker {
            request: handling.request,
            answered: handling.answered,
            call,
            attempt: handling.attempt,
            state,
            awaiting: handling.awaiting,
            fan_out: handling.fan_out != 0,
        };
        if handling.fan_out != 0 {
            // A fan-out: the worker handles its answers one at a time, as they come, and
            // is done when none is awaited.
            let id = handling.fan_out;
            let call = handling
                .call
                .map(|(call, _)| call)
                .or(handling.fan_out_call)
                .expect("a fan-out made a call");
            let station = &mut self.stations[station];
            if let Some(mut local) = handling.local {
                station.hold(now, id, held(call, HoldState::Continuing));
                local.mark_answer(id);
                station.start_job(local);
                self.start_work(now, local, queue);
                return;
            }
            if let Some(answer) = station.next_fan_in(id) {
                station.hold(now, id, held(call, HoldState::Continuing));
                station.start_job(answer);
                self.start_work(now, answer, queue);
                return;
            }
            if handling.awaiting != 0 {
                station.hold(now, id, held(call, HoldState::Waiting));
                if handling.call.is_some() && !handling.coordinator_call {
                    self.time_call(call.workflow, (at, handling.replica), id, queue);
                }
                return;
            }
        } else if let Some((call, id)) = handling.call {
            assert!(handling.local.is_none(), "a call and a local task at once");
            self.stations[station].hold(now, id, held(call, HoldState::Waiting));
            if !handling.coordinator_call {
                self.time_call(call.workflow, (at, handling.replica), id, queue);
            }
            return;
        } else if let Some(mut local) = handling.local {
            let station = &mut self.stations[station];
            let id = station.fresh_call_id();
            station.hold(now, id, held(local, HoldState::Continuing));
            local.mark_answer(id);
            station.start_job(local);
            self.start_work(now, local, queue);
            return;
        }
        self.answer_caller(&handling.request, handling.answered, queue);
        self.free_worker(now, at, handling.replica, queue);
        self.drop_reference(handling.request.workflow);
    }

    /// A participant's call (or fan-out) `id` at `at` waits under `[policy]`'s timeout.
    fn time_call(
        &mut self,
        workflow: WorkflowRef,
        (at, replica): (ComponentId, u8),
        id: u32,
        queue: &mut EventQueue<Event>,
    ) {
        if let Some(policy) = self.spec.failures.policy {
            let wait = if self.resilience.deadline.is_some() {
                let kind = self.stations[self.station_of(at, replica)]
                    .held(id)
                    .map_or(MessageKind::Event, |held| held.call.kind);
                self.wait_for(queue.now(), workflow, kind, policy.timeout)
            } else {
                policy.timeout
            };
            self.workflows.get_mut(workflow).outstanding += 1;
            queue.schedule_in(
                wait,
                Event::CallTimeout {
                    workflow,
                    at,
                    replica,
                    call: id,
                    retry: false,
                },
            );
        }
    }

    /// Sync: mark a message sent by the worker being handled as a call, as the answer to
    /// the request that worker handles, or leave it one-way.
    pub(super) fn mark_call_or_answer(&mut self, message: &mut Message, mode: SendMode) {
        let handling = match &mut self.handling {
            Some(handling) if handling.at == message.src => handling,
            _ => {
                // A call made with no worker of the sender's at hand: a journaled coordinator
                // resuming its workflows after a restart (or retrying after its sleeping
                // worker died). Its answer will queue in the inbox for any worker to take.
                if matches!(mode, SendMode::Call | SendMode::CoordinatorCall) {
                    let station = self.station_of(message.src, message.src_replica);
                    let station = &mut self.stations[station];
                    let id = station.fresh_call_id();
                    station.expect_unheld_answer(id);
                    message.mark_call(id);
                }
                return;
            }
        };
        match mode {
            SendMode::Notify => {}
            SendMode::Auto => {
                let request = handling.request;
                if let Some(id) = request.call_id()
                    && !handling.answered
                    && message.dst == request.src
                {
                    message.mark_answer(id);
                    message.dst_replica = request.src_replica;
                    handling.answered = true;
                } else if message.dst == ComponentId::CLIENT && request.src == ComponentId::CLIENT {
                    handling.answered = true;
                }
            }
            SendMode::Call | SendMode::CoordinatorCall => {
                let bit = 1u64 << message.step;
                let station = if self.replicas.any {
                    self.replicas.station(handling.at, handling.replica)
                } else {
                    handling.at.index()
                };
                if handling.fan_out != 0
                    && handling.awaiting == 0
                    && !self.stations[station].has_fan_in(handling.fan_out)
                {
                    // Every answer of the fan-out is in: the job's next call starts afresh,
                    // under a new id (a late or repeated answer to the fan-out, such as a
                    // duplicated reply, then cannot pass for this call's answer).
                    handling.fan_out = 0;
                    handling.call = None;
                }
                let id = if handling.fan_out != 0 {
                    handling.awaiting |= bit;
                    handling.fan_out
                } else if let Some((first, id)) = handling.call {
                    // A second call from the same job: a fan-out (a thread waiting on
                    // several futures), every call under the first one's id.
                    handling.fan_out = id;
                    handling.awaiting = 1u64 << first.step | bit;
                    id
                } else {
                    self.stations[station].fresh_call_id()
                };
                message.mark_call(id);
                handling.call = Some((*message, id));
                handling.coordinator_call = mode == SendMode::CoordinatorCall;
            }
        }
    }

    /// Sync: a local task from a worker being handled runs next on that same worker (a
    /// function call inside the process, not a trip through its own inbox). `false` if no
    /// worker is being handled (the task then queues like a message).
    pub(super) fn continue_locally(&mut self, message: Message) -> bool {
        match &mut self.handling {
            Some(handling) if handling.at == message.dst => {
                handling.local = Some(message);
                true
            }
            _ => false,
        }
    }

    /// A job ends without having answered its caller: if the request was a blocking call,
    /// send the caller an ack (an RPC response with no body) so that its worker goes on.
    pub(super) fn answer_caller(
        &mut self,
        request: &Message,
        answered: bool,
        queue: &mut EventQueue<Event>,
    ) {
        if let Some(id) = request.call_id()
            && !answered
            && request.src != ComponentId::CLIENT
        {
            let (mut ack, number) = self.new_message(
                request.workflow,
                request.dst,
                request.src,
                MessageKind::Ack,
                request.step,
                0,
            );
            ack.mark_answer(id);
            ack.src_replica = request.dst_replica;
            ack.dst_replica = request.src_replica;
            self.transmit(queue, ack, number, MessageCategory::Reply);
        }
    }

    /// An answer reached its caller's station: the held worker continues with it. The answer
    /// to a call made without a worker (a resumed request) queues like any message. An
    /// answer nobody waits for any more (the call timed out, the caller crashed, a
    /// duplicate) is dropped, as an RPC client drops a response to a call it abandoned.
    pub(super) fn deliver_answer(
        &mut self,
        now: SimTime,
        message: Message,
        id: u32,
        queue: &mut EventQueue<Event>,
    ) {
        let station = self.station_of(message.dst, message.dst_replica);
        let station = &mut self.stations[station];
        let answered = station.continue_held(now, id, message.step);
        if self.resilience.breaker.is_some() && answered != Answered::Dropped {
            self.breaker_records(now, (message.dst, message.dst_replica), message.src, false);
        }
        let station = self.station_of(message.dst, message.dst_replica);
        let station = &mut self.stations[station];
        if answered == Answered::Continue {
            station.start_job(message);
            self.start_work(now, message, queue);
        } else if answered == Answered::Queued {
            station.queue_fan_in(message);
        } else if station.take_unheld_answer(id) {
            let mut answer = message;
            answer.hold = 0;
            self.admit(now, answer, queue);
        } else {
            self.drop_reference(message.workflow);
        }
    }

    /// A participant's call timer fired. On a timeout the worker stops waiting and, while
    /// retries remain, backs off (still held: a thread retrying in a loop); after the
    /// backoff it calls again. With retries exhausted the variant decides.
    pub fn call_timeout(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        (at, replica): (ComponentId, u8),
        id: u32,
        retry: bool,
        queue: &mut EventQueue<Event>,
    ) -> CallTimeoutOutcome {
        let outcome = if retry {
            if let Some(held) = self.resume_held(now, (at, replica), id) {
                self.trace_wait(now, workflow, at, true);
                self.retry_call(held.call, held.awaiting, queue);
                self.after_resumed(now, queue);
            }
            CallTimeoutOutcome::Nothing
        } else {
            let station = self.station_of(at, replica);
            match self.stations[station].held(id) {
                Some(&HeldWorker {
                    state: HoldState::Waiting,
                    call,
                    ..
                }) => {
                    self.trace_wait(now, workflow, at, false);
                    let final_failure = !self.may_retry(now, workflow, call.kind);
                    self.call_wait_failed(now, workflow, (at, replica), id, final_failure, queue)
                }
                Some(HeldWorker {
                    state: HoldState::Continuing,
                    fan_out: true,
                    ..
                }) => {
                    // A fan-out's worker is busy with one of its answers: the wait for the
                    // others is checked again a timeout later.
                    self.time_call(workflow, (at, replica), id, queue);
                    CallTimeoutOutcome::Nothing
                }
                _ => CallTimeoutOutcome::Nothing,
            }
        };
        self.drop_reference(workflow);
        outcome
    }

    /// A participant's call `id` failed now (a timeout, a refusal, a breaker's fast
    /// failure). While retries remain and the call may still go (`final_failure`: it may
    /// not), the worker backs off (still held: a thread retrying in a loop) and calls
    /// again after it; otherwise it is resumed for the variant to treat the call as
    /// failed (then `after_resumed`).
    pub(super) fn call_wait_failed(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        (at, replica): (ComponentId, u8),
        id: u32,
        final_failure: bool,
        queue: &mut EventQueue<Event>,
    ) -> CallTimeoutOutcome {
        let station = self.station_of(at, replica);
        let Some(&HeldWorker {
            attempt,
            request,
            awaiting,
            call,
            ..
        }) = self.stations[station].held(id)
        else {
            return CallTimeoutOutcome::Nothing;
        };
        self.breaker_records(now, (at, replica), call.dst, true);
        let attempt = attempt + 1;
        let retries = self.spec.failures.policy.map_or(0, |policy| policy.retries);
        if attempt > retries || final_failure {
            self.resume_held(now, (at, replica), id);
            return CallTimeoutOutcome::Exhausted {
                request,
                abandoned: awaiting,
            };
        }
        let policy = self.spec.failures.policy.expect("retries need a policy");
        let station = &mut self.stations[station];
        let sleeping = station.sleep_held(now, id).expect("it was waiting");
        let number = self.workflows.get(workflow).number;
        let mut rng =
            self.streams
                .stream(StreamPurpose::Jitter, number, u64::from(sleeping) | 2 << 40);
        let backoff = policy.backoff_before(attempt, rng.next_open01());
        self.workflows.get_mut(workflow).outstanding += 1;
        queue.schedule_in(
            backoff,
            Event::CallTimeout {
                workflow,
                at,
                replica,
                call: sleeping,
                retry: true,
            },
        );
        CallTimeoutOutcome::Nothing
    }

    /// The resumed worker calls again: the same request, as a new message; a fan-out
    /// calls every step still awaited (`awaiting`) again, at once.
    fn retry_call(&mut self, call: Message, awaiting: u64, queue: &mut EventQueue<Event>) {
        if let Some(handling) = &mut self.handling {
            handling.attempt += 1;
        }
        let measured = self.workflows.get(call.workflow).measured;
        let mut steps = if awaiting == 0 {
            1u64 << call.step
        } else {
            awaiting
        };
        self.resending = true;
        while steps != 0 {
            let step = steps.trailing_zeros() as u8;
            steps &= steps - 1;
            self.metrics.retry(measured);
            let dst = if awaiting == 0 {
                call.dst
            } else {
                self.spec.step_component(usize::from(step))
            };
            self.send(
                queue,
                call.workflow,
                call.src,
                dst,
                call.kind,
                step,
                call.payload,
                SendMode::Call,
            );
            // A fan-out calls again as a fan-out, even into one branch left.
            if awaiting != 0
                && let Some(handling) = &mut self.handling
                && handling.fan_out == 0
                && let Some((first, id)) = handling.call
            {
                handling.fan_out = id;
                handling.awaiting = 1u64 << first.step;
            }
        }
        self.resending = false;
    }
}
