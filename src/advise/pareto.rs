//! The Pareto front of the feasible candidates. One candidate dominates another when it
//! is at least as good on every objective (its figure is not worse) and distinguishably
//! better on one, in the sense of `report::significance`: the 95 % interval of the
//! difference excludes zero and the difference is at least 1 %. "At least as good" reads
//! the figures themselves, not their noise, so that dominance is a strict partial order:
//! it cannot go round in a cycle, and the front of a non-empty set is never empty.

use crate::coordination::Design;
use crate::report::{Better, Column, Measure, Order, Standing, compare, order_of, outcome_text};
use crate::runner::ScenarioResults;

use super::Candidate;

/// One axis of the front.
#[derive(Debug, Clone, Copy)]
pub struct Objective {
    /// Its column name in `advice.csv`.
    pub name: &'static str,
    /// What it stands for, in the report's words.
    pub quality: &'static str,
    /// What it reads (`None`: the capacity at the SLO, from the capacity search).
    pub measure: Option<Measure>,
    /// Which way is better.
    pub better: Better,
    /// Its heading in tables.
    pub heading: &'static str,
    /// A value as tables show it.
    pub shown: fn(f64) -> String,
}

fn one_decimal(value: f64) -> String {
    format!("{value:.1}")
}

fn two_decimals(value: f64) -> String {
    format!("{value:.2}")
}

fn kib(value: f64) -> String {
    format!("{:.1}", value / 1024.0)
}

fn whole(value: f64) -> String {
    format!("{value:.0}")
}

