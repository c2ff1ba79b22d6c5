//! Warnings a reader must see before trusting a comparison: designs that collapsed,
//! saturated or failed most of their workflows (their diagnosis), latency of completed
//! workflows that ranks designs differently from latency over every workflow (survivor
//! bias), and runs that are not at steady state (their figures depend on the run's length).

use crate::coordination::Design;
use crate::metrics::Diagnosis;
use crate::runner::ScenarioResults;

use super::{Column, design_rows, rank};

/// Per design, the share of its measured workflows that failed or got stuck (main row):
/// the workflows completed-only latency leaves out that a business answer would not.
pub fn lost_shares(results: &ScenarioResults) -> Vec<(Design, Option<f64>)> {
    design_rows(results)
        .into_iter()
        .map(|rows| {
            let started = rows.main.value(Column::Started).filter(|s| *s > 0.0);
            let share = started.and_then(|s| {
                Some((rows.main.value(Column::Failed)? + rows.main.value(Column::Stuck)?) / s)
            });
            (rows.design, share)
        })
        .collect()
}

/// Completed-only latency columns and the outcome-aware column that ranks the same
/// quantile over every workflow.
const SURVIVOR_PAIRS: [(Column, Column); 2] = [
    (Column::LatencyP50Ms, Column::OutcomeLatencyP50Ms),
    (Column::LatencyP99Ms, Column::OutcomeLatencyP99Ms),
];

/// Whether survivorship changes a ranked figure: some design failed or stranded
/// workflows, and ranking the designs on the latency of their completed workflows gives
/// another order (or other ties) than ranking them on the same quantile over every
/// workflow, failed and stuck ones slowest.
pub fn survivor_bias(results: &ScenarioResults) -> bool {
    let ranks = |column: Column| -> Vec<(Design, usize)> {
        let mut ranked: Vec<(Design, usize)> = rank(results, column)
            .into_iter()
            .map(|r| (r.design, r.rank))
            .collect();
        ranked.sort_by(|a, b| a.0.label.cmp(&b.0.label));
        ranked
    };
    let lost_any = lost_shares(results)
        .iter()
        .any(|(_, share)| share.is_some_and(|s| s > 0.0));
    results.designs.len() > 1
        && lost_any
        && SURVIVOR_PAIRS
            .iter()
            .any(|&(completed, every)| ranks(completed) != ranks(every))
}

/// A design's name as completed-only latency figures show it: with the share of its
/// workflows they leave out when survivorship changes a ranking ("orchestrator (0.3 %
/// failed or stuck)").
pub fn latency_caption(results: &ScenarioResults, design: &Design) -> String {
    if !survivor_bias(results) {
        return design.label.clone();
    }
    lost_shares(results)
        .into_iter()
        .find(|(d, _)| d == design)
        .and_then(|(_, share)| share)
        .filter(|share| *share > 0.0)
        .map_or(design.label.clone(), |share| {
            format!("{} ({} % failed or stuck)", design.label, percent(share))
        })
}

/// A share in percent, with enough digits that a small loss does not read as none.
fn percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent == 0.0 || percent >= 10.0 {
        format!("{percent:.0}")
    } else if percent >= 0.1 {
        format!("{percent:.1}")
    } else {
        format!("{percent:.2}")
    }
}

/// Designs whose workflows in flight trend over the measured window (any replication),
/// with the fitted slope per minute of the first replication that trends.
pub fn trending(results: &ScenarioResults) -> Vec<(Design, f64)> {
    results
        .designs
        .iter()
        .filter_map(|design| {
            // A diagnosed run is not at steady state either, but only a growing backlog
            // is a trend of the workflows in flight.
            let run = results.runs.iter().find(|run| {
                let summary = &run.result.summary;
                let growing = summary.diagnosis.iter().all(|finding| {
                    matches!(
                        finding,
                        Diagnosis::Saturated {
                            in_flight_per_min: Some(_),
                            ..
                        }
                    )
                });
                run.design == *design && summary.steady_state == Some(false) && growing
            })?;
            Some((design.clone(), run.result.summary.in_flight_slope_per_min?))
        })
        .collect()
}

/// Every warning, as sentences (Markdown emphasis included).
pub fn warnings(results: &ScenarioResults) -> Vec<String> {
    let mut lines = Vec::new();
    for design in &results.designs {
        let Some(run) = results
            .runs
            .iter()
            .find(|run| run.design == *design && !run.result.summary.diagnosis.is_empty())
        else {
            continue;
        };
        let which = if results.replications > 1 {
            format!(" (replication {})", run.replication)
        } else {
            String::new()
        };
        for finding in &run.result.summary.diagnosis {
            let text = finding.to_string();
            let (name, evidence) = text.split_once(": ").unwrap_or((finding.name(), &text));
            lines.push(format!(
                "**{design} {name}**{which}: {evidence}. It is excluded from recommendations."
            ));
        }
    }
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
        let shares: Vec<String> = lost_shares(results)
            .into_iter()
            .filter_map(|(design, share)| Some(format!("{design} {} %", percent(share?))))
            .collect();
        lines.push(format!(
            "**Latency compares survivors**: completed-only latency leaves out the workflows \
             each design failed or left stuck ({}), and ranking the designs on it gives \
             another order than ranking them over every workflow. Rank on the scorecard's \
             latency (`outcome_latency_p50_ms`, `outcome_latency_p99_ms`), which counts a \
             failed or stuck workflow as slower than any answer.",
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
