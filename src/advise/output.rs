//! What `advise` writes: `advice.csv` (one row per candidate), `advice.md` (the
//! recommendation, the front, the binding SLOs and the rejected designs) and a terminal
//! summary that fits one screen. Text in, text out; the chart is drawn by `report`.

use std::fmt::Write as _;

#[cfg(test)]
use crate::report::Better;
use crate::report::{AdvicePoint, Cell, Table, to_csv};

use super::{Advice, Candidate, Feasibility, OBJECTIVES, Order, compare_candidates, coordinates};

/// The columns of `advice.csv` before the varied keys.
pub const ADVICE_COLUMNS: [&str; 4] = ["design", "coordination", "communication", "consistency"];

/// A candidate's value on objective `objective` (mean over replications; the lower end
/// of the capacity bracket).
fn objective_value(advice: &Advice, candidate: &Candidate, objective: usize) -> Option<f64> {
    match OBJECTIVES[objective].measure {
        None => candidate.capacity.as_ref()?.max_arrivals_per_s,
        Some(measure) => {
            let values: Option<Vec<f64>> = advice
                .runs_of(candidate)
                .map(|run| measure.value(run))
                .collect();
            crate::report::mean(&values?)
        }
    }
}

/// The objectives this advice has figures for (throughput at the SLO only with
/// `--capacity`; status only when the scenario polls).
fn objectives_in(advice: &Advice) -> Vec<usize> {
    (0..OBJECTIVES.len())
        .filter(|&o| {
            advice
                .candidates
                .iter()
                .any(|c| objective_value(advice, c, o).is_some())
        })
        .collect()
}

/// The SLO bounds a candidate breaks or straddles, described, joined by `; `.
fn violated(candidate: &Candidate) -> String {
    candidate
        .checks
        .iter()
        .filter(|c| c.verdict != Feasibility::Yes)
        .map(|c| c.describe())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `advice.csv`: design, its coordinates, the varied keys, feasible, violated, pareto,
/// then the objectives (counts of measured workflows for failed_or_stuck and
/// inconsistent; with `--capacity`, the capacity bracket).
pub fn advice_csv(advice: &Advice) -> String {
    let mut columns: Vec<&str> = ADVICE_COLUMNS.to_vec();
    columns.extend(advice.varied_keys.iter().map(String::as_str));
    columns.extend(["feasible", "violated", "pareto"]);
    columns.extend(OBJECTIVES.iter().map(|o| o.name));
    columns.push("capacity_bracket_high_per_s");
    let rows: Vec<Vec<Cell>> = advice
        .candidates
        .iter()
        .map(|candidate| {
            let mut row = vec![Cell::Text(candidate.design.label.clone())];
            row.extend(coordinates(&candidate.design).map(|t| Cell::Text(t.to_string())));
            row.extend(candidate.values.iter().map(|v| Cell::Text(v.clone())));
            row.push(Cell::Text(candidate.feasibility.name().to_string()));
            row.push(Cell::Text(violated(candidate)));
            row.push(Cell::Text(yes_no(candidate.pareto).to_string()));
            row.extend(
                (0..OBJECTIVES.len()).map(|o| Cell::Number(objective_value(advice, candidate, o))),
            );
            row.push(Cell::Number(
                candidate
                    .capacity
                    .as_ref()
                    .and_then(|c| c.bracket_high_per_s),
            ));
            row
        })
        .collect();
    to_csv(&columns, &rows)
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// The chart's points: p99 against messages per workflow, by verdict.
pub fn chart_points(advice: &Advice) -> Vec<AdvicePoint> {
    advice
        .candidates
        .iter()
        .filter_map(|candidate| {
            Some(AdvicePoint {
                label: candidate.label.clone(),
                messages_per_workflow: objective_value(advice, candidate, 1)?,
                latency_p99_ms: objective_value(advice, candidate, 0)?,
                verdict: candidate.feasibility as usize,
                pareto: candidate.pareto,
            })
        })
        .collect()
}

/// A value as the tables show it.
fn shown(objective: usize, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "–".to_string();
    };
    match OBJECTIVES[objective].name {
        "status_answered_ratio" => format!("{:.0} %", value * 100.0),
        "bytes_per_workflow" => format!("{:.1}", value / 1024.0),
        "latency_p99_ms" | "capacity_per_s" => format!("{value:.1}"),
        "messages_per_workflow" => format!("{value:.2}"),
        _ => format!("{value:.0}"),
    }
}

/// Table headings of the objectives.
fn heading(objective: usize) -> &'static str {
    match OBJECTIVES[objective].name {
        "latency_p99_ms" => "p99 ms",
        "messages_per_workflow" => "msgs/wf",
        "bytes_per_workflow" => "KiB/wf",
        "failed_or_stuck" => "failed+stuck",
        "inconsistent" => "inconsistent",
        "status_answered_ratio" => "status",
        _ => "capacity /s",
    }
}

