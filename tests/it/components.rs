//! `components.csv`: per-component utilization, time blocked on calls, inbox waits and
//! losses, checked against queueing theory, Little's law and the summary's own totals.

use crate::common;

use std::path::Path;

use common::{parse, run_all, summary_of};
use sagasim::report::{COMPONENT_COLUMNS, component_rows, to_csv};
use sagasim::results::{ComponentRole, ComponentRow};
use sagasim::{Coordination, Scenario};

fn component<'r>(rows: &'r [ComponentRow], name: &str) -> &'r ComponentRow {
    rows.iter()
        .find(|row| row.component == name)
        .unwrap_or_else(|| panic!("no component {name} in {rows:?}"))
}

#[test]
fn an_mm1_inbox_waits_as_theory_says() {
    // M/M/1 at λ = 0.5/s, μ = 1/s: P(wait > t) = ρ·e^(−(μ−λ)t), so the 99th percentile of
    // the wait is ln(ρ / 0.01) / (μ − λ) = ln 50 / 0.5 s. About 100,000 customers per
    // replication give it within a few per cent; 6 % is well outside the noise.
    let scenario = Scenario::load(
        Path::new("tests/scenarios/mm1.toml"),
        &[
            sagasim::scenario::Override::parse("scenario.replications=1")
                .unwrap_or_else(|e| panic!("{e}")),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let results = run_all(&scenario);
    let run = &results.runs[0];
    let station = component(&run.result.components, "station");
    let theory_ms = (50f64).ln() / 0.5 * 1000.0;
    let measured = station.queue_wait_p99_ms.unwrap_or(0.0);
    assert!(
        (measured - theory_ms).abs() <= 0.06 * theory_ms,
        "p99 wait {measured:.0} ms, theory {theory_ms:.0} ms"
    );
    let utilization = station.utilization.unwrap_or(0.0);
    assert!((utilization - 0.5).abs() < 0.02, "ρ = 0.5: {utilization}");
    assert_eq!(station.held_fraction, Some(0.0), "async: nobody blocks");
    assert_eq!(station.role, ComponentRole::Participant);
}

#[test]
fn a_sync_orchestrator_is_blocked_for_its_calls_and_async_never_is() {
    // Two steps of 100 ms, orchestrator costs 0, offered 10/s to 4 workers: by Little's
    // law 10 × 0.2 s = 2 workers are blocked on calls on average, half the pool.
    let text = |communication: &str| {
        format!(
            "[scenario]\nname = \"held\"\nseed = 2\nduration = \"300s\"\ndrain = \"2s\"\n\
             warmup = \"10s\"\ncommunication = \"{communication}\"\nvariants = [\"orchestrator\"]\n\n\
             [workload]\narrivals = {{ poisson = 10 }}\n\n\
             [orchestrator]\nworkers = 4\nwork = \"0ms\"\njournal = \"0ms\"\n\n\
             [defaults]\nworkers = 64\n\n\
             [[services]]\nname = \"a\"\nwork = \"100ms\"\n\n[[services]]\nname = \"b\"\nwork = \"100ms\"\n\n\
             [workflow]\nsteps = [\"a\", \"b\"]\n"
        )
    };
    let sync = run_all(&parse(&text("sync")));
    let summary = summary_of(&sync, Coordination::Orchestrator);
    let rows = &sync.runs[0].result.components;
    let orchestrator = component(rows, "orchestrator");
    let expected = summary.throughput_per_s.unwrap_or(0.0) * 0.2 / 4.0;
    let held = orchestrator.held_fraction.unwrap_or(0.0);
    assert!(
        (held - expected).abs() <= 0.02 * expected,
        "held {held:.4}, Little's law {expected:.4}"
    );
    assert_eq!(
        orchestrator.utilization, orchestrator.held_fraction,
        "with no handling cost, a busy orchestrator worker is a blocked one"
    );
    assert_eq!(orchestrator.utilization, summary.coordinator_utilization);
    let asynchronous = run_all(&parse(&text("async")));
    for row in &asynchronous.runs[0].result.components {
        assert_eq!(
            row.held_fraction.unwrap_or(0.0),
            0.0,
            "async {}: no worker waits",
            row.component
        );
    }
}

#[test]
fn per_component_losses_add_up_to_the_summary_for_every_design() {
    // A small inbox under overload rejects; a lossy direct network loses messages.
    let text = "[scenario]\nname = \"losses\"\nseed = 4\nduration = \"20s\"\ndrain = \"5s\"\n\
        variants = [\"orchestrator\", \"choreography\", \"front-controller\", \"stamp-coupling\", \"stateless\", \"epic\", \"phone-tag\"]\n\n\
        [workload]\narrivals = { poisson = 200 }\n\n\
        [network]\nloss = 0.01\n\n\
        [orchestrator]\nworkers = 2\nqueue = 20\n\n\
        [defaults]\nworkers = 2\nqueue = 20\n\n\
        [[services]]\nname = \"a\"\nwork = { exponential = \"6ms\" }\n\n\
        [[services]]\nname = \"b\"\nwork = { exponential = \"12ms\" }\n\n\
        [workflow]\nsteps = [\"a\", \"b\"]\n";
    let results = run_all(&parse(text));
    for run in &results.runs {
        let summary = &run.result.summary;
        let rows = &run.result.components;
        let context = format!("{}: {rows:?}", run.design);
        assert!(summary.rejected_messages > 0, "{context}");
        assert_eq!(
            rows.iter().map(|r| r.rejected).sum::<u64>(),
            summary.rejected_messages,
            "{context}"
        );
        assert_eq!(
            rows.iter().map(|r| r.dead_letters).sum::<u64>(),
            summary.dead_letters,
            "{context}"
        );
        assert!(rows.iter().all(|r| r.max_queue <= 20), "{context}");
        let busiest = rows
            .iter()
            .filter_map(|r| r.utilization)
            .fold(0.0, f64::max);
        assert_eq!(Some(busiest), summary.max_utilization, "{context}");
        assert_eq!(rows[0].role, ComponentRole::Client, "{context}");
        let has_orchestrator = rows.iter().any(|r| r.role == ComponentRole::Orchestrator);
        assert_eq!(
            has_orchestrator,
            run.design.coordination == Coordination::Orchestrator,
            "{context}"
        );
        let front = rows
            .iter()
            .any(|r| r.role == ComponentRole::FrontController);
        assert_eq!(
            front,
            run.design.coordination == Coordination::FrontController,
            "{context}"
        );
    }
    let csv = to_csv(&COMPONENT_COLUMNS, &component_rows(&results));
    assert!(csv.starts_with(
        "variant,replication,component,role,workers,utilization,held_fraction,queue_wait_p99_ms,max_queue,rejected,dead_letters,handlers,states\n"
    ));
    assert!(csv.contains("\nphone-tag,1,a,front-controller,2,"), "{csv}");
}
