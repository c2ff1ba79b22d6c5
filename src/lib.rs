#![warn(missing_docs)]
//! # sagasim
//!
//! A deterministic discrete-event simulator for distributed workflows. One TOML scenario
//! describes services, a network, a workload and a multi-step workflow; sagasim runs it
//! under every coordination style (orchestrator, choreography, front controller, stamp
//! coupling, stateless) and reports what each costs.
//!
//! ```text
//!   cli ──▶ advise ──▶ sweep ──▶ runner ──▶ scenario ──▶ coordination ──▶ model ──▶ engine
//!                                              │              │              │
//!                                              │              │              └──▶ metrics
//!   report ◀──────────────────── results ◀─────┴──────────────┘
//! ```
//!
//! Inside, one module per responsibility: `engine` (integer time, the `(time, seq)` event
//! queue, keyed random streams, the loop), `model` (services, network, workflows: the
//! world's mechanics), `coordination` (one `Rules` trait and one file per style), `metrics`
//! (streaming counters, histograms, the time series), `runner` (designs × replications in
//! parallel) and `run_folder` (one writer per output folder, whole-set swaps). They are private; the API is what a library user needs:
//!
//! - [`Scenario`]: parse and validate a scenario ([`Scenario::from_toml_str`],
//!   [`Scenario::load`] with [`scenario::Override`]s, the `--set` syntax), and
//!   [`scenario::effective_scenario`], the validated scenario written back with every default.
//! - [`run`] with [`RunOptions`]: every design × replication, into [`ScenarioResults`];
//!   [`results`] holds the types of what a run produced ([`results::Summary`], …).
//! - [`designs`]: coordination styles, the eight saga patterns, [`Design`] and each design's
//!   message flows.
//! - [`report`]: results in, bytes out: the terminal table, CSV, `results.json`, Markdown,
//!   charts, CI assertions, traces.
//! - [`budget`]: the events and memory a run may take, estimated before it starts and
//!   bounded while it runs.
//! - [`sweep`]: parameter grids, shards, merging, capacity search.
//! - [`advise`]: inverse design: the designs that meet a set of SLOs, and the Pareto front
//!   among them.
//! - [`trace`]: every event of chosen workflows.
//! - [`time`]: simulated time in integer nanoseconds.
//!
//! The `examples/` folder shows a run from code, a custom sweep loop, and reading results.
//!
//! ```
//! let scenario = sagasim::Scenario::from_toml_str(r#"
//!     [scenario]
//!     name = "one-step"
//!     duration = "10s"
//!     variants = ["choreography"]
//!     [workload]
//!     arrivals = { poisson = 5 }
//!     [[services]]
//!     name = "order"
//!     work = { exponential = "20ms" }
//!     [workflow]
//!     steps = ["order"]
//! "#).unwrap();
//! let results = sagasim::run(&scenario, &sagasim::RunOptions::default());
//! let summary = &results.runs[0].result.summary;
//! assert_eq!(summary.started, summary.completed + summary.compensated + summary.failed + summary.stuck);
//! ```

// The simulator's internals: reachable through the modules below where they are part of
// the API, and nowhere else.
pub(crate) mod coordination;
pub(crate) mod engine;
pub mod files;
pub(crate) mod metrics;
pub(crate) mod model;
pub(crate) mod runner;

pub mod advise;
pub mod budget;
pub mod run_folder;

pub mod report;
pub mod scenario;
pub mod sweep;

/// Designs: coordination styles, communication and consistency, the book's eight saga
/// patterns, and each design's message flows.
pub mod designs {
    pub use crate::coordination::{
        ALL_PATTERNS, Coordination, Design, DesignFlows, FlowMessage, PATTERNS, Pattern,
        communication_label, consistency_label, message_flows,
    };
    pub use crate::model::{CallLink, Communication, Consistency};
}

/// What a run produces: per design and replication, the summary, time series, faults,
/// messages by kind and components.
pub mod results {
    pub use crate::metrics::{
        CategoryShare, ComponentRole, ComponentRow, Diagnosis, FaultRow, MessageCategory, Outcome,
        OutcomeQuantile, RunResult, Summary, TimeBucket,
    };
    pub use crate::runner::{DesignRun, ScenarioResults};
}

/// Every event of chosen workflows (`sagasim trace`): records, the selection, and the run
/// that gathers them.
pub mod trace {
    pub use crate::metrics::Outcome;
    pub use crate::model::{Arrival, ComponentId, MessageKind, Task, TraceRecord, TraceSelection};
    pub use crate::runner::{WorkflowChoice, WorkflowTrace, trace_workflows};
}

/// Simulated time: integer nanoseconds.
pub mod time {
    pub use crate::engine::{SimDuration, SimTime};
}

/// For `benches/` only: the engine loop and one simulation, measured apart from the rest.
/// Not part of the API; it may change in any release.
#[doc(hidden)]
pub mod bench_support {
    pub use crate::coordination::simulate;
    pub use crate::engine::{EventQueue, Process, SplitMix64, run_until};
}

pub use coordination::{Coordination, Design};
pub use files::write_atomically;
pub use runner::{DesignRun, Progress, RunOptions, ScenarioResults, run};
pub use scenario::{Scenario, ScenarioError};
