//! The simulated system: its description (services, orchestrator, network, workload,
//! workflow) and the mechanics that move messages between components. Coordination rules
//! live in `coordination`; this module carries them out.

mod complexity;
mod deployment;
mod distribution;
mod faults;
mod interface;
mod message;
mod network;
mod profile;
mod resilience;
mod station;
mod system;
mod trace;
pub(crate) mod workflow;
mod workflow_graph;
mod world;

pub use deployment::{Autoscale, Balance, Deployment, MAX_REPLICAS};
pub use distribution::DurationDistribution;
pub use faults::{
    Answer, Communication, Consistency, Delivery, FaultKind, FaultOccurrence, FaultSpec,
    FaultTiming, Policy, ReplicaSet, occurrences,
};
pub use interface::InterfaceLoad;
pub use message::{
    CallLink, JOIN_ABANDONED, JOIN_BRANCH_MASK, JOIN_EVERY_BRANCH, Message, MessageKind,
    ROLLBACK_FROM_JOIN, ROLLBACK_GAVE_UP,
};
pub use profile::RateProfile;
pub use resilience::{BreakerSettings, MAX_BREAKER_WINDOW, Overflow, Publish};
pub use system::{
    Arrivals, ComponentId, FailureModel, LinkOverride, LinkSpec, MAX_STEPS, MessageSizes,
    NetworkSpec, OrchestratorSpec, RunWindow, ServiceSpec, SystemSpec, WorkloadSpec,
    default_bucket,
};
pub use trace::{Arrival, Task, TraceFilter, TraceRecord, TraceSelection};
pub use workflow::{Request, WorkflowRef};
pub use workflow_graph::{
    Alternative, Choice, Element, GraphError, MAX_CHOICE_DEPTH, MAX_PATHS, Path, WorkflowGraph,
    describe as describe_workflow,
};
pub use world::{
    CallTimeoutOutcome, Event, MessageSizeRule, RefusedOutcome, SendMode, StatusRoute,
    TimeoutOutcome, WorkResult, World, WorldConfig,
};
