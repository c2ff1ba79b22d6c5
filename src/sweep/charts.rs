//! The sweep read back from `sweep.csv`: its charts (failures as a share of the workflows
//! started, as raw counts grow with load on their own; the swept key named in words with
//! its unit on the x axis) and the compact table the terminal prints.

use super::SweepError;
use super::store::Manifest;
use crate::coordination::Design;
use crate::report::charts::{ChartFormat, SweepLine, sweep_chart};
use crate::report::{Column, RowLabel, Table};

/// The x axis' name for a swept key, with its unit: `workload.arrivals.poisson` reads
/// "arrival rate (workflows/s)". A key with no name of its own is shown as it is.
pub fn axis_name(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let last = parts.last().copied().unwrap_or(key);
    let owner = match parts.as_slice() {
        ["services", name, ..] => format!("{name}'s "),
        ["orchestrator", ..] => "the orchestrator's ".to_string(),
        ["defaults", ..] => "every service's ".to_string(),
        _ => String::new(),
    };
    match (parts.first().copied().unwrap_or(""), last) {
        ("workload", "poisson" | "constant") => "arrival rate (workflows/s)".to_string(),
        ("workload", "workflows") => "workflows started".to_string(),
        ("workload", "every") => "status poll interval".to_string(),
        ("workload", "timeout") => "client timeout".to_string(),
        ("network", "latency") => "network latency".to_string(),
        ("network", "loss") => "message loss (share of messages)".to_string(),
        ("network", "duplicate") => "duplicated messages (share)".to_string(),
        ("network", "delivery") => "delivery".to_string(),
        ("network", "bandwidth") => "bandwidth".to_string(),
        ("policy", "retries") => "retries".to_string(),
        ("policy", "timeout") => "retry timeout".to_string(),
        ("scenario", "duration") => "arrivals for".to_string(),
        (_, "workers") => format!("{owner}workers"),
        (_, "queue") => format!("{owner}inbox size (messages)"),
        (_, "fail") => format!("{owner}failure probability"),
        (_, "work") => format!("{owner}work per step"),
        (_, "output") => format!("{owner}output size (per step)"),
        _ => key.to_string(),
    }
}

/// A metric charted against the first swept key.
struct SweepMetric {
    column: Column,
    /// The y axis' label.
    label: &'static str,
    file: &'static str,
    /// Drawn as a percentage of the workflows started at that point.
    per_started: bool,
}

const fn metric(column: Column, label: &'static str, file: &'static str) -> SweepMetric {
    SweepMetric {
        column,
        label,
        file,
        per_started: false,
    }
}

const fn share(column: Column, label: &'static str, file: &'static str) -> SweepMetric {
    SweepMetric {
        column,
        label,
        file,
        per_started: true,
    }
}

/// Metrics charted against the first swept key.
const SWEEP_METRICS: [SweepMetric; 8] = [
    metric(
        Column::ThroughputPerS,
        "throughput (workflows/s)",
        "sweep-throughput.png",
    ),
    metric(
        Column::OutcomeLatencyP50Ms,
        "p50 over every workflow (ms)",
        "sweep-latency-p50.png",
    ),
    metric(
        Column::OutcomeLatencyP99Ms,
        "p99 over every workflow (ms)",
        "sweep-latency-p99.png",
    ),
    metric(
        Column::MessagesPerWorkflow,
        "messages per workflow",
        "sweep-messages.png",
    ),
    metric(
        Column::CoordinatorUtilization,
        "coordinator utilization",
        "sweep-coordinator-utilization.png",
    ),
    share(
        Column::Stuck,
        "stuck (% of workflows started)",
        "sweep-stuck.png",
    ),
    share(
        Column::Failed,
        "failed (% of workflows started)",
        "sweep-failed.png",
    ),
    share(
        Column::Inconsistent,
        "inconsistent (% of workflows started)",
        "sweep-inconsistent.png",
    ),
];

/// One row of `sweep.csv`, read with a CSV reader (a label may hold commas or quotes):
/// the swept keys' values, the design, the row's label and every summary cell.
pub(super) struct SweepRow {
    pub(super) values: Vec<String>,
    pub(super) design: String,
    pub(super) label: RowLabel,
    pub(super) cells: Vec<String>,
}