/// What each front member leads on and gives up, against the rest of the front.
struct Trade {
    candidate: usize,
    leads: Vec<usize>,
    gives_up: Vec<(usize, usize)>,
}

fn trades(advice: &Advice, objectives: &[usize]) -> Vec<Trade> {
    let front: Vec<usize> = (0..advice.candidates.len())
        .filter(|&i| advice.candidates[i].pareto)
        .collect();
    let order = |a, b, o| compare_candidates(&advice.results, &advice.candidates, a, b, o);
    front
        .iter()
        .map(|&member| {
            let others = front.iter().copied().filter(|&o| o != member);
            let leads = objectives
                .iter()
                .copied()
                .filter(|&o| {
                    let others: Vec<usize> = others.clone().collect();
                    !others
                        .iter()
                        .any(|&other| order(other, member, o) == Order::Better)
                        && others
                            .iter()
                            .any(|&other| order(member, other, o) == Order::Better)
                })
                .collect();
            let gives_up = objectives
                .iter()
                .copied()
                .filter_map(|o| {
                    others
                        .clone()
                        .find(|&other| order(other, member, o) == Order::Better)
                        .map(|other| (o, other))
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

fn qualities(objectives: &[usize]) -> String {
    let names: Vec<&str> = objectives.iter().map(|&o| OBJECTIVES[o].quality).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The recommendation, in sentences.
fn recommendation(advice: &Advice, objectives: &[usize]) -> Vec<String> {
    let feasible = advice.feasible().count();
    if feasible == 0 {
        let mut lines = vec!["No candidate meets every SLO. The nearest misses:".to_string()];
        lines.extend(
            nearest_misses(advice, 3)
                .iter()
                .map(|c| format!("- {}: {}", c.label, violated(c))),
        );
        return lines;
    }
    let trades = trades(advice, objectives);
    let name = |i: usize| advice.candidates[i].label.clone();
    if let [only] = trades.as_slice() {
        return vec![format!(
            "Use **{}**: it meets every SLO, and it alone is on the Pareto front: each other feasible candidate is dominated (another is at least as good on {} and distinguishably better on one).",
            name(only.candidate),
            qualities(objectives)
        )];
    }
    let mut lines = vec![format!(
        "{} candidates meet every SLO; {} of them are on the Pareto front, each better than the others at something. Choose by what matters most:",
        feasible,
        trades.len()
    )];
    for trade in &trades {
        let leads = if trade.leads.is_empty() {
            "a balance: best at nothing alone, dominated by none".to_string()
        } else {
            format!("best {}", qualities(&trade.leads))
        };
        let gives_up: Vec<String> = trade
            .gives_up
            .iter()
            .map(|&(o, other)| format!("{} (vs {})", OBJECTIVES[o].quality, name(other)))
            .collect();
        let mut line = format!("- **{}**: {leads}", name(trade.candidate));
        if !gives_up.is_empty() {
            let _ = write!(line, "; gives up {}", gives_up.join(", "));
        }
        line.push('.');
        lines.push(line);
    }
    lines
}

/// The candidates closest to meeting every SLO: fewest bounds broken, then the smallest
/// relative gaps.
fn nearest_misses(advice: &Advice, count: usize) -> Vec<&Candidate> {
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

/// Per SLO bound: the candidates it rules out, and those only it rules out.
fn ruled_out(advice: &Advice) -> Vec<(String, Vec<&Candidate>, Vec<&Candidate>)> {
    advice
        .slo
        .bounds
        .iter()
        .enumerate()
        .map(|(index, bound)| {
            let out: Vec<&Candidate> = advice
                .candidates
                .iter()
                .filter(|c| c.checks[index].verdict == Feasibility::No)
                .collect();
            let only: Vec<&Candidate> =
                out.iter()
                    .copied()
                    .filter(|c| {
                        c.checks.iter().enumerate().all(|(other, check)| {
                            other == index || check.verdict != Feasibility::No
                        })
                    })
                    .collect();
            (bound.text.clone(), out, only)
        })
        .collect()
}

/// The tightest slack of a bound among the front: how close the front comes to it.
fn tightest_slack(advice: &Advice, bound: usize) -> Option<(f64, &Candidate)> {
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

fn labels(candidates: &[&Candidate]) -> String {
    let names: Vec<&str> = candidates.iter().map(|c| c.label.as_str()).collect();
    names.join(", ")
}

fn counts(advice: &Advice) -> (usize, usize, usize) {
    let of = |f| {
        advice
            .candidates
            .iter()
            .filter(|c| c.feasibility == f)
            .count()
    };
    (
        of(Feasibility::Yes),
        of(Feasibility::Marginal),
        of(Feasibility::No),
    )
}

/// The objectives table of `candidates`.
fn objective_table(advice: &Advice, rows: &[&Candidate], objectives: &[usize]) -> Table {
    let mut columns = vec!["candidate".to_string(), "feasible".into(), "pareto".into()];
    columns.extend(objectives.iter().map(|&o| heading(o).to_string()));
    Table {
        columns,
        rows: rows
            .iter()
            .map(|c| {
                let mut row = vec![
                    c.label.clone(),
                    c.feasibility.name().to_string(),
                    yes_no(c.pareto).to_string(),
                ];
                row.extend(
                    objectives
                        .iter()
                        .map(|&o| shown(o, objective_value(advice, c, o))),
                );
                row
            })
            .collect(),
    }
}

/// The front first, then the other feasible candidates, then the marginal ones.
fn ordered(advice: &Advice) -> Vec<&Candidate> {
    let mut rows: Vec<&Candidate> = advice.candidates.iter().filter(|c| c.pareto).collect();
    rows.extend(
        advice
            .candidates
            .iter()
            .filter(|c| !c.pareto && c.feasibility == Feasibility::Yes),
    );
    rows.extend(
        advice
            .candidates
            .iter()
            .filter(|c| c.feasibility == Feasibility::Marginal),
    );
    rows
}

/// The terminal summary: counts, the feasible and marginal candidates (front first, at
/// most 12), the rejections by SLO, and the recommendation.
pub fn advice_terminal(advice: &Advice) -> String {
    let objectives = objectives_in(advice);
    let (yes, marginal, no) = counts(advice);
    let mut out = format!(
        "advice for {}: {} candidates against {}\nfeasible {yes} · marginal {marginal} · rejected {no}\n",
        advice.scenario,
        advice.candidates.len(),
        advice.slo.text
    );
    let rows = ordered(advice);
    if !rows.is_empty() {
        let shown_rows: Vec<&Candidate> = rows.iter().copied().take(12).collect();
        out.push_str(&objective_table(advice, &shown_rows, &objectives).to_text());
        if rows.len() > shown_rows.len() {
            let _ = writeln!(
                out,
                "… and {} more in advice.csv",
                rows.len() - shown_rows.len()
            );
        }
    }
    for (bound, out_by, only) in ruled_out(advice) {
        if !out_by.is_empty() {
            let _ = writeln!(
                out,
                "ruled out by {bound}: {} ({} by it alone)",
                out_by.len(),
                only.len()
            );
        }
    }
    for line in recommendation(advice, &objectives) {
        out.push_str(&line.replace("**", ""));
        out.push('\n');
    }
    out
}

/// `advice.md`: the question, the recommendation, the front and its chart, which SLOs
/// bind, the rejected designs grouped by the SLO that rules them out, the marginal ones,
/// every candidate, and how it was decided.
pub fn advice_markdown(advice: &Advice, command: &str, chart: Option<&str>) -> String {
    let objectives = objectives_in(advice);
    let (yes, marginal, no) = counts(advice);
    let mut out = format!("# Which design? {}\n\n", advice.scenario);
    let _ = writeln!(
        out,
        "SLO: `{}`, checked on the whole scenario, faults included. {} candidates{}; seed {}, {} replication{} each, all on the same random numbers. **{yes} feasible, {marginal} marginal, {no} rejected.**\n",
        advice.slo.text,
        advice.candidates.len(),
        if advice.varied_keys.is_empty() {
            String::new()
        } else {
            format!(" (designs × `{}`)", advice.varied_keys.join("` × `"))
        },
        advice.seed,
        advice.replications,
        if advice.replications == 1 { "" } else { "s" },
    );
    out.push_str("## Recommendation\n\n");
    for line in recommendation(advice, &objectives) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    if let Some(chart) = chart {
        let _ = writeln!(
            out,
            "![p99 against messages per workflow: the front, the other feasible, marginal and rejected candidates]({chart})\n"
        );
    }
    let rows = ordered(advice);
    if !rows.is_empty() {
        out.push_str("## Feasible and marginal candidates\n\n");
        out.push_str(&objective_table(advice, &rows, &objectives).to_markdown());
        out.push('\n');
    }
    out.push_str("## Which SLOs bind\n\n");
    let mut table = Table {
        columns: vec![
            "SLO".into(),
            "rules out".into(),
            "rules out alone".into(),
            "front's smallest slack".into(),
        ],
        rows: Vec::new(),
    };
    for (index, (bound, out_by, only)) in ruled_out(advice).into_iter().enumerate() {
        let slack = tightest_slack(advice, index).map_or("–".to_string(), |(slack, c)| {
            format!("{:.0} % of the bound ({})", slack * 100.0, c.label)
        });
        table.rows.push(vec![
            format!("`{bound}`"),
            out_by.len().to_string(),
            only.len().to_string(),
            slack,
        ]);
    }
    out.push_str(&table.to_markdown());
    out.push_str("\n## Rejected, by the SLO that rules them out\n\n");
    for (bound, out_by, only) in ruled_out(advice) {
        if out_by.is_empty() {
            continue;
        }
        let _ = writeln!(out, "- `{bound}` ({}): {}", out_by.len(), labels(&out_by));
        if !only.is_empty() {
            let _ = writeln!(out, "  - by this SLO alone: {}", labels(&only));
        }
    }
    if no == 0 {
        out.push_str("None.\n");
    }
    if marginal > 0 {
        out.push_str("\n## Marginal: the noise cannot tell\n\n");
        for candidate in advice
            .candidates
            .iter()
            .filter(|c| c.feasibility == Feasibility::Marginal)
        {
            let _ = writeln!(out, "- {}: {}", candidate.label, violated(candidate));
        }
        out.push_str(
            "\nRun more replications (`--replications 5`) or a longer scenario to decide them.\n",
        );
    }
    out.push_str("\n## How this was decided\n\n");
    out.push_str(METHOD);
    let _ = writeln!(out, "\nReproduce:\n\n```\n{command}\n```");
    out
}

const METHOD: &str = "- A candidate is **feasible** when every SLO bound holds beyond the noise, **marginal** when a bound lies inside the 95 % interval of its value, and **rejected** when a bound is broken beyond the noise (or its figure does not exist, such as a latency without a completed workflow). Intervals: across replications when there are several; inside one run, batch means for throughput and the mean, p50 and p99 latencies, the Poisson noise of the count for shares of workflows, and a 1 % margin for the rest.
- The **Pareto front** is taken among the feasible candidates over responsiveness (p99), messages and bytes per workflow, workflows failed or stuck, inconsistent workflows, status queries answered and, with `--capacity`, throughput at the SLO. One candidate dominates another only when it is at least as good on every objective and distinguishably better on one: the 95 % interval of the difference excludes zero and the difference is at least 1 %.
- Latency bounds read the completed workflows' time to the client's answer (the `latency_*` columns of `summary.csv`); shares of workflows are of those started after the warm-up.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_objectives_point_the_way_their_names_say() {
        assert_eq!(OBJECTIVES[0].better, Better::Lower);
        assert_eq!(OBJECTIVES[5].better, Better::Higher);
        assert_eq!(heading(0), "p99 ms");
        assert_eq!(shown(5, Some(0.994)), "99 %");
        assert_eq!(shown(2, Some(2048.0)), "2.0");
    }
}
