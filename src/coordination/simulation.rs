//! The driver: an engine `Process` that feeds world events to a variant's rules.

use std::marker::PhantomData;

use crate::engine::{EventQueue, Process, SimTime, run_until};
use crate::metrics::RunResult;
use crate::model::{
    ComponentId, Event, SystemSpec, TimeoutOutcome, TraceRecord, World, WorldConfig,
};

use super::{
    Choreography, Coordination, Coordinator, Cx, FrontController, Orchestrator, StampCoupling,
    Stateless, Variant,
};

struct Simulation<'s, V> {
    world: World<'s>,
    rules: PhantomData<V>,
    /// Stop (and report overload) once more workflows than this are held.
    max_in_flight: Option<usize>,
    overloaded: bool,
}

impl<V: Coordination> Process for Simulation<'_, V> {
    type Event = Event;

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
                if let Some(result) = self.world.finish_work(now, &message) {
                    V::handled(
                        &mut Cx {
                            world: &mut self.world,
                            queue,
                        },
                        &message,
                        result,
                    );
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
                    V::give_up(
                        &mut Cx {
                            world: &mut self.world,
                            queue,
                        },
                        workflow,
                    );
                }
                self.world.timer_done(workflow);
            }
            Event::Retry { workflow, token } => self.world.retry(workflow, token, queue),
            Event::FaultStarts(index) => self.world.fault_starts(now, index, queue),
            Event::FaultEnds(index) => {
                for workflow in self.world.fault_ends(now, index, queue) {
                    self.world.resume(workflow, queue);
                }
            }
        }
    }

    fn stopped(&self) -> bool {
        self.overloaded
    }
}

/// Everything one simulated run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub result: RunResult,
    /// Empty unless tracing was asked for.
    pub trace: Vec<TraceRecord>,
}

/// Run `spec` under `variant` with `seed`.
pub fn simulate(spec: &SystemSpec, variant: Variant, seed: u64, trace: bool) -> RunOutput {
    simulate_bounded(spec, variant, seed, trace, None).expect("an unbounded run always finishes")
}

/// Like `simulate`, but give up (`None`) as soon as more than `max_in_flight` workflows are
/// held at once: the system is overloaded and its figures would only get worse. Capacity
/// searches use it to skip the slow, hopeless runs far above capacity.
pub fn simulate_bounded(
    spec: &SystemSpec,
    variant: Variant,
    seed: u64,
    trace: bool,
    max_in_flight: Option<usize>,
) -> Option<RunOutput> {
    match variant {
        Variant::Orchestrator => simulate_with::<Orchestrator>(spec, seed, trace, max_in_flight),
        Variant::Choreography => simulate_with::<Choreography>(spec, seed, trace, max_in_flight),
        Variant::FrontController => {
            simulate_with::<FrontController>(spec, seed, trace, max_in_flight)
        }
        Variant::StampCoupling => simulate_with::<StampCoupling>(spec, seed, trace, max_in_flight),
        Variant::Stateless => simulate_with::<Stateless>(spec, seed, trace, max_in_flight),
    }
}

fn simulate_with<V: Coordination>(
    spec: &SystemSpec,
    seed: u64,
    trace: bool,
    max_in_flight: Option<usize>,
) -> Option<RunOutput> {
    let coordinator = V::COORDINATOR.map(|coordinator| match coordinator {
        Coordinator::Orchestrator => ComponentId::ORCHESTRATOR,
        Coordinator::FirstService => spec.step_component(0),
    });
    let config = WorldConfig {
        status_route: V::STATUS,
        message_size: V::message_size,
        coordinator,
        uses_orchestrator: V::VARIANT.uses_orchestrator(),
        trace,
    };
    let mut simulation = Simulation::<V> {
        world: World::new(spec, seed, config),
        rules: PhantomData,
        max_in_flight,
        overloaded: false,
    };
    let mut queue = EventQueue::new();
    simulation.world.begin(&mut queue);
    let end = SimTime::ZERO + spec.window.duration + spec.window.drain;
    let stats = run_until(&mut simulation, &mut queue, end);
    if simulation.overloaded {
        return None;
    }
    let (result, trace) = simulation.world.finish(end, stats.events);
    Some(RunOutput { result, trace })
}
