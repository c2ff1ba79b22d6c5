//! The scorecard: one screen per scenario that puts side by side the attributes the book
//! argues about (responsiveness, throughput at the bound, fault tolerance, recoverability,
//! error handling, state management, coupling, cost), each cell with its value and its
//! rank (designs the data cannot tell apart share a rank), and a "pick … if …" summary
//! computed from the ranks.

use std::fmt::Write;

use crate::coordination::Design;
use crate::runner::{DesignRun, ScenarioResults};

use super::{Cell, Column, Measure, NEVER_RECOVERED_S, Ranked, Table, rank};

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
        measure: Measure::Column(Column::AnswerP50Ms),
        header: "answer p50 ms",
    },
    ScoreColumn {
        attribute: Attribute::Responsiveness,
        measure: Measure::Column(Column::AnswerP99Ms),
        header: "answer p99 ms",
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
        header: "handlers · most at one",
    },
];

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

/// Rows are designs (scenario order), columns `SCORE_COLUMNS`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The rows' designs.
    pub designs: Vec<Design>,
    /// Per design, a cell per scorecard column.
    pub cells: Vec<Vec<ScoreCell>>,
    /// Per column, whether it ranks anything (at least two designs have a value).
    pub ranked: Vec<bool>,
    /// Per design, its losses in words ("88 failed, 457 duplicate effects").
    pub losses: Vec<String>,
}

fn first_run<'a>(results: &'a ScenarioResults, design: &Design) -> Option<&'a DesignRun> {
    results
        .runs
        .iter()
        .find(|run| run.design == *design && run.replication == 1)
}

