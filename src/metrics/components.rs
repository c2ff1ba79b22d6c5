//! Per-component figures of one run (`components.csv`): what each component is in the
//! design, how busy its workers were and how much of that was spent blocked on calls, how
//! long messages waited in its inbox, and what it lost.

use serde::Serialize;

use crate::model::InterfaceLoad;

/// What a component is in a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentRole {
    /// The source and sink of workflows: no workers, no inbox.
    Client,
    /// The orchestrator.
    Orchestrator,
    /// The first service of a front-controller design: a participant that also owns the
    /// workflow state.
    FrontController,
    /// A service doing steps.
    Participant,
}

impl ComponentRole {
    /// The role as `components.csv` writes it.
    pub fn label(self) -> &'static str {
        match self {
            ComponentRole::Client => "client",
            ComponentRole::Orchestrator => "orchestrator",
            ComponentRole::FrontController => "front-controller",
            ComponentRole::Participant => "participant",
        }
    }
}

/// What a station measured about itself over a run.
#[derive(Debug, Clone)]
pub struct ComponentLoad {
    pub name: String,
    pub role: ComponentRole,
    pub workers: u32,
    /// Worker-nanoseconds busy inside `[warmup, arrivals_end)`, blocked ones included.
    pub busy_nanos: u128,
    /// Worker-nanoseconds blocked on calls (sync) inside the same window.
    pub blocked_nanos: u128,
    pub is_coordinator: bool,
    pub queue_wait_p99_ms: Option<f64>,
    pub max_queue: usize,
    pub rejected: u64,
    /// Of the measured refusals, those answered (`overflow = "reject"`).
    pub rejections_answered: u64,
    pub dead_letters: u64,
    /// Its network interface's figures, if it has one.
    pub interface: Option<InterfaceLoad>,
    /// Distinct reactions it performed: (incoming message kind, step) pairs.
    pub handlers: u32,
    /// Distinct workflow states it kept: (awaited request kind, step) pairs.
    pub states: u32,
    /// Replicas provisioned, on average over the measured window (`workers` is per
    /// replica).
    pub replicas_mean: f64,
    /// Each replica's figures, when the scenario deploys replicas or zones (else empty).
    pub replicas: Vec<ReplicaLoad>,
}

/// What one replica of a component measured (`replicas.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaLoad {
    pub replica: u32,
    /// The zone it is placed in, if any.
    pub zone: Option<String>,
    pub busy_nanos: u128,
    /// Nanoseconds it was down inside the measured window.
    pub down_nanos: u128,
    /// Jobs it finished inside the measured window.
    pub handled: u64,
    /// Nanoseconds it was paid for (provisioned) inside the measured window.
    pub provisioned_nanos: u128,
}

/// One reading of a component's replicas and utilisation (`scaling.csv`, without the
/// run's design and replication).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalingRow {
    /// When it was read, seconds since the start.
    pub time_s: f64,
    pub component: String,
    /// Replicas serving or starting after the autoscaler's decision.
    pub replicas: u32,
    /// Busy share of its ready replicas' workers since the previous reading.
    pub utilization: Option<f64>,
    /// Whether an autoscaler decided at this reading (else it only records).
    pub autoscaled: bool,
}

/// One row of `replicas.csv` (without the run's design and replication).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicaRow {
    pub component: String,
    pub replica: u32,
    pub zone: Option<String>,
    /// Busy share of its workers over the measured window.
    pub utilization: Option<f64>,
    /// Seconds it was down inside the measured window.
    pub crashed_s: f64,
    /// Jobs it finished inside the measured window.
    pub handled: u64,
}

impl ComponentLoad {
    /// Busy share of its network interfaces (one per replica) over a window of
    /// `window_nanos`.
    pub fn interface_utilization(&self, window_nanos: f64) -> Option<f64> {
        let interface = self.interface?;
        (window_nanos > 0.0)
            .then(|| interface.busy_nanos as f64 / (window_nanos * self.replicas_mean))
    }

