//! `summary.csv`'s rows as typed values: each row knows its design and whether it is a
//! run, the mean or the 95 % interval, and readers ask for a cell by its `Column`.

use crate::coordination::Design;
use crate::runner::ScenarioResults;

use super::{Cell, Column, ci95_half_width, mean};

/// What a summary row holds: one replication's run, or an aggregate over replications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowLabel {
    /// Replication k (1-based).
    Run(u32),
    /// The mean over replications.
    Mean,
    /// The half-width of the 95 % Student-t interval over replications.
    Ci95,
}

impl RowLabel {
    /// The `replication` cell.
    pub fn cell(self) -> Cell {
        match self {
            RowLabel::Run(k) => Cell::Count(u64::from(k)),
            RowLabel::Mean => Cell::Text("mean".to_string()),
            RowLabel::Ci95 => Cell::Text("ci95".to_string()),
        }
    }

    /// Read back a `replication` cell (as `sweep.csv` holds it).
    pub fn parse(text: &str) -> Option<RowLabel> {
        match text {
            "mean" => Some(RowLabel::Mean),
            "ci95" => Some(RowLabel::Ci95),
            _ => text.parse().ok().filter(|&k| k > 0).map(RowLabel::Run),
        }
    }

    /// The row a report speaks for: the mean with replications, else the only run.
    pub fn main(replications: u32) -> RowLabel {
        if replications > 1 {
            RowLabel::Mean
        } else {
            RowLabel::Run(1)
        }
    }
}

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The design.
    pub design: Design,
    /// Which row of the design it is.
    pub label: RowLabel,
    /// Every cell, `variant` and `replication` included, in `Column::ALL` order.
    pub cells: Vec<Cell>,
}

impl SummaryRow {
    /// The cell of `column`.
    pub fn cell(&self, column: Column) -> &Cell {
        &self.cells[column.index()]
    }

    /// The value of `column`, if it is a number.
    pub fn value(&self, column: Column) -> Option<f64> {
        self.cell(column).as_f64()
    }
}

/// The rows of `summary.csv`: per design, one row per replication, then `mean` and `ci95`
/// rows when there is more than one replication.
pub fn summary_table(results: &ScenarioResults) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for design in &results.designs {
        let runs: Vec<(u32, Vec<Cell>)> = results
            .runs
            .iter()
            .filter(|run| run.design == *design)
            .map(|run| {
                (
                    run.replication,
                    super::summary_cells(&run.result.summary, design),
                )
            })
            .collect();
        let row = |label: RowLabel, values: Vec<Cell>| SummaryRow {
            design: design.clone(),
            label,
            cells: [Cell::Text(design.label.clone()), label.cell()]
                .into_iter()
                .chain(values)
                .collect(),
        };
        for (replication, cells) in &runs {
            rows.push(row(RowLabel::Run(*replication), cells.clone()));
        }
        if runs.len() > 1 {
            let values: Vec<Vec<Cell>> = runs.into_iter().map(|(_, cells)| cells).collect();
            rows.push(row(
                RowLabel::Mean,
                aggregate_columns(&values, RowLabel::Mean),
            ));
            rows.push(row(
                RowLabel::Ci95,
                aggregate_columns(&values, RowLabel::Ci95),
            ));
        }
    }
    rows
}

/// Aggregate each column over replications; empty where any replication has no value.
/// An outcome-aware latency that falls among failures in some replication aggregates to
/// the worst such label ("stuck" over "failed"): a mean of the answered ones would hide
/// it, and its interval does not exist.
fn aggregate_columns(runs: &[Vec<Cell>], label: RowLabel) -> Vec<Cell> {
    let aggregate: fn(&[f64]) -> Option<f64> = match label {
        RowLabel::Ci95 => ci95_half_width,
        _ => mean,
    };
    (0..runs[0].len())
        .map(|column| {
            let outcome = Column::ALL[column + 2].is_outcome_latency();
            let labels = runs.iter().filter_map(|run| match &run[column] {
                Cell::Text(label) if outcome && !label.is_empty() => Some(label.as_str()),
                _ => None,
            });
            if let Some(worst) = labels.max_by_key(|label| *label == "stuck") {
                return match label {
                    RowLabel::Ci95 => Cell::Number(None),
                    _ => Cell::Text(worst.to_string()),
                };
            }
            // Replications that diagnose differently: each says which it speaks for.
            if Column::ALL[column + 2] == Column::Diagnosis {
                let found: Vec<String> = runs
                    .iter()
                    .enumerate()
                    .filter_map(|(index, run)| match &run[column] {
                        Cell::Text(text) if !text.is_empty() => {
                            Some(format!("replication {}: {text}", index + 1))
                        }
                        _ => None,
                    })
                    .collect();
                let agree = runs.iter().all(|run| run[column] == runs[0][column]);
                return match label {
                    RowLabel::Ci95 => Cell::Text(String::new()),
                    _ if agree => runs[0][column].clone(),
                    _ => Cell::Text(found.join("; ")),
                };
            }
            if let Cell::Text(first) = &runs[0][column] {
                let agree = runs
                    .iter()
                    .all(|run| run[column] == Cell::Text(first.clone()));
                return Cell::Text(if agree { first.clone() } else { String::new() });
            }
            let values: Option<Vec<f64>> = runs.iter().map(|run| run[column].as_f64()).collect();
            Cell::Number(values.and_then(|values| aggregate(&values)))
        })
        .collect()
}

/// What the reports show of one design: the row they speak for, the interval row (with
/// replications) and the first replication (for figures the mean cannot give, such as a
/// bottleneck the replications disagree on).
#[derive(Debug, Clone)]
pub struct DesignRows {
    /// The design.
    pub design: Design,
    /// The row the report speaks for: the mean with replications, else the run.
    pub main: SummaryRow,
    /// The 95 % interval row, with replications.
    pub interval: Option<SummaryRow>,
    /// The first replication's row.
    pub first: SummaryRow,
}

/// Per design, in the scenario's order.
pub fn design_rows(results: &ScenarioResults) -> Vec<DesignRows> {
    let table = summary_table(results);
    let main_label = RowLabel::main(results.replications);
    let find = |design: &Design, label: RowLabel| {
        table
            .iter()
            .find(|row| row.design == *design && row.label == label)
            .cloned()
    };
    results
        .designs
        .iter()
        .filter_map(|design| {
            Some(DesignRows {
                design: design.clone(),
                main: find(design, main_label)?,
                interval: find(design, RowLabel::Ci95),
                first: find(design, RowLabel::Run(1))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_back_what_they_write() {
        for label in [
            RowLabel::Run(1),
            RowLabel::Run(12),
            RowLabel::Mean,
            RowLabel::Ci95,
        ] {
            assert_eq!(RowLabel::parse(&label.cell().render()), Some(label));
        }
        assert_eq!(RowLabel::parse("0"), None);
        assert_eq!(RowLabel::parse("average"), None);
    }
}
