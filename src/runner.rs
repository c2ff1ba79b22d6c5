//! Runs a validated scenario: every design × replication, in parallel, with results in a
//! fixed order (design order of the scenario, then replication) whatever the thread count.

use rayon::prelude::*;

use crate::budget::Budget;
use crate::coordination::{Design, Stopped, simulate_bounded};
use crate::engine::KeyedStreams;
use crate::metrics::RunResult;
use crate::model::TraceRecord;
use crate::scenario::Scenario;

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` uses one per core. Output does not depend on it.
    pub jobs: Option<usize>,
    /// Keep every event of every run (for `check` and tests; costs memory).
    pub trace: bool,
    /// Called once per design run finished (progress bars).
    pub on_run_done: Option<fn()>,
    /// Bounds each run's workflows held (`Budget::max_workflows_held`): an overloaded run
    /// stops there instead of growing without bound. Check a scenario against the budget
    /// first with `budget::estimate` and `Budget::check`.
    pub budget: Budget,
}

/// One design in one replication.
#[derive(Debug, Clone)]
pub struct DesignRun {
    pub design: Design,
    /// 1-based.
    pub replication: u32,
    pub seed: u64,
    pub result: RunResult,
    pub trace: Vec<TraceRecord>,
    /// `Some` when the run held more workflows than the budget allows and was stopped:
    /// `result` then covers the run only up to that point.
    pub stopped: Option<Stopped>,
}

#[derive(Debug, Clone)]
pub struct ScenarioResults {
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub designs: Vec<Design>,
    /// Design-major: all replications of the first design, then the next design's.
    pub runs: Vec<DesignRun>,
}

impl ScenarioResults {
    /// The runs that were stopped before their end (overload).
    pub fn stopped_runs(&self) -> impl Iterator<Item = (&DesignRun, Stopped)> {
        self.runs
            .iter()
            .filter_map(|run| run.stopped.map(|stopped| (run, stopped)))
    }
}

pub fn run(scenario: &Scenario, options: &RunOptions) -> ScenarioResults {
    let jobs: Vec<(&Design, u32)> = scenario
        .designs
        .iter()
        .flat_map(|design| {
            (1..=scenario.replications).map(move |replication| (design, replication))
        })
        .collect();
    let execute = |&(design, replication): &(&Design, u32)| {
        let seed = KeyedStreams::replication_seed(scenario.seed, u64::from(replication - 1));
        let held = Some(options.budget.max_workflows_held());
        let output = simulate_bounded(&scenario.system, design, seed, options.trace, held);
        if let Some(done) = options.on_run_done {
            done();
        }
        DesignRun {
            design: design.clone(),
            replication,
            seed,
            result: output.result,
            trace: output.trace,
            stopped: output.stopped,
        }
    };
    let runs = match options.jobs {
        Some(1) => jobs.iter().map(execute).collect(),
        Some(threads) => match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| jobs.par_iter().map(execute).collect()),
            Err(_) => jobs.iter().map(execute).collect(),
        },
        None => jobs.par_iter().map(execute).collect(),
    };
    ScenarioResults {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        replications: scenario.replications,
        designs: scenario.designs.clone(),
        runs,
    }
}
