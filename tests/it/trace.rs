//! `sagasim trace`: the selection finds the right workflows, the slices of a traced
//! workflow account for its whole latency, tracing changes no figure, and the Perfetto
//! JSON follows the trace-event format. Each behaviour runs for every design.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use sagasim::Design;
use sagasim::report::{Delay, attribute, render_perfetto, spans_of};
use sagasim::scenario::Override;
use sagasim::time::SimDuration;
use sagasim::trace::{Outcome, TraceRecord, TraceSelection, WorkflowChoice, trace_workflows};
use sagasim::{Coordination, Scenario, run};

use common::{ok, sagasim};

fn scenario(file: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("a valid --set"))
        .collect();
    Scenario::load(std::path::Path::new(file), &overrides).expect("the scenario loads")
}

fn slowest(outcome: Outcome, count: usize) -> WorkflowChoice {
    WorkflowChoice::Select(TraceSelection::Slowest {
        outcome: Some(outcome),
        count,
    })
}

/// The main scenario shortened to 90 s, its inventory crash moved to 30 s.
fn short_order_placement() -> Scenario {
    scenario(
        "scenarios/order-placement.toml",
        &[
            "scenario.duration=90s",
            "scenario.warmup=10s",
            "faults.0.at=30s",
        ],
    )
}

/// The slowest completed workflow of every design is the one behind `latency_max_ms`, and
/// its work, network and inbox slices cover its latency without a gap.
#[test]
fn the_slowest_workflow_is_the_maximum_and_its_slices_cover_its_latency() {
    let scenario = short_order_placement();
    let results = run(&scenario, &sagasim::RunOptions::default());
    for design in &scenario.designs {
        let trace = trace_workflows(&scenario, design, slowest(Outcome::Completed, 3), None);
        assert_eq!(trace.workflows.len(), 3, "{design}");
        let system = design.system(&scenario.system);
        let name = |id| system.component_name(id).to_string();
        let spans = spans_of(&trace.records, &name);
        let mut latencies = Vec::new();
        for &workflow in &trace.workflows {
            let (total, parts) = attribute(&spans, workflow).expect("the workflow ended");
            let sum: u64 = parts.iter().map(|(_, d)| d.as_nanos()).sum();
            assert_eq!(
                sum,
                total.as_nanos(),
                "{design}: parts must sum to the latency"
            );
            let waiting = parts.iter().find(|(d, _)| *d == Delay::Waiting).unwrap().1;
            assert_eq!(
                waiting,
                SimDuration::ZERO,
                "{design} workflow {workflow}: a gap"
            );
            let work = parts.iter().find(|(d, _)| *d == Delay::Work).unwrap().1;
            assert!(work > SimDuration::ZERO, "{design}: no work found");
            latencies.push(total);
        }
        assert!(
            latencies.windows(2).all(|pair| pair[0] >= pair[1]),
            "{design}: slowest first, got {latencies:?}"
        );
        let max_ms = results
            .runs
            .iter()
            .find(|r| r.design == *design)
            .unwrap()
            .result
            .summary
            .latency_max_ms
            .unwrap();
        assert_eq!(
            latencies[0].as_nanos() as f64 / 1e6,
            max_ms,
            "{design}: the slowest traced workflow is the run's maximum"
        );
        // Memory stays with the selection: nothing of other workflows is kept.
        let chosen: BTreeSet<u64> = trace.workflows.iter().copied().collect();
        assert!(trace.records.iter().all(|r| chosen.contains(&r.workflow())));
    }
}

