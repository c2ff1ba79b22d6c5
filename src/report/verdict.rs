//! The verdict: which designs may be recommended at all (none that collapsed, saturated,
//! failed most of its workflows or lost more than 1 % of them), the picks per attribute
//! among the rest, and the one overall answer: the designs no other design beats on every
//! attribute (the Pareto set under `dominance`), each with what it gives up.

use crate::coordination::Design;
use crate::runner::ScenarioResults;

use super::dominance::{Order, Standing, order_of, pareto_front};
use super::scorecard::{Attribute, Scorecard};
use super::{Column, Measure, compare, design_rows};

/// Failed + stuck + inconsistent workflows above this share of those started exclude a
/// design from recommendations.
pub const LOST_SHARE_LIMIT: f64 = 0.01;

/// Per design that may not be recommended, why: its diagnosis (any replication), or the
/// share of workflows it lost (mean over replications).
pub fn exclusions(results: &ScenarioResults) -> Vec<(Design, String)> {
    let rows = design_rows(results);
    results
        .designs
        .iter()
        .filter_map(|design| {
            let diagnosed = results
                .runs
                .iter()
                .find(|run| run.design == *design && !run.result.summary.diagnosis.is_empty());
            if let Some(run) = diagnosed {
                let found: Vec<String> = run
                    .result
                    .summary
                    .diagnosis
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                let which = if results.replications > 1 {
                    format!(" (replication {})", run.replication)
                } else {
                    String::new()
                };
                return Some((design.clone(), format!("{}{which}", found.join("; "))));
            }
            let row = &rows.iter().find(|r| r.design == *design)?.main;
            let count = |column: Column| row.value(column).unwrap_or(0.0);
            let started = count(Column::Started);
            let lost = count(Column::Failed) + count(Column::Stuck) + count(Column::Inconsistent);
            (started > 0.0 && lost / started > LOST_SHARE_LIMIT).then(|| {
                (
                    design.clone(),
                    format!(
                        "failed + stuck + inconsistent workflows are {:.1} % of those started \
                         ({:.0} failed, {:.0} stuck, {:.0} inconsistent; one workflow can be \
                         both), over the {:.0} % limit",
                        100.0 * lost / started,
                        count(Column::Failed),
                        count(Column::Stuck),
                        count(Column::Inconsistent),
                        LOST_SHARE_LIMIT * 100.0
                    ),
                )
            })
        })
        .collect()
}

/// Among the `eligible` designs with a value on `measure`, the best and every one the
/// data cannot tell from it (`compare`), in design order. Ranks over every design would
/// not do: an excluded design far ahead can push a leader's rank and a follower's apart
/// when the two are indistinguishable.
pub(super) fn eligible_leaders(
    results: &ScenarioResults,
    measure: Measure,
    values: &[Option<f64>],
    eligible: &[bool],
) -> Vec<usize> {
    let candidates: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter(|&(d, _)| eligible[d])
        .filter_map(|(d, value)| Some((d, (*value)?)))
        .collect();
    let better = measure.better();
    let Some(&(best, best_value)) = candidates.iter().reduce(|a, b| {
        if order_of(b.1, a.1, better) == Order::Better {
            b
        } else {
            a
        }
    }) else {
        return Vec::new();
    };
    candidates
        .iter()
        .filter(|&&(d, value)| {
            d == best
                || value == best_value
                || !compare(
                    results,
                    measure,
                    &results.designs[best],
                    &results.designs[d],
                )
                .is_some_and(|c| c.distinguishable())
        })
        .map(|&(d, _)| d)
        .collect()
}

impl Scorecard {
    fn eligible(&self) -> Vec<bool> {
        self.excluded.iter().map(Option::is_none).collect()
    }

