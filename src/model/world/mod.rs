//! The simulated world's mechanics: arrivals, message transport, workers and inboxes, the
//! client's bookkeeping, status polls and timeouts, faults and recovery. What to send next
//! is the coordination variant's decision; the world carries it out and measures it.

mod autoscale;
mod balance;
mod calls;
mod client;
mod coordinator;
mod faults;
mod finish;
mod publish;
mod replicas;
mod resilience;
mod transport;
mod work;

pub use calls::CallTimeoutOutcome;
pub use coordinator::TimeoutOutcome;
pub use resilience::RefusedOutcome;
pub use work::task_of;

use crate::engine::{EventQueue, KeyedStreams, SimDuration, SimTime, SplitMix64, StreamPurpose};
use crate::metrics::{FaultWindow, MeasurementWindow, Outcome, RunMetrics, ScalingRow};

use super::complexity::Complexity;
use super::faults::{Answer, Communication, FaultOccurrence, occurrences};
use super::interface::Interfaces;
use super::message::Message;
use super::network::Network;
use super::resilience::Refusal;
use super::station::Station;
use super::system::{Arrivals, ComponentId, MessageSizes, SystemSpec};
use super::trace::{TraceFilter, TraceRecord, Tracer};
use super::workflow::{Workflow, WorkflowRef, WorkflowTable};
use super::workflow_graph::Path;

/// Everything that can happen in the simulated world.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// The client starts the next workflow.
    Arrival,
    /// A message reaches its destination.
    Deliver(Message),
    /// A worker finished a message (stale if the station crashed meanwhile).
    WorkerDone(Message),
    /// Time to poll a workflow's status.
    StatusPoll(WorkflowRef),
    /// The client's deadline for a workflow.
    ClientTimeout(WorkflowRef),
    /// The coordinator's wait for a reply expired (stale unless `token` is current).
    ReplyTimeout { workflow: WorkflowRef, token: u32 },
    /// The backoff before a retry is over.
    Retry { workflow: WorkflowRef, token: u32 },
    /// The client's wait for status query `id` expired (`resend`: its backoff is over).
    StatusTimeout {
        workflow: WorkflowRef,
        id: u32,
        resend: bool,
    },
    /// Sync: a participant's blocking call `call` at `at` timed out (`retry`: the worker's
    /// backoff is over and it calls again).
    CallTimeout {
        workflow: WorkflowRef,
        at: ComponentId,
        replica: u8,
        call: u32,
        retry: bool,
    },
    /// A journaled coordinator's replica crashed `failover` ago: a live replica takes
    /// over its shards if it is still down.
    Failover { replica: u8 },
    /// Time to read a component's utilisation (and, if it autoscales, to decide).
    Autoscale { component: u16 },
    /// A replica the autoscaler started is ready to serve.
    ReplicaReady { station: u32 },
    /// The sender of `message` hears that it was refused (a full inbox that answers, an
    /// expired deadline, its own breaker open).
    Refused { message: Message, refusal: Refusal },
    /// A one-way message refused earlier is sent again (its backoff is over): its
    /// `attempt`-th retry.
    Resend { message: Message, attempt: u16 },
    /// A message whose commit came `publish_window` ago is published now (dual write,
    /// or an outbox's relay), unless its sender crashed meanwhile.
    Publish(Message),
    /// An outbox's relay marks the row of a message it published as sent.
    RelayMarked(Message),
    /// Fault occurrence `index` begins.
    FaultStarts(u32),
    /// Fault occurrence `index` ends.
    FaultEnds(u32),
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
pub type MessageSizeRule = fn(&MessageSizes, &Message, &Path) -> u64;

