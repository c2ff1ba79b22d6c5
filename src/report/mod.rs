//! Reports: the comparison as a terminal table, CSV, JSON and Markdown. Results in, text
//! out; writing files is the caller's business.

mod assertions;
pub mod charts;
mod check;
mod columns;
mod deployment;
mod dominance;
mod export;
mod findings;
mod markdown;
mod measures;
mod mermaid;
mod parameters;
mod resilience;
mod rows;
mod scorecard;
mod significance;
pub mod slo;
mod stats;
mod table;
mod trace;
mod verdict;
mod warnings;

pub use assertions::{ASSERTION_EXIT_CODE, Assertion, Breach, breaches, check_designs, judge};
pub use charts::{
    AdviceBound, AdviceMark, AdvicePoint, ChartError, ChartFormat, advice_chart, design_hex,
    latency_chart, latency_png, messages_chart, messages_png, scaling_chart, timeline_chart,
    timeline_png,
};
pub use check::render_check;
pub use columns::{Better, COLUMN_COUNT, Column, SUMMARY_COLUMNS, outcome_cell};
pub use deployment::{
    DEPLOYMENT_COLUMNS, REPLICA_COLUMNS, SCALING_COLUMNS, replica_rows, scaling_rows,
};
use deployment::{has_replicas, has_scaling};
pub use dominance::{Order, Standing, order_of, pareto_front};
pub use export::{
    RESULTS_SCHEMA_VERSION, cell_value, results_json, results_schema, table_schema, table_value,
    tool_schema, tool_value,
};
pub use markdown::{ReportInputs, render_report, standing_out};
pub use measures::{Measure, NEVER_RECOVERED_S};
pub use mermaid::{design_diagrams, render_mermaid, sequence_diagram};
use resilience::has_resilience;
pub use resilience::{
    BREAKER_COLUMNS, RESILIENCE_COLUMNS, RESILIENCE_COMPONENT_COLUMNS, breaker_rows,
    resilience_rows,
};
pub use rows::{DesignRows, RowLabel, SummaryRow, design_rows, summary_table};
pub use scorecard::{
    Attribute, SCORE_COLUMNS, SCORECARD_COLUMNS, ScoreCell, ScoreColumn, Scorecard, outcome_text,
    render_scorecard, scorecard, scorecard_rows,
};
pub use significance::{Basis, Comparison, PRACTICAL_MARGIN, Ranked, compare, rank};
pub use slo::{AssertedMetric, Bound, Inequality, SLO_FORM, Slo};
pub use stats::{ci95_half_width, mean, t_975};
pub use table::{Table, first_faults, render_failures, render_table};
pub use trace::{
    Delay, Span, SpanKind, WorkflowSpans, attribute, render_perfetto, render_trace_mermaid,
    render_trace_text, spans_of,
};
pub use verdict::{LOST_SHARE_LIMIT, exclusions};
pub use warnings::{
    latency_caption, lost_shares, survivor_bias, trending, warning_lines, warnings,
};

/// What `run` prints by default: the comparison, the failures and the scorecard (the
/// warnings go to standard error). `steps` is the workflow's length.
pub fn render_terminal(results: &ScenarioResults, steps: usize) -> String {
    let mut out = render_table(results);
    out.push_str(&render_failures(results));
    out.push_str(&render_scorecard(results, steps));
    out
}

use crate::coordination::Design;
use crate::metrics::{Summary, TimeBucket};
use crate::runner::ScenarioResults;

/// One cell. Formatting is fixed (at most six decimals, no trailing zeros), so output is
/// byte-identical across machines for identical results.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as it is.
    Text(String),
    /// A whole number.
    Count(u64),
    /// A number; `None` is an empty cell.
    Number(Option<f64>),
}

impl Cell {
    /// The cell as CSV writes it.
    pub fn render(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(count) => count.to_string(),
            Cell::Number(None) => String::new(),
            Cell::Number(Some(value)) => format_number(*value),
        }
    }

    /// The cell as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Count(count) => Some(*count as f64),
            Cell::Number(value) => *value,
            Cell::Text(_) => None,
        }
    }
}

/// At most six decimals, trailing zeros trimmed; `-0` printed as `0`.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// The value cells of a run's summary row (everything after `variant, replication`).
fn summary_cells(summary: &Summary, design: &Design) -> Vec<Cell> {
    Column::ALL
        .iter()
        .filter_map(|column| column.cell(summary, design))
        .collect()
}

/// The rows of `summary.csv` as cells (`summary_table` has them typed).
pub fn summary_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    summary_table(results)
        .into_iter()
        .map(|row| row.cells)
        .collect()
}

