//! Sync communication's blocking calls: which sends are calls and which answer them, the
//! worker a call holds, answers handled as continuations of the same job, automatic acks,
//! and participants' call timeouts and retries. Async runs never enter this file's paths.

use crate::engine::{EventQueue, SimTime, StreamPurpose};
use crate::metrics::MessageCategory;

use super::super::message::{Message, MessageKind};
use super::super::station::{HeldWorker, HoldState};
use super::super::system::ComponentId;
use super::super::workflow::WorkflowRef;
use super::{Event, Handling, SendMode, World};

/// What a participant's call timer led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallTimeoutOutcome {
    /// Stale timer, or a retry is scheduled or sent.
    Nothing,
    /// Retries are exhausted: the held worker is resumed for the variant to treat the call
    /// as failed (then `after_resumed`).
    Exhausted { request: Message },
}

impl World<'_> {
    /// Sync: the job a finished message belongs to. An answer (or local task) continues
    /// the held job it was meant for; anything else is a new job from the inbox.
    pub(super) fn handling_of(&mut self, now: SimTime, message: &Message) -> Handling {
        let fresh = Handling {
            at: message.dst,
            request: *message,
            answered: false,
            continuation: false,
            call: None,
            coordinator_call: false,
            attempt: 0,
            local: None,
        };
        match message.answered_call() {
            Some(id) => {
                let held = self.stations[message.dst.index()]
                    .take_held(now, id)
                    .expect("a continuation runs on its held worker");
                Handling {
                    request: held.request,
                    answered: held.answered,
                    continuation: true,
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
        at: ComponentId,
        id: u32,
    ) -> Option<HeldWorker> {
        let held = self.stations[at.index()].take_held(now, id)?;
        self.handling = Some(Handling {
            at,
            request: held.request,
            answered: held.answered,
            continuation: false,
            call: None,
            coordinator_call: false,
            attempt: held.attempt,
            local: None,
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
                self.free_worker(now, message.dst, queue);
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
        let held = |call: Message, state| HeldWorker {
            request: handling.request,
            answered: handling.answered,
            call,
            attempt: handling.attempt,
            state,
        };
        if let Some((call, id)) = handling.call {
            assert!(handling.local.is_none(), "a call and a local task at once");
            self.stations[at.index()].hold(now, id, held(call, HoldState::Waiting));
            if !handling.coordinator_call
                && let Some(policy) = self.spec.failures.policy
            {
                self.workflows.get_mut(call.workflow).outstanding += 1;
                let workflow = call.workflow;
                queue.schedule_in(
                    policy.timeout,
                    Event::CallTimeout {
                        workflow,
                        at,
                        call: id,
                        retry: false,
                    },
                );
            }
        } else if let Some(mut local) = handling.local {
            let station = &mut self.stations[at.index()];
            let id = station.fresh_call_id();
            station.hold(now, id, held(local, HoldState::Continuing));
            local.mark_answer(id);
            station.start_job(local);
            self.start_work(now, local, queue);
        } else {
            self.answer_caller(&handling.request, handling.answered, queue);
            self.free_worker(now, at, queue);
            self.drop_reference(handling.request.workflow);
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
                    let station = &mut self.stations[message.src.index()];
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
                    handling.answered = true;
                } else if message.dst == ComponentId::CLIENT && request.src == ComponentId::CLIENT {
                    handling.answered = true;
                }
            }
            SendMode::Call | SendMode::CoordinatorCall => {
                assert!(
                    handling.call.is_none(),
                    "a worker makes one blocking call at a time"
                );
                let id = self.stations[handling.at.index()].fresh_call_id();
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
        let station = &mut self.stations[message.dst.index()];
        if station.continue_held(now, id) {
            station.start_job(message);
            self.start_work(now, message, queue);
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
        at: ComponentId,
        id: u32,
        retry: bool,
        queue: &mut EventQueue<Event>,
    ) -> CallTimeoutOutcome {
        let policy = self
            .spec
            .failures
            .policy
            .expect("call timers need a policy");
        let outcome = if retry {
            if let Some(held) = self.resume_held(now, at, id) {
                self.trace_wait(now, workflow, at, true);
                self.retry_call(held.call, queue);
                self.after_resumed(now, queue);
            }
            CallTimeoutOutcome::Nothing
        } else {
            match self.stations[at.index()].held(id) {
                Some(&HeldWorker {
                    state: HoldState::Waiting,
                    attempt,
                    request,
                    ..
                }) => {
                    let attempt = attempt + 1;
                    self.trace_wait(now, workflow, at, false);
                    if attempt > policy.retries {
                        self.resume_held(now, at, id);
                        CallTimeoutOutcome::Exhausted { request }
                    } else {
                        let station = &mut self.stations[at.index()];
                        let sleeping = station.sleep_held(now, id).expect("it was waiting");
                        let number = self.workflows.get(workflow).number;
                        let mut rng = self.streams.stream(
                            StreamPurpose::Jitter,
                            number,
                            u64::from(sleeping) | 2 << 40,
                        );
                        let backoff = policy.backoff_before(attempt, rng.next_open01());
                        self.workflows.get_mut(workflow).outstanding += 1;
                        queue.schedule_in(
                            backoff,
                            Event::CallTimeout {
                                workflow,
                                at,
                                call: sleeping,
                                retry: true,
                            },
                        );
                        CallTimeoutOutcome::Nothing
                    }
                }
                _ => CallTimeoutOutcome::Nothing,
            }
        };
        self.drop_reference(workflow);
        outcome
    }

    /// The resumed worker calls again: the same request, as a new message.
    fn retry_call(&mut self, call: Message, queue: &mut EventQueue<Event>) {
        if let Some(handling) = &mut self.handling {
            handling.attempt += 1;
        }
        let measured = self.workflows.get(call.workflow).measured;
        self.metrics.retry(measured);
        self.resending = true;
        self.send(
            queue,
            call.workflow,
            call.src,
            call.dst,
            call.kind,
            call.step,
            call.payload,
            SendMode::Call,
        );
        self.resending = false;
    }
}
