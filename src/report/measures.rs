//! What the scorecard ranks: a summary column, or a figure derived from a run (the
//! capacity at the bottleneck, the workflows a fault touched, recovery time, losses).

use crate::metrics::{aggregate_rank_values, is_failure_rank};
use crate::runner::DesignRun;

use super::{Better, Column, mean};

/// A figure of one run that designs can be ranked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A column of `summary.csv`.
    Column(Column),
    /// Throughput ÷ the bottleneck's utilization: the completion rate at which the busiest
    /// component would be fully busy (workflows/s).
    BoundPerS,
    /// Workflows the scenario's faults touched, every occurrence added up.
    FaultAffected,
    /// The longest recovery after a fault occurrence that touched a workflow and ended at
    /// least 10 buckets before arrivals stopped (s). One
    /// never recovered from before arrivals stopped counts as the time from its end to
    /// the end of arrivals (a lower bound), plus `NEVER_RECOVERED_S` so it ranks last.
    RecoveryS,
    /// Failed + stuck + inconsistent workflows + duplicate effects: every loss event
    /// (a failed workflow can also be inconsistent, so it is not a count of workflows).
    Losses,
    /// Failed + stuck workflows: those that reached no business outcome.
    FailedOrStuck,
    /// The distinct reactions every component together must implement to run every flow
    /// of the design: success and a failure at every step of every path, as `check`
    /// derives them.
    Handlers,
    /// The distinct reactions this run exercised (`handlers` in `components.csv`, added
    /// up): fewer where the draws left error paths unexercised.
    HandlersExercised,
    /// The compute paid for: replicas provisioned × seconds of the measured window, over
    /// every component (only when the scenario deploys replicas or zones).
    ReplicaSeconds,
}

/// Added to a lower bound of "never recovered" so it ranks after every real recovery.
pub const NEVER_RECOVERED_S: f64 = 1e9;

impl From<Column> for Measure {
    fn from(column: Column) -> Self {
        Measure::Column(column)
    }
}

impl Measure {
    /// The figure of one run; `None` where it does not exist.
    pub fn value(self, run: &DesignRun) -> Option<f64> {
        let summary = &run.result.summary;
        match self {
            Measure::Column(column) => column.rank_value(summary, &run.design),
            Measure::BoundPerS => {
                let busy = summary.max_utilization.filter(|u| *u > 0.0)?;
                Some(summary.throughput_per_s? / busy)
            }
            Measure::FaultAffected => (!run.result.faults.is_empty()).then(|| {
                run.result
                    .faults
                    .iter()
                    .map(|f| f.affected_workflows as f64)
                    .sum()
            }),
            Measure::RecoveryS => {
                let arrivals_end_s = run.result.measured_buckets.end as f64 * run.result.bucket_s;
                run.result
                    .faults
                    .iter()
                    // Recovery is judged over 10 buckets: an occurrence ending closer than
                    // that to the end of arrivals cannot show it, and is left out.
                    .filter(|f| {
                        f.affected_workflows > 0
                            && (f.recovery_s.is_some()
                                || arrivals_end_s - f.end_s >= 10.0 * run.result.bucket_s)
                    })
                    .map(|f| {
                        f.recovery_s
                            .unwrap_or(NEVER_RECOVERED_S + (arrivals_end_s - f.end_s).max(0.0))
                    })
                    .reduce(f64::max)
            }
            Measure::Losses => Some(
                (summary.failed + summary.stuck + summary.inconsistent + summary.duplicate_effects)
                    as f64,
            ),
            Measure::FailedOrStuck => Some((summary.failed + summary.stuck) as f64),
            Measure::Handlers => Some(f64::from(run.designed_handlers)),
            Measure::HandlersExercised => Some(
                run.result
                    .components
                    .iter()
                    .map(|c| f64::from(c.handlers))
                    .sum(),
            ),
            Measure::ReplicaSeconds => run
                .result
                .components
                .iter()
                .map(|c| c.replica_seconds)
                .reduce(|a, b| match (a, b) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                })
                .flatten(),
        }
    }

    /// The figure of several replications as one: the mean, except that an outcome-aware
    /// latency that falls among failures in any replication is that failure
    /// (`aggregate_rank_values`).
    pub fn aggregate(self, values: &[f64]) -> Option<f64> {
        match self {
            Measure::Column(column) if column.is_outcome_latency() => aggregate_rank_values(values),
            _ => mean(values),
        }
    }

    /// Whether the figure is an outcome-aware latency that falls among failures: such
    /// figures compare by kind (answered, failed, stuck), not by the noise of a number.
    pub fn is_failure(self, value: f64) -> bool {
        matches!(self, Measure::Column(column) if column.is_outcome_latency())
            && is_failure_rank(value)
    }

    /// Which way is better.
    pub fn better(self) -> Better {
        match self {
            Measure::Column(column) => column.better().unwrap_or(Better::Lower),
            Measure::BoundPerS => Better::Higher,
            Measure::FaultAffected
            | Measure::RecoveryS
            | Measure::Losses
            | Measure::FailedOrStuck
            | Measure::Handlers
            | Measure::HandlersExercised
            | Measure::ReplicaSeconds => Better::Lower,
        }
    }

    /// Whether the figure counts workflows (its noise is Poisson-like).
    pub fn is_count(self) -> bool {
        match self {
            Measure::Column(column) => column.is_count(),
            Measure::FaultAffected | Measure::Losses | Measure::FailedOrStuck => true,
            Measure::BoundPerS
            | Measure::RecoveryS
            | Measure::Handlers
            | Measure::HandlersExercised
            | Measure::ReplicaSeconds => false,
        }
    }

    /// The name in `scorecard.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Column(column) => column.name(),
            Measure::BoundPerS => "bound_per_s",
            Measure::FaultAffected => "fault_affected_workflows",
            Measure::RecoveryS => "recovery_s",
            Measure::Losses => "failed_stuck_inconsistent_duplicates",
            Measure::FailedOrStuck => "failed_or_stuck",
            Measure::Handlers => "designed_handlers",
            Measure::HandlersExercised => "exercised_handlers",
            Measure::ReplicaSeconds => "replica_seconds",
        }
    }
}