/// Per-variant facts the world needs.
#[derive(Debug, Clone, Copy)]
pub struct WorldConfig {
    pub status_route: StatusRoute,
    /// `None`: every message weighs `[messages] base`.
    pub message_size: Option<MessageSizeRule>,
    /// Which steps' outputs a message carries, as a set (data passing), in sync
    /// communication or not, and whether a sync chain's answer returns through S1.
    pub carried_outputs: fn(&Message, &Path, bool, bool) -> u64,
    /// The step after a parallel block joins its branches' messages (choreographies on
    /// a workflow with parallel blocks).
    pub joins_at_services: bool,
    /// The component that holds workflow state, for `coordinator_utilization`, journaling
    /// and resumption.
    pub coordinator: Option<ComponentId>,
    pub uses_orchestrator: bool,
}

/// How a message relates to the worker that sends it (sync communication; in async every
/// send is one-way and the sender's worker is free at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    /// The answer to the request being handled if it goes back to that request's caller,
    /// otherwise a one-way message.
    Auto,
    /// A one-way notification: nobody waits for it.
    Notify,
    /// A participant's blocking call: the worker waits for the answer, under `[policy]`'s
    /// timeout and retries.
    Call,
    /// A coordinator's awaited request: a blocking call whose timeouts and retries are the
    /// coordinator's (`Event::ReplyTimeout`).
    CoordinatorCall,
}

/// The job a worker is doing while the variant decides what to send (sync communication):
/// which request occupies it, whether that request's caller is answered, and the call or
/// local continuation it makes.
#[derive(Debug, Clone, Copy)]
struct Handling {
    at: ComponentId,
    /// The replica of `at` whose worker it is.
    replica: u8,
    /// The request that took the worker from the inbox; its caller gets the answer.
    request: Message,
    answered: bool,
    /// Handling an answer (or a local task) as a continuation of a held job.
    continuation: bool,
    /// The blocking call made now, with its id.
    call: Option<(Message, u32)>,
    coordinator_call: bool,
    /// Retries made so far of the call this job is about (a participant's retry).
    attempt: u32,
    /// A local task the same worker does next (sync: no trip through its own inbox).
    local: Option<Message>,
    /// A fan-out's id (its calls', made at once), or 0 when the job makes one call at a
    /// time; with the callee steps whose answers it still awaits.
    fan_out: u32,
    awaiting: u64,
    /// A fan-out's latest call, kept across its answers (a retry's template).
    fan_out_call: Option<Message>,
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
    network: Network<'s>,
    /// Network interfaces, when any component has one.
    interfaces: Option<Interfaces>,
    /// Whether any step produces output data (else no message carries any).
    has_outputs: bool,
    /// The reactions and states each component needed.
    complexity: Complexity,
    workflows: WorkflowTable,
    metrics: RunMetrics,
    trace: Option<Tracer>,
    occurrences: Vec<FaultOccurrence>,
    /// Active partitions by the pair they separate (lower id first): each (end,
    /// occurrence). Ordered, so that a message finds its pair's in log time however many
    /// are active, and the latest-ending one is the last.
    partitions: std::collections::BTreeMap<
        (ComponentId, ComponentId),
        std::collections::BTreeSet<(SimTime, u32)>,
    >,
    /// Cost multiplier per component (1 unless slowed).
    slow_factor: Vec<f64>,
    /// Active slowdowns (fault occurrence indices) per component, in the order they
    /// started: a start or end rescans only its own component's.
    slowdowns: Vec<Vec<u32>>,
    /// The fault occurrence that took each component down, or slowed it.
    down_by: Vec<Option<u32>>,
    slowed_by: Vec<Option<u32>>,
    /// Messages waiting anywhere (inboxes, brokers), for backlog peaks.
    backlog: u64,
    handling: Option<Handling>,
    /// Sends are re-sends (retries, resumed requests): reported as retry/duplicate.
    resending: bool,
    /// Overlapping crash windows per component: up again when it drops to 0.
    down_depth: Vec<u32>,
    sync: bool,
    /// Sync, and a chain answers its client through the first service as the calls
    /// unwind (`answer = "return"`).
    answers_return: bool,
    /// The workflow's one path, when it has one (a chain): every workflow takes it.
    single_path: Option<&'s Path>,
    /// The end of the run (arrivals, then the drain).
    run_end: SimTime,
    /// Events counted instead of simulated (status polls nobody can answer).
    counted_events: u64,
    /// Where each component's replicas are, and how messages reach them.
    replicas: replicas::Replicas,
    /// The component and replica whose worker finished the latest job (async senders).
    acting: (ComponentId, u8),
    /// Replicas and utilisation over time (`scaling.csv`).
    scaling: Vec<ScalingRow>,
    /// Load shedding, deadlines and breakers, and what they counted.
    resilience: resilience::Resilience,
}

