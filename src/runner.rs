//! Runs a validated scenario: every design × replication, in parallel, with results in a
//! fixed order (design order of the scenario, then replication) whatever the thread count;
//! or one design's run with a few workflows traced event by event.

use std::sync::Arc;

use rayon::prelude::*;

use crate::budget::Budget;
use crate::coordination::{Design, Stopped, designed_handlers, simulate_bounded, simulate_traced};
use crate::engine::{KeyedStreams, SimTime};
use crate::metrics::RunResult;
use crate::model::{FaultOccurrence, TraceFilter, TraceRecord, TraceSelection, occurrences};
use crate::scenario::{MAX_FLOW_PATHS, Scenario};

/// A callback run once per unit of work finished (a design run, a sweep point), from
/// whichever worker thread finished it: progress bars, counters, logs.
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn() + Send + Sync>);

impl Progress {
    /// Call `callback` once per unit finished; it may hold state (an `AtomicUsize`, a
    /// channel, a progress bar).
    pub fn new(callback: impl Fn() + Send + Sync + 'static) -> Self {
        Progress(Arc::new(callback))
    }

    /// One unit finished.
    pub fn tick(&self) {
        (self.0)();
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// How to run a scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` uses one per core. Output does not depend on it.
    pub jobs: Option<usize>,
    /// Keep every event of every run (for `check` and tests; costs memory).
    pub trace: bool,
    /// Called once per design run finished.
    pub on_run_done: Option<Progress>,
    /// Bounds each run's workflows held (`Budget::max_workflows_held`): an overloaded run
    /// stops there instead of growing without bound. Check a scenario against the budget
    /// first with `budget::estimate` and `Budget::check`.
    pub budget: Budget,
}

/// One design in one replication.
#[derive(Debug, Clone)]
pub struct DesignRun {
    /// The design run.
    pub design: Design,
    /// 1-based.
    pub replication: u32,
    /// The seed it ran with (derived from the scenario's and the replication).
    pub seed: u64,
    /// What it produced.
    pub result: RunResult,
    /// Its records, when `RunOptions::trace` asked for them.
    pub trace: Vec<TraceRecord>,
    /// `Some` when the run held more workflows than the budget allows and was stopped:
    /// `result` then covers the run only up to that point.
    pub stopped: Option<Stopped>,
    /// The reactions the design must implement for every flow of the workflow (success
    /// and a failure at every step of every path), whatever this run's draws exercised.
    pub designed_handlers: u32,
}

#[derive(Debug, Clone)]
/// Every design × replication of one scenario.
pub struct ScenarioResults {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// Replications per design.
    pub replications: u32,
    /// The designs, in the scenario's order.
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

/// Run every design × replication of `scenario` in parallel; results come in a fixed
/// order (design, then replication) whatever the thread count.
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
        if let Some(done) = &options.on_run_done {
            done.tick();
        }
        DesignRun {
            design: design.clone(),
            replication,
            seed,
            result: output.result,
            trace: output.trace,
            stopped: output.stopped,
            designed_handlers: designed_handlers(&scenario.system, design, MAX_FLOW_PATHS),
        }
    };
    let runs = map_in_parallel(&jobs, options.jobs, execute);
    ScenarioResults {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        replications: scenario.replications,
        designs: scenario.designs.clone(),
        runs,
    }
}

/// `f` over `items` on `jobs` threads (`None`: one per core), results in input order.
pub(crate) fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: Option<usize>,
    f: impl Fn(&T) -> R + Sync + Send,
) -> Vec<R> {
    match jobs {
        Some(1) => items.iter().map(f).collect(),
        Some(threads) => match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| items.par_iter().map(f).collect()),
            Err(_) => items.iter().map(f).collect(),
        },
        None => items.par_iter().map(f).collect(),
    }
}

/// Which workflows `trace_workflows` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowChoice {
    /// One workflow by number (0 is the first started).
    Number(u64),
    /// Workflows picked by what happened to them.
    Select(TraceSelection),
}

/// Every event of a few workflows of one design's run (its first replication), with the
/// fault windows that overlap them.
#[derive(Debug, Clone)]
pub struct WorkflowTrace {
    /// The design traced.
    pub design: Design,
    /// The seed of its run.
    pub seed: u64,
    /// The workflows traced, in the selection's order (slowest first, or by start).
    pub workflows: Vec<u64>,
    /// Their records, in the order they happened.
    pub records: Vec<TraceRecord>,
    /// Fault windows that began before the last traced workflow ended.
    pub faults: Vec<FaultOccurrence>,
    /// `Some` when the run held more workflows than its bound and was stopped there: the
    /// trace then ends at that point.
    pub stopped: Option<Stopped>,
}

/// Trace the workflows `choice` names in `design`'s run of `scenario`. A selection takes
/// two runs of the same seed: one that only notes which workflows qualify (memory bounded
/// by the selection's count), and one that records those. The run is deterministic, so the
/// second sees exactly the workflows the first picked. Both stop beyond `max_in_flight`
/// workflows held (see `Budget::max_workflows_held`).
pub fn trace_workflows(
    scenario: &Scenario,
    design: &Design,
    choice: WorkflowChoice,
    max_in_flight: Option<usize>,
) -> WorkflowTrace {
    let seed = KeyedStreams::replication_seed(scenario.seed, 0);
    let traced = |filter: &TraceFilter| {
        simulate_traced(&scenario.system, design, seed, filter, max_in_flight)
    };
    let workflows = match choice {
        WorkflowChoice::Number(number) => vec![number],
        WorkflowChoice::Select(selection) => traced(&TraceFilter::Find(selection)).picked,
    };
    let output = traced(&TraceFilter::Workflows(workflows.iter().copied().collect()));
    let last = output
        .trace
        .iter()
        .map(TraceRecord::at)
        .max()
        .unwrap_or(SimTime::ZERO);
    let system = &scenario.system;
    let faults = occurrences(&system.failures.faults, seed, last, |id| {
        system.most_replicas(id)
    });
    WorkflowTrace {
        design: design.clone(),
        seed,
        workflows,
        records: output.trace,
        faults,
        stopped: output.stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordination::{Coordination, simulate};
    use crate::metrics::Outcome;

    /// Tracing observes; it never changes a figure.
    #[test]
    fn tracing_changes_nothing_the_run_reports() {
        let scenario = Scenario::load(
            std::path::Path::new("scenarios/payment-outage.toml"),
            &[crate::scenario::Override::parse("scenario.duration=5m").unwrap()],
        )
        .unwrap();
        for coordination in Coordination::ALL {
            let design = Design::style(coordination, &scenario.system);
            let plain = simulate(&scenario.system, &design, 5, false);
            let filter = TraceFilter::Find(TraceSelection::Slowest {
                outcome: Some(Outcome::Completed),
                count: 4,
            });
            let traced = simulate_traced(&scenario.system, &design, 5, &filter, None);
            assert_eq!(
                plain.result.summary, traced.result.summary,
                "{coordination}"
            );
            assert_eq!(traced.picked.len(), 4, "{coordination}");
            assert!(traced.trace.is_empty(), "finding records nothing");
        }
    }
}
