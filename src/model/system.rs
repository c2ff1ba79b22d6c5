//! The simulated system as the scenario describes it, validated: components, costs, network,
//! message sizes, workload, workflow and the run window. Plain data, no behaviour.

use crate::engine::SimDuration;

use super::DurationDistribution;
use super::deployment::Deployment;
use super::faults::{Answer, Communication, Consistency, Delivery, FaultKind, FaultSpec, Policy};
use super::resilience::Publish;
use super::workflow_graph::{WorkflowGraph, describe};

/// Index of a component in every per-component table: 0 is the client, 1 the orchestrator
/// (present in the tables even when no orchestrated variant runs), services from 2 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub u16);

impl ComponentId {
    /// The client: source and sink of workflows.
    pub const CLIENT: ComponentId = ComponentId(0);
    /// The orchestrator.
    pub const ORCHESTRATOR: ComponentId = ComponentId(1);

    /// The `index`-th service.
    pub fn service(index: usize) -> ComponentId {
        ComponentId(u16::try_from(index + 2).expect("service count is validated"))
    }

    /// Its position in per-component tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The service index, or `None` for the client and the orchestrator.
    pub fn service_index(self) -> Option<usize> {
        self.index().checked_sub(2)
    }
}

/// Most workflow steps a scenario may have: per-workflow step sets are 64-bit masks.
pub const MAX_STEPS: usize = 64;

/// One participant service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub name: String,
    pub workers: u32,
    pub queue: u32,
    /// Doing its step of a workflow.
    pub work: DurationDistribution,
    /// Undoing its step.
    pub compensate: DurationDistribution,
    /// Probability that its step fails for a business reason.
    pub fail: f64,
    /// Answering one status query.
    pub query: DurationDistribution,
    /// Front controller: applying one progress update (or failure notice, or compensation
    /// reply) to its workflow state.
    pub progress: DurationDistribution,
    /// Front controller: durable write of its workflow state, added to `progress`.
    pub journal: DurationDistribution,
    /// A redelivered or duplicated request has no second effect.
    pub idempotent: bool,
    /// How its messages leave after its step commits, and the window that takes.
    pub publish: Publish,
    pub publish_window: SimDuration,
    pub delivery: Delivery,
    /// Its network interface's capacity, bits per second (`None`: unlimited).
    pub interface_bits_per_s: Option<f64>,
    /// The data its step produces, in bytes (a `DurationDistribution` whose nanoseconds
    /// count bytes); `None`: none.
    pub output_bytes: Option<DurationDistribution>,
    /// Its replicas, balancing, zones and failover.
    pub deployment: Deployment,
}

/// The orchestrator, when an orchestrated variant runs.
#[derive(Debug, Clone, PartialEq)]
pub struct OrchestratorSpec {
    pub workers: u32,
    /// Undo a parallel block's branches at once (`compensate = "parallel"`) rather than
    /// one step at a time.
    pub compensates_in_parallel: bool,
    pub queue: u32,
    /// Handling one message: decide and send the next command.
    pub work: DurationDistribution,
    /// Durable write per state transition, added to `work`.
    pub journal: DurationDistribution,
    /// Answering one status query (read-only: no journal write).
    pub query: DurationDistribution,
    pub delivery: Delivery,
    /// Its network interface's capacity, bits per second (`None`: unlimited).
    pub interface_bits_per_s: Option<f64>,
    /// Its replicas (workflows sharded among them by id), zones and failover.
    pub deployment: Deployment,
}

/// Link properties between two components.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpec {
    pub latency: DurationDistribution,
    /// Bits per second; `None` is unlimited.
    pub bandwidth_bits_per_s: Option<f64>,
}

