//! The report's sentences computed from the numbers: what stands out on each metric
//! (ranked only where the data tell designs apart), the losses, the faults and the paired
//! differences across replications.

use std::fmt::Write;

use crate::runner::ScenarioResults;

use super::table::fault_table;
use super::{
    Better, Column, Ranked, Table, design_rows, differences, first_faults, format_number,
    latency_caption, rank,
};

/// Metrics "what stands out" speaks about: (column, label).
const STANDING_OUT: [(Column, &str); 7] = [
    (Column::LatencyP50Ms, "median latency"),
    (Column::LatencyP99Ms, "p99 latency"),
    (
        Column::AnswerP99Ms,
        "p99 time to the client's answer (every answered workflow)",
    ),
    (Column::ThroughputPerS, "throughput"),
    (Column::MessagesPerWorkflow, "messages per workflow"),
    (Column::BytesPerWorkflow, "bytes per workflow"),
    (Column::StatusLatencyP99Ms, "p99 status-query latency"),
];

/// A value with its unit, rounded for reading.
fn shown(column: Column, value: f64) -> String {
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
        let latency = column.unit() == "ms" && column != Column::AnswerP99Ms;
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
            let values = if round(low) == round(high) {
                shown(column, low)
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
    let unanswered: Vec<String> = rows
        .iter()
        .filter(|r| r.main.value(Column::StatusAnsweredRatio) == Some(0.0))
        .map(|r| r.design.to_string())
        .collect();
    if !unanswered.is_empty()
        && rows
            .iter()
            .any(|r| r.main.value(Column::StatusAnsweredRatio).is_some())
    {
        lines.push(format!(
            "**cannot answer status queries**: {} (no component owns the workflow's state).",
            unanswered.join(", ")
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
/// latency and throughput metrics, every variant against the first.
pub fn paired_sentences(results: &ScenarioResults) -> Vec<String> {
    let Some(first) = results.designs.first() else {
        return Vec::new();
    };
    let described = [
        (Column::LatencyP50Ms, "median latency", "ms"),
        (Column::LatencyP99Ms, "p99 latency", "ms"),
        (Column::ThroughputPerS, "throughput", "workflows/s"),
    ];
    let mut lines = Vec::new();
    for difference in differences(results).into_iter().filter(|d| d.a == *first) {
        let Some(&(_, label, unit)) = described.iter().find(|m| m.0 == difference.metric) else {
            continue;
        };
        if difference.mean == 0.0 && difference.ci95.unwrap_or(0.0) == 0.0 {
            lines.push(format!(
                "{}'s {label} is the same as {}'s in every replication.",
                difference.b, difference.a
            ));
            continue;
        }
        // difference.mean = a − b: positive means b is below a.
        let direction = if difference.mean > 0.0 {
            "lower"
        } else {
            "higher"
        };
        let half = difference.ci95.unwrap_or(0.0);
        let significant = if difference.mean.abs() > half {
            ""
        } else {
            " (not distinguishable from no difference)"
        };
        lines.push(format!(
            "{}'s {label} is {} ± {} {unit} {direction} than {}'s{significant}.",
            difference.b,
            round(difference.mean.abs()),
            round(half),
            difference.a
        ));
    }
    lines
}