/// Under a payment outage with a broker and retries, a failed workflow's time is spent
/// held by the broker and backing off, and the parts still sum to its latency.
#[test]
fn a_failed_workflow_shows_its_backoffs_and_broker_holds() {
    let scenario = scenario("scenarios/payment-outage.toml", &[]);
    let design = Design::style(Coordination::Orchestrator, &scenario.system);
    let trace = trace_workflows(
        &scenario,
        &design,
        WorkflowChoice::Select(TraceSelection::First {
            outcome: Outcome::Failed,
            count: 2,
        }),
        None,
    );
    assert_eq!(trace.workflows.len(), 2);
    assert!(trace.workflows[0] < trace.workflows[1], "by start");
    let system = design.system(&scenario.system);
    let name = |id| system.component_name(id).to_string();
    let spans = spans_of(&trace.records, &name);
    for &workflow in &trace.workflows {
        let ended = trace.records.iter().find_map(|r| match r {
            TraceRecord::Ended {
                workflow: w,
                outcome,
                ..
            } if *w == workflow => Some(*outcome),
            _ => None,
        });
        assert_eq!(ended, Some(Outcome::Failed));
        let (total, parts) = attribute(&spans, workflow).unwrap();
        let part = |delay| parts.iter().find(|(d, _)| *d == delay).unwrap().1;
        let sum: u64 = parts.iter().map(|(_, d)| d.as_nanos()).sum();
        assert_eq!(sum, total.as_nanos());
        // The outage holds the commands in the broker; the backoffs run meanwhile, so
        // the broker, which comes first, takes that time.
        assert!(part(Delay::Held) > SimDuration::from_secs(20), "{parts:?}");
        assert!(
            spans.spans.iter().any(|s| s.workflow == workflow
                && s.kind == sagasim::report::SpanKind::Backoff
                && s.end > s.start),
            "no backoff span"
        );
        assert!(
            trace
                .records
                .iter()
                .any(|r| matches!(r, TraceRecord::TimedOut { workflow: w, .. } if *w == workflow))
        );
    }
}

/// The Perfetto JSON parses and follows the trace-event format: required fields, slices
/// that never overlap on one thread, a name for every thread, and flow arrows whose ends
/// match.
#[test]
fn the_perfetto_trace_follows_the_trace_event_format() {
    let scenario = scenario("scenarios/payment-outage.toml", &[]);
    for coordination in Coordination::ALL {
        let design = Design::style(coordination, &scenario.system);
        let trace = trace_workflows(&scenario, &design, slowest(Outcome::Completed, 2), None);
        let json = render_perfetto(&design.system(&scenario.system), &trace);
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        let events = value["traceEvents"].as_array().expect("traceEvents");
        let mut threads = BTreeSet::new();
        let mut slices: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
        let mut flows: BTreeMap<u64, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
        for event in events {
            let ph = event["ph"].as_str().expect("ph");
            assert!(event["name"].is_string(), "{event}");
            let pid = event["pid"].as_u64().expect("pid");
            let tid = event["tid"].as_u64().expect("tid");
            if ph == "M" {
                if event["name"] == "thread_name" {
                    threads.insert((pid, tid));
                }
                continue;
            }
            let ts = event["ts"].as_f64().expect("ts");
            match ph {
                "X" => {
                    let dur = event["dur"].as_f64().expect("dur");
                    assert!(dur >= 0.0);
                    slices.entry((pid, tid)).or_default().push((ts, ts + dur));
                }
                "s" | "f" => {
                    let id = event["id"].as_u64().expect("id");
                    let entry = flows.entry(id).or_default();
                    if ph == "s" {
                        entry.0.push(ts);
                    } else {
                        assert_eq!(event["bp"], "e");
                        entry.1.push(ts);
                    }
                }
                "i" => assert!(event["s"].is_string()),
                other => panic!("unexpected phase {other}"),
            }
        }
        assert!(!flows.is_empty(), "{coordination}: no message arrows");
        for (id, (starts, ends)) in &flows {
            assert_eq!((starts.len(), ends.len()), (1, 1), "flow {id}");
            assert!(starts[0] <= ends[0], "flow {id} goes back in time");
        }
        for ((pid, tid), mut list) in slices {
            assert!(
                threads.contains(&(pid, tid)),
                "thread {pid}/{tid} has no name"
            );
            list.sort_by(|a, b| a.partial_cmp(b).unwrap());
            for pair in list.windows(2) {
                assert!(
                    pair[0].1 <= pair[1].0 + 1e-9,
                    "{coordination}: overlap on {pid}/{tid}: {pair:?}"
                );
            }
        }
    }
}