fn percent(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

/// Positions in `OBJECTIVES` of the two the chart plots.
pub const P99: usize = 0;
/// Messages per workflow's position in `OBJECTIVES`.
pub const MESSAGES: usize = 1;

/// The objectives, in report order: responsiveness, cost, losses under faults, state
/// management, and (with `--capacity`) throughput at the SLO.
pub const OBJECTIVES: [Objective; 7] = [
    Objective {
        name: "outcome_latency_p99_ms",
        quality: "responsiveness (p99 over every workflow)",
        measure: Some(Measure::Column(Column::OutcomeLatencyP99Ms)),
        better: Better::Lower,
        heading: "p99 ms, every wf",
        shown: outcome_text,
    },
    Objective {
        name: "messages_per_workflow",
        quality: "messages per workflow",
        measure: Some(Measure::Column(Column::MessagesPerWorkflow)),
        better: Better::Lower,
        heading: "msgs/wf",
        shown: two_decimals,
    },
    Objective {
        name: "bytes_per_workflow",
        quality: "bytes per workflow",
        measure: Some(Measure::Column(Column::BytesPerWorkflow)),
        better: Better::Lower,
        heading: "KiB/wf",
        shown: kib,
    },
    Objective {
        name: "failed_or_stuck",
        quality: "workflows failed or stuck",
        measure: Some(Measure::FailedOrStuck),
        better: Better::Lower,
        heading: "failed+stuck wf",
        shown: whole,
    },
    Objective {
        name: "inconsistent",
        quality: "inconsistent workflows",
        measure: Some(Measure::Column(Column::Inconsistent)),
        better: Better::Lower,
        heading: "inconsistent wf",
        shown: whole,
    },
    Objective {
        name: "status_answered_ratio",
        quality: "status queries answered",
        measure: Some(Measure::Column(Column::StatusAnsweredRatio)),
        better: Better::Higher,
        heading: "status answered",
        shown: percent,
    },
    Objective {
        name: "capacity_per_s",
        quality: "throughput at the SLO",
        measure: None,
        better: Better::Higher,
        heading: "capacity /s",
        shown: one_decimal,
    },
];

/// Which `eligible` candidates no other eligible candidate dominates, over `OBJECTIVES`
/// (see `report::pareto_front`).
pub fn pareto_front(
    eligible: &[bool],
    standing: impl Fn(usize, usize, usize) -> Standing,
) -> Vec<bool> {
    crate::report::pareto_front(eligible, OBJECTIVES.len(), standing)
}

/// How candidate `a` stands against `b` on objective `objective`: from the runs for
/// the measured objectives (`report::compare`), from the capacity brackets for throughput
/// at the SLO (distinguishably better when `a`'s bracket lies wholly above `b`'s). A
/// missing figure (no completed workflow for a latency) is worse than any.
pub fn compare_candidates(
    results: &ScenarioResults,
    candidates: &[Candidate],
    a: usize,
    b: usize,
    objective: usize,
) -> Standing {
    let objective = OBJECTIVES[objective];
    let Some(measure) = objective.measure else {
        let bracket = |c: &Candidate| {
            let found = c.capacity.as_ref()?;
            Some((
                found.max_arrivals_per_s?,
                found.bracket_high_per_s.unwrap_or(f64::INFINITY),
            ))
        };
        return match (bracket(&candidates[a]), bracket(&candidates[b])) {
            (Some((low_a, high_a)), Some((low_b, high_b))) => Standing::of(
                order_of(low_a, low_b, Better::Higher),
                low_a > high_b || low_b > high_a,
            ),
            (Some(_), None) => Standing::of(Order::Better, true),
            (None, Some(_)) => Standing::of(Order::Worse, true),
            (None, None) => Standing::of(Order::Same, false),
        };
    };
    let value = |design: &Design| {
        let values: Option<Vec<f64>> = results
            .runs
            .iter()
            .filter(|run| run.design == *design)
            .map(|run| measure.value(run))
            .collect();
        measure.aggregate(&values?)
    };
    let (design_a, design_b) = (&results.designs[a], &results.designs[b]);
    match (value(design_a), value(design_b)) {
        (Some(value_a), Some(value_b)) => {
            let distinguishable =
                compare(results, measure, design_a, design_b).is_some_and(|c| c.distinguishable());
            Standing::of(
                order_of(value_a, value_b, objective.better),
                distinguishable,
            )
        }
        (Some(_), None) => Standing::of(Order::Better, true),
        (None, Some(_)) => Standing::of(Order::Worse, true),
        (None, None) => Standing::of(Order::Same, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Candidates as objective vectors (lower is better on each), compared exactly:
    /// what the front does with the significance tests taken out.
    fn front_of(values: &[[f64; 7]], eligible: &[bool]) -> Vec<bool> {
        pareto_front(eligible, |a, b, o| {
            Standing::of(order_of(values[a][o], values[b][o], Better::Lower), true)
        })
    }

    #[test]
    fn noise_cannot_make_dominance_go_round_in_a_cycle() {
        // Three objectives (the others equal); differences of 0.6 are within the noise,
        // of 1.2 beyond it. Judged by the noise alone ("not distinguishably worse"), the
        // first would dominate the second, the second the third and the third the first,
        // leaving the front empty; judged by the figures, no one dominates anyone.
        let values = [
            [0.0, 1.2, 0.6, 0.0, 0.0, 0.0, 0.0],
            [0.6, 0.0, 1.2, 0.0, 0.0, 0.0, 0.0],
            [1.2, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0],
        ];
        let front = pareto_front(&[true; 3], |a, b, o| {
            let (x, y) = (values[a][o], values[b][o]);
            Standing::of(order_of(x, y, Better::Lower), (x - y).abs() > 1.0)
        });
        assert_eq!(front, [true, true, true]);
    }

    #[test]
    fn a_candidate_worse_on_every_objective_is_never_on_the_front() {
        let values = [
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            [0.5, 9.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        ];
        assert_eq!(front_of(&values, &[true; 3]), [true, false, true]);
        // Ineligible candidates neither join the front nor push others off it.
        assert_eq!(front_of(&values, &[false, true, true]), [false, true, true]);
    }

    #[test]
    fn equal_on_all_but_one_is_dominated_and_equal_on_all_is_not() {
        let values = [[1.0; 7], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0], [1.0; 7]];
        assert_eq!(front_of(&values, &[true; 3]), [true, false, true]);
    }

    #[test]
    fn a_front_of_trade_offs_keeps_every_member() {
        let values = [
            [1.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [3.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ];
        assert_eq!(front_of(&values, &[true; 4]), [true, true, true, false]);
    }
}
