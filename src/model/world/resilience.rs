//! Load shedding, deadlines and circuit breakers, the world's side: refusing a message (a
//! full inbox that answers at once, work taken past its workflow's deadline, a breaker
//! open at the sender), the sender's side of a refusal (retry under `[policy]`, or fail in
//! its role), the breakers' states, and the work a caller no longer wanted.

use std::collections::BTreeMap;

use crate::engine::{EventQueue, SimDuration, SimTime, StreamPurpose};
use crate::metrics::MessageCategory;

use super::super::faults::Delivery;
use super::super::message::{Message, MessageKind};
use super::super::resilience::{Breaker, BreakerSettings, Overflow, Permit, Publish, Refusal};
use super::super::station::HoldState;
use super::super::system::{ComponentId, SystemSpec};
use super::super::trace::Arrival;
use super::super::workflow::{Request, WorkflowRef};
use super::{CallTimeoutOutcome, Event, TimeoutOutcome, World};

/// What the sender of a refused message does next, where the variant decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedOutcome {
    /// Nothing for the variant: a retry is scheduled, the refusal came too late, or the
    /// message is lost (its waiter's timeout will tell).
    Nothing,
    /// The coordinator's awaited request failed for good: it gives up on it.
    GiveUp,
    /// A participant's call, or its event to the next step, failed for good: the variant
    /// treats it as a call that ran out of retries (`abandoned`: a fork's branches).
    CallFailed { request: Message, abandoned: u64 },
}

/// A message inside its publish window: itself, its sender's crash count at the commit,
/// whether it went out (an outbox row awaiting its mark), and how it counts when sent.
pub(super) type UnpublishedRow = (Message, u32, bool, MessageCategory);

/// The resilience mechanisms a run has, and what they counted.
#[derive(Debug, Default)]
pub(super) struct Resilience {
    /// `[policy] deadline`.
    pub deadline: Option<SimDuration>,
    /// Whether any component refuses messages when full.
    pub rejecting: bool,
    /// Whether admissions matter: a breaker records a one-way request's success, and a
    /// re-sent message's retry count is forgotten once it gets in.
    pub watches_admissions: bool,
    /// Retries so far of one-way messages re-sent after a refusal, by (workflow key,
    /// message index), until they are admitted or refused again.
    pub resent: BTreeMap<(u64, u32), u16>,
    /// Whether the scenario declares a deadline, a breaker or an `overflow` anywhere:
    /// the run then reports what they did (`resilience.csv`).
    pub reported: bool,
    /// `[policy] breaker`, and each caller station's breaker per callee component.
    pub breaker: Option<BreakerSettings>,
    pub breakers: BTreeMap<(u32, u16), Breaker>,
    /// Step work in service, by (workflow key, message index): its duration, kept (with a
    /// `[policy]`, where the figures are reported) to count the work a caller no longer
    /// wanted.
    pub jobs: Option<BTreeMap<(u64, u32), SimDuration>>,
    /// Whether any service publishes after its commit (dual write, outbox).
    pub publishing: bool,
    /// Whether a send may be held back (a breaker, a publish window): one flag on every
    /// send's way, the rest out of line.
    pub holds_sends: bool,
    /// Messages inside their publish window, by (sending station, workflow key, message
    /// index): the message, its station's crash count at the commit, and whether it went
    /// out (an outbox row awaiting its mark).
    pub unpublished: BTreeMap<(u32, u64, u32), UnpublishedRow>,
    /// Measured messages a crash lost between their commit and their publish (dual
    /// write), and published twice by an outbox's relay after a crash.
    pub lost_after_commit: u64,
    pub duplicates_from_relay: u64,
    /// Measured workflows whose deadline passed before their answer.
    pub deadline_exceeded: u64,
    /// Worker-nanoseconds of step work whose result nobody used: cut short by the
    /// deadline, or finished after its caller had given up.
    pub wasted_nanos: u128,
}

