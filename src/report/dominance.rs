//! Dominance between designs, the one rule behind every "overall answer": one design
//! dominates another when it is at least as good on every objective (its figure is not
//! worse) and distinguishably better on one, in the sense of `significance`: the 95 %
//! interval of the difference excludes zero and the difference is at least 1 %. "At least
//! as good" reads the figures themselves, not their noise, so that dominance is a strict
//! partial order: it cannot go round in a cycle, and the front of a non-empty set is never
//! empty. `advise` ranks its candidates with it, the scorecard its designs.

use super::Better;

/// How candidate `a` stands against `b` on one objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Better.
    Better,
    /// The same (or neither has a value).
    Same,
    /// Worse.
    Worse,
}

/// `a` against `b` on one objective: by the figures themselves, and by what the noise
/// lets one say (`Better` only when distinguishably better).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The figures compared as they are.
    pub figures: Order,
    /// Distinguishably better or worse; `Same` when the data cannot tell.
    pub significant: Order,
}

impl Standing {
    /// From the figures' order and whether the data tell the two apart.
    pub fn of(figures: Order, distinguishable: bool) -> Standing {
        Standing {
            figures,
            significant: if distinguishable {
                figures
            } else {
                Order::Same
            },
        }
    }
}

/// Which `eligible` candidates no other eligible candidate dominates. `standing(a, b, o)`
/// says how `a` stands against `b` on objective `o` (of `objectives`).
pub fn pareto_front(
    eligible: &[bool],
    objectives: usize,
    standing: impl Fn(usize, usize, usize) -> Standing,
) -> Vec<bool> {
    let dominates = |a: usize, b: usize| {
        let standings: Vec<Standing> = (0..objectives).map(|o| standing(a, b, o)).collect();
        standings.iter().all(|s| s.figures != Order::Worse)
            && standings.iter().any(|s| s.significant == Order::Better)
    };
    (0..eligible.len())
        .map(|b| {
            eligible[b] && !(0..eligible.len()).any(|a| a != b && eligible[a] && dominates(a, b))
        })
        .collect()
}

/// How `a` orders against `b` when `better` says which way is better.
pub fn order_of(a: f64, b: f64, better: Better) -> Order {
    let a_higher = a > b;
    if a == b {
        Order::Same
    } else if a_higher == (better == Better::Higher) {
        Order::Better
    } else {
        Order::Worse
    }
}