/// Read `sweep.csv`'s rows; rows that do not parse are left out (never expected: the
/// file was assembled from checked point files).
pub(super) fn read_sweep(manifest: &Manifest, csv_text: &str) -> Vec<SweepRow> {
    let keys = manifest.params.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| {
            let field = |at: usize| record.get(at).map(str::to_string);
            Some(SweepRow {
                values: (0..keys).map(field).collect::<Option<Vec<_>>>()?,
                design: field(keys + Column::Variant.index())?,
                label: RowLabel::parse(record.get(keys + Column::Replication.index())?)?,
                cells: record.iter().skip(keys).map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The lines of one sweep chart: per design (and combination of the other swept keys),
/// the metric against the first key, with the 95 % interval when there are replications.
/// `per_started`: as a percentage of the workflows started at that point (its interval
/// scaled alike).
pub fn sweep_lines(
    manifest: &Manifest,
    csv: &str,
    metric: Column,
    per_started: bool,
) -> Vec<SweepLine> {
    let main_label = RowLabel::main(manifest.replications);
    let x_values = &manifest.params[0].1;
    let numeric = x_values.iter().all(|v| v.parse::<f64>().is_ok());
    let rows = read_sweep(manifest, csv);
    let cell = |row: &SweepRow, column: Column| row.cells.get(column.index())?.parse::<f64>().ok();
    let number = |row: &SweepRow| cell(row, metric);
    let mut combinations: Vec<Vec<String>> = Vec::new();
    let mut lines: Vec<SweepLine> = Vec::new();
    for row in rows.iter().filter(|row| row.label == main_label) {
        let Some(position) = manifest.variants.iter().position(|d| *d == row.design) else {
            continue;
        };
        let others = row.values[1..].to_vec();
        let style = match combinations.iter().position(|c| *c == others) {
            Some(style) => style,
            None => {
                combinations.push(others.clone());
                combinations.len() - 1
            }
        };
        let named: Vec<String> = (1..row.values.len())
            .map(|k| format!("{}={}", manifest.params[k].0, row.values[k]))
            .collect();
        let label = if named.is_empty() {
            row.design.clone()
        } else {
            format!("{}, {}", row.design, named.join(", "))
        };
        let x = if numeric {
            row.values[0].parse::<f64>().unwrap_or(0.0)
        } else {
            x_values
                .iter()
                .position(|v| *v == row.values[0])
                .unwrap_or(0) as f64
        };
        let Some(y) = number(row) else {
            continue;
        };
        let half = rows
            .iter()
            .find(|r| r.values == row.values && r.design == row.design && r.label == RowLabel::Ci95)
            .and_then(number);
        let (y, half) = if per_started {
            match cell(row, Column::Started) {
                Some(started) if started > 0.0 => {
                    (100.0 * y / started, half.map(|h| 100.0 * h / started))
                }
                _ => continue,
            }
        } else {
            (y, half)
        };
        match lines.iter_mut().find(|line| line.label == label) {
            Some(line) => line.points.push((x, y, half)),
            None => lines.push(SweepLine {
                label,
                palette_slot: Design::palette_slot_of(&row.design, position),
                style,
                points: vec![(x, y, half)],
            }),
        }
    }
    lines
}

pub(super) fn sweep_charts(
    manifest: &Manifest,
    csv: &str,
) -> Result<Vec<(&'static str, Vec<u8>)>, SweepError> {
    let x_label = axis_name(&manifest.params[0].0);
    let categories: Option<&[String]> = (!manifest.params[0]
        .1
        .iter()
        .all(|v| v.parse::<f64>().is_ok()))
    .then_some(&manifest.params[0].1);
    SWEEP_METRICS
        .iter()
        .map(|metric| {
            let lines = sweep_lines(manifest, csv, metric.column, metric.per_started);
            sweep_chart(
                &manifest.scenario,
                &x_label,
                categories,
                metric.label,
                &lines,
                ChartFormat::Png,
            )
            .map(|png| (metric.file, png))
            .map_err(|e| SweepError::Io(e.to_string()))
        })
        .collect()
}

/// Most rows the terminal table shows; the rest are in `sweep.csv`.
pub const TABLE_ROWS: usize = 40;

/// The terminal's summary of a finished sweep: per point and design (the mean row with
/// replications), throughput, p50 and p99 over every workflow, failed and stuck as a
/// share of the started, and messages per workflow.
pub fn sweep_table(manifest: &Manifest, csv: &str) -> Table {
    let main_label = RowLabel::main(manifest.replications);
    let rows = read_sweep(manifest, csv);
    let cell =
        |row: &SweepRow, column: Column| row.cells.get(column.index()).cloned().unwrap_or_default();
    let number = |row: &SweepRow, column: Column| cell(row, column).parse::<f64>().ok();
    let mut columns: Vec<String> = manifest.params.iter().map(|(key, _)| key.clone()).collect();
    columns.extend(
        [
            "design",
            "throughput/s",
            "p50 ms, every wf",
            "p99 ms, every wf",
            "failed+stuck",
            "msgs/wf",
        ]
        .map(String::from),
    );
    let main: Vec<&SweepRow> = rows.iter().filter(|row| row.label == main_label).collect();
    let mut table_rows: Vec<Vec<String>> = main
        .iter()
        .take(TABLE_ROWS)
        .map(|row| {
            let lost = number(row, Column::Failed).unwrap_or(0.0)
                + number(row, Column::Stuck).unwrap_or(0.0);
            let share = match number(row, Column::Started) {
                Some(started) if started > 0.0 => format!("{:.1} %", 100.0 * lost / started),
                _ => "-".to_string(),
            };
            let fixed = |column: Column, decimals: usize| {
                number(row, column).map_or_else(|| cell(row, column), |v| format!("{v:.decimals$}"))
            };
            let mut line = row.values.clone();
            line.extend([
                row.design.clone(),
                fixed(Column::ThroughputPerS, 1),
                fixed(Column::OutcomeLatencyP50Ms, 1),
                fixed(Column::OutcomeLatencyP99Ms, 1),
                share,
                fixed(Column::MessagesPerWorkflow, 1),
            ]);
            line
        })
        .collect();
    if main.len() > TABLE_ROWS {
        let mut more = vec![String::new(); columns.len()];
        more[0] = format!("… {} more rows in sweep.csv", main.len() - TABLE_ROWS);
        table_rows.push(more);
    }
    Table {
        columns,
        rows: table_rows,
    }
}