    /// The columns that rank `attribute`.
    fn columns_of(&self, attribute: Attribute) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(i, c)| c.attribute == attribute && self.ranked[*i])
            .map(|(i, _)| i)
            .collect()
    }

    /// On column `column`, the eligible designs that lead it, and whether every eligible
    /// design with a value does.
    fn column_leaders(&self, column: usize) -> (Vec<usize>, bool) {
        let eligible = self.eligible();
        let leaders = self.leaders_by_column[column].clone();
        let with_value = (0..self.designs.len())
            .filter(|&d| eligible[d] && self.cells[d][column].value.is_some())
            .count();
        let all = leaders.len() == with_value;
        (leaders, all)
    }

    /// Whether eligible design `design` trails the leaders of `column`.
    fn behind(&self, design: usize, column: usize) -> bool {
        self.cells[design][column].value.is_some()
            && !self.leaders_by_column[column].contains(&design)
    }

    /// Per attribute, the eligible designs best on every one of its ranked columns; empty
    /// when every eligible design is (nothing to choose between) or when its columns
    /// disagree (see `picks`).
    pub fn leaders(&self, attribute: Attribute) -> Vec<&Design> {
        let columns = self.columns_of(attribute);
        if columns.is_empty() {
            return Vec::new();
        }
        let per_column: Vec<(Vec<usize>, bool)> =
            columns.iter().map(|&c| self.column_leaders(c)).collect();
        if per_column.iter().all(|(_, all)| *all) {
            return Vec::new();
        }
        let first = &per_column[0].0;
        first
            .iter()
            .filter(|d| per_column.iter().all(|(leaders, _)| leaders.contains(d)))
            .map(|&d| &self.designs[d])
            .collect()
    }

    /// "Pick orchestrator if state management matters most", from the ranks of the
    /// designs that may be recommended: attributes with the same leaders are named
    /// together; where the attribute's columns lead differently (p50 against p99), that is
    /// said; "no design stands out" only where every eligible design shares every best
    /// rank. Excluded designs are named, each with why.
    pub fn picks(&self) -> Vec<String> {
        let mut groups: Vec<(Vec<&Design>, Vec<Attribute>)> = Vec::new();
        let mut undecided = Vec::new();
        let mut split = Vec::new();
        // With fewer than two designs to recommend, there is nothing to choose between
        // (the overall answer names the one left).
        let choices = self.excluded.iter().filter(|why| why.is_none()).count();
        for attribute in Attribute::ALL.into_iter().filter(|_| choices > 1) {
            let columns = self.columns_of(attribute);
            if columns.is_empty() {
                continue;
            }
            let per_column: Vec<(Vec<usize>, bool)> =
                columns.iter().map(|&c| self.column_leaders(c)).collect();
            if per_column.iter().all(|(_, all)| *all) {
                undecided.push(attribute.name());
                continue;
            }
            let leaders = self.leaders(attribute);
            if leaders.is_empty() {
                let parts: Vec<String> = columns
                    .iter()
                    .zip(&per_column)
                    .map(|(&c, (designs, _))| {
                        let names: Vec<String> = designs
                            .iter()
                            .map(|&d| format!("**{}**", self.designs[d]))
                            .collect();
                        format!("{} on {}", join_or(&names, "and"), self.columns[c].header)
                    })
                    .collect();
                split.push(format!(
                    "On {}, the lead splits: {}.",
                    attribute.name(),
                    parts.join("; ")
                ));
                continue;
            }
            match groups.iter_mut().find(|(l, _)| *l == leaders) {
                Some((_, attributes)) => attributes.push(attribute),
                None => groups.push((leaders, vec![attribute])),
            }
        }
        let losses_at = self
            .columns
            .iter()
            .position(|c| c.attribute == Attribute::ErrorHandling);
        let mut lines: Vec<String> = groups
            .iter()
            .map(|(leaders, attributes)| {
                let names: Vec<String> = leaders.iter().map(|d| format!("**{d}**")).collect();
                let what: Vec<String> = attributes.iter().map(|a| a.name().to_string()).collect();
                let mut line = format!(
                    "Pick {} if {} matter{} most",
                    join_or(&names, "or"),
                    join_or(&what, "and"),
                    if what.len() == 1 { "s" } else { "" }
                );
                // A pick that loses workflows (under the limit) another design keeps says so.
                let caveats: Vec<String> = leaders
                    .iter()
                    .filter_map(|design| {
                        let row = self.designs.iter().position(|d| d == *design)?;
                        self.behind(row, losses_at?)
                            .then(|| format!("{design} {}", self.losses[row]))
                    })
                    .collect();
                match caveats.as_slice() {
                    [] => {}
                    [one] => line.push_str(&format!(" (but {one})")),
                    _ => {
                        line.push_str(" (but they lose workflows others keep: see error handling)")
                    }
                }
                line.push('.');
                line
            })
            .collect();
        lines.extend(split);
        if !undecided.is_empty() {
            let names: Vec<String> = undecided.iter().map(|s| s.to_string()).collect();
            lines.push(format!(
                "No design stands out on {}: the differences are within the noise or under 1 %.",
                join_or(&names, "or")
            ));
        }
        for (design, why) in self.designs.iter().zip(&self.excluded) {
            if let Some(why) = why {
                lines.push(format!("Not recommended: **{design}**: {why}."));
            }
        }
        lines
    }

    /// The overall answer: the eligible designs that no other eligible design dominates
    /// over every ranked column, each with the attributes it gives up (where another
    /// eligible design ranks distinguishably better). Empty when no design is eligible.
    pub fn overall(&self, results: &ScenarioResults) -> Vec<String> {
        let eligible = self.eligible();
        if !eligible.contains(&true) {
            return vec![
                "**Overall**: no design can be recommended: every one collapsed, saturated or \
                 lost more than 1 % of its workflows (see above)."
                    .to_string(),
            ];
        }
        let columns: Vec<usize> = (0..self.columns.len())
            .filter(|&c| self.ranked[c])
            .collect();
        let standing = |a: usize, b: usize, objective: usize| {
            let column = columns[objective];
            let measure = self.columns[column].measure;
            match (self.cells[a][column].value, self.cells[b][column].value) {
                (Some(x), Some(y)) => Standing::of(
                    order_of(x, y, measure.better()),
                    compare(results, measure, &self.designs[a], &self.designs[b])
                        .is_some_and(|c| c.distinguishable()),
                ),
                // A figure one design lacks (no fault touched it, no status owner) says
                // nothing for or against either.
                _ => Standing::of(Order::Same, false),
            }
        };
        let front = pareto_front(&eligible, columns.len(), standing);
        let on_front: Vec<usize> = (0..self.designs.len()).filter(|&d| front[d]).collect();
        // The front reads the figures themselves, so a design stays on it by a lead within
        // the noise (a bound 0.0005 % higher). One that another front member beats
        // distinguishably somewhere, and trails nowhere beyond the noise, is beaten for
        // the reader: it is left out, unless that would leave no one (the relation by
        // noise is not transitive).
        let beaten_outright = |a: usize, b: usize| {
            let standings: Vec<Standing> = (0..columns.len()).map(|o| standing(a, b, o)).collect();
            standings.iter().all(|s| s.significant != Order::Worse)
                && standings.iter().any(|s| s.significant == Order::Better)
        };
        let kept: Vec<usize> = on_front
            .iter()
            .copied()
            .filter(|&b| !on_front.iter().any(|&a| a != b && beaten_outright(a, b)))
            .collect();
        let members = if kept.is_empty() { on_front } else { kept };
        let names: Vec<String> = members
            .iter()
            .map(|&d| format!("**{}**", self.designs[d]))
            .collect();
        let mut lines = vec![format!(
            "**Overall**: {} {} beaten on every attribute by another design that may be \
             recommended{}.",
            join_or(&names, "and"),
            if members.len() == 1 {
                "is not"
            } else {
                "are not"
            },
            if members.len() == 1 {
                ""
            } else {
                "; choose among them by what each gives up"
            }
        )];
        for &d in &members {
            let gives_up: Vec<String> = Attribute::ALL
                .iter()
                .filter_map(|&attribute| {
                    let better: Vec<String> = self
                        .columns_of(attribute)
                        .iter()
                        .flat_map(|&c| {
                            if self.behind(d, c) {
                                self.leaders_by_column[c].clone()
                            } else {
                                Vec::new()
                            }
                        })
                        .map(|l| self.designs[l].label.clone())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    (!better.is_empty())
                        .then(|| format!("{} (to {})", attribute.name(), join_or(&better, "and")))
                })
                .collect();
            lines.push(if gives_up.is_empty() {
                format!(
                    "**{}** gives up nothing: it leads or ties on every attribute.",
                    self.designs[d]
                )
            } else {
                format!("**{}** gives up {}.", self.designs[d], gives_up.join(", "))
            });
        }
        lines
    }
}

/// "a", "a or b", "a, b or c".
pub(super) fn join_or(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}