/// The scorecard of a run. `steps` is the workflow's length: with a coordinator, one
/// more component must be up for a workflow to succeed.
pub fn scorecard(results: &ScenarioResults, steps: usize) -> Scorecard {
    let rankings: Vec<Vec<Ranked>> = SCORE_COLUMNS
        .iter()
        .map(|c| rank(results, c.measure))
        .collect();
    let cells = results
        .designs
        .iter()
        .map(|design| {
            SCORE_COLUMNS
                .iter()
                .zip(&rankings)
                .map(|(column, ranking)| {
                    let place = ranking.iter().find(|r| r.design == *design);
                    let text = first_run(results, design).map_or("–".to_string(), |run| {
                        cell_text(column.measure, run, place, steps)
                    });
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
            let Some(summary) = first_run(results, design).map(|run| &run.result.summary) else {
                return String::new();
            };
            let parts: Vec<String> = [
                (summary.failed, "failed"),
                (summary.stuck, "stuck"),
                (summary.inconsistent, "inconsistent"),
                (summary.duplicate_effects, "duplicate effects"),
            ]
            .iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!("{count} {what}"))
            .collect();
            format!("leaves {}", parts.join(", "))
        })
        .collect();
    Scorecard {
        designs: results.designs.clone(),
        cells,
        ranked: rankings.iter().map(|r| r.len() > 1).collect(),
        losses,
    }
}

/// A cell's text: the ranked value (mean over replications), with its companions.
fn cell_text(measure: Measure, run: &DesignRun, place: Option<&Ranked>, steps: usize) -> String {
    let summary = &run.result.summary;
    let Some(value) = place.map(|p| p.value) else {
        return "–".to_string();
    };
    let optional = |v: Option<f64>, decimals: usize| {
        v.map_or("–".to_string(), |v| format!("{v:.decimals$}"))
    };
    match measure {
        Measure::Column(Column::AnswerP50Ms | Column::AnswerP99Ms) => format!("{value:.1}"),
        Measure::BoundPerS => format!("{value:.0}"),
        Measure::FaultAffected | Measure::FailedOrStuck => format!("{value:.0}"),
        Measure::RecoveryS if value >= NEVER_RECOVERED_S => {
            format!("never (≥ {:.0})", value - NEVER_RECOVERED_S)
        }
        Measure::RecoveryS => format!("{value:.0}"),
        Measure::Losses => format!(
            "{}/{}/{}/{}",
            summary.failed, summary.stuck, summary.inconsistent, summary.duplicate_effects
        ),
        Measure::Column(Column::StatusAnsweredRatio) => format!(
            "{:.0} % · {} · {}",
            value * 100.0,
            optional(summary.status_latency_p99_ms, 1),
            optional(summary.status_staleness_steps_mean, 2)
        ),
        Measure::Column(Column::CouplingEdges) => {
            let coordinator = usize::from(run.design.coordination.uses_orchestrator());
            format!(
                "{value:.0} · {} · {}",
                summary.coupling_max_peers,
                steps + coordinator
            )
        }
        Measure::Handlers => {
            let most = run.result.components.iter().map(|c| c.handlers).max();
            format!("{value:.0} · {}", most.unwrap_or(0))
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
                .chain(SCORE_COLUMNS.iter().map(|c| c.header.to_string()))
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

    /// Per attribute, the designs ranked first on every one of its ranked columns;
    /// empty when every design is first (nothing to choose between).
    pub fn leaders(&self, attribute: Attribute) -> Vec<&Design> {
        let columns: Vec<usize> = SCORE_COLUMNS
            .iter()
            .enumerate()
            .filter(|(i, c)| c.attribute == attribute && self.ranked[*i])
            .map(|(i, _)| i)
            .collect();
        if columns.is_empty() {
            return Vec::new();
        }
        let leaders: Vec<&Design> = self
            .designs
            .iter()
            .zip(&self.cells)
            .filter(|(_, cells)| columns.iter().all(|&c| cells[c].rank == Some(1)))
            .map(|(design, _)| design)
            .collect();
        let ranked_designs = self
            .cells
            .iter()
            .filter(|cells| columns.iter().all(|&c| cells[c].rank.is_some()))
            .count();
        if leaders.len() == ranked_designs {
            Vec::new()
        } else {
            leaders
        }
    }

    /// "Pick orchestrator if state management matters most", computed from the ranks:
    /// attributes with the same leaders are named together; where every design ranks
    /// first, the attribute does not help choose.
    pub fn picks(&self) -> Vec<String> {
        let mut groups: Vec<(Vec<&Design>, Vec<Attribute>)> = Vec::new();
        let mut undecided = Vec::new();
        for attribute in Attribute::ALL {
            let has_values = SCORE_COLUMNS
                .iter()
                .enumerate()
                .any(|(i, c)| c.attribute == attribute && self.ranked[i]);
            let leaders = self.leaders(attribute);
            if leaders.is_empty() {
                if has_values {
                    undecided.push(attribute.name());
                }
                continue;
            }
            match groups.iter_mut().find(|(l, _)| *l == leaders) {
                Some((_, attributes)) => attributes.push(attribute),
                None => groups.push((leaders, vec![attribute])),
            }
        }
        let losses_at = SCORE_COLUMNS
            .iter()
            .position(|c| c.attribute == Attribute::ErrorHandling);
        let mut lines: Vec<String> = groups
            .iter()
            .map(|(leaders, attributes)| {
                let names: Vec<String> = leaders.iter().map(|d| format!("**{d}**")).collect();
                let what: Vec<&str> = attributes.iter().map(|a| a.name()).collect();
                let mut line = format!(
                    "Pick {} if {} matter{} most",
                    join_or(&names, "or"),
                    join_or(
                        &what.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                        "and"
                    ),
                    if what.len() == 1 { "s" } else { "" }
                );
                // Warn where a pick loses workflows that another design keeps.
                let caveats: Vec<String> = leaders
                    .iter()
                    .filter_map(|design| {
                        let row = self.designs.iter().position(|d| d == *design)?;
                        let cell = &self.cells[row][losses_at?];
                        (cell.rank.is_some_and(|r| r > 1))
                            .then(|| format!("{design} {}", self.losses[row]))
                    })
                    .collect();
                match caveats.as_slice() {
                    [] => {}
                    [one] => {
                        let _ = write!(line, " (but {one})");
                    }
                    _ => {
                        line.push_str(" (but they lose workflows others keep: see error handling)")
                    }
                }
                line.push('.');
                line
            })
            .collect();
        if !undecided.is_empty() {
            lines.push(format!(
                "No design stands out on {}: the differences are within the noise or under 1 %.",
                join_or(
                    &undecided.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    "or"
                )
            ));
        }
        lines
    }
}

/// "a", "a or b", "a, b or c".
fn join_or(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// `scorecard.csv`'s columns.
pub const SCORECARD_COLUMNS: [&str; 6] =
    ["variant", "attribute", "measure", "value", "rank", "tied"];

/// One row per design and ranked measure.
pub fn scorecard_rows(card: &Scorecard) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for (design, cells) in card.designs.iter().zip(&card.cells) {
        for (column, cell) in SCORE_COLUMNS.iter().zip(cells) {
            rows.push(vec![
                Cell::Text(design.label.clone()),
                Cell::Text(column.attribute.name().to_string()),
                Cell::Text(column.measure.name().to_string()),
                Cell::Number(cell.value),
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
    for line in card.picks() {
        let _ = writeln!(out, "{}", line.replace("**", ""));
    }
    out
}
