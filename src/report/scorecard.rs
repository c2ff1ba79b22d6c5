//! The scorecard: one screen per scenario that puts side by side the attributes the book
//! argues about (responsiveness, throughput at the bound, fault tolerance, recoverability,
//! error handling, state management, coupling, cost), each cell with its value and its
//! rank (designs the data cannot tell apart share a rank), and a "pick … if …" summary
//! computed from the ranks.

use std::fmt::Write;

use crate::coordination::Design;
use crate::runner::{DesignRun, ScenarioResults};

use crate::metrics::{FAILED_RANK_MS, OutcomeQuantile, STUCK_RANK_MS};

use super::verdict::{eligible_leaders, exclusions};
use super::{
    Cell, Column, DesignRows, Measure, NEVER_RECOVERED_S, Ranked, Table, design_rows, outcome_cell,
    rank,
};

/// The attributes, in the order the scorecard shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attribute {
    /// Time to the client's answer.
    Responsiveness,
    /// Throughput when the bottleneck is saturated.
    ThroughputAtBound,
    /// Workflows the faults touched.
    FaultTolerance,
    /// Time to recover from a fault.
    Recoverability,
    /// Workflows failed, stuck, inconsistent or applied twice.
    ErrorHandling,
    /// Status queries answered.
    StateManagement,
    /// Communication edges and peers.
    Coupling,
    /// Messages and bytes per workflow.
    Cost,
    /// Reactions the components must implement.
    Complexity,
}

impl Attribute {
    /// Every attribute, in scorecard order.
    pub const ALL: [Attribute; 9] = [
        Attribute::Responsiveness,
        Attribute::ThroughputAtBound,
        Attribute::FaultTolerance,
        Attribute::Recoverability,
        Attribute::ErrorHandling,
        Attribute::StateManagement,
        Attribute::Coupling,
        Attribute::Cost,
        Attribute::Complexity,
    ];

    /// As the scorecard names it.
    pub const fn name(self) -> &'static str {
        match self {
            Attribute::Responsiveness => "responsiveness",
            Attribute::ThroughputAtBound => "throughput at the bound",
            Attribute::FaultTolerance => "fault tolerance",
            Attribute::Recoverability => "recoverability",
            Attribute::ErrorHandling => "error handling",
            Attribute::StateManagement => "state management",
            Attribute::Coupling => "coupling",
            Attribute::Cost => "cost",
            Attribute::Complexity => "simplicity",
        }
    }
}

/// One ranked column of the scorecard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreColumn {
    /// The attribute it speaks for.
    pub attribute: Attribute,
    /// The figure it ranks on.
    pub measure: Measure,
    /// Short header for the terminal and Markdown.
    pub header: &'static str,
}

/// The scorecard's columns: each attribute ranked on the measure that decides it.
pub const SCORE_COLUMNS: [ScoreColumn; 11] = [
    ScoreColumn {
        attribute: Attribute::Responsiveness,
        measure: Measure::Column(Column::OutcomeLatencyP50Ms),
        header: "p50 ms, every wf",
    },
    ScoreColumn {
        attribute: Attribute::Responsiveness,
        measure: Measure::Column(Column::OutcomeLatencyP99Ms),
        header: "p99 ms, every wf",
    },
    ScoreColumn {
        attribute: Attribute::ThroughputAtBound,
        measure: Measure::BoundPerS,
        header: "bound /s",
    },
    ScoreColumn {
        attribute: Attribute::FaultTolerance,
        measure: Measure::FaultAffected,
        header: "hit by faults",
    },
    ScoreColumn {
        attribute: Attribute::Recoverability,
        measure: Measure::RecoveryS,
        header: "recovery s",
    },
    ScoreColumn {
        attribute: Attribute::ErrorHandling,
        measure: Measure::Losses,
        header: "fail/stuck/incons/dup",
    },
    ScoreColumn {
        attribute: Attribute::StateManagement,
        measure: Measure::Column(Column::StatusAnsweredRatio),
        header: "status ok · p99 ms · stale",
    },
    ScoreColumn {
        attribute: Attribute::Coupling,
        measure: Measure::Column(Column::CouplingEdges),
        header: "edges · peers · must be up",
    },
    ScoreColumn {
        attribute: Attribute::Cost,
        measure: Measure::Column(Column::MessagesPerWorkflow),
        header: "msgs /wf",
    },
    ScoreColumn {
        attribute: Attribute::Cost,
        measure: Measure::Column(Column::BytesPerWorkflow),
        header: "KiB /wf",
    },
    ScoreColumn {
        attribute: Attribute::Complexity,
        measure: Measure::Handlers,
        header: "handlers · exercised · most at one",
    },
];