impl Resilience {
    pub fn new(spec: &SystemSpec) -> Resilience {
        let policy = spec.failures.policy;
        let overflows: Vec<Option<Overflow>> = spec
            .orchestrator
            .iter()
            .map(|o| o.deployment.overflow)
            .chain(spec.services.iter().map(|s| s.deployment.overflow))
            .collect();
        let publishing = spec.services.iter().any(|s| s.publish != Publish::Atomic);
        let reported = policy.is_some_and(|p| p.deadline.is_some() || p.breaker.is_some())
            || overflows.iter().any(Option::is_some)
            || publishing;
        Resilience {
            deadline: policy.and_then(|p| p.deadline),
            rejecting: overflows.contains(&Some(Overflow::Reject)),
            watches_admissions: overflows.contains(&Some(Overflow::Reject))
                || policy.is_some_and(|p| p.breaker.is_some()),
            resent: BTreeMap::new(),
            publishing,
            holds_sends: publishing || policy.is_some_and(|p| p.breaker.is_some()),
            unpublished: BTreeMap::new(),
            lost_after_commit: 0,
            duplicates_from_relay: 0,
            reported,
            breaker: policy.and_then(|p| p.breaker),
            breakers: BTreeMap::new(),
            // Only where it is reported: a map entry per step job costs about a tenth of
            // a run's instructions.
            jobs: (policy.is_some() && reported).then(BTreeMap::new),
            deadline_exceeded: 0,
            wasted_nanos: 0,
        }
    }
}

/// Whether a breaker wraps messages of `kind`: requests (commands, events, compensation
/// orders), not the reports and answers that go back.
fn wrapped(kind: MessageKind) -> bool {
    matches!(
        kind,
        MessageKind::Command | MessageKind::Event | MessageKind::Compensate
    )
}

/// Whether a message of `kind` asks for forward progress, which a deadline bounds (undoing
/// and reporting go on past it: a compensation must finish).
pub(super) fn bounded_by_deadline(kind: MessageKind) -> bool {
    matches!(
        kind,
        MessageKind::Start | MessageKind::Command | MessageKind::Event
    )
}

