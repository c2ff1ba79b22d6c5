//! The simulated system: its description (services, orchestrator, network, workload,
//! workflow) and the mechanics that move messages between components. Coordination rules
//! live in `coordination`; this module carries them out.

mod distribution;
mod message;
mod network;
mod station;
mod system;
mod trace;
mod workflow;
mod world;

pub use distribution::DurationDistribution;
pub use message::{Message, MessageKind};
pub use network::Network;
pub use station::{Admission, Station};
pub use system::{
    Arrivals, ComponentId, LinkOverride, LinkSpec, MAX_STEPS, MessageSizes, NetworkSpec,
    OrchestratorSpec, RunWindow, ServiceSpec, SystemSpec, WorkloadSpec, default_bucket,
};
pub use trace::{Task, TraceRecord};
pub use workflow::{PendingQuery, Workflow, WorkflowRef, WorkflowTable};
pub use world::{Event, MessageSizeRule, StatusRoute, WorkResult, World, WorldConfig, task_of};
