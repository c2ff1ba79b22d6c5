//! Coordination: the designs a scenario runs, one `Rules` trait with one file per
//! coordination style, and the driver that runs a design over the model's world. Each
//! style decides only what to send after a component finishes a message; the world does
//! the rest.

mod choreography;
mod coordinator;
mod design;
mod flows;
mod front_controller;
mod orchestrator;
mod simulation;
mod stamp_coupling;
mod stateless;

use crate::engine::EventQueue;
use crate::model::{
    Communication, ComponentId, Consistency, Event, JOIN_BRANCH_MASK, JOIN_EVERY_BRANCH, Message,
    MessageKind, MessageSizeRule, Path, ROLLBACK_GAVE_UP, SendMode, StatusRoute, WorkResult,
    WorkflowRef, World,
};

pub use choreography::Choreography;
pub use design::{
    ALL_PATTERNS, Coordination, Design, PATTERNS, Pattern, communication_from_label,
    communication_label, consistency_from_label, consistency_label,
};
pub use flows::{DesignFlows, FlowMessage, designed_handlers, flow_message, message_flows};
pub use front_controller::FrontController;
pub use orchestrator::Orchestrator;
pub use simulation::{Stopped, simulate, simulate_bounded, simulate_traced};
pub use stamp_coupling::StampCoupling;
pub use stateless::Stateless;

/// The rules of one coordination style.
pub trait Rules {
    /// Where status queries go.
    const STATUS: StatusRoute;
    /// The component that holds the workflow's state, if any.
    const COORDINATOR: Option<Coordinator>;
    /// Whether the step after a parallel block joins its branches' events itself (the
    /// choreographies); otherwise a coordinator collects the replies.
    const JOINS_AT_SERVICES: bool = false;

    /// The client starts a workflow: send its first message.
    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef);

    /// A worker at `message.dst` finished `message` with `result`: send what follows.
    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult);

    /// The coordinator's retries for the awaited request are exhausted.
    fn give_up(_cx: &mut Cx<'_, '_>, _workflow: WorkflowRef) {}

    /// Sync: an ack (the callee returned without an answer of its own) reached the held
    /// worker that made the call. By default the worker's job just goes on.
    fn acked(_cx: &mut Cx<'_, '_>, _ack: &Message) {}

    /// Sync: a participant's blocking call, made while handling `request`, timed out with
    /// its retries exhausted; the participant's worker acts on it now. `abandoned`: a
    /// fan-out's callee steps (a parallel block's first steps) that never answered, 0 for
    /// a single call. By default it just returns (its caller gets an ack).
    fn call_failed(_cx: &mut Cx<'_, '_>, _request: &Message, _abandoned: u64) {}

    /// Bytes on the wire, where a style's messages weigh more than the base size (stamp
    /// coupling); `None`: every message weighs `[messages] base`.
    const MESSAGE_SIZE: Option<MessageSizeRule> = None;

    /// Which steps' outputs (`[[services]] output`) a message carries, as a set (`sync`:
    /// blocking calls). A chain passes each step's output on the event to the steps that
    /// consume it (a parallel block's last steps each on their own event to the join),
    /// and the last step's on its answer to the client: on every return up a sync chain
    /// that answers through its first service (`answers_return`).
    fn carried_outputs(message: &Message, path: &Path, _sync: bool, answers_return: bool) -> u64 {
        match message.kind {
            MessageKind::Event => event_outputs(message, path),
            MessageKind::Done => path.outputs_at_end(),
            MessageKind::Ack if answers_return && !path.has_parallel() => path.outputs_at_end(),
            _ => 0,
        }
    }
}

