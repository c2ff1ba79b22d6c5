//! `report.md`: the comparison for an architecture review or an ADR, in GitHub-flavoured
//! Markdown. Warnings and losses first, then the scorecard, the command that reproduces
//! it, key parameters, the comparison table, the charts, what stands out (computed from
//! the numbers), paired differences, faults and each design's message flows.

use std::fmt::Write;

use crate::coordination::{Design, DesignFlows};
use crate::runner::ScenarioResults;
use crate::scenario::Scenario;

use super::charts::ChartFormat;
use super::findings::{faults_section, losses_section};
use super::mermaid::{design_diagrams, flow_heading};
use super::parameters::parameters;
use super::{Column, Table, design_rows, latency_caption, scorecard, warnings};

pub use super::findings::{paired_sentences, standing_out};

/// What the report needs besides the results.
pub struct ReportInputs<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// The command line that reproduces the run.
    pub command: String,
    /// Whether the charts were written next to the report.
    pub charts: bool,
    /// Their format (`--charts png|svg`).
    pub chart_format: ChartFormat,
    /// Each design's message flows, drawn as sequence diagrams (none: no such section).
    pub flows: &'a [(Design, DesignFlows)],
}

/// `report.md`: the comparison, the charts, what stands out, failures, each design's
/// message flows, and the command that reproduces it.
pub fn render_report(results: &ScenarioResults, inputs: &ReportInputs<'_>) -> String {
    let scenario = inputs.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "# sagasim report: {}\n", scenario.name);
    let _ = writeln!(
        out,
        "{} designs run on the same workload (seed {}, {} replication{}), by sagasim {}.\n",
        results.designs.len(),
        results.seed,
        results.replications,
        if results.replications == 1 { "" } else { "s" },
        env!("CARGO_PKG_VERSION")
    );
    for line in scenario.warnings.iter().cloned().chain(warnings(results)) {
        let _ = writeln!(out, "> ⚠ {line}\n");
    }
    out.push_str(&losses_section(results));
    let card = scorecard(results, scenario.system.most_steps_per_workflow());
    out.push_str("## Scorecard\n\n");
    out.push_str(
        "Each cell: the value, then its rank among the designs; `=` marks a rank shared with \
         designs the data cannot tell apart (the interval of the difference includes zero, or \
         the difference is under 1 %). Latency here counts every measured workflow: a failed or \
         stuck one is slower than any answer, so a percentile that falls among them reads \
         `failed` or `∞ (stuck)` (completed-only latency is in the comparison below). Error handling: failed / stuck / inconsistent / duplicate \
         effects. Coupling: communication edges · most peers of one component · components \
         that must be up for one workflow.\n\n",
    );
    out.push_str(&card.table(true).to_markdown());
    out.push('\n');
    for line in card.picks() {
        let _ = writeln!(out, "- {line}");
    }
    for line in card.overall(results) {
        let _ = write!(out, "\n{line}\n");
    }
    let _ = writeln!(out, "\nReproduce:\n\n```sh\n{}\n```\n", inputs.command);
    out.push_str("## Scenario\n\n");
    out.push_str(&parameters(scenario).to_markdown());
    out.push_str("\n## Comparison\n\n");
    out.push_str(&comparison(results).to_markdown());
    if results.replications > 1 {
        out.push_str(
            "\nMeans over the replications; ± is the half-width of the 95 % Student-t interval.\n",
        );
    }
    if inputs.charts {
        out.push_str("\n## Charts\n\n");
        let extension = inputs.chart_format.extension();
        let _ = write!(
            out,
            "![Latency by percentile, one line per variant](latency.{extension})\n\n\
             ![Completed workflows per second and workflows in flight over time](timeline.{extension})\n\n\
             ![Messages and bytes per workflow by kind of message](messages.{extension})\n\n"
        );
        if results.replications > 1 {
            out.push_str("The charts show the first replication.\n\n");
        }
    }
    out.push_str("\n## What stands out\n\n");
    for line in standing_out(results) {
        let _ = writeln!(out, "- {line}");
    }
    if results.replications > 1 {
        out.push_str("\n## Paired differences\n\n");
        out.push_str(
            "Every variant ran on the same random numbers in each replication, so differences are \
             taken replication by replication; ± is the 95 % interval of their mean \
             (all pairs and metrics: `differences.csv`).\n\n",
        );
        for line in paired_sentences(results) {
            let _ = writeln!(out, "- {line}");
        }
    }
    out.push_str(&faults_section(results));
    if !inputs.flows.is_empty() {
        out.push_str(
            "\n## Message flows\n\nOne workflow of each design, on success and with a business \
             failure at the last step (`sagasim check` prints the same). In sync designs a solid \
             arrow is a blocking call, a dotted one its answer, an open one a one-way message.\n\n",
        );
        for (design, flow) in inputs.flows {
            let _ = write!(
                out,
                "<details>\n<summary>{}</summary>\n\n{}</details>\n\n",
                flow_heading(design, flow),
                design_diagrams(&scenario.system, design, flow, 4)
            );
        }
    }
    out
}