impl World<'_> {
    /// When `workflow`'s deadline passes, if it has one.
    pub(super) fn deadline_of(&self, workflow: WorkflowRef) -> Option<SimTime> {
        let deadline = self.resilience.deadline?;
        Some(self.workflows.get(workflow).started_at + deadline)
    }

    /// How long a wait for a reply to a `kind` request lasts: the policy's timeout, cut
    /// at the workflow's deadline for forward requests (the caller's deadline is the
    /// call's: gRPC sends the remaining budget as the call's timeout).
    pub(super) fn wait_for(
        &self,
        now: SimTime,
        workflow: WorkflowRef,
        kind: MessageKind,
        timeout: SimDuration,
    ) -> SimDuration {
        match self.deadline_of(workflow) {
            Some(due) if bounded_by_deadline(kind) => {
                let left = if due > now {
                    due.since(now)
                } else {
                    SimDuration::ZERO
                };
                timeout.min(left)
            }
            _ => timeout,
        }
    }

    /// Whether a forward request for `workflow` may be retried now (its deadline has not
    /// passed).
    pub(super) fn may_retry(&self, now: SimTime, workflow: WorkflowRef, kind: MessageKind) -> bool {
        !(bounded_by_deadline(kind) && self.deadline_of(workflow).is_some_and(|due| now >= due))
    }

    /// The breaker of the sender's station for `dst`, if breakers are on.
    fn breaker_for(
        &mut self,
        src: ComponentId,
        src_replica: u8,
        dst: ComponentId,
    ) -> Option<(BreakerSettings, &mut Breaker)> {
        let settings = self.resilience.breaker?;
        let station = u32::try_from(self.station_of(src, src_replica)).expect("stations fit u32");
        let breaker = self
            .resilience
            .breakers
            .entry((station, dst.0))
            .or_insert_with(|| Breaker::new(&settings));
        Some((settings, breaker))
    }

    /// Whether the sender's breaker lets `message` go; if not, it fails at once (no
    /// message crosses the network) and the sender hears of it now.
    #[inline(never)]
    pub(super) fn breaker_permits(
        &mut self,
        message: &Message,
        queue: &mut EventQueue<Event>,
    ) -> bool {
        if !wrapped(message.kind)
            || message.src == ComponentId::CLIENT
            || message.src == message.dst
        {
            return true;
        }
        let now = queue.now();
        let Some((settings, breaker)) =
            self.breaker_for(message.src, message.src_replica, message.dst)
        else {
            return true;
        };
        if breaker.permit(&settings, now) == Permit::Call {
            return true;
        }
        queue.schedule_at(
            now,
            Event::Refused {
                message: *message,
                refusal: Refusal::BreakerOpen,
            },
        );
        false
    }

    /// Whether `message` does not go now: its sender's breaker fails it at once, or it
    /// waits for its sender's publish window.
    #[inline(never)]
    pub(super) fn held_back(
        &mut self,
        message: &Message,
        category: MessageCategory,
        queue: &mut EventQueue<Event>,
    ) -> bool {
        (self.resilience.breaker.is_some() && !self.breaker_permits(message, queue))
            || (self.resilience.publishing && self.stage_publish(message, category, queue))
    }

    /// Record a finished call from `src`'s replica to `dst` in its breaker.
    #[inline(never)]
    pub(super) fn breaker_records(
        &mut self,
        now: SimTime,
        (src, replica): (ComponentId, u8),
        dst: ComponentId,
        failed: bool,
    ) {
        if src == ComponentId::CLIENT {
            return;
        }
        // An open breaker ignores the late outcome itself (`Breaker::record`).
        if let Some((settings, breaker)) = self.breaker_for(src, replica, dst) {
            breaker.record(&settings, now, failed);
        }
    }

    /// A message reached its destination's inbox: a re-sent one got in, and for the
    /// sender's breaker a one-way request succeeded.
    #[inline(never)]
    pub(super) fn admitted(&mut self, now: SimTime, message: &Message) {
        if !self.resilience.resent.is_empty() {
            let key = (message.workflow.key(), message.index);
            self.resilience.resent.remove(&key);
        }
        if self.resilience.breaker.is_some() {
            self.breaker_admitted(now, message);
        }
    }

    /// A one-way request reached its destination's inbox: for the sender's breaker, the
    /// publish succeeded. Awaited requests count when their answer comes instead.
    fn breaker_admitted(&mut self, now: SimTime, message: &Message) {
        let awaited = message.call_id().is_some()
            || (Some(message.src) == self.config.coordinator
                && matches!(message.kind, MessageKind::Command | MessageKind::Compensate));
        if wrapped(message.kind) && !awaited && message.src != message.dst {
            self.breaker_records(now, (message.src, message.src_replica), message.dst, false);
        }
    }

    /// Refuse `message` at its destination: the refusal crosses the network back to the
    /// sender (a counted message: the 503, the broker's reject-publish, the
    /// DEADLINE_EXCEEDED status), who then treats it as a failed call.
    #[cold]
    #[inline(never)]
    pub(super) fn refuse(
        &mut self,
        message: Message,
        refusal: Refusal,
        queue: &mut EventQueue<Event>,
    ) {
        let workflow = self.workflows.get(message.workflow);
        let (number, measured) = (workflow.number, workflow.measured);
        if refusal == Refusal::Full {
            let station = self.station_of(message.dst, message.dst_replica);
            self.stations[station].rejections_answered += u64::from(measured);
        }
        let bytes = self.spec.messages.base_bytes;
        self.metrics.message_sent(
            measured,
            MessageCategory::Reply,
            bytes,
            message.dst.index(),
            message.src.index(),
        );
        let index = u64::from(message.index) | 1 << 40;
        let lost = self.partition_between(message.src, message.dst).is_some()
            || (self.spec.failures.loss > 0.0
                && self.spec.delivery(message.src) == Delivery::Direct
                && self
                    .streams
                    .stream(StreamPurpose::Transport, number, index)
                    .bernoulli(self.spec.failures.loss));
        if lost {
            self.dead_letter(&message);
            return;
        }
        let streams = self.streams;
        let rng = || streams.stream(StreamPurpose::Network, number, index);
        let delay = self.network.delay(message.dst, message.src, bytes, rng);
        queue.schedule_in(delay, Event::Refused { message, refusal });
    }

    /// The sender of `message` hears that it was refused. A waiting caller treats it as
    /// its call failing (retry under `[policy]` while retries and the deadline allow, else
    /// the variant decides); the client fails a refused start and counts a refused status
    /// query unanswered (or asks again later under `[policy]`); a one-way request is sent
    /// again after a backoff, and failing for good, its sender's role fails (an event: as
    /// if its call to the next step ran out of retries). The caller calls `timer_done`
    /// once the variant has acted (the event holds a reference to the workflow).
    pub fn sender_refused(
        &mut self,
        now: SimTime,
        message: Message,
        refusal: Refusal,
        queue: &mut EventQueue<Event>,
    ) -> RefusedOutcome {
        let workflow = message.workflow;
        if refusal != Refusal::BreakerOpen && wrapped(message.kind) {
            self.breaker_records(now, (message.src, message.src_replica), message.dst, true);
        }
        if message.src == ComponentId::CLIENT {
            self.client_refused(now, &message, queue);
            return RefusedOutcome::Nothing;
        }
        let station = self.station_of(message.src, message.src_replica);
        if !self.stations[station].up {
            return RefusedOutcome::Nothing;
        }
        // A refusal for a full inbox is worth retrying after a backoff. An expired
        // deadline is not, and neither is an open breaker: it stays open far longer than
        // a backoff, and retrying into it would only hold the caller's worker (Resilience4j
        // users set their retry to ignore CallNotPermittedException for this reason).
        let final_failure =
            refusal != Refusal::Full || !self.may_retry(now, workflow, message.kind);
        let coordinator = self.config.coordinator;
        if let Some(id) = message.call_id() {
            if coordinator == Some(message.src)
                && self.workflows.get(workflow).coordinator_hold == id
            {
                return self.coordinator_request_failed(now, workflow, final_failure, queue);
            }
            let at = (message.src, message.src_replica);
            return match self.stations[station].held(id) {
                Some(held) if held.state == HoldState::Waiting => {
                    match self.call_wait_failed(now, workflow, at, id, final_failure, queue) {
                        CallTimeoutOutcome::Exhausted { request, abandoned } => {
                            RefusedOutcome::CallFailed { request, abandoned }
                        }
                        CallTimeoutOutcome::Nothing => RefusedOutcome::Nothing,
                    }
                }
                _ => RefusedOutcome::Nothing,
            };
        }
        if coordinator == Some(message.src) {
            let state = &self.workflows.get(workflow).coordinator;
            let request = Request {
                kind: message.kind,
                dst: message.dst,
                step: message.step,
            };
            if state.pending == Some(request)
                || state.awaiting & (1u64 << message.step) != 0
                    && message.kind == MessageKind::Command
            {
                return self.coordinator_request_failed(now, workflow, final_failure, queue);
            }
        }
        // A one-way message: sent again after a backoff while the policy allows.
        let retried = self
            .resilience
            .resent
            .remove(&(message.workflow.key(), message.index))
            .unwrap_or(0);
        if let Some(policy) = self.spec.failures.policy
            && !final_failure
            && u32::from(retried) < policy.retries.min(u32::from(u16::MAX))
        {
            let attempt = retried + 1;
            let number = self.workflows.get(workflow).number;
            let mut rng = self.streams.stream(
                StreamPurpose::Jitter,
                number,
                u64::from(message.index) | 3 << 40,
            );
            let backoff = policy.backoff_before(u32::from(attempt), rng.next_open01());
            self.workflows.get_mut(workflow).outstanding += 1;
            queue.schedule_in(backoff, Event::Resend { message, attempt });
            return RefusedOutcome::Nothing;
        }
        let into_join = {
            let path = self.path_of(workflow);
            path.has_parallel() && path.contains(message.step) && path.is_join(message.step)
        };
        if message.kind == MessageKind::Event && message.src.service_index().is_some() && !into_join
        {
            // The sender could not hand the workflow on: as if its call to the next step
            // ran out of retries.
            return self.event_failed(&message);
        }
        // Lost for good, as a dead letter addressed to where it was refused. (A branch's
        // event into the step after its block is lost too: one branch cannot roll the
        // block back; the waits of whoever owns the workflow, or the client's, end it.)
        let measured = self.workflows.get(workflow).measured;
        self.metrics.dead_letter(measured);
        let station = self.station_of(message.dst, message.dst_replica);
        self.stations[station].dead_letters += u64::from(measured);
        RefusedOutcome::Nothing
    }

    /// A participant's event to the next step failed for good: the request its sender
    /// handled, for the variant's `call_failed` (a fork's event to a branch's first step
    /// abandons that branch).
    fn event_failed(&mut self, event: &Message) -> RefusedOutcome {
        let path = self.path_of(event.workflow);
        let sender_step = path
            .steps()
            .iter()
            .copied()
            .find(|&step| self.spec.step_component(usize::from(step)) == event.src);
        let Some(sender_step) = sender_step else {
            return RefusedOutcome::Nothing;
        };
        let abandoned = if path.has_parallel()
            && path.in_parallel(event.step)
            && path
                .heads(path.stage_of(event.step))
                .any(|head| head == event.step)
        {
            1u64 << event.step
        } else {
            0
        };
        let request = Message {
            src: ComponentId::CLIENT,
            dst: event.src,
            dst_replica: event.src_replica,
            kind: if path.first() == Some(sender_step) {
                MessageKind::Start
            } else {
                MessageKind::Event
            },
            step: sender_step,
            payload: 0,
            hold: 0,
            ..*event
        };
        RefusedOutcome::CallFailed { request, abandoned }
    }

    /// The backoff after a refusal is over: send the one-way message again (unless its
    /// sender went down meanwhile).
    pub fn resend(&mut self, message: Message, attempt: u16, queue: &mut EventQueue<Event>) {
        let station = self.station_of(message.src, message.src_replica);
        if self.stations[station].up {
            let measured = self.workflows.get(message.workflow).measured;
            self.metrics.retry(measured);
            let (copy, number) = self.copy_of(&message);
            self.resilience
                .resent
                .insert((copy.workflow.key(), copy.index), attempt);
            if self.breaker_permits(&copy, queue) {
                self.transmit(queue, copy, number, MessageCategory::RetryDuplicate);
            }
        }
        self.drop_reference(message.workflow);
    }

    /// The client hears its message was refused: a start fails the workflow (a client
    /// never starts one twice); a status query is asked again after a backoff under
    /// `[policy]`, else it stays unanswered.
    fn client_refused(&mut self, now: SimTime, message: &Message, queue: &mut EventQueue<Event>) {
        match message.kind {
            MessageKind::Start => self.end(now, message.workflow, crate::metrics::Outcome::Failed),
            MessageKind::StatusQuery => {
                self.status_refused(message.workflow, message.payload, queue)
            }
            _ => {}
        }
    }

    /// A worker takes forward work whose workflow's deadline has passed: it does nothing
    /// with it and refuses it back (DEADLINE_EXCEEDED), freeing the worker at once.
    pub(super) fn expire(&mut self, now: SimTime, message: Message, queue: &mut EventQueue<Event>) {
        self.trace_arrival(now, &message, Arrival::Lost);
        self.refuse(message, Refusal::DeadlineExceeded, queue);
        self.free_worker(now, message.dst, message.dst_replica, queue);
    }

    /// Count step work of `duration` that finished (`expired`: cut at the deadline) as
    /// wasted when nobody can use its result: cut short, or its caller gave up on it.
    #[inline(never)]
    pub(super) fn count_wasted(&mut self, message: &Message, duration: SimDuration, expired: bool) {
        let workflow = self.workflows.get(message.workflow);
        let caller_gave_up = match message.call_id() {
            Some(id) => {
                let station = self.station_of(message.src, message.src_replica);
                self.stations[station]
                    .held(id)
                    .is_none_or(|held| held.state != HoldState::Waiting)
            }
            None => {
                workflow.outcome.is_some()
                    || (Some(message.src) == self.config.coordinator
                        && workflow.coordinator.pending
                            != Some(Request {
                                kind: message.kind,
                                dst: message.dst,
                                step: message.step,
                            })
                        && workflow.coordinator.awaiting & (1u64 << message.step) == 0)
            }
        };
        if (expired || caller_gave_up) && workflow.measured {
            self.resilience.wasted_nanos += u128::from(duration.as_nanos());
        }
    }

    /// The coordinator's awaited request failed now (refused, or failed fast by its
    /// breaker): as a timeout firing now.
    fn coordinator_request_failed(
        &mut self,
        now: SimTime,
        workflow: WorkflowRef,
        final_failure: bool,
        queue: &mut EventQueue<Event>,
    ) -> RefusedOutcome {
        match self.coordinator_wait_failed(now, workflow, final_failure, true, queue) {
            TimeoutOutcome::GiveUp => RefusedOutcome::GiveUp,
            TimeoutOutcome::Nothing => RefusedOutcome::Nothing,
        }
    }
}
