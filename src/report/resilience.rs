//! Load shedding, deadlines and breakers as CSV: `components.csv`'s `rejections_answered`
//! column, `resilience.csv` (one row per design and replication) and `breakers.csv` (one
//! row per caller → callee breaker), written only when a scenario sets a deadline, a
//! breaker or `overflow = "reject"`, so that every other run writes what it always wrote.

use crate::runner::ScenarioResults;

use super::Cell;

/// The column `components.csv` adds when the scenario uses a resilience mechanism.
pub const RESILIENCE_COMPONENT_COLUMNS: [&str; 1] = ["rejections_answered"];

/// `resilience.csv`'s columns.
pub const RESILIENCE_COLUMNS: [&str; 10] = [
    "variant",
    "replication",
    "started",
    "rejections_answered",
    "deadline_exceeded",
    "wasted_worker_s",
    "breaker_openings",
    "fast_failures",
    "lost_after_commit",
    "duplicates_from_relay",
];

/// `breakers.csv`'s columns.
pub const BREAKER_COLUMNS: [&str; 7] = [
    "variant",
    "replication",
    "caller",
    "callee",
    "openings",
    "fast_failures",
    "open_s",
];

/// Whether the run's scenario uses load shedding, deadlines or breakers.
pub(super) fn has_resilience(results: &ScenarioResults) -> bool {
    results
        .runs
        .iter()
        .any(|run| run.result.resilience.is_some())
}

/// One row per design and replication.
pub fn resilience_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    results
        .runs
        .iter()
        .filter_map(|run| {
            let figures = run.result.resilience.as_ref()?;
            Some(vec![
                Cell::Text(run.design.label.clone()),
                Cell::Count(u64::from(run.replication)),
                Cell::Count(run.result.summary.started),
                Cell::Count(figures.rejections_answered),
                Cell::Count(figures.deadline_exceeded),
                Cell::Number(Some(figures.wasted_worker_s)),
                Cell::Count(figures.breaker_openings),
                Cell::Count(figures.fast_failures),
                Cell::Count(figures.lost_after_commit),
                Cell::Count(figures.duplicates_from_relay),
            ])
        })
        .collect()
}

/// One row per design, replication and breaker that was ever asked.
pub fn breaker_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    results
        .runs
        .iter()
        .flat_map(|run| {
            let breakers = run
                .result
                .resilience
                .iter()
                .flat_map(|figures| figures.breakers.iter());
            breakers.map(move |breaker| {
                vec![
                    Cell::Text(run.design.label.clone()),
                    Cell::Count(u64::from(run.replication)),
                    Cell::Text(breaker.caller.clone()),
                    Cell::Text(breaker.callee.clone()),
                    Cell::Count(breaker.openings),
                    Cell::Count(breaker.fast_failures),
                    Cell::Number(Some(breaker.open_s)),
                ]
            })
        })
        .collect()
}