/// The outputs an event carries in the styles that pass data along: its target's inputs,
/// but to the step after a parallel block only the output of the branch it ends.
pub(crate) fn event_outputs(message: &Message, path: &Path) -> u64 {
    if path.has_parallel() && path.is_join(message.step) && message.payload & JOIN_EVERY_BRANCH == 0
    {
        1u64 << (message.payload & JOIN_BRANCH_MASK)
    } else {
        path.inputs_of(message.step)
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
    /// The path `workflow` takes through the workflow graph.
    #[inline(always)]
    pub fn path(&self, workflow: WorkflowRef) -> &'s Path {
        self.world.path_of(workflow)
    }

    /// The step after `step` on the workflow's path (`None` after the last).
    #[inline(always)]
    pub fn next_step(&self, workflow: WorkflowRef, step: u8) -> Option<u8> {
        self.path(workflow).next(step)
    }

    /// The step before `step` on the workflow's path (`None` before the first).
    #[inline(always)]
    pub fn previous_step(&self, workflow: WorkflowRef, step: u8) -> Option<u8> {
        self.path(workflow).previous(step)
    }

    /// The workflow's first step.
    #[inline(always)]
    pub fn first_step(&self, workflow: WorkflowRef) -> u8 {
        self.path(workflow).first().expect("a path has a step")
    }

    /// Steps done once `step` is: its position on the path, plus one.
    #[inline(always)]
    pub fn steps_through(&self, workflow: WorkflowRef, step: u8) -> u8 {
        self.path(workflow).position(step) + 1
    }

    /// The component that performs `step`.
    pub fn at_step(&self, step: u8) -> ComponentId {
        self.world.spec().step_component(usize::from(step))
    }

    /// The first service, which every path starts with where a design needs one fixed
    /// front (validated for the front controller).
    pub fn first_service(&self) -> ComponentId {
        self.at_step(0)
    }

    /// The step `service` performs on the workflow's path, if it performs one (a service
    /// performs at most one step per path).
    pub fn step_on_path(&self, workflow: WorkflowRef, service: ComponentId) -> Option<u8> {
        self.path(workflow)
            .steps()
            .iter()
            .copied()
            .find(|&step| self.at_step(step) == service)
    }

    /// Send a message: in sync communication it is the answer to the request being handled
    /// when it goes back to that request's caller, and one-way otherwise.
    pub fn send(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        self.send_as(workflow, src, dst, kind, step, payload, SendMode::Auto);
    }

    /// A one-way notification: nobody waits for it, in sync communication too.
    pub fn notify(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        self.send_as(workflow, src, dst, kind, step, payload, SendMode::Notify);
    }

    /// A participant's call: in sync communication the sender's worker blocks until the
    /// callee's handler answers (or the call times out under `[policy]`).
    pub fn call(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
    ) {
        self.send_as(workflow, src, dst, kind, step, 0, SendMode::Call);
    }

    #[allow(clippy::too_many_arguments)]
    fn send_as(
        &mut self,
        workflow: WorkflowRef,
        src: ComponentId,
        dst: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
        mode: SendMode,
    ) {
        self.world
            .send(self.queue, workflow, src, dst, kind, step, payload, mode);
    }

    /// Whether waits time out and retry (`[policy]`).
    pub fn has_policy(&self) -> bool {
        self.world.spec().failures.policy.is_some()
    }

    /// Whether a sync chain answers its client through the first service as its calls
    /// unwind (`answer = "return"`), rather than from the last service.
    pub fn answers_return(&self) -> bool {
        self.world.answers_return()
    }

    /// Whether the orchestrator undoes a parallel block's branches at once.
    pub fn compensates_in_parallel(&self) -> bool {
        self.world
            .spec()
            .orchestrator
            .as_ref()
            .is_some_and(|o| o.compensates_in_parallel)
    }

    /// Whether callers block on their calls (sync communication).
    pub fn is_sync(&self) -> bool {
        self.world.spec().failures.communication == Communication::Sync
    }

    /// Send `kind` from `from` to the client.
    pub fn send_to_client(
        &mut self,
        workflow: WorkflowRef,
        from: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        self.send(workflow, from, ComponentId::CLIENT, kind, step, payload);
    }

    /// Work a component gives itself, without a message (in sync communication the same
    /// worker does it next).
    pub fn local(
        &mut self,
        workflow: WorkflowRef,
        at: ComponentId,
        kind: MessageKind,
        step: u8,
        payload: u32,
    ) {
        self.world
            .local(self.queue, workflow, at, kind, step, payload);
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

    /// Eventual consistency: tell the client the workflow is accepted (after step 1).
    pub fn accept(&mut self, workflow: WorkflowRef, from: ComponentId) {
        if self.world.spec().failures.consistency == Consistency::Eventual {
            self.send_to_client(workflow, from, MessageKind::Accepted, 0, 0);
        }
    }

    /// What a join has learnt committed from its branches' messages (their stamps).
    pub fn join_known(&mut self, workflow: WorkflowRef) -> u64 {
        self.world.workflow(workflow).joins().known
    }

    /// The branches (by their last steps) whose failure reached a join.
    pub fn join_failed(&mut self, workflow: WorkflowRef) -> u64 {
        self.world.workflow(workflow).joins().failed
    }

    /// The flag a join's rollback carries: `ROLLBACK_GAVE_UP` when a branch's report says
    /// a call was given up on (the rollback then ends `failed`), else 0.
    pub fn join_rollback_flag(&mut self, workflow: WorkflowRef) -> u32 {
        if self.world.workflow(workflow).joins().gave_up != 0 {
            ROLLBACK_GAVE_UP
        } else {
            0
        }
    }

    /// Whether `step`'s service has completed its step for this workflow (its own records).
    pub fn step_completed(&mut self, workflow: WorkflowRef, step: u8) -> bool {
        self.world.workflow(workflow).completed_mask & (1u64 << step) != 0
    }
}
