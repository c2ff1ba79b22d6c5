//! Plain tables: aligned text for the terminal, and GitHub-flavoured Markdown.

use crate::runner::ScenarioResults;

use crate::coordination::Design;
use crate::metrics::FaultRow;

use super::{Cell, Column, design_rows, latency_caption, trending};

/// A table of already-formatted cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column headings.
    pub columns: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

/// The widest a terminal cell gets: longer text (a long service name) is cut with an
/// ellipsis, so columns stay readable and padding widths stay small.
const MAX_CELL_CHARS: usize = 40;

/// `text`, cut to `MAX_CELL_CHARS` characters with an ellipsis.
fn fit(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        text.to_string()
    } else {
        let kept: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
        format!("{kept}…")
    }
}

impl Table {
    /// Columns padded to their widest cell; the first column left-aligned, others right.
    pub fn to_text(&self) -> String {
        let fitted: Vec<Vec<String>> = std::iter::once(&self.columns)
            .chain(&self.rows)
            .map(|row| row.iter().map(|cell| fit(cell)).collect())
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                fitted
                    .iter()
                    .map(|row| row[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (cell, &width))| {
                    if c == 0 {
                        format!("{cell:<width$}")
                    } else {
                        format!("{cell:>width$}")
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let mut out = String::new();
        for row in &fitted {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }

    /// GitHub-flavoured Markdown; columns whose cells are all numbers are right-aligned.
    pub fn to_markdown(&self) -> String {
        let escape = |cell: &String| cell.replace('|', "\\|");
        let numeric = |column: usize| {
            self.rows.iter().all(|row| {
                let cell = row[column].split(" ± ").next().unwrap_or_default();
                let cell = cell.trim_end_matches(" %");
                cell.is_empty() || cell == "–" || cell.parse::<f64>().is_ok()
            })
        };
        let mut out = format!(
            "| {} |\n",
            self.columns
                .iter()
                .map(escape)
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let rule: Vec<&str> = (0..self.columns.len())
            .map(|c| if c > 0 && numeric(c) { "---:" } else { "---" })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                row.iter().map(escape).collect::<Vec<_>>().join(" | ")
            ));
        }
        out
    }
}

/// Terminal columns: (header, summary column).
const TERMINAL_COLUMNS: [(&str, Column); 17] = [
    ("started", Column::Started),
    ("done", Column::Completed),
    ("comp", Column::Compensated),
    ("fail", Column::Failed),
    ("stuck", Column::Stuck),
    ("thru/s", Column::ThroughputPerS),
    ("done p50 ms", Column::LatencyP50Ms),
    ("done p99 ms", Column::LatencyP99Ms),
    ("done p99.9 ms", Column::LatencyP999Ms),
    ("msgs/wf", Column::MessagesPerWorkflow),
    ("KiB/wf", Column::BytesPerWorkflow),
    ("status ok", Column::StatusAnsweredRatio),
    ("status p99 ms", Column::StatusLatencyP99Ms),
    ("stale", Column::StatusStalenessStepsMean),
    ("coord util", Column::CoordinatorUtilization),
    ("max util", Column::MaxUtilization),
    ("bottleneck", Column::Bottleneck),
];

/// An empty table headed `variant` and the given columns' headers.
fn headed(columns: &[(&str, Column)]) -> Table {
    Table {
        columns: std::iter::once("variant".to_string())
            .chain(columns.iter().map(|(header, _)| header.to_string()))
            .collect(),
        rows: Vec::new(),
    }
}

/// Columns shown as `mean ± ci95` when there are replications.
const WITH_INTERVAL: [Column; 3] = [
    Column::ThroughputPerS,
    Column::LatencyP50Ms,
    Column::LatencyP99Ms,
];

/// The comparison table for the terminal: one line per design (the mean, with 95 %
/// intervals on key columns, when there are replications). A design that is not at
/// steady state is marked `*`; with survivor bias each name carries its completed share.
pub fn render_table(results: &ScenarioResults) -> String {
    let trends = trending(results);
    let mut table = headed(&TERMINAL_COLUMNS);
    for rows in design_rows(results) {
        let mark = if trends.iter().any(|(d, _)| *d == rows.design) {
            " *"
        } else {
            ""
        };
        let mut line = vec![format!("{}{mark}", latency_caption(results, &rows.design))];
        for (_, column) in TERMINAL_COLUMNS {
            let decimals = column.decimals();
            let mut text = display(rows.main.cell(column), column);
            if let (Some(interval), true) = (&rows.interval, WITH_INTERVAL.contains(&column))
                && let Some(half) = interval.value(column)
            {
                text = format!("{text} ±{half:.decimals$}");
            }
            line.push(text);
        }
        table.rows.push(line);
    }
    let mut out = table.to_text();
    out.push_str(
        "done p50/p99/p99.9: completed workflows only; the scorecard ranks latency over every \
         workflow, failed and stuck ones slowest\n",
    );
    if !trends.is_empty() {
        out.push_str(
            "* not at steady state: workflows in flight trend over the run (see the warning)\n",
        );
    }
    out
}

fn display(cell: &Cell, column: Column) -> String {
    match cell.as_f64() {
        None => match cell {
            Cell::Text(text) if !text.is_empty() => text.clone(),
            _ => "-".to_string(),
        },
        Some(value) => column.format_value(value),
    }
}

/// Failure columns: (header, summary column).
const FAILURE_COLUMNS: [(&str, Column); 8] = [
    ("failed", Column::Failed),
    ("stuck", Column::Stuck),
    ("inconsistent", Column::Inconsistent),
    ("dup effects", Column::DuplicateEffects),
    ("retries/wf", Column::RetriesPerWorkflow),
    ("dead letters", Column::DeadLetters),
    ("ttc p50 ms", Column::TimeToConsistencyP50Ms),
    ("ttc p99 ms", Column::TimeToConsistencyP99Ms),
];

/// The failure section: what went wrong per variant, and per fault how long recovery took
/// (first replication). Empty when nothing failed and no fault was injected.
pub fn render_failures(results: &ScenarioResults) -> String {
    let mut table = headed(&FAILURE_COLUMNS);
    let mut anything = false;
    for rows in design_rows(results) {
        let mut line = vec![rows.design.label.clone()];
        for (_, column) in FAILURE_COLUMNS {
            let cell = rows.main.cell(column);
            anything |= cell.as_f64().is_some_and(|v| v > 0.0)
                && column != Column::TimeToConsistencyP50Ms
                && column != Column::TimeToConsistencyP99Ms;
            line.push(display(cell, column));
        }
        table.rows.push(line);
    }
    let faults = first_faults(results);
    if !anything && faults.is_empty() {
        return String::new();
    }
    let mut out = format!("\nfailures\n{}", table.to_text());
    if !faults.is_empty() {
        let fault_table = fault_table(&faults, |seconds| format!("{seconds:.1}"));
        let which = if results.replications > 1 {
            " (first replication)"
        } else {
            ""
        };
        out.push_str(&format!("\nfaults{which}\n{}", fault_table.to_text()));
    }
    out
}

/// One row per fault occurrence, seconds shown by `seconds`.
pub(super) fn fault_table(faults: &[(&Design, &FaultRow)], seconds: fn(f64) -> String) -> Table {
    Table {
        columns: [
            "variant",
            "fault",
            "target",
            "start s",
            "end s",
            "recovery s",
            "peak backlog",
            "affected workflows",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        rows: faults
            .iter()
            .map(|(design, fault)| {
                vec![
                    design.label.clone(),
                    fault.fault.to_string(),
                    fault.target.clone(),
                    seconds(fault.start_s),
                    seconds(fault.end_s),
                    fault.recovery_s.map_or("never".to_string(), seconds),
                    fault.peak_backlog.to_string(),
                    fault.affected_workflows.to_string(),
                ]
            })
            .collect(),
    }
}

/// Every fault occurrence of the first replication, with its design.
pub fn first_faults(results: &ScenarioResults) -> Vec<(&Design, &FaultRow)> {
    results
        .runs
        .iter()
        .filter(|run| run.replication == 1)
        .flat_map(|run| {
            run.result
                .faults
                .iter()
                .map(move |fault| (&run.design, fault))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_with_an_ellipsis_instead_of_overflowing_the_padding() {
        // A width above 65,535 made `format!` panic; a 100,000-character name must not.
        let name = "s".repeat(100_000);
        let table = Table {
            columns: vec!["variant".into(), "bottleneck".into()],
            rows: vec![vec!["orchestrator".into(), name]],
        };
        let text = table.to_text();
        let row = text.lines().nth(1).unwrap_or_default();
        assert!(row.ends_with(&format!("{}…", "s".repeat(39))), "{row}");
        assert_eq!(row.chars().count(), "orchestrator".len() + 2 + 40);
    }
}