/// `timeseries.csv`'s columns.
pub const TIMESERIES_COLUMNS: [&str; 9] = [
    "variant",
    "replication",
    "bucket_start_s",
    "started",
    "completed",
    "compensated",
    "failed",
    "in_flight",
    "latency_p99_ms",
];

/// The rows of `timeseries.csv`.
pub fn timeseries_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    let bucket_row = |variant: &str, replication: u32, bucket: &TimeBucket| {
        vec![
            Cell::Text(variant.to_string()),
            Cell::Count(u64::from(replication)),
            Cell::Number(Some(bucket.start.as_secs_f64())),
            Cell::Count(bucket.started),
            Cell::Count(bucket.completed),
            Cell::Count(bucket.compensated),
            Cell::Count(bucket.failed),
            Cell::Count(bucket.in_flight),
            Cell::Number(bucket.latency_p99_ms),
        ]
    };
    results
        .runs
        .iter()
        .flat_map(|run| {
            run.result
                .timeseries
                .iter()
                .map(move |bucket| bucket_row(&run.design.label, run.replication, bucket))
        })
        .collect()
}

/// `faults.csv`'s columns.
pub const FAULT_COLUMNS: [&str; 9] = [
    "variant",
    "replication",
    "fault",
    "target",
    "start_s",
    "end_s",
    "recovery_s",
    "peak_backlog",
    "affected_workflows",
];

/// One row per (variant, replication, fault occurrence).
pub fn fault_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    results
        .runs
        .iter()
        .flat_map(|run| {
            run.result.faults.iter().map(move |fault| {
                vec![
                    Cell::Text(run.design.label.clone()),
                    Cell::Count(u64::from(run.replication)),
                    Cell::Text(fault.fault.to_string()),
                    Cell::Text(fault.target.clone()),
                    Cell::Number(Some(fault.start_s)),
                    Cell::Number(Some(fault.end_s)),
                    Cell::Number(fault.recovery_s),
                    Cell::Count(fault.peak_backlog),
                    Cell::Count(fault.affected_workflows),
                ]
            })
        })
        .collect()
}

/// `differences.csv`'s columns.
pub const DIFFERENCE_COLUMNS: [&str; 5] = [
    "metric",
    "variant_a",
    "variant_b",
    "mean_difference",
    "ci95",
];

/// Metrics compared pairwise across replications.
pub const DIFFERENCE_METRICS: [Column; 7] = [
    Column::ThroughputPerS,
    Column::LatencyMeanMs,
    Column::LatencyP50Ms,
    Column::LatencyP99Ms,
    Column::MessagesPerWorkflow,
    Column::BytesPerWorkflow,
    Column::StatusLatencyP99Ms,
];

/// A paired difference between two designs on one metric: with common random numbers
/// the replications pair up, so the per-replication differences have a tight interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The metric compared.
    pub metric: Column,
    /// The first design.
    pub a: Design,
    /// The second design.
    pub b: Design,
    /// Mean over replications of (a − b).
    pub mean: f64,
    /// Half-width of its 95 % Student-t interval (`None` with one replication).
    pub ci95: Option<f64>,
}

/// Every metric × every pair (a before b in the scenario's order).
pub fn differences(results: &ScenarioResults) -> Vec<Difference> {
    let value = |design: &Design, replication: u32, metric: Column| {
        let run = results
            .runs
            .iter()
            .find(|r| r.design == *design && r.replication == replication)?;
        metric.cell(&run.result.summary, design)?.as_f64()
    };
    let mut out = Vec::new();
    for metric in DIFFERENCE_METRICS {
        for (i, a) in results.designs.iter().enumerate() {
            for b in &results.designs[i + 1..] {
                let paired: Option<Vec<f64>> = (1..=results.replications)
                    .map(|r| Some(value(a, r, metric)? - value(b, r, metric)?))
                    .collect();
                if let Some(paired) = paired.filter(|p| !p.is_empty()) {
                    out.push(Difference {
                        metric,
                        a: a.clone(),
                        b: b.clone(),
                        mean: mean(&paired).unwrap_or(0.0),
                        ci95: ci95_half_width(&paired),
                    });
                }
            }
        }
    }
    out
}

/// The rows of `differences.csv`.
pub fn difference_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    differences(results)
        .into_iter()
        .map(|d| {
            vec![
                Cell::Text(d.metric.name().to_string()),
                Cell::Text(d.a.label.clone()),
                Cell::Text(d.b.label.clone()),
                Cell::Number(Some(d.mean)),
                Cell::Number(d.ci95),
            ]
        })
        .collect()
}