/// Cost in compute, ranked when the scenario deploys replicas or zones.
pub const REPLICA_SECONDS_COLUMN: ScoreColumn = ScoreColumn {
    attribute: Attribute::Cost,
    measure: Measure::ReplicaSeconds,
    header: "replica-s",
};

/// The columns these results are ranked on: `SCORE_COLUMNS`, with the replica-seconds
/// after the other costs when the scenario deploys replicas (so that a scenario without
/// them ranks as it always did).
pub fn score_columns(results: &ScenarioResults) -> Vec<ScoreColumn> {
    let mut columns = SCORE_COLUMNS.to_vec();
    let replicated = results
        .runs
        .iter()
        .any(|run| !run.result.replicas.is_empty());
    if replicated {
        let after_costs = columns
            .iter()
            .rposition(|c| c.attribute == Attribute::Cost)
            .map_or(columns.len(), |i| i + 1);
        columns.insert(after_costs, REPLICA_SECONDS_COLUMN);
    }
    columns
}

/// One design's cell: what is shown, and its place (`None`: no value to rank).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCell {
    /// What the cell shows.
    pub text: String,
    /// The figure ranked.
    pub value: Option<f64>,
    /// 1-based rank, if the figure exists.
    pub rank: Option<usize>,
    /// Shared with a design the data cannot tell apart.
    pub tied: bool,
}

impl ScoreCell {
    /// "82.4 (2)", "61.1 (1=)" for a shared rank, "–" without a value.
    pub fn render(&self) -> String {
        match self.rank {
            Some(rank) => format!("{} ({rank}{})", self.text, if self.tied { "=" } else { "" }),
            None => self.text.clone(),
        }
    }
}

/// Rows are designs (scenario order), columns `columns`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The columns ranked (`score_columns`).
    pub columns: Vec<ScoreColumn>,
    /// The rows' designs.
    pub designs: Vec<Design>,
    /// Per design, a cell per scorecard column.
    pub cells: Vec<Vec<ScoreCell>>,
    /// Per column, whether it ranks anything (at least two designs have a value).
    pub ranked: Vec<bool>,
    /// Per design, its losses in words ("leaves 88 failed, 457 duplicate effects").
    pub losses: Vec<String>,
    /// Per design, why it may not be recommended (`verdict::exclusions`), if so.
    pub excluded: Vec<Option<String>>,
    /// Per column, the designs that may be recommended and lead it: the best of them, and
    /// every one the data cannot tell from the best (`verdict::eligible_leaders`).
    pub leaders_by_column: Vec<Vec<usize>>,
}

fn first_run<'a>(results: &'a ScenarioResults, design: &Design) -> Option<&'a DesignRun> {
    results
        .runs
        .iter()
        .find(|run| run.design == *design && run.replication == 1)
}

