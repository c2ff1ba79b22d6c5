//! What the advice says in words: which SLOs rule which candidates out, what each front
//! member trades against the others, the nearest misses, and the recommendation.

use crate::model::Consistency;
use crate::report::{Column, mean};

use super::{Advice, Candidate, Feasibility, OBJECTIVES, Order, compare_candidates};

/// A candidate's value on objective `objective` (over replications as `Measure::aggregate`
/// has it; the lower end of the capacity bracket).
pub(super) fn objective_value(
    advice: &Advice,
    candidate: &Candidate,
    objective: usize,
) -> Option<f64> {
    match OBJECTIVES[objective].measure {
        None => candidate.capacity.as_ref()?.max_arrivals_per_s,
        Some(measure) => {
            let values: Option<Vec<f64>> = advice
                .runs_of(candidate)
                .map(|run| measure.value(run))
                .collect();
            measure.aggregate(&values?)
        }
    }
}

/// The objectives this advice has figures for (throughput at the SLO only with
/// `--capacity`; status only when the scenario polls).
pub(super) fn objectives_in(advice: &Advice) -> Vec<usize> {
    (0..OBJECTIVES.len())
        .filter(|&o| {
            advice
                .candidates
                .iter()
                .any(|c| objective_value(advice, c, o).is_some())
        })
        .collect()
}

/// The SLO bounds a candidate breaks or straddles, described, joined by `; `. A candidate
/// whose run was stopped says so first, and its bounds without a value are left out: they
/// have none because the run was stopped.
pub(super) fn violated(candidate: &Candidate) -> String {
    let why_not = candidate
        .excluded
        .iter()
        .map(|why| format!("not recommendable: {why}"));
    let bounds = candidate
        .checks
        .iter()
        .filter(|c| c.verdict != Feasibility::Yes && !(candidate.truncated && c.value.is_none()))
        .map(|c| c.describe());
    if candidate.truncated {
        why_not.chain(bounds).collect::<Vec<_>>().join("; ")
    } else {
        bounds.chain(why_not).collect::<Vec<_>>().join("; ")
    }
}

/// What one front member leads on and gives up, against the rest of the front.
pub(super) struct Trade {
    pub candidate: usize,
    /// Objectives on which no front member is distinguishably better, and it is
    /// distinguishably better than at least one.
    pub leads: Vec<usize>,
    /// Objectives on which another front member is distinguishably better, with one such.
    pub gives_up: Vec<(usize, usize)>,
}

pub(super) fn trades(advice: &Advice, objectives: &[usize]) -> Vec<Trade> {
    let front: Vec<usize> = (0..advice.candidates.len())
        .filter(|&i| advice.candidates[i].pareto)
        .collect();
    let beats = |a, b, o| {
        compare_candidates(&advice.results, &advice.candidates, a, b, o).significant
            == Order::Better
    };
    front
        .iter()
        .map(|&member| {
            let others: Vec<usize> = front.iter().copied().filter(|&o| o != member).collect();
            let leads = objectives
                .iter()
                .copied()
                .filter(|&o| {
                    !others.iter().any(|&other| beats(other, member, o))
                        && others.iter().any(|&other| beats(member, other, o))
                })
                .collect();
            let gives_up = objectives
                .iter()
                .filter_map(|&o| {
                    let better = others.iter().find(|&&other| beats(other, member, o))?;
                    Some((o, *better))
                })
                .collect();
            Trade {
                candidate: member,
                leads,
                gives_up,
            }
        })
        .collect()
}

/// "a, b and c".
pub(super) fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub(super) fn qualities(objectives: &[usize]) -> String {
    let names: Vec<String> = objectives
        .iter()
        .map(|&o| OBJECTIVES[o].quality.to_string())
        .collect();
    listed(&names)
}

/// The candidates closest to meeting every SLO: fewest bounds broken, then the smallest
/// relative gaps.
pub(super) fn nearest_misses(advice: &Advice, count: usize) -> Vec<&Candidate> {
    let mut missed: Vec<(usize, f64, usize)> = advice
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.feasibility != Feasibility::Yes)
        .map(|(index, c)| {
            let broken = c
                .checks
                .iter()
                .filter(|b| b.verdict == Feasibility::No)
                .count();
            let gap: f64 = c.checks.iter().map(|b| b.relative_gap()).sum();
            (broken, gap, index)
        })
        .collect();
    missed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    missed
        .into_iter()
        .take(count)
        .map(|(_, _, index)| &advice.candidates[index])
        .collect()
}

/// One SLO bound's reach: the candidates it rules out, and those only it rules out.
pub(super) struct RuledOut<'a> {
    pub bound: String,
    pub all: Vec<&'a Candidate>,
    pub alone: Vec<&'a Candidate>,
}