#[test]
fn the_trace_command_writes_each_format_and_refuses_bad_selections() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slowest.json");
    let file = file.to_str().unwrap();
    let base = [
        "trace",
        "scenarios/order-placement.toml",
        "--set",
        "scenario.duration=70s",
        "--set",
        "faults.0.at=30s",
        "--variant",
        "front-controller",
    ];
    ok(&[&base[..], &["--slowest", "2", "--out", file]].concat());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(
        json["otherData"]["workflows"]
            .as_str()
            .unwrap()
            .split(',')
            .count(),
        2
    );
    let text = ok(&[&base[..], &["--workflow", "5", "--format", "text"]].concat());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("workflow 5 under front-controller"),
        "{text}"
    );
    assert!(text.contains("where the time went"), "{text}");
    let mermaid = ok(&[&base[..], &["--workflow", "5", "--format", "mermaid"]].concat());
    assert!(
        String::from_utf8(mermaid.stdout)
            .unwrap()
            .contains("sequenceDiagram")
    );
    for (args, expected) in [
        (vec!["--workflow", "99999999"], "did not start"),
        (vec!["--outcome", "stuck"], "no measured workflow"),
        (vec!["--slowest", "0"], "--slowest: expected from 1"),
    ] {
        let output = sagasim(&[&base[..], &args].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let output = sagasim(&[
        "trace",
        "scenarios/order-placement.toml",
        "--variant",
        "nope",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

/// `trace` obeys the same budget as `run`: refused before simulating beyond it, and an
/// overloaded run stopped at its bound on workflows held, with a warning.
#[test]
fn the_trace_command_keeps_to_the_budget() {
    let base = [
        "trace",
        "scenarios/order-placement.toml",
        "--variant",
        "orchestrator",
        "--format",
        "text",
    ];
    let refused = sagasim(&[&base[..], &["--max-events", "1000"]].concat());
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("refused before simulating"), "{stderr}");
    // 4 MiB: a bound of 1,024 workflows held, passed within the first second at 5,000/s.
    let overloaded = [
        "--set",
        "workload.arrivals.poisson=5000",
        "--max-memory",
        "4MiB",
        "--workflow",
        "0",
    ];
    let stopped = sagasim(&[&base[..], &overloaded].concat());
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("overloaded: the run was stopped at 0.")
            && stderr.contains(" with 1025 workflows held"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&stopped.stdout).starts_with("workflow 0 under orchestrator"));
}

/// Without `--outcome`, the slowest workflows are the ones that never got a business
/// answer: the orchestrator gives up on some during the inventory crash, and those come
/// before every completed one, however slow.
#[test]
fn the_slowest_over_every_outcome_puts_failed_workflows_first() {
    let scenario = short_order_placement();
    let results = run(&scenario, &sagasim::RunOptions::default());
    let design = &scenario.designs[0];
    let failed = results.runs[0].result.summary.failed;
    assert!(failed >= 2, "the orchestrator gives up on some: {failed}");
    let any = WorkflowChoice::Select(TraceSelection::Slowest {
        outcome: None,
        count: 2,
    });
    let trace = trace_workflows(&scenario, design, any, None);
    assert_eq!(trace.workflows.len(), 2);
    for &workflow in &trace.workflows {
        let ended = trace.records.iter().find_map(|record| match record {
            TraceRecord::Ended {
                workflow: w,
                outcome,
                ..
            } if *w == workflow => Some(*outcome),
            _ => None,
        });
        assert_eq!(ended, Some(Outcome::Failed), "workflow {workflow}");
    }
}
