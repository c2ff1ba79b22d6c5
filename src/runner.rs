//! Runs a validated scenario: every variant × replication, in parallel, with results in a
//! fixed order (variant order of the scenario, then replication) whatever the thread count.

use rayon::prelude::*;

use crate::coordination::{Variant, simulate};
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
    /// Called once per variant run finished (progress bars).
    pub on_run_done: Option<fn()>,
}

/// One variant in one replication.
#[derive(Debug, Clone)]
pub struct VariantRun {
    pub variant: Variant,
    /// 1-based.
    pub replication: u32,
    pub seed: u64,
    pub result: RunResult,
    pub trace: Vec<TraceRecord>,
}

#[derive(Debug, Clone)]
pub struct ScenarioResults {
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub variants: Vec<Variant>,
    /// Variant-major: all replications of the first variant, then the next variant's.
    pub runs: Vec<VariantRun>,
}

pub fn run(scenario: &Scenario, options: &RunOptions) -> ScenarioResults {
    let jobs: Vec<(Variant, u32)> = scenario
        .variants
        .iter()
        .flat_map(|&variant| {
            (1..=scenario.replications).map(move |replication| (variant, replication))
        })
        .collect();
    let execute = |&(variant, replication): &(Variant, u32)| {
        let seed = KeyedStreams::replication_seed(scenario.seed, u64::from(replication - 1));
        let output = simulate(&scenario.system, variant, seed, options.trace);
        if let Some(done) = options.on_run_done {
            done();
        }
        VariantRun {
            variant,
            replication,
            seed,
            result: output.result,
            trace: output.trace,
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
        variants: scenario.variants.clone(),
        runs,
    }
}
