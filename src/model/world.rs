//! The simulated world's mechanics: arrivals, message transport, workers and inboxes, the
//! client's bookkeeping, status polls and timeouts. What to send next is the coordination
//! variant's decision; the world carries it out and measures it.

use crate::engine::{EventQueue, KeyedStreams, SimDuration, SimTime, SplitMix64, StreamPurpose};
use crate::metrics::{ComponentLoad, MeasurementWindow, Outcome, RunMetrics, RunResult};

use super::message::{Message, MessageKind};
use super::network::Network;
use super::station::{Admission, Station};
use super::system::{Arrivals, ComponentId, MessageSizes, SystemSpec};
use super::trace::{Task, TraceRecord};
use super::workflow::{PendingQuery, Workflow, WorkflowRef, WorkflowTable};

/// Everything that can happen in the simulated world.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// The client starts the next workflow.
    Arrival,
    /// A message reaches its destination.
    Deliver(Message),
    /// A worker finished handling a message.
    WorkerDone(Message),
    /// Time to poll a workflow's status.
    StatusPoll(WorkflowRef),
    /// The client's deadline for a workflow.
    ClientTimeout(WorkflowRef),
}

/// Who answers status queries in a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRoute {
    /// Nobody owns the state: every query goes unanswered.
    Unsupported,
    /// One component answers from its workflow state.
    Component(ComponentId),
    /// The first step's service answers from its workflow state (front controller).
    FirstService,
    /// Every step's service answers from its own records; the client assembles them.
    EveryStep,
}

/// What a worker's handling of a message amounted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkResult {
    /// The step's work committed.
    Committed,
    /// The step failed for a business reason and rolled itself back.
    StepFailed,
    /// A compensation finished.
    Compensated,
    /// A status query was answered; the variant decides what to report.
    Answered,
    /// Coordinator bookkeeping was applied.
    Applied,
}

/// Message size in bytes for a variant (stamp coupling carries workflow state).
pub type MessageSizeRule = fn(&MessageSizes, &Message, usize) -> u64;

/// Per-variant facts the world needs.
#[derive(Debug, Clone, Copy)]
pub struct WorldConfig {
    pub status_route: StatusRoute,
    pub message_size: MessageSizeRule,
    /// The component that holds workflow state, for `coordinator_utilization`.
    pub coordinator: Option<ComponentId>,
    pub uses_orchestrator: bool,
    pub trace: bool,
}

pub struct World<'s> {
    spec: &'s SystemSpec,
    config: WorldConfig,
    streams: KeyedStreams,
    arrivals: SplitMix64,
    workflows_started: u64,
    last_arrival_at: SimTime,
    arrivals_end: SimTime,
    stations: Vec<Station>,
    network: Network,
    workflows: WorkflowTable,
    metrics: RunMetrics,
    trace: Option<Vec<TraceRecord>>,
}

impl<'s> World<'s> {
    pub fn new(spec: &'s SystemSpec, seed: u64, config: WorldConfig) -> Self {
        let streams = KeyedStreams::new(seed);
        let window = spec.window;
        let warmup = SimTime::ZERO + window.warmup;
        let arrivals_end = SimTime::ZERO + window.duration;
        let busy_window = (warmup, arrivals_end);
        let mut stations = vec![Station::new(0, 0, busy_window)];
        stations.push(match &spec.orchestrator {
            Some(orchestrator) => {
                Station::new(orchestrator.workers, orchestrator.queue, busy_window)
            }
            None => Station::new(0, 0, busy_window),
        });
        for service in &spec.services {
            stations.push(Station::new(service.workers, service.queue, busy_window));
        }
        let measurement = MeasurementWindow {
            warmup,
            arrivals_end,
            bucket: window.bucket,
        };
        World {
            spec,
            config,
            streams,
            arrivals: streams.stream(StreamPurpose::Arrivals, 0, 0),
            workflows_started: 0,
            last_arrival_at: SimTime::ZERO,
            arrivals_end,
            network: Network::new(&spec.network, spec.component_count()),
            stations,
            workflows: WorkflowTable::default(),
            metrics: RunMetrics::new(measurement, spec.component_count()),
            trace: config.trace.then(Vec::new),
        }
    }