/// A per-link override, from `src` to `dst` (one direction).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkOverride {
    pub src: ComponentId,
    pub dst: ComponentId,
    pub latency: Option<DurationDistribution>,
    pub bandwidth_bits_per_s: Option<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    pub default_link: LinkSpec,
    pub links: Vec<LinkOverride>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageSizes {
    pub base_bytes: u64,
    /// Stamp coupling: each completed step adds this much state to a message.
    pub state_per_step_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrivals {
    /// Poisson process, workflows per second.
    Poisson { per_second: f64 },
    /// Evenly spaced, workflows per second.
    Constant { per_second: f64 },
}

impl Arrivals {
    pub fn per_second(&self) -> f64 {
        match *self {
            Arrivals::Poisson { per_second } | Arrivals::Constant { per_second } => per_second,
        }
    }
}

impl WorkloadSpec {
    /// Expected arrivals in the first `seconds` (before `workflows` caps them).
    pub fn expected_arrivals(&self, seconds: f64) -> f64 {
        match &self.profile {
            Some(profile) => profile.cumulative(seconds),
            None => self.arrivals.per_second() * seconds,
        }
    }

    /// The highest arrival rate at any time.
    pub fn peak_rate(&self) -> f64 {
        self.profile
            .as_ref()
            .map_or(self.arrivals.per_second(), |p| p.peak())
    }

    /// The arrivals as reports say them: the family, and the rate or the profile that sets
    /// it (`arrivals`' own rate is not used then, so it is not shown).
    pub fn arrivals_text(&self) -> String {
        let family = match self.arrivals {
            Arrivals::Poisson { .. } => "Poisson",
            Arrivals::Constant { .. } => "constant",
        };
        match &self.profile {
            Some(profile) => format!(
                "{family}, the rate following a profile of {} point{} (peak {} workflows/s)",
                profile.points().len(),
                if profile.points().len() == 1 { "" } else { "s" },
                profile.peak()
            ),
            None => format!("{family}, {} workflows/s", self.arrivals.per_second()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    pub arrivals: Arrivals,
    /// `[workload] profile`: the rate over time, replacing `arrivals`' constant rate (the
    /// family, Poisson or constant, stays).
    pub profile: Option<super::RateProfile>,
    /// Each in-flight workflow is polled for its status this often.
    pub status_every: Option<SimDuration>,
    /// The client gives up on a workflow after this long.
    pub timeout: Option<SimDuration>,
    /// Stop starting workflows after this many (in addition to `duration`).
    pub max_workflows: Option<u64>,
}

/// When arrivals stop, how long in-flight work may drain, what is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunWindow {
    pub duration: SimDuration,
    pub drain: SimDuration,
    pub warmup: SimDuration,
    /// Width of a `timeseries.csv` bucket.
    pub bucket: SimDuration,
}

/// Faults to inject and how the system copes with them.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureModel {
    pub faults: Vec<FaultSpec>,
    /// Probability that a message is lost in transit (direct delivery only).
    pub loss: f64,
    /// Probability that a message is delivered twice.
    pub duplicate: f64,
    pub policy: Option<Policy>,
    pub communication: Communication,
    pub consistency: Consistency,
    /// How a sync chain answers its client.
    pub answer: Answer,
    /// How answers reach the client: the network's delivery mode (a broker-based system
    /// answers its clients through the broker too).
    pub client_delivery: Delivery,
}

impl Default for FailureModel {
    fn default() -> Self {
        FailureModel {
            faults: Vec::new(),
            loss: 0.0,
            duplicate: 0.0,
            policy: None,
            communication: Communication::Async,
            consistency: Consistency::Atomic,
            answer: Answer::Return,
            client_delivery: Delivery::Direct,
        }
    }
}

/// Everything the simulation needs, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemSpec {
    pub services: Vec<ServiceSpec>,
    pub orchestrator: Option<OrchestratorSpec>,
    pub network: NetworkSpec,
    pub messages: MessageSizes,
    pub workload: WorkloadSpec,
    /// Each step is the index of the service that performs it, in the order the
    /// workflow's definition lists them (alternatives of a choice included).
    pub steps: Vec<usize>,
    /// The order of the steps: a chain, or a graph with choices.
    pub workflow: WorkflowGraph,
    pub window: RunWindow,
    pub failures: FailureModel,
    /// Every zone a component is placed in, in the order the scenario first names them.
    pub zones: Vec<String>,
}

impl SystemSpec {
    /// Number of components in per-component tables (client + orchestrator + services).
    pub fn component_count(&self) -> usize {
        self.services.len() + 2
    }

    pub fn component_name(&self, id: ComponentId) -> &str {
        match id {
            ComponentId::CLIENT => "client",
            ComponentId::ORCHESTRATOR => "orchestrator",
            other => other
                .service_index()
                .and_then(|index| self.services.get(index))
                .map_or("?", |service| service.name.as_str()),
        }
    }

    /// How messages reach `id` (the client: as the network delivers by default).
    pub fn delivery(&self, id: ComponentId) -> Delivery {
        match id {
            ComponentId::CLIENT => self.failures.client_delivery,
            ComponentId::ORCHESTRATOR => self
                .orchestrator
                .as_ref()
                .map_or(Delivery::Direct, |o| o.delivery),
            other => other
                .service_index()
                .and_then(|index| self.services.get(index))
                .map_or(Delivery::Direct, |service| service.delivery),
        }
    }

    /// The workflow as a line of text: `order → (80% payment | 20% fraud-check → payment)`.
    pub fn describe_workflow(&self) -> String {
        let name = |step: u8| self.services[self.steps[usize::from(step)]].name.clone();
        describe(self.workflow.elements(), &name)
    }

    /// The most steps one workflow performs (its longest path).
    pub fn most_steps_per_workflow(&self) -> usize {
        self.workflow
            .paths()
            .iter()
            .map(|path| path.len())
            .max()
            .unwrap_or(0)
    }

    /// Every service that performs a step of the workflow, once each, in definition order.
    pub fn workflow_services(&self) -> Vec<ComponentId> {
        let mut services: Vec<ComponentId> = Vec::new();
        for &service in &self.steps {
            let id = ComponentId::service(service);
            if !services.contains(&id) {
                services.push(id);
            }
        }
        services
    }

    /// How component `id` is deployed (the client: one replica).
    pub fn deployment(&self, id: ComponentId) -> Option<&Deployment> {
        match id {
            ComponentId::CLIENT => None,
            ComponentId::ORCHESTRATOR => self.orchestrator.as_ref().map(|o| &o.deployment),
            other => other
                .service_index()
                .and_then(|index| self.services.get(index))
                .map(|service| &service.deployment),
        }
    }

    /// Replicas component `id` starts with (1 for the client and an absent orchestrator).
    pub fn replicas(&self, id: ComponentId) -> u32 {
        self.deployment(id).map_or(1, |d| d.replicas)
    }

    /// Replicas component `id` may ever run (its autoscaler's maximum, if it has one).
    pub fn most_replicas(&self, id: ComponentId) -> u32 {
        self.deployment(id).map_or(1, Deployment::most_replicas)
    }

    /// Whether any component may run more than one replica or is placed in zones.
    pub fn is_replicated(&self) -> bool {
        !self.zones.is_empty()
            || self
                .orchestrator
                .iter()
                .map(|o| &o.deployment)
                .chain(self.services.iter().map(|s| &s.deployment))
                .any(|d| d.most_replicas() > 1 || d.autoscale.is_some())
    }

    /// Whether any component autoscales.
    pub fn autoscales(&self) -> bool {
        self.orchestrator
            .iter()
            .map(|o| &o.deployment)
            .chain(self.services.iter().map(|s| &s.deployment))
            .any(|d| d.autoscale.is_some())
    }

    /// A fault's kind and what it strikes, as reports name them: `("crash", "payment")`,
    /// `("crash", "payment (replica 0)")`, `("partition", "a|b")`, `("zone", "zone a")`.
    pub fn fault_target(&self, kind: &FaultKind) -> (&'static str, String) {
        match *kind {
            FaultKind::Crash(id, replicas) => (
                "crash",
                format!("{}{}", self.component_name(id), replicas.suffix()),
            ),
            FaultKind::Slow(id, _) => ("slow", self.component_name(id).to_string()),
            FaultKind::Partition(a, b) => (
                "partition",
                format!("{}|{}", self.component_name(a), self.component_name(b)),
            ),
            FaultKind::Zone(zone) => ("zone", format!("zone {}", self.zones[usize::from(zone)])),
        }
    }

    /// The component that performs step `step`.
    pub fn step_component(&self, step: usize) -> ComponentId {
        ComponentId::service(self.steps[step])
    }
}

/// A "round" bucket width (1, 2 or 5 times a power of ten nanoseconds) that gives at most
/// 1,000 buckets over `span` (at least 400 when the span is long enough).
pub fn default_bucket(span: SimDuration) -> SimDuration {
    let mut magnitude = 1u64;
    loop {
        for factor in [1u64, 2, 5] {
            let width = magnitude.saturating_mul(factor);
            if span.as_nanos().div_ceil(width) <= 1_000 {
                return SimDuration::from_nanos(width);
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_buckets_are_round_and_between_400_and_1000() {
        for minutes in [1u64, 12, 60, 600, 18_000] {
            let span = SimDuration::from_secs(minutes * 60);
            let width = default_bucket(span);
            let buckets = span.as_nanos().div_ceil(width.as_nanos());
            assert!(
                (400..=1_000).contains(&buckets),
                "{minutes} min: {buckets} buckets"
            );
            let leading = width.as_nanos() / 10u64.pow(width.as_nanos().ilog10());
            assert!([1, 2, 5].contains(&leading), "{width}");
        }
    }
}
