//! The driver: an engine `Process` that feeds world events to a variant's rules.

use std::marker::PhantomData;

use crate::engine::{EventQueue, Process, SimTime, run_until};
use crate::metrics::RunResult;
use crate::model::{
    CallTimeoutOutcome, ComponentId, Event, Message, MessageKind, RefusedOutcome, SystemSpec,
    TimeoutOutcome, TraceFilter, TraceRecord, WorkflowRef, World, WorldConfig,
};

use super::{Coordinator, Cx, Design, Rules};

struct Simulation<'s, V> {
    world: World<'s>,
    rules: PhantomData<V>,
    /// Stop (and report overload) once more workflows than this are held.
    max_in_flight: Option<usize>,
    overloaded: bool,
}

impl<V: Rules> Process for Simulation<'_, V> {
    type Event = Event;

    /// Always inlined into the run loop, its one caller (see `engine::run_until`).
    #[inline(always)]
    fn handle(&mut self, now: SimTime, event: Event, queue: &mut EventQueue<Event>) {
        match event {
            Event::Arrival => {
                let workflow = self.world.arrive(now, queue);
                V::start(
                    &mut Cx {
                        world: &mut self.world,
                        queue,
                    },
                    workflow,
                );
                if self
                    .max_in_flight
                    .is_some_and(|max| self.world.live_workflows() > max)
                {
                    self.overloaded = true;
                }
            }
            Event::Deliver(message) => self.world.deliver(now, message, queue),
            Event::WorkerDone(message) => {
                if let Some(result) = self.world.finish_work(now, &message, queue) {
                    let mut cx = Cx {
                        world: &mut self.world,
                        queue,
                    };
                    if message.kind == MessageKind::Ack {
                        V::acked(&mut cx, &message);
                    } else {
                        V::handled(&mut cx, &message, result);
                    }
                    self.world.after_work(now, &message, queue);
                }
            }
            Event::StatusPoll(workflow) => self.world.poll(now, workflow, queue),
            Event::ClientTimeout(workflow) => self.world.client_timeout(now, workflow),
            Event::StatusTimeout {
                workflow,
                id,
                resend,
            } => self.world.status_timeout(workflow, id, resend, queue),
            Event::ReplyTimeout { workflow, token } => {
                if self.world.reply_timeout(now, workflow, token, queue) == TimeoutOutcome::GiveUp {
                    self.give_up(now, workflow, queue);
                }
                self.world.timer_done(workflow);
            }
            Event::CallTimeout {
                workflow,
                at,
                replica,
                call,
                retry,
            } => {
                if let CallTimeoutOutcome::Exhausted { request, abandoned } = self
                    .world
                    .call_timeout(now, workflow, (at, replica), call, retry, queue)
                {
                    self.call_failed(now, &request, abandoned, queue);
                }
            }
            Event::Retry { workflow, token } => self.world.retry(workflow, token, queue),
            Event::Refused { message, refusal } => {
                match self.world.sender_refused(now, message, refusal, queue) {
                    RefusedOutcome::Nothing => {}
                    RefusedOutcome::GiveUp => self.give_up(now, message.workflow, queue),
                    RefusedOutcome::CallFailed { request, abandoned } => {
                        self.call_failed(now, &request, abandoned, queue);
                    }
                }
                self.world.timer_done(message.workflow);
            }
            Event::Resend { message, attempt } => self.world.resend(message, attempt, queue),
            Event::Publish(message) => self.world.publish(message, queue),
            Event::RelayMarked(message) => self.world.relay_marked(message),
            Event::FaultStarts(index) => self.world.fault_starts(now, index, queue),
            Event::FaultEnds(index) => {
                for workflow in self.world.fault_ends(now, index, queue) {
                    self.world.resume(workflow, queue);
                }
            }
            Event::Autoscale { component } => self.world.autoscale(now, component, queue),
            Event::ReplicaReady { station } => self.world.replica_ready(now, station, queue),
            Event::Failover { replica } => {
                for workflow in self.world.failover(now, replica, queue) {
                    self.world.resume(workflow, queue);
                }
            }
        }
    }

    fn stopped(&self) -> bool {
        self.overloaded
    }
}