    pub fn spec(&self) -> &'s SystemSpec {
        self.spec
    }

    pub fn step_count(&self) -> usize {
        self.spec.steps.len()
    }

    pub fn workflow(&mut self, handle: WorkflowRef) -> &mut Workflow {
        self.workflows.get_mut(handle)
    }

    /// Schedule the first arrival.
    pub fn begin(&mut self, queue: &mut EventQueue<Event>) {
        self.schedule_next_arrival(queue);
    }

    fn schedule_next_arrival(&mut self, queue: &mut EventQueue<Event>) {
        if self
            .spec
            .workload
            .max_workflows
            .is_some_and(|max| self.workflows_started >= max)
        {
            return;
        }
        let next_at = match self.spec.workload.arrivals {
            Arrivals::Poisson { per_second } => {
                let gap = self.arrivals.exponential(1e9 / per_second);
                self.last_arrival_at + SimDuration::from_nanos_f64(gap)
            }
            Arrivals::Constant { per_second } => {
                let index = (self.workflows_started + 1) as f64;
                SimTime::ZERO + SimDuration::from_nanos_f64(index * 1e9 / per_second)
            }
        };
        if next_at < self.arrivals_end {
            self.last_arrival_at = next_at;
            queue.schedule_at(next_at, Event::Arrival);
        }
    }

    /// The client starts a workflow; the variant then sends its first message.
    pub fn arrive(&mut self, now: SimTime, queue: &mut EventQueue<Event>) -> WorkflowRef {
        let number = self.workflows_started;
        self.workflows_started += 1;
        self.schedule_next_arrival(queue);
        let measured = self.metrics.is_measured(now);
        let handle = self.workflows.insert(Workflow::new(number, now, measured));
        self.metrics.workflow_started(now);
        if let Some(every) = self.spec.workload.status_every {
            // Clients poll on their own clock, not in step with the workflow's start: the
            // first poll comes after a uniform phase in (0, every], so a workflow in flight
            // for time T is polled about T / every times, however short T is.
            let mut rng = self.streams.stream(StreamPurpose::StatusPhase, number, 0);
            let phase = SimDuration::from_nanos(1 + rng.below(every.as_nanos()));
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(phase, Event::StatusPoll(handle));
        }
        if let Some(timeout) = self.spec.workload.timeout {
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(timeout, Event::ClientTimeout(handle));
        }
        handle
    }

    fn new_message(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) -> (Message, u64) {
        let state = self.workflows.get_mut(workflow);
        let index = state.next_message_index;
        state.next_message_index += 1;
        state.outstanding += 1;
        let message = Message {
            workflow,
            index,
            payload,
            src,
            dst,
            kind,
            step,
        };
        (message, state.number)
    }

    /// Send a message over the network.
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
    ) {
        let (message, number) = self.new_message(workflow, src, dst, kind, step, payload);
        let bytes = (self.config.message_size)(&self.spec.messages, &message, self.step_count());
        let measured = self.workflows.get(workflow).measured;
        self.metrics
            .message_sent(measured, kind.is_status(), bytes, src.index(), dst.index());
        let streams = self.streams;
        let rng = || streams.stream(StreamPurpose::Network, number, u64::from(message.index));
        let delay = self.network.delay(src, dst, bytes, rng);
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord::Sent {
                at: queue.now(),
                workflow: number,
                src,
                dst,
                kind,
                step,
                bytes,
                payload,
                local: false,
            });
        }
        if delay.is_zero() {
            // Arrives at this very instant: deliver now instead of through the queue. Still
            // deterministic; it only spares a heap round trip on zero-latency links.
            self.deliver(queue.now(), message, queue);
        } else {
            queue.schedule_in(delay, Event::Deliver(message));
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
    ) {
        let (message, number) = self.new_message(workflow, at, at, kind, step, 0);
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord::Sent {
                at: queue.now(),
                workflow: number,
                src: at,
                dst: at,
                kind,
                step,
                bytes: 0,
                payload: 0,
                local: true,
            });
        }
        self.deliver(queue.now(), message, queue);
    }

    /// A message arrives at its destination.
    pub fn deliver(&mut self, now: SimTime, message: Message, queue: &mut EventQueue<Event>) {
        if message.dst == ComponentId::CLIENT {
            self.client_receives(now, &message);
            return;
        }
        match self.stations[message.dst.index()].admit(now, message) {
            Admission::Started => self.start_work(now, message, queue),
            Admission::Queued => {}
            Admission::Rejected => {
                self.metrics.message_rejected();
                let number = self.workflows.get(message.workflow).number;
                if let Some(trace) = &mut self.trace {
                    trace.push(TraceRecord::Rejected {
                        at: now,
                        workflow: number,
                        component: message.dst,
                    });
                }
                self.drop_reference(message.workflow);
            }
        }
    }

    fn start_work(&mut self, now: SimTime, message: Message, queue: &mut EventQueue<Event>) {
        let task = task_of(&message);
        let number = self.workflows.get(message.workflow).number;
        let duration = self.cost(&message, task, number);
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord::WorkStarted {
                at: now,
                workflow: number,
                component: message.dst,
                task,
                step: message.step,
                duration,
            });
        }
        queue.schedule_at(now + duration, Event::WorkerDone(message));
    }

    /// How long a worker at `message.dst` holds this message.
    fn cost(&self, message: &Message, task: Task, number: u64) -> SimDuration {
        let at = message.dst;
        let step = u64::from(message.step);
        let index = u64::from(message.index);
        if at == ComponentId::ORCHESTRATOR {
            let orchestrator = self
                .spec
                .orchestrator
                .as_ref()
                .expect("validated: orchestrator present");
            return match task {
                Task::Query => orchestrator.query.sample(&mut self.streams.stream(
                    StreamPurpose::Query,
                    number,
                    index,
                )),
                _ => {
                    let mut rng = self
                        .streams
                        .stream(StreamPurpose::Coordination, number, index);
                    orchestrator.work.sample(&mut rng) + orchestrator.journal.sample(&mut rng)
                }
            };
        }
        let service = &self.spec.services[at.service_index().expect("work happens at a service")];
        match task {
            Task::Step => {
                service
                    .work
                    .sample(&mut self.streams.stream(StreamPurpose::Work, number, step))
            }
            Task::Compensate => service.compensate.sample(&mut self.streams.stream(
                StreamPurpose::Compensation,
                number,
                step,
            )),
            Task::Query => {
                service
                    .query
                    .sample(&mut self.streams.stream(StreamPurpose::Query, number, index))
            }
            Task::Coordinate => {
                let mut rng = self
                    .streams
                    .stream(StreamPurpose::Coordination, number, index);
                service.progress.sample(&mut rng) + service.journal.sample(&mut rng)
            }
        }
    }

    /// A worker finished `message`: apply the effect of its task on the workflow.
    pub fn finish_work(&mut self, now: SimTime, message: &Message) -> WorkResult {
        let task = task_of(message);
        let bit = 1u64 << message.step;
        match task {
            Task::Step => {
                let service = &self.spec.services
                    [message.dst.service_index().expect("steps run at services")];
                let workflow = self.workflows.get_mut(message.workflow);
                let mut rng = self.streams.stream(
                    StreamPurpose::Failure,
                    workflow.number,
                    u64::from(message.step),
                );
                let committed = !rng.bernoulli(service.fail);
                if committed {
                    workflow.completed_mask |= bit;
                    workflow.committed_mask |= bit;
                }
                let number = workflow.number;
                if let Some(trace) = &mut self.trace {
                    trace.push(TraceRecord::StepFinished {
                        at: now,
                        workflow: number,
                        step: message.step,
                        committed,
                    });
                }
                if committed {
                    WorkResult::Committed
                } else {
                    WorkResult::StepFailed
                }
            }
            Task::Compensate => {
                self.workflows.get_mut(message.workflow).committed_mask &= !bit;
                WorkResult::Compensated
            }
            Task::Query => WorkResult::Answered,
            Task::Coordinate => WorkResult::Applied,
        }
    }

    /// After the variant reacted to a finished message: drop its reference and let the
    /// worker take the next waiting message.
    pub fn after_work(&mut self, now: SimTime, message: &Message, queue: &mut EventQueue<Event>) {
        self.drop_reference(message.workflow);
        if let Some(next) = self.stations[message.dst.index()].release_worker(now) {
            self.start_work(now, next, queue);
        }
    }

    fn drop_reference(&mut self, handle: WorkflowRef) {
        self.workflows.get_mut(handle).outstanding -= 1;
        self.workflows.release_if_done(handle);
    }

    fn client_receives(&mut self, now: SimTime, message: &Message) {
        let handle = message.workflow;
        let workflow = self.workflows.get_mut(handle);
        match message.kind {
            MessageKind::Done => self.end(now, handle, Outcome::Completed),
            MessageKind::Compensated => self.end(now, handle, Outcome::Compensated),
            MessageKind::CompensationReply => {
                workflow.reports_received += 1;
                if u32::from(workflow.reports_received) == message.payload {
                    self.end(now, handle, Outcome::Compensated);
                }
            }
            MessageKind::StatusReply => {
                let measured = workflow.measured;
                let completed = i64::from(workflow.steps_completed());
                let position = workflow
                    .pending_queries
                    .iter()
                    .position(|q| q.id == message.payload);
                let position = position.expect("a status reply answers a pending query");
                let query = &mut workflow.pending_queries[position];
                query.awaiting -= 1;
                query.reported += message.step;
                if query.awaiting == 0 {
                    let query = workflow.pending_queries.swap_remove(position);
                    let staleness = completed - i64::from(query.reported);
                    self.metrics
                        .status_answered(measured, now.since(query.sent_at), staleness);
                }
            }
            other => panic!("a variant sent {} to the client", other.label()),
        }
        self.drop_reference(handle);
    }

    /// The client learns the workflow's outcome (only the first one counts).
    fn end(&mut self, now: SimTime, handle: WorkflowRef, outcome: Outcome) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.outcome.is_none() {
            workflow.outcome = Some(outcome);
            let started_at = workflow.started_at;
            self.metrics.workflow_ended(started_at, now, outcome);
        }
    }

    /// A status poll fires: ask whoever the variant says, then poll again later.
    pub fn poll(&mut self, now: SimTime, handle: WorkflowRef, queue: &mut EventQueue<Event>) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.outcome.is_none() {
            let measured = workflow.measured;
            self.metrics.status_issued(measured);
            let id = workflow.next_query_id;
            workflow.next_query_id += 1;
            let targets: Vec<ComponentId> = match self.config.status_route {
                StatusRoute::Unsupported => Vec::new(),
                StatusRoute::Component(component) => vec![component],
                StatusRoute::FirstService => vec![self.spec.step_component(0)],
                StatusRoute::EveryStep => (0..self.step_count())
                    .map(|s| self.spec.step_component(s))
                    .collect(),
            };
            if !targets.is_empty() {
                let awaiting = u8::try_from(targets.len()).expect("at most 64 steps");
                self.workflows
                    .get_mut(handle)
                    .pending_queries
                    .push(PendingQuery {
                        id,
                        sent_at: now,
                        awaiting,
                        reported: 0,
                    });
            }
            for target in targets {
                self.send(
                    queue,
                    handle,
                    ComponentId::CLIENT,
                    target,
                    MessageKind::StatusQuery,
                    0,
                    id,
                );
            }
            let every = self
                .spec
                .workload
                .status_every
                .expect("polls are scheduled only with status_queries");
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(every, Event::StatusPoll(handle));
        }
        self.drop_reference(handle);
    }

    /// The client's deadline passed: a workflow without an outcome has failed.
    pub fn client_timeout(&mut self, now: SimTime, handle: WorkflowRef) {
        self.end(now, handle, Outcome::Failed);
        self.drop_reference(handle);
    }

    /// Slots allocated for workflows: the most held at once.
    pub fn workflow_slots(&self) -> usize {
        self.workflows.capacity()
    }

    /// Close the run at `end`: whatever has no outcome is stuck.
    pub fn finish(mut self, end: SimTime, events: u64) -> (RunResult, Vec<TraceRecord>) {
        let stuck: Vec<SimTime> = self
            .workflows
            .live()
            .filter(|workflow| workflow.outcome.is_none())
            .map(|workflow| workflow.started_at)
            .collect();
        for started_at in stuck {
            self.metrics.workflow_ended(started_at, end, Outcome::Stuck);
        }
        let mut loads = Vec::new();
        for (index, station) in self.stations.iter_mut().enumerate().skip(1) {
            let id = ComponentId(u16::try_from(index).expect("component count is validated"));
            if id == ComponentId::ORCHESTRATOR && !self.config.uses_orchestrator {
                continue;
            }
            station.account_until(end);
            loads.push(ComponentLoad {
                name: self.spec.component_name(id).to_string(),
                workers: station.workers(),
                busy_nanos: station.busy_nanos(),
                is_coordinator: self.config.coordinator == Some(id),
            });
        }
        let result = self.metrics.finish(end, events, &loads);
        (result, self.trace.unwrap_or_default())
    }
}

/// What a worker does with a message, from its kind and where it arrives.
pub fn task_of(message: &Message) -> Task {
    match message.kind {
        MessageKind::Start if message.dst == ComponentId::ORCHESTRATOR => Task::Coordinate,
        MessageKind::Start | MessageKind::Command | MessageKind::Event => Task::Step,
        MessageKind::Compensate => Task::Compensate,
        MessageKind::StatusQuery => Task::Query,
        _ => Task::Coordinate,
    }
}
