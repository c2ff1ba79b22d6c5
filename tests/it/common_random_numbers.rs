//! Common random numbers (DESIGN §3.2): every variant sees the same arrivals and, for each
//! (workflow, step), the same work duration and the same business-failure outcome.

use crate::common;

use std::collections::BTreeMap;

use common::{parse, run_all, summary_of};
use sagasim::trace::{Task, TraceRecord};
use sagasim::{Coordination, RunOptions, run};

/// One step, no network delay, no coordination cost: coordination can add nothing, so every
/// variant must report exactly the same latencies.
const ONE_STEP: &str = r#"
[scenario]
name = "one-step"
seed = 99
duration = "200s"
drain = "100s"
warmup = "10s"

[workload]
arrivals = { poisson = 40 }

[orchestrator]
workers = 1
work = "0ms"
journal = "0ms"

[[services]]
name = "only"
workers = 1
work = { exponential = "20ms" }
fail = 0.1

[workflow]
steps = ["only"]
"#;

#[test]
fn with_nothing_to_coordinate_all_variants_report_identical_latencies() {
    let results = run_all(&parse(ONE_STEP));
    let reference = summary_of(&results, Coordination::Choreography);
    assert!(
        reference.completed > 5_000 && reference.compensated > 500,
        "{reference:?}"
    );
    for variant in Coordination::ALL {
        let summary = summary_of(&results, variant);
        let figures = |s: &sagasim::results::Summary| {
            (
                s.started,
                s.completed,
                s.compensated,
                s.latency_mean_ms,
                s.latency_p50_ms,
                s.latency_p95_ms,
                s.latency_p99_ms,
                s.latency_p999_ms,
                s.latency_max_ms,
                s.throughput_per_s,
            )
        };
        assert_eq!(
            figures(summary),
            figures(reference),
            "{variant} differs from choreography"
        );
    }
}

/// What one variant drew for each (workflow, step): work duration and outcome.
fn step_draws(records: &[TraceRecord]) -> BTreeMap<(u64, u8), (u64, Option<bool>)> {
    let mut draws = BTreeMap::new();
    for record in records {
        match record {
            TraceRecord::WorkStarted {
                workflow,
                task: Task::Step,
                step,
                duration,
                ..
            } => {
                draws.entry((*workflow, *step)).or_insert((0, None)).0 = duration.as_nanos();
            }
            TraceRecord::StepFinished {
                workflow,
                step,
                committed,
                ..
            } => {
                draws.entry((*workflow, *step)).or_insert((0, None)).1 = Some(*committed);
            }
            _ => {}
        }
    }
    draws
}

#[test]
fn each_workflow_step_draws_the_same_work_and_outcome_in_every_variant() {
    let text =
        std::fs::read_to_string("scenarios/order-placement.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut scenario = parse(&text);
    scenario.system.window.duration = sagasim::time::SimDuration::from_secs(60);
    scenario.system.window.warmup = sagasim::time::SimDuration::ZERO;
    scenario.system.window.drain = sagasim::time::SimDuration::from_secs(600);
    let results = run(
        &scenario,
        &RunOptions {
            jobs: None,
            trace: true,
            on_run_done: None,
            ..RunOptions::default()
        },
    );
    let reference = step_draws(&results.runs[0].trace);
    assert!(
        reference.len() > 5_000,
        "enough draws to compare: {}",
        reference.len()
    );
    assert!(
        reference
            .values()
            .any(|(_, committed)| *committed == Some(false)),
        "some payments fail"
    );
    for run in &results.runs[1..] {
        let draws = step_draws(&run.trace);
        assert_eq!(
            draws.len(),
            reference.len(),
            "{}: same steps reached",
            run.design
        );
        assert!(
            draws == reference,
            "{}: per-step draws differ from {}",
            run.design,
            results.runs[0].design
        );
    }
    // And arrivals: the same start times in every variant.
    let starts = |records: &[TraceRecord]| -> Vec<(u64, u64)> {
        records
            .iter()
            .filter_map(|record| match record {
                TraceRecord::Sent {
                    at,
                    workflow,
                    kind: sagasim::trace::MessageKind::Start,
                    ..
                } => Some((*workflow, at.as_nanos())),
                _ => None,
            })
            .collect()
    };
    let reference_starts = starts(&results.runs[0].trace);
    for run in &results.runs[1..] {
        assert_eq!(
            starts(&run.trace),
            reference_starts,
            "{}: arrival times",
            run.design
        );
    }
}