impl<'s> World<'s> {
    pub fn new(spec: &'s SystemSpec, seed: u64, config: WorldConfig) -> Self {
        let streams = KeyedStreams::new(seed);
        let window = spec.window;
        let warmup = SimTime::ZERO + window.warmup;
        let arrivals_end = SimTime::ZERO + window.duration;
        let run_end = arrivals_end + window.drain;
        let occurrences = occurrences(&spec.failures.faults, seed, run_end, |id| {
            spec.most_replicas(id)
        });
        let crashable = |id: ComponentId, replica: u32| {
            occurrences
                .iter()
                .any(|o| faults::strikes(spec, &o.kind, id, replica))
        };
        let busy_window = (warmup, arrivals_end);
        let replicas = replicas::Replicas::new(spec, config.coordinator, &streams, busy_window);
        let mut stations = vec![Station::new(0, 0, busy_window, false)];
        match &spec.orchestrator {
            Some(o) => stations.extend((0..o.deployment.most_replicas()).map(|replica| {
                Station::new(
                    o.workers,
                    o.queue,
                    busy_window,
                    crashable(ComponentId::ORCHESTRATOR, replica),
                )
            })),
            None => stations.push(Station::new(0, 0, busy_window, false)),
        }
        for (index, service) in spec.services.iter().enumerate() {
            let id = ComponentId::service(index);
            // Pooled replicas share the broker's queue: their own inboxes stay empty.
            let queue = if replicas.routing[id.index()] == replicas::Routing::Pooled {
                0
            } else {
                service.queue
            };
            stations.extend((0..service.deployment.most_replicas()).map(|replica| {
                Station::new(service.workers, queue, busy_window, crashable(id, replica))
            }));
        }
        let station_count = stations.len();
        let measurement = MeasurementWindow {
            warmup,
            arrivals_end,
            bucket: window.bucket,
        };
        let windows = occurrences.iter().map(|o| fault_window(spec, o)).collect();
        let mut world = World {
            spec,
            config,
            streams,
            arrivals: streams.stream(StreamPurpose::Arrivals, 0, 0),
            workflows_started: 0,
            last_arrival_at: SimTime::ZERO,
            arrivals_end,
            network: Network::new(&spec.network),
            interfaces: Interfaces::new(spec, busy_window, &replicas.first),
            has_outputs: spec.services.iter().any(|s| s.output_bytes.is_some()),
            complexity: Complexity::new(spec.component_count()),
            stations,
            workflows: WorkflowTable::default(),
            metrics: RunMetrics::new(measurement, spec.component_count(), windows),
            trace: None,
            occurrences,
            partitions: std::collections::BTreeMap::new(),
            slow_factor: vec![1.0; spec.component_count()],
            slowdowns: vec![Vec::new(); spec.component_count()],
            down_by: vec![None; station_count],
            slowed_by: vec![None; spec.component_count()],
            backlog: 0,
            handling: None,
            resending: false,
            down_depth: vec![0; station_count],
            sync: spec.failures.communication == Communication::Sync,
            answers_return: spec.failures.communication == Communication::Sync
                && spec.failures.answer == Answer::Return,
            single_path: spec.workflow.is_chain().then(|| spec.workflow.path(0)),
            run_end,
            counted_events: 0,
            replicas,
            acting: (ComponentId::CLIENT, 0),
            scaling: Vec::new(),
            resilience: resilience::Resilience::new(spec),
        };
        if world.has_outputs {
            world.metrics.declare_data();
        }
        world
    }

