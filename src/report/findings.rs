//! The report's sentences computed from the numbers: what stands out on each metric
//! (ranked only where the data tell designs apart), the losses, the faults and the paired
//! differences across replications.

use std::fmt::Write;

use crate::runner::ScenarioResults;

use super::table::fault_table;
use crate::metrics::FAILED_RANK_MS;

use super::{
    Better, Column, Ranked, Table, compare, design_rows, first_faults, format_number,
    latency_caption, outcome_text, rank,
};

/// Metrics "what stands out" speaks about: (column, label).
/// (Completed-only latency is not among them: it ranks survivors.)
const STANDING_OUT: [(Column, &str); 6] = [
    (
        Column::OutcomeLatencyP50Ms,
        "median latency over every workflow (failed and stuck ones slowest)",
    ),
    (
        Column::OutcomeLatencyP99Ms,
        "p99 latency over every workflow (failed and stuck ones slowest)",
    ),
    (Column::ThroughputPerS, "throughput"),
    (Column::MessagesPerWorkflow, "messages per workflow"),
    (Column::BytesPerWorkflow, "bytes per workflow"),
    (Column::StatusLatencyP99Ms, "p99 status-query latency"),
];

/// A value with its unit, rounded for reading.
fn shown(column: Column, value: f64) -> String {
    if column.is_outcome_latency() && value >= FAILED_RANK_MS {
        return outcome_text(value);
    }
    let unit = column.unit();
    if unit.is_empty() {
        round(value)
    } else {
        format!("{} {unit}", round(value))
    }
}

/// Sentences about each key metric (designs grouped where indistinguishable), the
/// bottlenecks, status support and lost workflows.
pub fn standing_out(results: &ScenarioResults) -> Vec<String> {
    let mut lines = Vec::new();
    for (column, label) in STANDING_OUT {
        let ranked = rank(results, column);
        if ranked.len() < 2 {
            continue;
        }
        let latency = column.unit() == "ms" && !column.is_outcome_latency();
        let groups = group_by_rank(&ranked);
        let describe = |group: &[&Ranked]| {
            let names: Vec<String> = group
                .iter()
                .map(|r| {
                    if latency {
                        latency_caption(results, &r.design)
                    } else {
                        r.design.label.clone()
                    }
                })
                .collect();
            let low = group.iter().map(|r| r.value).fold(f64::INFINITY, f64::min);
            let high = group
                .iter()
                .map(|r| r.value)
                .fold(f64::NEG_INFINITY, f64::max);
            let values = if shown(column, low) == shown(column, high) {
                shown(column, low)
            } else if high >= FAILED_RANK_MS {
                format!("{}–{}", shown(column, low), shown(column, high))
            } else {
                format!("{}–{}", round(low), shown(column, high))
            };
            format!("{} ({values})", names.join(", "))
        };
        if groups.len() == 1 {
            lines.push(format!(
                "**{label}**: no design is distinguishable from another: {}.",
                describe(&groups[0])
            ));
            continue;
        }
        let best = describe(&groups[0]);
        let verb = if groups[0].len() > 1 {
            "are best, indistinguishable from each other"
        } else {
            "is best"
        };
        let rest: Vec<String> = groups[1..].iter().map(|g| describe(g)).collect();
        let direction = match column.better() {
            Some(Better::Higher) => "higher is better",
            _ => "lower is better",
        };
        lines.push(format!(
            "**{label}** ({direction}): {best} {verb}; then {}.",
            rest.join("; then ")
        ));
    }
    let rows = design_rows(results);
    let unanswered = |owner: bool| -> Vec<String> {
        rows.iter()
            .filter(|r| r.main.value(Column::StatusAnsweredRatio) == Some(0.0))
            .filter(|r| r.design.coordination.answers_status() == owner)
            .map(|r| r.design.to_string())
            .collect()
    };
    let (no_owner, overwhelmed) = (unanswered(false), unanswered(true));
    if !no_owner.is_empty() {
        lines.push(format!(
            "**cannot answer status queries**: {} (no component owns the workflow's state).",
            no_owner.join(", ")
        ));
    }
    if !overwhelmed.is_empty() {
        lines.push(format!(
            "**answered no status query**: {} (the component that owns the state never \
             answered in time: it was saturated or down, see the diagnosis and the faults).",
            overwhelmed.join(", ")
        ));
    }
    lines.extend(bottlenecks(results));
    lines
}

/// Ranked designs in groups of equal rank, best group first.
fn group_by_rank(ranked: &[Ranked]) -> Vec<Vec<&Ranked>> {
    let mut groups: Vec<Vec<&Ranked>> = Vec::new();
    for entry in ranked {
        match groups.last_mut() {
            Some(group) if group[0].rank == entry.rank => group.push(entry),
            _ => groups.push(vec![entry]),
        }
    }
    groups
}