/// Key columns: (header, summary column).
const COMPARISON: [(&str, Column); 14] = [
    ("completed", Column::Completed),
    ("compensated", Column::Compensated),
    ("failed", Column::Failed),
    ("stuck", Column::Stuck),
    ("throughput /s", Column::ThroughputPerS),
    ("p50 ms (completed only)", Column::LatencyP50Ms),
    ("p99 ms (completed only)", Column::LatencyP99Ms),
    ("messages /wf", Column::MessagesPerWorkflow),
    ("KiB /wf", Column::BytesPerWorkflow),
    ("status answered", Column::StatusAnsweredRatio),
    ("status p99 ms", Column::StatusLatencyP99Ms),
    ("staleness (steps)", Column::StatusStalenessStepsMean),
    ("coordinator busy", Column::CoordinatorUtilization),
    ("bottleneck", Column::Bottleneck),
];

/// Columns shown with their interval: across replications, or inside the run (batch
/// means) with one replication.
fn interval_column(column: Column, replicated: bool) -> Option<Column> {
    match column {
        Column::ThroughputPerS if !replicated => Some(Column::ThroughputPerSCi95),
        Column::ThroughputPerS | Column::LatencyP50Ms | Column::LatencyP99Ms if replicated => {
            Some(column)
        }
        _ => None,
    }
}

fn comparison(results: &ScenarioResults) -> Table {
    let replicated = results.replications > 1;
    let mut table = Table {
        columns: std::iter::once("variant".to_string())
            .chain(COMPARISON.iter().map(|(header, _)| header.to_string()))
            .collect(),
        rows: Vec::new(),
    };
    for rows in design_rows(results) {
        let mut line = vec![format!("**{}**", latency_caption(results, &rows.design))];
        for (_, column) in COMPARISON {
            let decimals = column.decimals();
            let cell = rows.main.cell(column);
            let mut text = match (cell.as_f64(), column) {
                (None, _) => match cell {
                    super::Cell::Text(t) if !t.is_empty() => t.clone(),
                    _ => "–".to_string(),
                },
                // Shares in percent, as everywhere else in the report.
                (Some(v), Column::StatusAnsweredRatio | Column::CoordinatorUtilization) => {
                    format!("{:.0} %", v * 100.0)
                }
                (Some(v), _) => column.format_value(v),
            };
            let half = interval_column(column, replicated).and_then(|at| {
                let source = if replicated {
                    rows.interval.as_ref()?
                } else {
                    &rows.main
                };
                source.value(at)
            });
            if let Some(half) = half {
                let _ = write!(text, " ± {half:.decimals$}");
            }
            line.push(text);
        }
        table.rows.push(line);
    }
    table
}
