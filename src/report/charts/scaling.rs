//! `scaling.png`: the replicas of every autoscaled component over time.

use crate::runner::ScenarioResults;

use super::{ChartError, ChartFormat, SweepLine, first_runs, sweep_chart};

/// `scaling.png`: the replicas of every autoscaled component over time, one line per
/// design and component (drawn as a sweep chart against time); `None` when nothing
/// autoscales.
pub fn scaling_chart(
    results: &ScenarioResults,
    title: &str,
    format: ChartFormat,
) -> Option<Result<Vec<u8>, ChartError>> {
    let mut components: Vec<&str> = Vec::new();
    for run in first_runs(results) {
        for row in run.result.scaling.iter().filter(|r| r.autoscaled) {
            if !components.contains(&row.component.as_str()) {
                components.push(&row.component);
            }
        }
    }
    if components.is_empty() {
        return None;
    }
    let mut lines: Vec<SweepLine> = Vec::new();
    for run in first_runs(results) {
        for (style, component) in components.iter().enumerate() {
            // A component the design does not run (the orchestrator of a choreography).
            if !run.result.scaling.iter().any(|r| r.component == *component) {
                continue;
            }
            lines.push(SweepLine {
                label: if components.len() == 1 {
                    run.design.label.clone()
                } else {
                    format!("{} · {component}", run.design.label)
                },
                palette_slot: run.design.palette_slot,
                style,
                points: run
                    .result
                    .scaling
                    .iter()
                    .filter(|r| r.component == *component)
                    .map(|r| (r.time_s, f64::from(r.replicas), None))
                    .collect(),
            });
        }
    }
    let metric = if components.len() == 1 {
        format!("replicas of {}", components[0])
    } else {
        "replicas".to_string()
    };
    Some(sweep_chart(
        title,
        "simulated time (s)",
        None,
        &metric,
        &lines,
        format,
    ))
}