    /// Record what `filter` asks for (nothing is recorded otherwise).
    pub fn trace(&mut self, filter: TraceFilter) {
        self.trace = Some(Tracer::new(filter));
    }

    /// The tracer, if it keeps records of workflow `number`.
    fn tracing(&mut self, number: u64) -> Option<&mut Tracer> {
        self.trace.as_mut().filter(|tracer| tracer.wants(number))
    }

    /// Record that `component` stopped waiting on an answer for `handle` (`retried`: its
    /// backoff is over and it asks again).
    fn trace_wait(
        &mut self,
        now: SimTime,
        handle: WorkflowRef,
        component: ComponentId,
        retried: bool,
    ) {
        if self.trace.is_none() {
            return;
        }
        let number = self.workflows.get(handle).number;
        if let Some(trace) = self.tracing(number) {
            trace.push(if retried {
                TraceRecord::Retried {
                    at: now,
                    workflow: number,
                    component,
                }
            } else {
                TraceRecord::TimedOut {
                    at: now,
                    workflow: number,
                    component,
                }
            });
        }
    }

    pub fn spec(&self) -> &'s SystemSpec {
        self.spec
    }

    /// Whether a sync chain answers its client through the first service.
    pub fn answers_return(&self) -> bool {
        self.answers_return
    }

    /// The path `handle` takes through the workflow graph (a chain's one path without
    /// looking the workflow up: this is on every message's way).
    #[inline(always)]
    pub fn path_of(&self, handle: WorkflowRef) -> &'s Path {
        match self.single_path {
            Some(path) => path,
            None => self.spec.workflow.path(self.workflows.get(handle).path),
        }
    }

    pub fn workflow(&mut self, handle: WorkflowRef) -> &mut Workflow {
        self.workflows.get_mut(handle)
    }

    /// Schedule the first arrival and every fault window.
    pub fn begin(&mut self, queue: &mut EventQueue<Event>) {
        self.schedule_next_arrival(queue);
        for (index, occurrence) in self.occurrences.iter().enumerate() {
            let index = u32::try_from(index).expect("fewer than 2^32 fault windows");
            queue.schedule_at(occurrence.start, Event::FaultStarts(index));
            queue.schedule_at(occurrence.end, Event::FaultEnds(index));
        }
        self.begin_readings(queue);
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
        let next_at = match (&self.spec.workload.profile, self.spec.workload.arrivals) {
            (None, Arrivals::Poisson { per_second }) => {
                let gap = self.arrivals.exponential(1e9 / per_second);
                self.last_arrival_at + SimDuration::from_nanos_f64(gap)
            }
            (None, Arrivals::Constant { per_second }) => {
                let index = (self.workflows_started + 1) as f64;
                SimTime::ZERO + SimDuration::from_nanos_f64(index * 1e9 / per_second)
            }
            (Some(profile), Arrivals::Poisson { .. }) => {
                // A non-homogeneous Poisson process by its time change: unit-rate
                // exponential gaps on the profile's clock (the rate's integral), mapped
                // back to time. Exact, with no rejected draws, and a rate of 0 for good
                // ends the arrivals at once.
                let clock = profile.cumulative(self.last_arrival_at.as_secs_f64());
                match profile.time_of_cumulative(clock + self.arrivals.exponential(1.0)) {
                    Some(at) => SimTime::ZERO + SimDuration::from_nanos_f64(at * 1e9),
                    None => return,
                }
            }
            (Some(profile), Arrivals::Constant { .. }) => {
                // Evenly spaced in the profile's own clock: the n-th arrival when the
                // rate's integral reaches n.
                let index = (self.workflows_started + 1) as f64;
                match profile.time_of_cumulative(index) {
                    Some(at) => SimTime::ZERO + SimDuration::from_nanos_f64(at * 1e9),
                    None => return,
                }
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
        let path = self.spec.workflow.draw_path(&self.streams, number);
        let handle = self
            .workflows
            .insert(Workflow::new(number, path, now, measured));
        if let Some(coordinator) = self.config.coordinator
            && self.replicas.any
            && self.replicas.routing[coordinator.index()] == replicas::Routing::Sharded
        {
            self.workflows.get_mut(handle).owner = self.owner_for(coordinator, number);
        }
        self.metrics.workflow_started(now);
        if let Some(every) = self.spec.workload.status_every
            && !self.polls_are_counted()
        {
            let phase = self.first_poll_after(number, every);
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(phase, Event::StatusPoll(handle));
        }
        // The client's call fails at its deadline (DEADLINE_EXCEEDED), or its own wait
        // ends at `[workload] timeout`, whichever comes first.
        let gives_up = match (self.spec.workload.timeout, self.resilience.deadline) {
            (Some(timeout), Some(deadline)) => Some(timeout.min(deadline)),
            (timeout, deadline) => timeout.or(deadline),
        };
        if let Some(timeout) = gives_up {
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(timeout, Event::ClientTimeout(handle));
        }
        handle
    }

    /// A worker of `at`'s replica `replica` is free: it takes the next waiting message, if
    /// any (from the broker's shared queue, for pooled replicas).
    fn free_worker(
        &mut self,
        now: SimTime,
        at: ComponentId,
        replica: u8,
        queue: &mut EventQueue<Event>,
    ) {
        let station = self.station_of(at, replica);
        if let Some(next) = self.stations[station].release_worker(now) {
            self.backlog_changed(now, -1);
            self.start_work(now, next, queue);
        } else if self.replicas.any {
            self.replica_worker_free(now, at, station, queue);
        }
    }

    #[inline]
    fn drop_reference(&mut self, handle: WorkflowRef) {
        self.workflows.get_mut(handle).outstanding -= 1;
        self.release_if_done(handle);
    }

    /// Free the workflow's slot once it has an outcome and nothing refers to it, after
    /// judging whether it ended consistent.
    #[inline]
    fn release_if_done(&mut self, handle: WorkflowRef) {
        let workflow = self.workflows.get(handle);
        if workflow.outcome.is_some() && workflow.outstanding == 0 {
            self.release(handle);
        }
    }

    /// Free an ended workflow's slot, counting it if it ended inconsistent.
    fn release(&mut self, handle: WorkflowRef) {
        let all_steps = self.path_of(handle).mask();
        let workflow = self.workflows.get(handle);
        if is_inconsistent(workflow, all_steps) {
            self.metrics.workflow_inconsistent(workflow.measured);
        }
        self.workflows.release_if_done(handle);
    }

    /// Fault occurrence `occurrence` touched a workflow: count it once per occurrence.
    fn touch(&mut self, handle: WorkflowRef, occurrence: u32) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.touched_by != occurrence + 1 {
            workflow.touched_by = occurrence + 1;
            self.metrics.fault_affected(occurrence as usize);
        }
    }

    fn backlog_changed(&mut self, now: SimTime, change: i64) {
        self.backlog = self.backlog.saturating_add_signed(change);
        if self.metrics.tracks_faults() {
            self.metrics.backlog(now, self.backlog);
        }
    }

    /// Workflows held now (in flight, or ended with messages still about them).
    pub fn live_workflows(&self) -> usize {
        self.workflows.live_count()
    }
}

/// Ended with steps committed that should not be (or, completed, with some missing).
fn is_inconsistent(workflow: &Workflow, all_steps: u64) -> bool {
    match workflow.outcome {
        Some(Outcome::Completed) => workflow.committed_mask != all_steps,
        _ => workflow.committed_mask != 0,
    }
}

fn fault_window(spec: &SystemSpec, occurrence: &FaultOccurrence) -> FaultWindow {
    let (fault, target) = spec.fault_target(&occurrence.kind);
    FaultWindow {
        fault,
        target,
        start: occurrence.start,
        end: occurrence.end,
    }
}
