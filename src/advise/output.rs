//! What `advise` writes: `advice.csv` (one row per candidate), `advice.md` (the
//! recommendation, the candidates, the binding SLOs and the rejected designs) and a
//! terminal summary that fits one screen. Text in, text out; the chart is drawn by
//! `report`, from the points made here.

use std::fmt::Write as _;

use crate::report::{
    AdviceBound, AdviceMark, AdvicePoint, AssertedMetric, Cell, Column, Table, outcome_cell, to_csv,
};

use super::findings::{
    listed, objective_value, objectives_in, plural, recommendation, ruled_out, tightest_slack,
    violated,
};
use super::pareto::{MESSAGES, P99};
use super::{Advice, Candidate, Feasibility, OBJECTIVES, coordinates};
use crate::metrics::{FAILED_RANK_MS, OutcomeQuantile};

/// The columns of `advice.csv` before the varied keys.
pub const ADVICE_COLUMNS: [&str; 4] = ["design", "coordination", "communication", "consistency"];

/// Front members the terminal describes (the rest are in `advice.md`).
const TERMINAL_FRONT: usize = 6;
/// Candidates the terminal's table lists.
const TERMINAL_ROWS: usize = 12;

/// `advice.csv`: design, its coordinates, the varied keys, feasible, violated, pareto,
/// truncated (a run stopped by overload), then the objectives (counts of measured workflows for failed_or_stuck and
/// inconsistent; with `--capacity`, the capacity bracket).
pub fn advice_csv(advice: &Advice) -> String {
    let mut columns: Vec<&str> = ADVICE_COLUMNS.to_vec();
    columns.extend(advice.varied_keys.iter().map(String::as_str));
    columns.extend(["feasible", "violated", "pareto", "truncated"]);
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
            row.push(Cell::Text(yes_no(candidate.truncated).to_string()));
            row.extend((0..OBJECTIVES.len()).map(|o| {
                // A latency among failures is written as what it is, never as its rank value.
                match objective_value(advice, candidate, o) {
                    Some(value) if value >= FAILED_RANK_MS && o == P99 => {
                        outcome_cell(Some(OutcomeQuantile::from_rank_value(value)))
                    }
                    value => Cell::Number(value),
                }
            }));
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

/// The chart's points: p99 against messages per workflow, marked by verdict.
pub fn chart_points(advice: &Advice) -> Vec<AdvicePoint> {
    advice
        .candidates
        .iter()
        .filter_map(|candidate| {
            Some(AdvicePoint {
                label: candidate.label.clone(),
                messages_per_workflow: objective_value(advice, candidate, MESSAGES)?,
                // A p99 among failures has no place on a latency axis.
                latency_p99_ms: objective_value(advice, candidate, P99)
                    .filter(|ms| *ms < FAILED_RANK_MS)?,
                mark: match (candidate.feasibility, candidate.pareto) {
                    (Feasibility::Yes, true) => AdviceMark::Front,
                    (Feasibility::Yes, false) => AdviceMark::Feasible,
                    (Feasibility::Marginal, _) => AdviceMark::Marginal,
                    (Feasibility::No, _) => AdviceMark::Rejected,
                },
            })
        })
        .collect()
}

/// The SLO's bounds on the chart's axes: the p99 over every workflow (horizontal) and
/// messages per workflow (vertical). Other bounds are not on these axes.
pub fn chart_bounds(advice: &Advice) -> Vec<AdviceBound> {
    advice
        .slo
        .bounds
        .iter()
        .filter_map(|bound| {
            let on_latency = match bound.metric {
                AssertedMetric::Value(Column::OutcomeLatencyP99Ms) => true,
                AssertedMetric::Value(Column::MessagesPerWorkflow) => false,
                _ => return None,
            };
            Some(AdviceBound {
                on_latency,
                value: bound.bound,
                text: bound.text.clone(),
            })
        })
        .collect()
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

/// The table of `rows`: the design, one column per varied key, the verdicts and the
/// objectives; with `consistency`, the time to consistency too (for eventual designs,
/// whose latency is the answer after the first step).
fn objective_table(advice: &Advice, rows: &[&Candidate], consistency: bool) -> Table {
    let objectives = objectives_in(advice);
    let mut columns = vec!["design".to_string()];
    columns.extend(
        advice
            .varied_keys
            .iter()
            .map(|k| k.rsplit('.').next().unwrap_or(k).to_string()),
    );
    columns.extend(["feasible".to_string(), "pareto".to_string()]);
    columns.extend(
        objectives
            .iter()
            .map(|&o| OBJECTIVES[o].heading.to_string()),
    );
    if consistency {
        columns.push("consistent p99 ms".to_string());
    }
    let shown = |value: Option<f64>, show: fn(f64) -> String| value.map_or("–".to_string(), show);
    Table {
        columns,
        rows: rows
            .iter()
            .map(|c| {
                let mut row = vec![c.design.label.clone()];
                row.extend(c.values.iter().cloned());
                row.extend([
                    c.feasibility.name().to_string(),
                    yes_no(c.pareto).to_string(),
                ]);
                row.extend(
                    objectives
                        .iter()
                        .map(|&o| shown(objective_value(advice, c, o), OBJECTIVES[o].shown)),
                );
                if consistency {
                    let values: Option<Vec<f64>> = advice
                        .runs_of(c)
                        .map(|run| run.result.summary.time_to_consistency_p99_ms)
                        .collect();
                    row.push(shown(
                        values.as_deref().and_then(crate::report::mean),
                        |v| format!("{v:.1}"),
                    ));
                }
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

/// What the terminal table's figures are.
const TABLE_CAPTION: &str = "(p99 over every workflow: a failed or stuck one counts as slower than any answer; \
failed+stuck and inconsistent count measured workflows; status answered is the share of status queries \
answered; pareto: no other feasible candidate is at least as good on every figure and better on one)";

/// The terminal summary: counts, the feasible and marginal candidates (front first, at
/// most 12), the rejections by SLO, and the recommendation (at most six front members).
pub fn advice_terminal(advice: &Advice) -> String {
    let (yes, marginal, no) = counts(advice);
    let mut out = format!(
        "advice for {}: {} candidate{} against {}\nfeasible {yes} · marginal {marginal} · rejected {no}\n",
        advice.scenario,
        advice.candidates.len(),
        plural(advice.candidates.len()),
        advice.slo.text
    );
    let rows = ordered(advice);
    if !rows.is_empty() {
        let shown: Vec<&Candidate> = rows.iter().copied().take(TERMINAL_ROWS).collect();
        out.push_str(&objective_table(advice, &shown, false).to_text());
        if rows.len() > shown.len() {
            let _ = writeln!(out, "… and {} more in advice.csv", rows.len() - shown.len());
        }
        out.push_str(TABLE_CAPTION);
        out.push('\n');
    }
    let objectives = objectives_in(advice);
    for line in recommendation(advice, &objectives, TERMINAL_FRONT) {
        out.push_str(&line.replace("**", ""));
        out.push('\n');
    }
    out
}

/// `advice.md`: the question, the recommendation, the chart, the candidates, which SLOs
/// bind, the rejected designs grouped by the SLO that rules them out, the marginal ones,
/// and how it was decided.
pub fn advice_markdown(advice: &Advice, command: &str, chart: Option<&str>) -> String {
    let mut out = heading(advice);
    let stopped: Vec<&str> = advice
        .candidates
        .iter()
        .filter(|c| c.truncated)
        .map(|c| c.label.as_str())
        .collect();
    if !stopped.is_empty() {
        let _ = writeln!(
            out,
            "> **Truncated.** The runs of {} were stopped by overload, beyond the memory budget (`--max-memory`): their figures end there, and each is infeasible for that reason.\n",
            stopped.join(", ")
        );
    }
    out.push_str("## Recommendation\n\n");
    let objectives = objectives_in(advice);
    for line in recommendation(advice, &objectives, usize::MAX) {
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
        out.push_str(&objective_table(advice, &rows, true).to_markdown());
        out.push('\n');
    }
    out.push_str(&binding_section(advice));
    out.push_str(&rejected_section(advice));
    out.push_str(&marginal_section(advice));
    out.push_str("\n## How this was decided\n\n");
    out.push_str(METHOD);
    let _ = writeln!(out, "\nReproduce:\n\n```\n{command}\n```");
    out
}

fn heading(advice: &Advice) -> String {
    let (yes, marginal, no) = counts(advice);
    let varied = if advice.varied_keys.is_empty() {
        String::new()
    } else {
        format!(" (designs × `{}`)", advice.varied_keys.join("` × `"))
    };
    format!(
        "# Which design? {}\n\nSLO: `{}`, checked on the whole scenario, faults included. {} candidate{}{varied}; seed {}, {} replication{} each, all on the same random numbers. **{yes} feasible, {marginal} marginal, {no} rejected.**\n\n",
        advice.scenario,
        advice.slo.text,
        advice.candidates.len(),
        plural(advice.candidates.len()),
        advice.seed,
        advice.replications,
        plural(advice.replications as usize),
    )
}

fn binding_section(advice: &Advice) -> String {
    let mut table = Table {
        columns: vec![
            "SLO".into(),
            "rules out".into(),
            "rules out alone".into(),
            "front's smallest slack".into(),
        ],
        rows: Vec::new(),
    };
    for (index, reach) in ruled_out(advice).iter().enumerate() {
        let slack = tightest_slack(advice, index).map_or("–".to_string(), |(slack, c)| {
            format!("{:.0} % of the bound ({})", slack * 100.0, c.label)
        });
        table.rows.push(vec![
            format!("`{}`", reach.bound),
            reach.all.len().to_string(),
            reach.alone.len().to_string(),
            slack,
        ]);
    }
    format!("## Which SLOs bind\n\n{}", table.to_markdown())
}

fn labels(candidates: &[&Candidate]) -> String {
    let names: Vec<String> = candidates.iter().map(|c| c.label.clone()).collect();
    listed(&names)
}

fn rejected_section(advice: &Advice) -> String {
    let mut out = "\n## Rejected, by the SLO that rules them out\n\n".to_string();
    let mut any = false;
    for reach in ruled_out(advice) {
        if reach.all.is_empty() {
            continue;
        }
        any = true;
        let _ = writeln!(
            out,
            "- `{}` ({}): {}",
            reach.bound,
            reach.all.len(),
            labels(&reach.all)
        );
        if !reach.alone.is_empty() {
            let _ = writeln!(out, "  - by this SLO alone: {}", labels(&reach.alone));
        }
    }
    if !any {
        out.push_str("None.\n");
    }
    out
}

fn marginal_section(advice: &Advice) -> String {
    let marginal: Vec<&Candidate> = advice
        .candidates
        .iter()
        .filter(|c| c.feasibility == Feasibility::Marginal)
        .collect();
    if marginal.is_empty() {
        return String::new();
    }
    let mut out = "\n## Marginal: the data cannot tell\n\n".to_string();
    for candidate in marginal {
        let _ = writeln!(out, "- {}: {}", candidate.label, violated(candidate));
    }
    let more = (advice.replications * 2).max(5);
    let _ = writeln!(
        out,
        "\nMore replications (`--replications {more}`) or a longer scenario narrow the intervals and decide them."
    );
    out
}

const METHOD: &str = "- A candidate is **feasible** when every SLO bound holds beyond the noise, **marginal** when a bound lies inside the interval of its value, and **rejected** when a bound is broken beyond the noise (or its figure does not exist, such as a latency without a completed workflow). The intervals: across replications (Student t) when there are several; in one run, batch means inside the run for throughput and the mean, p50 and p99 latencies (for the percentiles, batch means of the per-bucket percentiles: an approximation), the Poisson noise of the count for shares of workflows, and for everything else (p95, p999, max, status answered, messages, bytes, time to consistency), which one run gives no interval for, the 1 % practical margin of the scorecard. Use `--replications` to put real intervals on those.
- The **Pareto front** is taken among the feasible candidates over responsiveness (p99), messages and bytes per workflow, workflows failed or stuck, inconsistent workflows, status queries answered and, with `--capacity`, throughput at the SLO (one capacity search per candidate, on the scenario's seed; its final bracket is in `advice.csv`). One candidate dominates another only when its figures are at least as good on every objective and distinguishably better on one: the 95 % interval of the difference excludes zero and the difference is at least 1 % (for capacity: the brackets do not overlap).
- Latency bounds read the completed workflows' time to the client's answer (the `latency_*` columns of `summary.csv`): for an eventual design, the answer after the first step. Shares of workflows are of those started after the warm-up.
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Better;

    #[test]
    fn the_objectives_point_the_way_their_names_say_and_show_in_their_units() {
        assert_eq!(OBJECTIVES[P99].better, Better::Lower);
        assert_eq!(OBJECTIVES[MESSAGES].name, "messages_per_workflow");
        let status = OBJECTIVES
            .iter()
            .find(|o| o.name == "status_answered_ratio");
        assert_eq!(status.map(|o| o.better), Some(Better::Higher));
        assert_eq!(status.map(|o| (o.shown)(0.994)), Some("99 %".to_string()));
        let bytes = OBJECTIVES.iter().find(|o| o.name == "bytes_per_workflow");
        assert_eq!(bytes.map(|o| (o.shown)(2048.0)), Some("2.0".to_string()));
    }
}
