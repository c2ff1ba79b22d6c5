//! The deployment's figures as CSV: `components.csv`'s replica columns, `replicas.csv`
//! and `scaling.csv` (written only when a scenario deploys replicas, zones or an
//! autoscaler, or sets a load profile).

use crate::runner::ScenarioResults;

use super::Cell;

/// The columns `components.csv` adds when the scenario deploys replicas or zones (absent
/// otherwise, for the same reason).
pub const DEPLOYMENT_COLUMNS: [&str; 2] = ["replicas_mean", "replica_seconds"];

/// Whether the run's scenario deploys replicas or zones.
pub(super) fn has_replicas(results: &ScenarioResults) -> bool {
    results
        .runs
        .iter()
        .any(|run| !run.result.replicas.is_empty())
}

/// `scaling.csv`'s columns.
pub const SCALING_COLUMNS: [&str; 6] = [
    "time_s",
    "variant",
    "replication",
    "component",
    "replicas",
    "utilization",
];

/// One row per reading of a component (every autoscaler decision, or every bucket when
/// a load profile is set), per design and replication.
pub fn scaling_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    results
        .runs
        .iter()
        .flat_map(|run| {
            run.result.scaling.iter().map(move |row| {
                vec![
                    Cell::Number(Some(row.time_s)),
                    Cell::Text(run.design.label.clone()),
                    Cell::Count(u64::from(run.replication)),
                    Cell::Text(row.component.clone()),
                    Cell::Count(u64::from(row.replicas)),
                    Cell::Number(row.utilization),
                ]
            })
        })
        .collect()
}

/// Whether the runs read replicas over time (a component autoscales, or a load profile
/// is set).
pub(super) fn has_scaling(results: &ScenarioResults) -> bool {
    results
        .runs
        .iter()
        .any(|run| !run.result.scaling.is_empty())
}

/// One row per (design, replication, component, replica), when the scenario deploys
/// replicas or zones.
pub fn replica_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    results
        .runs
        .iter()
        .flat_map(|run| {
            run.result.replicas.iter().map(move |replica| {
                vec![
                    Cell::Text(run.design.label.clone()),
                    Cell::Count(u64::from(run.replication)),
                    Cell::Text(replica.component.clone()),
                    Cell::Count(u64::from(replica.replica)),
                    Cell::Text(replica.zone.clone().unwrap_or_default()),
                    Cell::Number(replica.utilization),
                    Cell::Number(Some(replica.crashed_s)),
                    Cell::Count(replica.handled),
                ]
            })
        })
        .collect()
}

/// `replicas.csv`'s columns.
pub const REPLICA_COLUMNS: [&str; 8] = [
    "variant",
    "replication",
    "component",
    "replica",
    "zone",
    "utilization",
    "crashed_s",
    "handled",
];