    /// `replicas.csv`'s rows for this component: each replica's utilisation over the
    /// time it ran inside the window (an autoscaled replica may have run only part of it).
    pub fn replica_rows(&self) -> Vec<ReplicaRow> {
        self.replicas
            .iter()
            .map(|replica| ReplicaRow {
                component: self.name.clone(),
                replica: replica.replica,
                zone: replica.zone.clone(),
                utilization: (replica.provisioned_nanos > 0 && self.workers > 0).then(|| {
                    replica.busy_nanos as f64
                        / (replica.provisioned_nanos as f64 * f64::from(self.workers))
                }),
                crashed_s: replica.down_nanos as f64 / 1e9,
                handled: replica.handled,
            })
            .collect()
    }

    /// Busy share of the workers over a window of `window_nanos`; `None` without workers.
    pub fn utilization(&self, window_nanos: f64) -> Option<f64> {
        self.share(self.busy_nanos, window_nanos)
    }

    fn share(&self, nanos: u128, window_nanos: f64) -> Option<f64> {
        (window_nanos > 0.0 && self.workers > 0)
            .then(|| nanos as f64 / (window_nanos * self.replicas_mean * f64::from(self.workers)))
    }
}

/// One row of `components.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentRow {
    /// The component's name.
    pub component: String,
    /// What it does in the design.
    pub role: ComponentRole,
    /// Parallel workers.
    pub workers: u32,
    /// Busy share of its workers over the measured window.
    pub utilization: Option<f64>,
    /// Share of worker time spent blocked on calls (part of `utilization`).
    pub held_fraction: Option<f64>,
    /// 99th percentile wait in its inbox, ms.
    pub queue_wait_p99_ms: Option<f64>,
    /// Most messages waiting at once.
    pub max_queue: u64,
    /// Messages refused by a full inbox.
    pub rejected: u64,
    /// Measured refusals answered to their senders (`overflow = "reject"`).
    #[serde(skip)]
    pub rejections_answered: u64,
    /// Measured messages lost on their way to it.
    pub dead_letters: u64,
    /// Distinct reactions it had to implement: (incoming message kind, step) pairs it
    /// handled during the run.
    pub handlers: u32,
    /// Distinct workflow states it had to keep: (awaited request kind, step) pairs.
    pub states: u32,
    /// Busy share of its network interface (only with `interface`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_utilization: Option<f64>,
    /// Mean wait of its outgoing messages for the interface, ms (only with `interface`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_wait_mean_ms: Option<f64>,
    /// Replicas provisioned, on average over the measured window (only when the scenario
    /// deploys replicas or zones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas_mean: Option<f64>,
    /// The compute paid for: replicas provisioned × seconds of the measured window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_seconds: Option<f64>,
}

impl ComponentRow {
    /// The row for `load` over a measured window of `window_nanos`.
    pub fn new(load: &ComponentLoad, window_nanos: f64) -> Self {
        ComponentRow {
            component: load.name.clone(),
            role: load.role,
            workers: load.workers,
            utilization: load.utilization(window_nanos),
            held_fraction: load.share(load.blocked_nanos, window_nanos),
            queue_wait_p99_ms: load.queue_wait_p99_ms,
            max_queue: load.max_queue as u64,
            rejected: load.rejected,
            rejections_answered: load.rejections_answered,
            dead_letters: load.dead_letters,
            handlers: load.handlers,
            states: load.states,
            interface_utilization: load.interface_utilization(window_nanos),
            interface_wait_mean_ms: load.interface.and_then(|i| i.wait_mean_ms),
            replicas_mean: (!load.replicas.is_empty()).then_some(load.replicas_mean),
            replica_seconds: (!load.replicas.is_empty())
                .then(|| load.replicas_mean * window_nanos / 1e9),
        }
    }
}