pub(super) fn ruled_out(advice: &Advice) -> Vec<RuledOut<'_>> {
    advice
        .slo
        .bounds
        .iter()
        .enumerate()
        .map(|(index, bound)| {
            let all: Vec<&Candidate> = advice
                .candidates
                .iter()
                .filter(|c| c.checks[index].verdict == Feasibility::No)
                .collect();
            let alone =
                all.iter()
                    .copied()
                    .filter(|c| {
                        c.checks.iter().enumerate().all(|(other, check)| {
                            other == index || check.verdict != Feasibility::No
                        })
                    })
                    .collect();
            RuledOut {
                bound: bound.text.clone(),
                all,
                alone,
            }
        })
        .collect()
}

/// The tightest slack of a bound among the front: how close the front comes to it.
pub(super) fn tightest_slack(advice: &Advice, bound: usize) -> Option<(f64, &Candidate)> {
    advice
        .candidates
        .iter()
        .filter(|c| c.pareto)
        .filter_map(|c| {
            let check = &c.checks[bound];
            let value = check.value?;
            let scale = check.bound.bound.abs();
            (scale > 0.0).then(|| ((value - check.bound.bound).abs() / scale, c))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// Which SLOs decide the answer, in one sentence.
fn deciding(advice: &Advice) -> String {
    let reach: Vec<String> = ruled_out(advice)
        .iter()
        .map(|r| match r.all.len() {
            0 => format!("`{}` rules out none", r.bound),
            n => format!(
                "`{}` rules out {n} ({} by it alone)",
                r.bound,
                r.alone.len()
            ),
        })
        .collect();
    format!("What decides it: {}.", listed(&reach))
}

/// For an eventual design, when its workflows are consistent: its latency is the answer
/// after the first step, not the end of the saga.
fn consistency_note(advice: &Advice, candidate: &Candidate) -> Option<String> {
    if candidate.design.consistency != Consistency::Eventual {
        return None;
    }
    let values: Option<Vec<f64>> = advice
        .runs_of(candidate)
        .map(|run| run.result.summary.time_to_consistency_p99_ms)
        .collect();
    let p99 = mean(&values?)?;
    Some(format!(
        "{} answers the client after the first step (eventual consistency); its workflows are consistent {p99:.0} ms after they start, at the 99th percentile ({}).",
        candidate.label,
        Column::TimeToConsistencyP99Ms.name()
    ))
}

/// The recommendation, as lines of Markdown (bold names). `most` bounds the front
/// members described (the terminal's one screen); the rest are counted.
pub(super) fn recommendation(advice: &Advice, objectives: &[usize], most: usize) -> Vec<String> {
    let feasible = advice.feasible().count();
    let mut lines = Vec::new();
    if feasible == 0 {
        lines.push("No candidate meets every SLO. The nearest misses:".to_string());
        lines.extend(
            nearest_misses(advice, 3)
                .iter()
                .map(|c| format!("- {}: {}", c.label, violated(c))),
        );
        lines.push(deciding(advice));
        return lines;
    }
    let trades = trades(advice, objectives);
    let name = |i: usize| advice.candidates[i].label.clone();
    if let [only] = trades.as_slice() {
        lines.push(format!(
            "Use **{}**: it meets every SLO, and it is the only feasible candidate that no other dominates on {}.",
            name(only.candidate),
            qualities(objectives)
        ));
    } else {
        lines.push(format!(
            "{feasible} candidate{} meet{} every SLO; {} of them are on the Pareto front, where none dominates another. Choose by what matters most:",
            plural(feasible),
            if feasible == 1 { "s" } else { "" },
            trades.len()
        ));
        for trade in trades.iter().take(most) {
            let leads = if trade.leads.is_empty() {
                "not distinguishably best at any one objective, and dominated by none".to_string()
            } else {
                format!("among the best on {}", qualities(&trade.leads))
            };
            let gives_up: Vec<String> = trade
                .gives_up
                .iter()
                .take(3)
                .map(|&(o, other)| format!("{} (to {})", OBJECTIVES[o].quality, name(other)))
                .collect();
            let more = trade.gives_up.len().saturating_sub(3);
            let mut line = format!("- **{}**: {leads}", name(trade.candidate));
            if !gives_up.is_empty() {
                line.push_str(&format!("; gives up {}", listed(&gives_up)));
                if more > 0 {
                    line.push_str(&format!(" and {more} more"));
                }
            }
            line.push('.');
            lines.push(line);
        }
        if trades.len() > most {
            lines.push(format!(
                "- … and {} more front members: see advice.md.",
                trades.len() - most
            ));
        }
    }
    lines.push(deciding(advice));
    lines.extend(
        trades
            .iter()
            .take(most)
            .filter_map(|t| consistency_note(advice, &advice.candidates[t.candidate])),
    );
    lines
}

/// "s" unless one.
pub(super) fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
