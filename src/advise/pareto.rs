//! The Pareto front of the feasible candidates. One candidate dominates another when it
//! is at least as good on every objective (better, or not distinguishably worse) and
//! distinguishably better on one, in the sense of `report::significance`: the 95 %
//! interval of the difference excludes zero and the difference is at least 1 %.

use crate::report::{Better, Column, Measure, compare};
use crate::runner::ScenarioResults;

use super::Candidate;

/// One axis of the front.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    /// Its column name in `advice.csv`.
    pub name: &'static str,
    /// What it stands for, in the report's words.
    pub quality: &'static str,
    /// What it reads (`None`: the capacity at the SLO, from the capacity search).
    pub measure: Option<Measure>,
    /// Which way is better.
    pub better: Better,
}

/// The objectives, in report order: responsiveness, cost, losses under faults, state
/// management, and (with `--capacity`) throughput at the SLO.
pub const OBJECTIVES: [Objective; 7] = [
    Objective {
        name: "latency_p99_ms",
        quality: "responsiveness (p99)",
        measure: Some(Measure::Column(Column::LatencyP99Ms)),
        better: Better::Lower,
    },
    Objective {
        name: "messages_per_workflow",
        quality: "messages per workflow",
        measure: Some(Measure::Column(Column::MessagesPerWorkflow)),
        better: Better::Lower,
    },
    Objective {
        name: "bytes_per_workflow",
        quality: "bytes per workflow",
        measure: Some(Measure::Column(Column::BytesPerWorkflow)),
        better: Better::Lower,
    },
    Objective {
        name: "failed_or_stuck",
        quality: "workflows failed or stuck",
        measure: Some(Measure::FailedOrStuck),
        better: Better::Lower,
    },
    Objective {
        name: "inconsistent",
        quality: "inconsistent workflows",
        measure: Some(Measure::Column(Column::Inconsistent)),
        better: Better::Lower,
    },
    Objective {
        name: "status_answered_ratio",
        quality: "status queries answered",
        measure: Some(Measure::Column(Column::StatusAnsweredRatio)),
        better: Better::Higher,
    },
    Objective {
        name: "capacity_per_s",
        quality: "throughput at the SLO",
        measure: None,
        better: Better::Higher,
    },
];

/// How candidate `a` stands against `b` on one objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Distinguishably better.
    Better,
    /// Not distinguishable (or neither has a value).
    Same,
    /// Distinguishably worse.
    Worse,
}

/// Which `eligible` candidates no other eligible candidate dominates. `order(a, b, o)`
/// says how `a` stands against `b` on objective `o` (an index into `OBJECTIVES`).
pub fn pareto_front(eligible: &[bool], order: impl Fn(usize, usize, usize) -> Order) -> Vec<bool> {
    let dominates = |a: usize, b: usize| {
        let orders: Vec<Order> = (0..OBJECTIVES.len()).map(|o| order(a, b, o)).collect();
        !orders.contains(&Order::Worse) && orders.contains(&Order::Better)
    };
    (0..eligible.len())
        .map(|b| {
            eligible[b] && !(0..eligible.len()).any(|a| a != b && eligible[a] && dominates(a, b))
        })
        .collect()
}

/// How candidate `a` stands against `b` on objective `objective`: from the runs for
/// the measured objectives, from the capacity brackets for throughput at the SLO (`a` is
/// better when its lower end is above `b`'s upper end). A missing figure (no completed
/// workflow for a latency) is worse than any.
pub fn compare_candidates(
    results: &ScenarioResults,
    candidates: &[Candidate],
    a: usize,
    b: usize,
    objective: usize,
) -> Order {
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
            (Some((low_a, _)), Some((_, high_b))) if low_a > high_b => Order::Better,
            (Some((_, high_a)), Some((low_b, _))) if low_b > high_a => Order::Worse,
            (Some(_), None) if candidates[b].capacity.is_some() => Order::Better,
            (None, Some(_)) if candidates[a].capacity.is_some() => Order::Worse,
            _ => Order::Same,
        };
    };
    let (design_a, design_b) = (&results.designs[a], &results.designs[b]);
    match compare(results, measure, design_a, design_b) {
        Some(comparison) if comparison.distinguishable() => {
            let a_higher = comparison.difference > 0.0;
            if a_higher == (objective.better == Better::Higher) {
                Order::Better
            } else {
                Order::Worse
            }
        }
        Some(_) => Order::Same,
        None => {
            let has = |design: &crate::coordination::Design| {
                results
                    .runs
                    .iter()
                    .filter(|run| run.design == *design)
                    .all(|run| measure.value(run).is_some())
            };
            match (has(design_a), has(design_b)) {
                (true, false) => Order::Better,
                (false, true) => Order::Worse,
                _ => Order::Same,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Candidates as objective vectors (lower is better on each), compared exactly:
    /// what the front does with the significance tests taken out.
    fn front_of(values: &[[f64; 7]], eligible: &[bool]) -> Vec<bool> {
        pareto_front(eligible, |a, b, o| {
            let (x, y) = (values[a][o], values[b][o]);
            if x < y {
                Order::Better
            } else if x > y {
                Order::Worse
            } else {
                Order::Same
            }
        })
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