impl<V: Rules> Simulation<'_, V> {
    /// The coordinator's awaited request failed for good: the variant gives up on it, as
    /// the worker that slept through the backoff (sync) if it still lives.
    fn give_up(&mut self, now: SimTime, workflow: WorkflowRef, queue: &mut EventQueue<Event>) {
        let resumed = self.world.resume_coordinator_worker(now, workflow);
        V::give_up(
            &mut Cx {
                world: &mut self.world,
                queue,
            },
            workflow,
        );
        if resumed {
            self.world.after_resumed(now, queue);
        }
    }

    /// A participant's call (or event) failed for good: the variant acts on it, as the
    /// resumed held worker in sync.
    fn call_failed(
        &mut self,
        now: SimTime,
        request: &Message,
        abandoned: u64,
        queue: &mut EventQueue<Event>,
    ) {
        V::call_failed(
            &mut Cx {
                world: &mut self.world,
                queue,
            },
            request,
            abandoned,
        );
        self.world.after_resumed(now, queue);
    }
}

/// Why and when a run was stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Simulated time of the last event handled.
    pub at: SimTime,
    /// Workflows held when it stopped (more than the bound).
    pub workflows_held: usize,
}

/// Everything one simulated run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Covers the whole run, or only up to `stopped.at` when the run was stopped.
    pub result: RunResult,
    /// Empty unless tracing was asked for.
    pub trace: Vec<TraceRecord>,
    /// The workflows a `TraceFilter::Find` picked (empty otherwise).
    pub picked: Vec<u64>,
    /// `Some` when the run held more workflows than its bound and was stopped there.
    pub stopped: Option<Stopped>,
}

/// Runs a simulation under one style's rules (see `design::StyleInfo`).
pub(super) type Runner = fn(&SystemSpec, u64, Option<&TraceFilter>, Option<usize>) -> RunOutput;

/// Run `spec` as `design` with `seed`, to the end however many workflows it holds;
/// `trace` records every event of every workflow.
pub fn simulate(spec: &SystemSpec, design: &Design, seed: u64, trace: bool) -> RunOutput {
    simulate_bounded(spec, design, seed, trace, None)
}

/// Run `spec` as `design` with `seed`, tracing what `filter` asks for; stopped like
/// `simulate_bounded` beyond `max_in_flight` workflows held.
pub fn simulate_traced(
    spec: &SystemSpec,
    design: &Design,
    seed: u64,
    filter: &TraceFilter,
    max_in_flight: Option<usize>,
) -> RunOutput {
    simulate_run(spec, design, seed, Some(filter), max_in_flight)
}

/// Like `simulate`, but stop as soon as more than `max_in_flight` workflows are held at
/// once: the system is overloaded, its figures would only get worse, and its memory
/// would grow without bound. The result then covers the run up to that point.
pub fn simulate_bounded(
    spec: &SystemSpec,
    design: &Design,
    seed: u64,
    trace: bool,
    max_in_flight: Option<usize>,
) -> RunOutput {
    let filter = trace.then_some(TraceFilter::All);
    simulate_run(spec, design, seed, filter.as_ref(), max_in_flight)
}

fn simulate_run(
    spec: &SystemSpec,
    design: &Design,
    seed: u64,
    trace: Option<&TraceFilter>,
    max_in_flight: Option<usize>,
) -> RunOutput {
    let system = design.system(spec);
    (design.coordination.info().runner)(&system, seed, trace, max_in_flight)
}

pub(super) fn simulate_with<V: Rules>(
    spec: &SystemSpec,
    seed: u64,
    trace: Option<&TraceFilter>,
    max_in_flight: Option<usize>,
) -> RunOutput {
    let coordinator = V::COORDINATOR.map(|coordinator| match coordinator {
        Coordinator::Orchestrator => ComponentId::ORCHESTRATOR,
        Coordinator::FirstService => spec.step_component(0),
    });
    let config = WorldConfig {
        status_route: V::STATUS,
        message_size: V::MESSAGE_SIZE,
        carried_outputs: V::carried_outputs,
        joins_at_services: V::JOINS_AT_SERVICES && spec.workflow.has_parallel(),
        coordinator,
        uses_orchestrator: V::COORDINATOR == Some(Coordinator::Orchestrator),
    };
    let mut simulation = Simulation::<V> {
        world: World::new(spec, seed, config),
        rules: PhantomData,
        max_in_flight,
        overloaded: false,
    };
    if let Some(filter) = trace {
        simulation.world.trace(filter.clone());
    }
    let mut queue = EventQueue::new();
    simulation.world.begin(&mut queue);
    let end = SimTime::ZERO + spec.window.duration + spec.window.drain;
    let stats = run_until(&mut simulation, &mut queue, end);
    let stopped = simulation.overloaded.then(|| Stopped {
        at: stats.last_event_at,
        workflows_held: simulation.world.live_workflows(),
    });
    // The pending events (of a stopped run, perhaps millions) are no longer needed.
    drop(queue);
    let (result, trace, picked) = simulation
        .world
        .finish(stopped.map_or(end, |s| s.at), stats.events);
    RunOutput {
        result,
        trace,
        picked,
        stopped,
    }
}
