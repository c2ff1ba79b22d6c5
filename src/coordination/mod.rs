//! Coordination styles: one trait, one file per variant, and the driver that runs a variant
//! over the model's world. Each variant decides only what to send after a component
//! finishes a message; the world does the rest.

mod choreography;
mod flows;
mod front_controller;
mod orchestrator;
mod simulation;
mod stamp_coupling;
mod stateless;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::engine::EventQueue;
use crate::engine::SimTime;
use crate::model::{
    ComponentId, Consistency, Event, Message, MessageKind, MessageSizes, Request, StatusRoute,
    WorkResult, WorkflowRef, World,
};

pub use choreography::Choreography;
pub use flows::{FlowMessage, VariantFlows, message_flows};
pub use front_controller::FrontController;
pub use orchestrator::Orchestrator;
pub use simulation::{RunOutput, simulate, simulate_bounded};
pub use stamp_coupling::StampCoupling;
pub use stateless::Stateless;

/// The coordination variants sagasim runs, in their canonical (report) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    Orchestrator,
    Choreography,
    FrontController,
    StampCoupling,
    Stateless,
}

impl Variant {
    pub const ALL: [Variant; 5] = [
        Variant::Orchestrator,
        Variant::Choreography,
        Variant::FrontController,
        Variant::StampCoupling,
        Variant::Stateless,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Orchestrator => "orchestrator",
            Variant::Choreography => "choreography",
            Variant::FrontController => "front-controller",
            Variant::StampCoupling => "stamp-coupling",
            Variant::Stateless => "stateless",
        }
    }

    /// Whether the variant needs the `[orchestrator]` section.
    pub fn uses_orchestrator(self) -> bool {
        self == Variant::Orchestrator
    }

    /// One line on what the variant is, for `check` and the README.
    pub fn summary(self) -> &'static str {
        match self {
            Variant::Orchestrator => {
                "a central orchestrator commands each step and drives compensation"
            }
            Variant::Choreography => {
                "services pass events along the chain; failures travel back the chain"
            }
            Variant::FrontController => {
                "choreography, with the first service tracking progress and answering status"
            }
            Variant::StampCoupling => {
                "choreography, with the workflow state carried in every message"
            }
            Variant::Stateless => "choreography; status is assembled by asking every service",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|variant| variant.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
                format!(
                    "unknown variant `{text}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The rules of one coordination style.
pub trait Coordination {
    const VARIANT: Variant;
    /// Where status queries go.
    const STATUS: StatusRoute;
    /// The component that holds the workflow's state, if any.
    const COORDINATOR: Option<Coordinator>;

    /// The client starts a workflow: send its first message.
    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef);

    /// A worker at `message.dst` finished `message` with `result`: send what follows.
    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult);

    /// The coordinator's retries for the awaited request are exhausted.
    fn give_up(_cx: &mut Cx<'_, '_>, _workflow: WorkflowRef) {}

    /// Bytes on the wire; only stamp coupling carries more than the base size.
    fn message_size(sizes: &MessageSizes, _message: &Message, _steps: usize) -> u64 {
        sizes.base_bytes
    }
}

/// Which component coordinates a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coordinator {
    Orchestrator,
    FirstService,
}

/// What a variant's rules can do: send messages and read or update workflow state.
pub struct Cx<'w, 's> {
    world: &'w mut World<'s>,
    queue: &'w mut EventQueue<Event>,
}

impl<'w, 's> Cx<'w, 's> {
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    pub fn steps(&self) -> usize {
        self.world.step_count()
    }

    /// Whether `step` is the workflow's last.
    pub fn is_last(&self, step: u8) -> bool {
        usize::from(step) + 1 == self.steps()
    }

    /// The component that performs `step`.
    pub fn at_step(&self, step: u8) -> ComponentId {
        self.world.spec().step_component(usize::from(step))
    }

    pub fn first_service(&self) -> ComponentId {
        self.at_step(0)
    }

    pub fn send(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        self.world
            .send(self.queue, workflow, src, dst, kind, step, payload);
    }

    /// Send `kind` from `from` to the client.
    pub fn to_client(
        &mut self,
        workflow: WorkflowRef,
        from: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        self.send(workflow, from, ComponentId::CLIENT, kind, step, payload);
    }

    /// Work a component gives itself, without a message.
    pub fn local(&mut self, workflow: WorkflowRef, at: ComponentId, kind: MessageKind, step: u8) {
        self.world.local(self.queue, workflow, at, kind, step);
    }

    /// Answer a status query with `reported` steps.
    pub fn answer_status(&mut self, query: &Message, reported: u8) {
        self.send(
            query.workflow,
            query.dst,
            ComponentId::CLIENT,
            MessageKind::StatusReply,
            reported,
            query.payload,
        );
    }

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

    /// Eventual consistency: tell the client the workflow is accepted (after step 1).
    pub fn accept(&mut self, workflow: WorkflowRef, from: ComponentId) {
        if self.world.spec().failures.consistency == Consistency::Eventual {
            self.to_client(workflow, from, MessageKind::Accepted, 0, 0);
        }
    }

    /// Whether `step`'s service has completed its step for this workflow (its own records).
    pub fn step_completed(&mut self, workflow: WorkflowRef, step: u8) -> bool {
        self.world.workflow(workflow).completed_mask & (1u64 << step) != 0
    }
}