/// `components.csv`'s columns.
pub const COMPONENT_COLUMNS: [&str; 13] = [
    "variant",
    "replication",
    "component",
    "role",
    "workers",
    "utilization",
    "held_fraction",
    "queue_wait_p99_ms",
    "max_queue",
    "rejected",
    "dead_letters",
    "handlers",
    "states",
];

/// The columns `components.csv` adds when the scenario declares network interfaces
/// (absent otherwise, so that a scenario without them writes what it always did).
pub const INTERFACE_COLUMNS: [&str; 2] = ["interface_utilization", "interface_wait_mean_ms"];

/// Whether any component of the run has a network interface.
fn has_interfaces(results: &ScenarioResults) -> bool {
    results.runs.iter().any(|run| {
        run.result
            .components
            .iter()
            .any(|c| c.interface_utilization.is_some())
    })
}

/// `components.csv`'s columns for these results: `COMPONENT_COLUMNS`, then
/// `INTERFACE_COLUMNS` when there are interfaces, then `DEPLOYMENT_COLUMNS` when there
/// are replicas.
pub fn component_columns(results: &ScenarioResults) -> Vec<&'static str> {
    let mut columns = COMPONENT_COLUMNS.to_vec();
    if has_interfaces(results) {
        columns.extend(INTERFACE_COLUMNS);
    }
    if has_replicas(results) {
        columns.extend(DEPLOYMENT_COLUMNS);
    }
    if has_resilience(results) {
        columns.extend(RESILIENCE_COMPONENT_COLUMNS);
    }
    columns
}

/// One row per (design, replication, component): the client first, then the components
/// with workers. `held_fraction` is the part of `utilization` spent blocked on calls;
/// with interfaces, each one's busy share and its messages' mean wait follow.
pub fn component_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    let interfaces = has_interfaces(results);
    let replicas = has_replicas(results);
    let resilience = has_resilience(results);
    results
        .runs
        .iter()
        .flat_map(|run| {
            run.result.components.iter().map(move |component| {
                let mut row = vec![
                    Cell::Text(run.design.label.clone()),
                    Cell::Count(u64::from(run.replication)),
                    Cell::Text(component.component.clone()),
                    Cell::Text(component.role.label().to_string()),
                    Cell::Count(u64::from(component.workers)),
                    Cell::Number(component.utilization),
                    Cell::Number(component.held_fraction),
                    Cell::Number(component.queue_wait_p99_ms),
                    Cell::Count(component.max_queue),
                    Cell::Count(component.rejected),
                    Cell::Count(component.dead_letters),
                    Cell::Count(u64::from(component.handlers)),
                    Cell::Count(u64::from(component.states)),
                ];
                if interfaces {
                    row.push(Cell::Number(component.interface_utilization));
                    row.push(Cell::Number(component.interface_wait_mean_ms));
                }
                if replicas {
                    row.push(Cell::Number(component.replicas_mean));
                    row.push(Cell::Number(component.replica_seconds));
                }
                if resilience {
                    row.push(Cell::Count(component.rejections_answered));
                }
                row
            })
        })
        .collect()
}

/// `messages.csv`'s columns.
pub const MESSAGE_COLUMNS: [&str; 4] = [
    "variant",
    "kind",
    "messages_per_workflow",
    "bytes_per_workflow",
];

/// Per variant (first replication) and message category: messages and bytes per measured
/// workflow. The non-status rows add up to `summary.csv`'s per-workflow figures.
pub fn message_rows(results: &ScenarioResults) -> Vec<Vec<Cell>> {
    charts::message_bars(results)
        .into_iter()
        .flat_map(|(design, shares)| {
            shares.into_iter().map(move |share| {
                vec![
                    Cell::Text(design.label.clone()),
                    Cell::Text(share.category.label().to_string()),
                    Cell::Number(Some(share.messages_per_workflow)),
                    Cell::Number(Some(share.bytes_per_workflow)),
                ]
            })
        })
        .collect()
}