/// The scorecard of a run. `steps` is the workflow's length: with a coordinator, one
/// more component must be up for a workflow to succeed. Every cell speaks for the mean
/// over replications (the figure ranked), with the companions of the mean row.
pub fn scorecard(results: &ScenarioResults, steps: usize) -> Scorecard {
    let columns = score_columns(results);
    let rankings: Vec<Vec<Ranked>> = columns.iter().map(|c| rank(results, c.measure)).collect();
    let rows = design_rows(results);
    let cells: Vec<Vec<ScoreCell>> = results
        .designs
        .iter()
        .map(|design| {
            let row = rows.iter().find(|r| r.design == *design);
            columns
                .iter()
                .zip(&rankings)
                .map(|(column, ranking)| {
                    let place = ranking.iter().find(|r| r.design == *design);
                    let text = match (row, first_run(results, design)) {
                        (Some(row), Some(run)) => cell_text(column.measure, row, run, place, steps),
                        _ => "–".to_string(),
                    };
                    ScoreCell {
                        text,
                        value: place.map(|p| p.value),
                        rank: place.filter(|_| ranking.len() > 1).map(|p| p.rank),
                        tied: place.is_some_and(|p| p.tied),
                    }
                })
                .collect()
        })
        .collect();
    let losses = results
        .designs
        .iter()
        .map(|design| {
            let Some(row) = rows.iter().find(|r| r.design == *design) else {
                return String::new();
            };
            let parts: Vec<String> = LOSS_COLUMNS
                .iter()
                .filter_map(|&(column, what)| {
                    let count = row.main.value(column).filter(|c| *c > 0.0)?;
                    Some(format!("{} {what}", count_text(count)))
                })
                .collect();
            format!("leaves {}", parts.join(", "))
        })
        .collect();
    let excluded = exclusions(results);
    let eligible: Vec<bool> = results
        .designs
        .iter()
        .map(|design| !excluded.iter().any(|(d, _)| d == design))
        .collect();
    let leaders_by_column = columns
        .iter()
        .enumerate()
        .map(|(column, score)| {
            let values: Vec<Option<f64>> = cells.iter().map(|row| row[column].value).collect();
            eligible_leaders(results, score.measure, &values, &eligible)
        })
        .collect();
    Scorecard {
        columns,
        designs: results.designs.clone(),
        cells,
        ranked: rankings.iter().map(|r| r.len() > 1).collect(),
        losses,
        excluded: results
            .designs
            .iter()
            .map(|design| {
                excluded
                    .iter()
                    .find(|(d, _)| d == design)
                    .map(|(_, why)| why.clone())
            })
            .collect(),
        leaders_by_column,
    }
}

/// The losses the error-handling cell shows, in its order.
const LOSS_COLUMNS: [(Column, &str); 4] = [
    (Column::Failed, "failed"),
    (Column::Stuck, "stuck"),
    (Column::Inconsistent, "inconsistent"),
    (Column::DuplicateEffects, "duplicate effects"),
];

