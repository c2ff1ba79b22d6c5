//! Moving messages: sending over the network (loss, duplicates, latency, bandwidth) and
//! delivery into inboxes or brokers.

use crate::engine::{EventQueue, SimDuration, SimTime, StreamPurpose};
use crate::metrics::MessageCategory;

use super::super::distribution::DurationDistribution;
use super::super::faults::Delivery;
use super::super::message::{
    CallLink, JOIN_ABANDONED, JOIN_BRANCH_MASK, JOIN_EVERY_BRANCH, Message, MessageKind,
    ROLLBACK_GAVE_UP,
};
use super::super::resilience::{Overflow, Refusal};
use super::super::station::Admission;
use super::super::system::ComponentId;
use super::super::trace::{Arrival, Task, TraceRecord};
use super::super::workflow::WorkflowRef;
use super::{Event, SendMode, World, task_of};

impl World<'_> {
    /// A new message of `workflow`, counted as referring to it. Always inlined: every
    /// send builds one, and out of line (as the inliner left it once replicas grew it) it
    /// cost about 2 % more instructions per run.
    #[inline(always)]
    pub(super) fn new_message(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) -> (Message, u64) {
        let (src_replica, dst_replica) = if self.replicas.any {
            let replica = self.sending_replica(src, workflow);
            // A local task stays on the replica that gives it.
            (replica, if src == dst { replica } else { 0 })
        } else {
            (0, 0)
        };
        let state = self.workflows.get_mut(workflow);
        let index = state.next_message_index;
        state.next_message_index += 1;
        state.outstanding += 1;
        let message = Message {
            workflow,
            index,
            payload,
            hold: 0,
            src,
            dst,
            kind,
            step,
            src_replica,
            dst_replica,
        };
        (message, state.number)
    }

    /// A new copy of `message` from the same replica (a re-send), counted as referring to
    /// its workflow; with the workflow's number.
    pub(super) fn copy_of(&mut self, message: &Message) -> (Message, u64) {
        let (mut copy, number) = self.new_message(
            message.workflow,
            message.src,
            message.dst,
            message.kind,
            message.step,
            message.payload,
        );
        copy.src_replica = message.src_replica;
        (copy, number)
    }

    /// Send a message over the network; returns it as sent (marked as a call or an answer
    /// in sync communication, per `mode`).
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
        mode: SendMode,
    ) -> Message {
        let (mut message, number) = self.new_message(workflow, src, dst, kind, step, payload);
        if self.sync {
            self.mark_call_or_answer(&mut message, mode);
        }
        if src == self.config.coordinator.unwrap_or(ComponentId::CLIENT)
            && matches!(
                kind,
                MessageKind::Done | MessageKind::Compensated | MessageKind::Failed
            )
        {
            let coordinator = &mut self.workflows.get_mut(workflow).coordinator;
            coordinator.active = false;
            coordinator.pending = None;
            coordinator.awaiting = 0;
        }
        let category = if self.resending {
            MessageCategory::RetryDuplicate
        } else {
            kind.category()
        };
        if self.resilience.holds_sends && self.held_back(&message, category, queue) {
            return message;
        }
        self.transmit(queue, message, number, category);
        let failures = &self.spec.failures;
        if failures.duplicate > 0.0 {
            let mut rng =
                self.streams
                    .stream(StreamPurpose::Transport, number, u64::from(message.index));
            let _lost = rng.next_open01();
            if rng.bernoulli(failures.duplicate) {
                let (mut copy, _) = self.new_message(workflow, src, dst, kind, step, payload);
                copy.hold = message.hold;
                let category = if kind.is_status() {
                    MessageCategory::Status
                } else {
                    MessageCategory::RetryDuplicate
                };
                self.transmit(queue, copy, number, category);
            }
        }
        message
    }

    /// Count, trace, maybe lose, and schedule the arrival of one copy of a message.
    pub(super) fn transmit(
        &mut self,
        queue: &mut EventQueue<Event>,
        mut message: Message,
        number: u64,
        category: MessageCategory,
    ) {
        if self.replicas.any {
            self.route(queue.now(), &mut message, number);
        }
        let Message {
            src,
            dst,
            kind,
            step,
            payload,
            ..
        } = message;
        let base_bytes = match self.config.message_size {
            None => self.spec.messages.base_bytes,
            Some(size) => size(
                &self.spec.messages,
                &message,
                self.path_of(message.workflow),
            ),
        };
        let measured = self.workflows.get(message.workflow).measured;
        self.metrics
            .message_sent(measured, category, base_bytes, src.index(), dst.index());
        let bytes = if self.has_outputs {
            let data = self.data_bytes(&message, number);
            self.metrics.data_sent(measured, data);
            base_bytes.saturating_add(data)
        } else {
            base_bytes
        };
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::Sent {
                at: queue.now(),
                workflow: number,
                index: message.index,
                src,
                dst,
                kind,
                step,
                bytes,
                payload,
                local: false,
                link: message.link(),
            });
        }
        // The interface carries a message whether or not the network then loses it.
        let sent_after = match &mut self.interfaces {
            Some(interfaces) => {
                let station = if self.replicas.any {
                    self.replicas.station(src, message.src_replica)
                } else {
                    src.index()
                };
                interfaces.send(station, bytes, queue.now())
            }
            None => SimDuration::ZERO,
        };
        let streams = self.streams;
        let index = u64::from(message.index);
        let loss = self.spec.failures.loss;
        if loss > 0.0 && self.spec.delivery(dst) == Delivery::Direct {
            let mut rng = streams.stream(StreamPurpose::Transport, number, index);
            if rng.bernoulli(loss) {
                self.trace_arrival(queue.now(), &message, Arrival::Lost);
                self.dead_letter(&message);
                return;
            }
        }
        let rng = || streams.stream(StreamPurpose::Network, number, index);
        let delay = sent_after + self.network.delay(src, dst, bytes, rng);
        if delay.is_zero() {
            // Arrives at this very instant: deliver now instead of through the queue. Still
            // deterministic; it only spares a heap round trip on zero-latency links.
            self.deliver(queue.now(), message, queue);
        } else {
            let mut message = message;
            self.departs(&mut message);
            queue.schedule_in(delay, Event::Deliver(message));
        }
    }

    /// The bytes of step output `message` carries: the output of the step the design's
    /// rules name, drawn from its own stream keyed by (workflow, step), so that a step's
    /// output is the same in every design and on every message that carries it.
    fn data_bytes(&self, message: &Message, number: u64) -> u64 {
        let mut steps = (self.config.carried_outputs)(
            message,
            self.path_of(message.workflow),
            self.sync,
            self.answers_return,
        );
        let mut bytes = 0u64;
        while steps != 0 {
            let step = steps.trailing_zeros() as u8;
            steps &= steps - 1;
            bytes = bytes.saturating_add(self.output_bytes(step, number));
        }
        bytes
    }

    /// The bytes of step `step`'s output for workflow `number`.
    fn output_bytes(&self, step: u8, number: u64) -> u64 {
        let service = &self.spec.services[self.spec.steps[usize::from(step)]];
        match &service.output_bytes {
            None => 0,
            Some(DurationDistribution::Constant(bytes)) => bytes.as_nanos(),
            Some(output) => output
                .sample(
                    &mut self
                        .streams
                        .stream(StreamPurpose::Output, number, u64::from(step)),
                )
                .as_nanos(),
        }
    }

    /// Give a component work of its own (no network, not counted as a message).
    pub fn local(
        &mut self,
        queue: &mut EventQueue<Event>,
        workflow: WorkflowRef,
        at: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        let (message, number) = self.new_message(workflow, at, at, kind, step, payload);
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::Sent {
                at: queue.now(),
                workflow: number,
                index: message.index,
                src: at,
                dst: at,
                kind,
                step,
                bytes: 0,
                payload,
                local: true,
                link: CallLink::OneWay,
            });
        }
        if !(self.sync && self.continue_locally(message)) {
            self.deliver(queue.now(), message, queue);
        }
    }

    /// A message arrives at its destination.
    pub fn deliver(&mut self, now: SimTime, mut message: Message, queue: &mut EventQueue<Event>) {
        if message.dst == ComponentId::CLIENT {
            self.trace_arrival(now, &message, Arrival::Accepted);
            self.client_receives(now, &message);
            return;
        }
        if let Some((heals_at, occurrence)) = self.partition_between(message.src, message.dst) {
            if self.replicas.any {
                // Uncounted on its way here: lost, or counted again as the broker re-sends.
                self.arriving(&mut message);
            }
            self.touch(message.workflow, occurrence);
            if self.spec.delivery(message.dst) == Delivery::Broker {
                // The broker holds it until the partition heals.
                self.trace_arrival(now, &message, Arrival::Held);
                let mut message = message;
                self.departs(&mut message);
                queue.schedule_at(heals_at, Event::Deliver(message));
            } else {
                self.trace_arrival(now, &message, Arrival::Lost);
                self.dead_letter(&message);
            }
            return;
        }
        let (station, pooled) = if self.replicas.any {
            self.arriving(&mut message)
        } else {
            (message.dst.index(), false)
        };
        let down = if pooled {
            // A broker's pooled consumers: down only when every replica is.
            !self.any_replica_up(message.dst)
        } else {
            !self.stations[station].up
        };
        if down {
            if let Some(occurrence) = self.down_by[station] {
                self.touch(message.workflow, occurrence);
            }
            if pooled {
                // The broker keeps it in the shared queue until a replica is back.
                self.trace_arrival(now, &message, Arrival::Held);
                let pool = self.replicas.pools[message.dst.index()]
                    .as_mut()
                    .expect("pooled");
                pool.inbox.push_back((now, message));
                pool.max_queue = pool.max_queue.max(pool.inbox.len());
                self.backlog_changed(now, 1);
            } else if self.spec.delivery(message.dst) == Delivery::Broker {
                self.trace_arrival(now, &message, Arrival::Held);
                self.stations[station].parked.push_back(message);
                self.backlog_changed(now, 1);
            } else {
                self.trace_arrival(now, &message, Arrival::Lost);
                self.dead_letter(&message);
            }
            return;
        }
        if self.config.coordinator == Some(message.dst)
            && matches!(task_of(&message), Task::Coordinate | Task::Query)
            && self.workflows.get(message.workflow).coordinator.lost
        {
            // The coordinator lost this workflow's state in a crash: it cannot act on it.
            self.trace_arrival(now, &message, Arrival::Lost);
            self.dead_letter(&message);
            return;
        }
        self.trace_arrival(now, &message, Arrival::Accepted);
        if self.config.joins_at_services {
            self.accept_past_join(now, message, queue);
        } else {
            self.accept(now, message, queue);
        }
    }

    /// An accepted message goes to its waiting caller (an answer) or the inbox.
    #[inline(always)]
    fn accept(&mut self, now: SimTime, message: Message, queue: &mut EventQueue<Event>) {
        if let Some(id) = message.answered_call() {
            self.deliver_answer(now, message, id, queue);
            return;
        }
        self.admit(now, message, queue);
    }

    /// `accept`, where the step after a parallel block may hold the message (kept out of
    /// line: only choreographies of workflows with blocks come here).
    #[inline(never)]
    fn accept_past_join(&mut self, now: SimTime, message: Message, queue: &mut EventQueue<Event>) {
        let mut message = message;
        if self.held_by_join(&mut message) {
            self.drop_reference(message.workflow);
            return;
        }
        self.accept(now, message, queue);
    }

    /// A choreography's join: the step after a parallel block gathers one message per
    /// branch (its last step's event, or its first step's failure report), and later the
    /// report of each completed branch it ordered undone. Until the last, each is held
    /// here (its sender's outcome recorded; a repeat changes nothing); the last goes on to
    /// a worker, as a failure if any branch failed. `true` if `message` was held.
    fn held_by_join(&mut self, message: &mut Message) -> bool {
        let path = self.path_of(message.workflow);
        let joins = matches!(
            message.kind,
            MessageKind::Event | MessageKind::Failure | MessageKind::CompensationReply
        ) && path.contains(message.step)
            && path.is_join(message.step)
            && message.dst == self.spec.step_component(usize::from(message.step));
        if !joins {
            return false;
        }
        let tails = path.tails_mask(path.stage_of(message.step) - 1);
        let branch = if message.payload & JOIN_EVERY_BRANCH != 0 {
            tails
        } else {
            1u64 << (message.payload & JOIN_BRANCH_MASK)
        };
        let abandoning = message.payload & JOIN_ABANDONED != 0;
        let joins = self.workflows.get_mut(message.workflow).joins_mut();
        match message.kind {
            MessageKind::CompensationReply => {
                joins.returned |= branch;
                let expected = tails & !joins.failed;
                // Held until the last report; once all are in, a message passes (a
                // redelivery after a crash of the join's worker, or a duplicate).
                joins.returned & expected != expected
            }
            _ if joins.abandoned & branch != 0 && !abandoning => {
                // A branch its fork gave up on (sync) reports late: it is already counted
                // as failed, and its steps stay as they are (nobody knows of them).
                true
            }
            _ if abandoning && joins.arrived & branch & !joins.abandoned != 0 => {
                // A fork gave up on a branch whose event did arrive (only its answer was
                // lost): the branch completed, nothing to roll back.
                true
            }
            _ => {
                joins.arrived |= branch;
                if message.payload & ROLLBACK_GAVE_UP != 0 {
                    joins.gave_up |= branch;
                }
                if abandoning {
                    joins.abandoned |= branch;
                }
                if message.kind == MessageKind::Failure {
                    joins.failed |= branch;
                    // The failed step, where the sender names it: the ones before it on
                    // its branch committed.
                    let failed = ((message.payload >> 8) & JOIN_BRANCH_MASK) as u8;
                    if failed != 0 {
                        joins.known |= path.done_with(failed) & !(1u64 << failed);
                    }
                } else {
                    let mut tails_in = branch;
                    while tails_in != 0 {
                        let tail = tails_in.trailing_zeros() as u8;
                        tails_in &= tails_in - 1;
                        joins.known |= path.done_with(tail);
                    }
                }
                // Held until the last branch; once all are in, a message passes (a
                // redelivery after a crash of the join's worker, or a duplicate, which
                // repeats the join's step as a duplicate does in a chain).
                if joins.arrived & tails != tails {
                    return true;
                }
                if joins.failed & tails != 0 {
                    message.kind = MessageKind::Failure;
                }
                false
            }
        }
    }

    pub(super) fn admit(&mut self, now: SimTime, message: Message, queue: &mut EventQueue<Event>) {
        let station = if self.replicas.any {
            match self.admit_replicated(now, message, queue) {
                Some(station) => station,
                None => return,
            }
        } else {
            message.dst.index()
        };
        let admission = self.stations[station].admit(now, message);
        if admission == Admission::Started {
            self.start_work(now, message, queue);
        } else if admission == Admission::Queued {
            self.backlog_changed(now, 1);
        } else {
            self.refused(now, message, queue);
            return;
        }
        if self.resilience.watches_admissions {
            self.admitted(now, &message);
        }
    }

    /// A full inbox refused `message`: it is lost, or, where the destination's overflow
    /// is `reject`, refused back to its sender.
    pub(super) fn refused(
        &mut self,
        now: SimTime,
        message: Message,
        queue: &mut EventQueue<Event>,
    ) {
        self.metrics.message_rejected();
        let number = self.workflows.get(message.workflow).number;
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::Rejected {
                at: now,
                workflow: number,
                component: message.dst,
            });
        }
        if self.resilience.rejecting
            && message.src != message.dst
            && self
                .spec
                .deployment(message.dst)
                .is_some_and(|d| d.overflow == Some(Overflow::Reject))
        {
            self.refuse(message, Refusal::Full, queue);
        } else {
            self.dead_letter(&message);
        }
    }

    /// Record what became of `message` at its destination, if its workflow is traced.
    /// Always inlined: every delivery passes here, and with tracing off it is one branch
    /// (left to the inliner, it was a call per delivery).
    #[inline(always)]
    pub(super) fn trace_arrival(&mut self, now: SimTime, message: &Message, fate: Arrival) {
        if self.trace.is_some() {
            self.record_arrival(now, message, fate);
        }
    }

    /// The body of `trace_arrival`, out of line: only traced runs get here.
    #[cold]
    #[inline(never)]
    fn record_arrival(&mut self, now: SimTime, message: &Message, fate: Arrival) {
        let number = self.workflows.get(message.workflow).number;
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::Arrived {
                at: now,
                workflow: number,
                index: message.index,
                kind: message.kind,
                component: message.dst,
                fate,
            });
        }
    }

    /// `message` is lost for good (dropped, rejected, or sent to a dead component): counted
    /// for the run and for the component it was addressed to.
    pub(super) fn dead_letter(&mut self, message: &Message) {
        let workflow = self.workflows.get_mut(message.workflow);
        let measured = workflow.measured;
        let failures = &self.spec.failures;
        if message.kind.is_status() && failures.duplicate == 0.0 && failures.policy.is_none() {
            // Its query can never be fully answered (no duplicate copy can stand in for
            // it, no policy re-asks it), so the client need not keep waiting on it: held
            // workflows in an overloaded run then keep no pile of dead queries. Nothing
            // reported changes.
            if let Some(position) = workflow.pending_queries.find(message.payload) {
                workflow.pending_queries.remove(position);
            }
        }
        self.metrics.dead_letter(measured);
        let station = self.station_of(message.dst, message.dst_replica);
        self.stations[station].dead_letters += u64::from(measured);
        self.drop_reference(message.workflow);
    }

    /// If `a` and `b` are partitioned now: when the partition heals, and which fault
    /// occurrence it is.
    pub(super) fn partition_between(
        &self,
        a: ComponentId,
        b: ComponentId,
    ) -> Option<(SimTime, u32)> {
        if self.partitions.is_empty() {
            return None;
        }
        self.partitions
            .get(&super::faults::pair(a, b))
            .and_then(|active| active.last().copied())
    }
}