/// Every file a run writes, rendered: the CSV files, `report.md` and, unless turned off,
/// the charts, in the order they are written.
pub fn run_files(
    results: &ScenarioResults,
    inputs: &ReportInputs<'_>,
) -> Result<Vec<(&'static str, Vec<u8>)>, ChartError> {
    let csv = |columns: &[&str], rows: Vec<Vec<Cell>>| to_csv(columns, &rows).into_bytes();
    let mut files: Vec<(&'static str, Vec<u8>)> = vec![
        ("summary.csv", csv(&SUMMARY_COLUMNS, summary_rows(results))),
        (
            "timeseries.csv",
            csv(&TIMESERIES_COLUMNS, timeseries_rows(results)),
        ),
        ("faults.csv", csv(&FAULT_COLUMNS, fault_rows(results))),
        ("messages.csv", csv(&MESSAGE_COLUMNS, message_rows(results))),
        (
            "components.csv",
            csv(&component_columns(results), component_rows(results)),
        ),
        (
            "differences.csv",
            csv(&DIFFERENCE_COLUMNS, difference_rows(results)),
        ),
        (
            "scorecard.csv",
            csv(
                &SCORECARD_COLUMNS,
                scorecard_rows(&scorecard(
                    results,
                    inputs.scenario.system.most_steps_per_workflow(),
                )),
            ),
        ),
        (
            "report.md",
            with_stopped_note(results, render_report(results, inputs)).into_bytes(),
        ),
        (
            "results.json",
            results_json(results, inputs.scenario, &inputs.command).into_bytes(),
        ),
    ];
    if has_replicas(results) {
        files.insert(
            5,
            ("replicas.csv", csv(&REPLICA_COLUMNS, replica_rows(results))),
        );
    }
    if has_resilience(results) {
        let at = files.len() - 2;
        files.insert(
            at,
            (
                "resilience.csv",
                csv(&RESILIENCE_COLUMNS, resilience_rows(results)),
            ),
        );
        files.insert(
            at + 1,
            ("breakers.csv", csv(&BREAKER_COLUMNS, breaker_rows(results))),
        );
    }
    if has_scaling(results) {
        let at = files.len() - 2;
        files.insert(
            at,
            ("scaling.csv", csv(&SCALING_COLUMNS, scaling_rows(results))),
        );
    }
    if inputs.charts {
        let title = &inputs.scenario.name;
        let format = inputs.chart_format;
        let names = match format {
            ChartFormat::Png => ["latency.png", "timeline.png", "messages.png"],
            ChartFormat::Svg => ["latency.svg", "timeline.svg", "messages.svg"],
        };
        files.push((names[0], latency_chart(results, title, format)?));
        files.push((names[1], timeline_chart(results, title, format)?));
        files.push((names[2], messages_chart(results, title, format)?));
        if let Some(chart) = scaling_chart(results, title, format) {
            let name = match format {
                ChartFormat::Png => "scaling.png",
                ChartFormat::Svg => "scaling.svg",
            };
            files.push((name, chart?));
        }
    }
    Ok(files)
}

/// The runs stopped before their end by overload, in words ("orchestrator (replication
/// 1) at 1.05 s, holding 16385 workflows; …"); `None` if every run finished.
pub fn describe_stopped(results: &ScenarioResults) -> Option<String> {
    let stopped: Vec<String> = results
        .stopped_runs()
        .map(|(run, stopped)| {
            format!(
                "{} (replication {}) at {} s, holding {} workflows",
                run.design.label,
                run.replication,
                format_number(stopped.at.as_secs_f64()),
                stopped.workflows_held
            )
        })
        .collect();
    (!stopped.is_empty()).then(|| stopped.join("; "))
}

/// `report`, with a warning under its title when runs were stopped by overload: their
/// figures cover the run only up to that point.
fn with_stopped_note(results: &ScenarioResults, report: String) -> String {
    let Some(stopped) = describe_stopped(results) else {
        return report;
    };
    let note = format!(
        "\n> **Truncated.** Overloaded runs were stopped before their end: {stopped}. Their figures, in every file of this folder, cover the run only up to that point.\n"
    );
    match report.split_once('\n') {
        Some((title, rest)) => format!("{title}\n{note}{rest}"),
        None => format!("{report}\n{note}"),
    }
}

/// RFC 4180 CSV: a header line, then one line per row; fields quoted only when needed.
pub fn to_csv(columns: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::new();
    out.push_str(&columns.join(","));
    out.push('\n');
    for row in rows {
        let fields: Vec<String> = row.iter().map(|cell| csv_field(&cell.render())).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// GitHub-flavoured Markdown table of every summary column.
pub fn to_markdown(results: &ScenarioResults) -> String {
    let table = Table {
        columns: SUMMARY_COLUMNS.iter().map(|c| c.to_string()).collect(),
        rows: summary_rows(results)
            .iter()
            .map(|row| row.iter().map(Cell::render).collect())
            .collect(),
    };
    table.to_markdown()
}