/// A count, or a mean of counts over replications (one decimal where not whole).
fn count_text(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// An outcome-aware latency as the scorecard shows it: the latency, or where the
/// quantile falls among failures, "failed" (slower than every answer) or "∞ (stuck)".
pub fn outcome_text(value: f64) -> String {
    match OutcomeQuantile::from_rank_value(value) {
        OutcomeQuantile::Answered(ms) => format!("{ms:.1}"),
        OutcomeQuantile::Failed => "failed".to_string(),
        OutcomeQuantile::Stuck => "∞ (stuck)".to_string(),
    }
}

/// A cell's text: the ranked value (mean over replications), with its companions from
/// the design's main row (the mean with replications); structural companions (handlers)
/// from its first run.
fn cell_text(
    measure: Measure,
    row: &DesignRows,
    run: &DesignRun,
    place: Option<&Ranked>,
    steps: usize,
) -> String {
    let Some(value) = place.map(|p| p.value) else {
        return "–".to_string();
    };
    let main = &row.main;
    let optional = |column: Column, decimals: usize| {
        main.value(column)
            .map_or("–".to_string(), |v| format!("{v:.decimals$}"))
    };
    match measure {
        Measure::Column(column) if column.is_outcome_latency() => {
            // With replications that disagree on where the quantile falls, the mean row
            // holds the worst label.
            match main.cell(column) {
                Cell::Text(label) if !label.is_empty() => outcome_text(match label.as_str() {
                    "stuck" => STUCK_RANK_MS,
                    _ => FAILED_RANK_MS,
                }),
                _ => outcome_text(value),
            }
        }
        Measure::BoundPerS | Measure::ReplicaSeconds => format!("{value:.0}"),
        Measure::FaultAffected | Measure::FailedOrStuck => count_text(value),
        Measure::RecoveryS if value >= NEVER_RECOVERED_S => {
            format!("never (≥ {:.0})", value - NEVER_RECOVERED_S)
        }
        Measure::RecoveryS => format!("{value:.0}"),
        Measure::Losses => LOSS_COLUMNS
            .iter()
            .map(|&(column, _)| count_text(main.value(column).unwrap_or(0.0)))
            .collect::<Vec<_>>()
            .join("/"),
        Measure::Column(Column::StatusAnsweredRatio) => format!(
            "{:.0} % · {} · {}",
            value * 100.0,
            optional(Column::StatusLatencyP99Ms, 1),
            optional(Column::StatusStalenessStepsMean, 2)
        ),
        Measure::Column(Column::CouplingEdges) => {
            let coordinator = usize::from(run.design.coordination.uses_orchestrator());
            format!(
                "{value:.0} · {} · {}",
                optional(Column::CouplingMaxPeers, 0),
                steps + coordinator
            )
        }
        Measure::Handlers | Measure::HandlersExercised => {
            let exercised = Measure::HandlersExercised.value(run).unwrap_or(0.0);
            let most = run.result.components.iter().map(|c| c.handlers).max();
            format!("{value:.0} · {exercised:.0} · {}", most.unwrap_or(0))
        }
        Measure::Column(Column::MessagesPerWorkflow) => format!("{value:.2}"),
        Measure::Column(Column::BytesPerWorkflow) => format!("{:.1}", value / 1024.0),
        Measure::Column(_) => format!("{value:.2}"),
    }
}

impl Scorecard {
    /// The scorecard as a table (`markdown`: design names in bold).
    pub fn table(&self, markdown: bool) -> Table {
        Table {
            columns: std::iter::once("design".to_string())
                .chain(self.columns.iter().map(|c| c.header.to_string()))
                .collect(),
            rows: self
                .designs
                .iter()
                .zip(&self.cells)
                .map(|(design, cells)| {
                    let name = if markdown {
                        format!("**{design}**")
                    } else {
                        design.to_string()
                    };
                    std::iter::once(name)
                        .chain(cells.iter().map(ScoreCell::render))
                        .collect()
                })
                .collect(),
        }
    }
}

/// `scorecard.csv`'s columns.
pub const SCORECARD_COLUMNS: [&str; 6] =
    ["variant", "attribute", "measure", "value", "rank", "tied"];

/// One row per design and ranked measure.
pub fn scorecard_rows(card: &Scorecard) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for (design, cells) in card.designs.iter().zip(&card.cells) {
        for (column, cell) in card.columns.iter().zip(cells) {
            rows.push(vec![
                Cell::Text(design.label.clone()),
                Cell::Text(column.attribute.name().to_string()),
                Cell::Text(column.measure.name().to_string()),
                match cell.value {
                    // A latency among failures: its kind, never its rank value.
                    Some(value) if column.measure.is_failure(value) => {
                        outcome_cell(Some(OutcomeQuantile::from_rank_value(value)))
                    }
                    value => Cell::Number(value),
                },
                cell.rank
                    .map_or(Cell::Text(String::new()), |r| Cell::Count(r as u64)),
                Cell::Text(if cell.rank.is_none() {
                    String::new()
                } else if cell.tied {
                    "yes".to_string()
                } else {
                    "no".to_string()
                }),
            ]);
        }
    }
    rows
}

/// The compact terminal scorecard with its picks.
pub fn render_scorecard(results: &ScenarioResults, steps: usize) -> String {
    let card = scorecard(results, steps);
    let mut out = String::from("\nscorecard (rank in brackets, = shared: not distinguishable)\n");
    out.push_str(&card.table(false).to_text());
    for line in card.picks().into_iter().chain(card.overall(results)) {
        let _ = writeln!(out, "{}", line.replace("**", ""));
    }
    out
}