/// One sentence per bottleneck component, naming the designs it limits and how busy.
fn bottlenecks(results: &ScenarioResults) -> Vec<String> {
    let mut found: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    for rows in design_rows(results) {
        // With replications the mean row names a bottleneck only if they all agree; else
        // speak for the first replication.
        let row = if rows.main.cell(Column::Bottleneck).render().is_empty() {
            &rows.first
        } else {
            &rows.main
        };
        let name = row.cell(Column::Bottleneck).render();
        let Some(busy) = row.value(Column::MaxUtilization) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let entry = (rows.design.label.clone(), busy);
        match found.iter_mut().find(|(n, _)| *n == name) {
            Some((_, designs)) => designs.push(entry),
            None => found.push((name, vec![entry])),
        }
    }
    found
        .into_iter()
        .map(|(name, designs)| {
            let low = designs.iter().map(|d| d.1).fold(f64::INFINITY, f64::min);
            let high = designs
                .iter()
                .map(|d| d.1)
                .fold(f64::NEG_INFINITY, f64::max);
            let busy = if format!("{:.1}", low * 100.0) == format!("{:.1}", high * 100.0) {
                format!("{:.1} %", low * 100.0)
            } else {
                format!("{:.1}–{:.1} %", low * 100.0, high * 100.0)
            };
            let names: Vec<String> = designs.into_iter().map(|d| d.0).collect();
            let whom = if names.len() == results.designs.len() && names.len() > 1 {
                "every design".to_string()
            } else {
                names.join(", ")
            };
            format!("**bottleneck**: {name} for {whom}, busy {busy} of the time.")
        })
        .collect()
}

pub(super) fn round(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Loss columns, in the order the report shows them.
const LOSSES: [Column; 6] = [
    Column::Failed,
    Column::Stuck,
    Column::Inconsistent,
    Column::DuplicateEffects,
    Column::RetriesPerWorkflow,
    Column::DeadLetters,
];

/// The report's opening section when any design failed, stranded or corrupted a workflow
/// (failed, stuck, inconsistent, duplicate effects); empty otherwise.
pub fn losses_section(results: &ScenarioResults) -> String {
    let rows = design_rows(results);
    let lost = |column: Column| {
        rows.iter()
            .any(|r| r.main.value(column).is_some_and(|v| v > 0.0))
    };
    if !LOSSES[..4].iter().any(|&c| lost(c)) {
        return String::new();
    }
    let mut out = String::from("## Losses\n\n");
    let mut sentences = Vec::new();
    for r in &rows {
        let count = |c: Column| r.main.value(c).unwrap_or(0.0);
        let started = count(Column::Started).max(1.0);
        let parts: Vec<String> = LOSSES[..4]
            .iter()
            .filter(|&&c| count(c) > 0.0)
            .map(|&c| {
                format!(
                    "{:.0} {} ({:.1} %)",
                    count(c),
                    c.name().replace('_', " "),
                    100.0 * count(c) / started
                )
            })
            .collect();
        if !parts.is_empty() {
            sentences.push(format!(
                "- **{}** of {:.0} measured workflows: {}.",
                r.design,
                count(Column::Started),
                parts.join(", ")
            ));
        }
    }
    for line in sentences {
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    let table = Table {
        columns: std::iter::once("variant".to_string())
            .chain(LOSSES.iter().map(|c| c.name().replace('_', " ")))
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                std::iter::once(format!("**{}**", r.design))
                    .chain(LOSSES.iter().map(|&c| r.main.cell(c).render()))
                    .collect()
            })
            .collect(),
    };
    out.push_str(&table.to_markdown());
    out.push('\n');
    out
}

/// Per fault occurrence (first replication): recovery, backlog and workflows affected.
pub fn faults_section(results: &ScenarioResults) -> String {
    let faults = first_faults(results);
    if faults.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n## Faults\n\nFirst replication: `recovery_s` is the time from the fault's end until throughput and p99 are back within 10 % of their values before it.\n\n",
    );
    let table = fault_table(&faults, format_number);
    out.push_str(&table.to_markdown());
    out
}

/// "choreography's p99 latency is 41 ± 6 ms lower than orchestrator's", for the key
/// latency and throughput metrics, every variant against the first. "Higher" and "lower"
/// follow the scorecard's rule (the interval excludes zero and the difference is at least
/// 1 %); otherwise the two read "indistinguishable".
pub fn paired_sentences(results: &ScenarioResults) -> Vec<String> {
    let Some(first) = results.designs.first() else {
        return Vec::new();
    };
    let described = [
        (
            Column::OutcomeLatencyP50Ms,
            "median latency over every workflow",
            "ms",
        ),
        (
            Column::OutcomeLatencyP99Ms,
            "p99 latency over every workflow",
            "ms",
        ),
        (Column::ThroughputPerS, "throughput", "workflows/s"),
    ];
    let mut lines = Vec::new();
    for other in results.designs.iter().skip(1) {
        for (column, label, unit) in described {
            let Some(comparison) = compare(results, column, first, other) else {
                continue;
            };
            if comparison.difference.abs() >= FAILED_RANK_MS / 2.0 {
                lines.push(format!(
                    "{other}'s {label} and {first}'s differ in kind: one falls among failed or \
                     stuck workflows (see the scorecard)."
                ));
                continue;
            }
            let half = comparison.ci95.unwrap_or(0.0);
            if comparison.difference == 0.0 && half == 0.0 {
                lines.push(format!(
                    "{other}'s {label} is the same as {first}'s in every replication."
                ));
                continue;
            }
            if !comparison.distinguishable() {
                lines.push(format!(
                    "{other}'s {label} is indistinguishable from {first}'s ({} ± {} {unit}: \
                     the interval includes zero or the difference is under 1 %).",
                    round(-comparison.difference),
                    round(half)
                ));
                continue;
            }
            // difference = first − other: positive means other is below first.
            let direction = if comparison.difference > 0.0 {
                "lower"
            } else {
                "higher"
            };
            lines.push(format!(
                "{other}'s {label} is {} ± {} {unit} {direction} than {first}'s.",
                round(comparison.difference.abs()),
                round(half)
            ));
        }
    }
    lines
}
