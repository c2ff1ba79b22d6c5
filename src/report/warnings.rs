//! Warnings a reader must see before trusting a comparison: latency that compares only
//! the survivors when designs complete different shares of their workflows, and runs that
//! are not at steady state (their figures depend on the run's length).

use crate::coordination::Design;
use crate::runner::ScenarioResults;

use super::{Column, design_rows};

/// Completed shares further apart than this make latency a comparison of survivors.
pub const SURVIVOR_GAP: f64 = 0.01;

/// Per design, the share of its measured workflows that completed (main row).
pub fn completed_shares(results: &ScenarioResults) -> Vec<(Design, Option<f64>)> {
    design_rows(results)
        .into_iter()
        .map(|rows| {
            let started = rows.main.value(Column::Started).filter(|s| *s > 0.0);
            let share = started.and_then(|s| Some(rows.main.value(Column::Completed)? / s));
            (rows.design, share)
        })
        .collect()
}

/// Whether the designs' completed shares differ by more than one percentage point.
pub fn survivor_bias(results: &ScenarioResults) -> bool {
    let shares: Vec<f64> = completed_shares(results)
        .into_iter()
        .filter_map(|(_, share)| share)
        .collect();
    let low = shares.iter().copied().fold(f64::INFINITY, f64::min);
    let high = shares.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    shares.len() > 1 && high - low > SURVIVOR_GAP
}

/// A design's name as latency figures show it: with its completed share when the shares
/// differ ("orchestrator (65 % completed)").
pub fn latency_caption(results: &ScenarioResults, design: &Design) -> String {
    if !survivor_bias(results) {
        return design.label.clone();
    }
    completed_shares(results)
        .into_iter()
        .find(|(d, _)| d == design)
        .and_then(|(_, share)| share)
        .map_or(design.label.clone(), |share| {
            format!("{} ({} % completed)", design.label, percent(share))
        })
}

fn percent(share: f64) -> String {
    if share > 0.99 && share < 1.0 {
        format!("{:.1}", share * 100.0)
    } else {
        format!("{:.0}", share * 100.0)
    }
}

/// Designs whose workflows in flight trend over the measured window (any replication),
/// with the fitted slope per minute of the first replication that trends.
pub fn trending(results: &ScenarioResults) -> Vec<(Design, f64)> {
    results
        .designs
        .iter()
        .filter_map(|design| {
            let run = results.runs.iter().find(|run| {
                run.design == *design && run.result.summary.steady_state == Some(false)
            })?;
            Some((design.clone(), run.result.summary.in_flight_slope_per_min?))
        })
        .collect()
}

/// Every warning, as sentences (Markdown emphasis included).
pub fn warnings(results: &ScenarioResults) -> Vec<String> {
    let mut lines = Vec::new();
    let trends = trending(results);
    if !trends.is_empty() {
        let named: Vec<String> = trends
            .iter()
            .map(|(design, slope)| format!("{design} ({slope:+.1} workflows in flight per minute)"))
            .collect();
        lines.push(format!(
            "**Not at steady state**: the workflows in flight trend over the measured window for {}. \
             Their figures depend on the run's length: run longer (or with less load) before \
             trusting them.",
            named.join(", ")
        ));
    }
    if survivor_bias(results) {
        let shares: Vec<String> = completed_shares(results)
            .into_iter()
            .filter_map(|(design, share)| Some(format!("{design} {} %", percent(share?))))
            .collect();
        lines.push(format!(
            "**Latency compares survivors**: the designs complete different shares of their \
             workflows ({}), and latency counts completed workflows only. Compare the time to \
             the client's answer (`answer_p50_ms`, `answer_p99_ms`), which counts every answered \
             workflow.",
            shares.join(", ")
        ));
    }
    lines
}

/// The warnings for standard error: plain text, one per line.
pub fn warning_lines(results: &ScenarioResults) -> Vec<String> {
    warnings(results)
        .into_iter()
        .map(|line| line.replace("**", "").replace('`', ""))
        .collect()
}
