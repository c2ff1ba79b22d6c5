//! # sagasim
//!
//! A deterministic discrete-event simulator for distributed workflows. One TOML scenario
//! describes services, a network, a workload and a multi-step workflow; sagasim runs it
//! under every coordination style (orchestrator, choreography, front controller, stamp
//! coupling, stateless) and reports what each costs.
//!
//! ```text
//!   cli ──▶ sweep ──▶ runner ──▶ scenario ──▶ coordination ──▶ model ──▶ engine
//!                                    │              │              │
//!                                    │              │              └──▶ metrics
//!   report ◀────────── results ◀─────┴──────────────┘
//! ```
//!
//! - [`engine`]: integer time, the `(time, seq)` event queue, keyed random streams, the loop.
//! - [`model`]: services, orchestrator, network, workflows; the world's mechanics.
//! - [`coordination`]: designs (style × communication × consistency; the book's eight saga
//!   patterns), and one `Rules` trait with one file per coordination style: who sends what,
//!   when, and which sends are blocking calls.
//! - [`scenario`]: TOML → raw structs → validated [`Scenario`].
//! - [`metrics`]: streaming counters, histograms and the time series.
//! - [`budget`]: the events and memory a run may take, estimated before it starts and
//!   bounded while it runs.
//! - [`runner`]: designs × replications in parallel, results in input order.
//! - [`sweep`]: parameter grids, shards, merging, capacity search.
//! - [`report`]: table, CSV, JSON and Markdown: results in, bytes out.
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

pub mod budget;
pub mod cli;
pub mod coordination;
pub mod engine;
pub mod files;
pub mod metrics;
pub mod model;
pub mod report;
pub mod run_folder;
pub mod runner;
pub mod scenario;
pub mod sweep;

pub use coordination::{Coordination, Design};
pub use runner::{DesignRun, RunOptions, ScenarioResults, run};
pub use scenario::{Scenario, ScenarioError};
