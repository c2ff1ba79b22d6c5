//! The decision logic behind the scorecard: designs equal by construction are never ranked,
//! a real 5 % difference is, survivor bias and a run that is not at steady state are
//! warned about, and the scorecard ranks, ties and picks from the numbers.

use crate::common;

use common::{chain_scenario, parse, with_workload};
use sagasim::report::{
    Attribute, Basis, Column, SCORE_COLUMNS, SCORECARD_COLUMNS, compare, latency_caption, rank,
    scorecard, scorecard_rows, survivor_bias, to_csv, warnings,
};
use sagasim::scenario::DurationDistribution;
use sagasim::time::SimDuration;
use sagasim::{RunOptions, Scenario, ScenarioResults, run};

/// Three exponential steps at a Poisson 100/s for 2 minutes: noisy enough that a
/// difference has to beat the noise.
fn noisy(replications: u32, work_scale: f64, fail: f64) -> Scenario {
    let text = chain_scenario(3, None, "")
        .replace(
            "arrivals = { constant = 10 }",
            "arrivals = { poisson = 100 }",
        )
        .replace("duration = \"20s\"", "duration = \"2m\"\nwarmup = \"10s\"");
    let mut scenario = parse(&text);
    scenario.replications = replications;
    for service in &mut scenario.system.services {
        service.workers = 2;
        service.work = DurationDistribution::Exponential {
            mean: SimDuration::from_nanos_f64(4e6 * work_scale),
        };
    }
    scenario.system.services[1].fail = fail;
    scenario
}

fn results_of(scenario: &Scenario) -> ScenarioResults {
    run(scenario, &RunOptions::default())
}

/// The choreography of `base` against the choreography of `other`, relabelled `other`:
/// the same seed gives both the same draws, so any difference is the scenarios'.
fn side_by_side(base: &Scenario, other: &Scenario) -> ScenarioResults {
    let keep = |scenario: &Scenario, label: &str| {
        let mut scenario = scenario.clone();
        if let Err(error) = scenario.set_designs(&["choreography"]) {
            panic!("{error}");
        }
        let mut results = results_of(&scenario);
        for run in &mut results.runs {
            run.design.label = label.to_string();
        }
        results.designs[0].label = label.to_string();
        results
    };
    let mut results = keep(base, "base");
    let other = keep(other, "other");
    results.designs.extend(other.designs);
    results.runs.extend(other.runs);
    results
}

/// The metrics every comparison ranks on.
const METRICS: [Column; 8] = [
    Column::ThroughputPerS,
    Column::LatencyMeanMs,
    Column::LatencyP50Ms,
    Column::LatencyP99Ms,
    Column::AnswerP50Ms,
    Column::AnswerP99Ms,
    Column::MessagesPerWorkflow,
    Column::Failed,
];

#[test]
fn designs_equal_by_common_random_numbers_are_never_ranked() {
    // Without status queries or state, the three choreographies make the same moves on
    // the same draws: every figure is equal, so no metric may rank them.
    for replications in [1, 3] {
        let mut scenario = noisy(replications, 1.0, 0.05);
        scenario.system.messages.state_per_step_bytes = 0;
        if let Err(error) = scenario.set_designs(&["choreography", "stamp-coupling", "stateless"]) {
            panic!("{error}");
        }
        let results = results_of(&scenario);
        for metric in METRICS {
            let ranked = rank(&results, metric);
            assert_eq!(ranked.len(), 3, "{metric:?}");
            assert!(
                ranked.iter().all(|r| r.rank == 1 && r.tied),
                "{metric:?} with {replications} replication(s): {ranked:?}"
            );
            let comparison = compare(&results, metric, &results.designs[0], &results.designs[1]);
            assert!(
                comparison.is_some_and(|c| !c.distinguishable() && c.difference == 0.0),
                "{metric:?}: {comparison:?}"
            );
        }
    }
}

#[test]
fn a_real_five_percent_difference_is_ranked_and_half_a_percent_is_not() {
    for replications in [1, 3] {
        let base = noisy(replications, 1.0, 0.0);
        let slower = side_by_side(&base, &noisy(replications, 1.05, 0.0));
        for metric in [
            Column::LatencyMeanMs,
            Column::LatencyP50Ms,
            Column::LatencyP99Ms,
        ] {
            let ranked = rank(&slower, metric);
            let places: Vec<(&str, usize)> = ranked
                .iter()
                .map(|r| (r.design.label.as_str(), r.rank))
                .collect();
            assert_eq!(
                places,
                [("base", 1), ("other", 2)],
                "{metric:?}, {replications} replication(s): {ranked:?}"
            );
        }
        // The interval comes from the replications, or from batch means inside one run,
        // and it is narrow enough to exclude zero.
        let comparison = compare(
            &slower,
            Column::LatencyMeanMs,
            &slower.designs[1],
            &slower.designs[0],
        );
        let basis = if replications > 1 {
            Basis::Replications
        } else {
            Basis::BatchMeans
        };
        assert!(
            comparison.is_some_and(|c| c.basis == basis
                && c.ci95.is_some_and(|half| half > 0.0 && half < c.difference)),
            "{comparison:?}"
        );
        // Both keep up with the same arrivals: throughput does not tell them apart.
        let throughput = rank(&slower, Column::ThroughputPerS);
        assert!(throughput.iter().all(|r| r.rank == 1), "{throughput:?}");

        let barely = side_by_side(&base, &noisy(replications, 1.005, 0.0));
        for metric in [
            Column::LatencyMeanMs,
            Column::LatencyP50Ms,
            Column::LatencyP99Ms,
        ] {
            let ranked = rank(&barely, metric);
            assert!(
                ranked.iter().all(|r| r.rank == 1 && r.tied),
                "{metric:?}, {replications} replication(s): {ranked:?}"
            );
        }
    }
}

#[test]
fn latency_of_designs_that_complete_different_shares_is_flagged_as_survivors() {
    let base = noisy(1, 1.0, 0.0);
    let failing = side_by_side(&base, &noisy(1, 1.0, 0.1));
    assert!(survivor_bias(&failing));
    let text = warnings(&failing).join("\n");
    assert!(text.contains("**Latency compares survivors**"), "{text}");
    assert!(
        text.contains("other 90 %") || text.contains("other 89 %"),
        "{text}"
    );
    let caption = latency_caption(&failing, &failing.designs[1]);
    assert!(
        caption.starts_with("other (") && caption.ends_with(" % completed)"),
        "{caption}"
    );

    // Half a percentage point apart is not survivor bias.
    let close = side_by_side(&base, &noisy(1, 1.0, 0.005));
    assert!(!survivor_bias(&close));
    assert!(warnings(&close).is_empty(), "{:?}", warnings(&close));
    assert_eq!(latency_caption(&close, &close.designs[1]), "other");
}

/// A single-worker chain at `per_second` constant arrivals (capacity: 1,000/s).
fn loaded(per_second: u32) -> Scenario {
    let mut scenario = parse(&loaded_text(per_second));
    if let Err(error) = scenario.set_designs(&["orchestrator", "choreography"]) {
        panic!("{error}");
    }
    scenario
}

fn loaded_text(per_second: u32) -> String {
    with_workload(&chain_scenario(2, None, ""), "")
        .replace(
            "arrivals = { constant = 10 }",
            &format!("arrivals = {{ constant = {per_second} }}"),
        )
        .replace("duration = \"20s\"", "duration = \"60s\"\nwarmup = \"5s\"")
        .replace("workers = 64", "workers = 1")
}

#[test]
fn the_trend_warning_reaches_standard_error_whatever_the_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (per_second, warned) in [(1100, true), (500, false)] {
        let file = dir.path().join(format!("loaded-{per_second}.toml"));
        std::fs::write(&file, loaded_text(per_second)).unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join(format!("out-{per_second}"));
        let output = common::ok(&[
            "run",
            &file.to_string_lossy(),
            "--variants",
            "choreography",
            "--no-charts",
            "--format",
            "csv",
            "--out",
            &out.to_string_lossy(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            stderr.contains("warning: Not at steady state: the workflows in flight trend"),
            warned,
            "{per_second}/s: {stderr}"
        );
        let report = std::fs::read_to_string(out.join("report.md")).unwrap_or_default();
        assert_eq!(
            report.contains("> ⚠ **Not at steady state**"),
            warned,
            "{report}"
        );
    }
}

#[test]
fn a_growing_backlog_is_warned_about_and_a_steady_run_is_not() {
    let overloaded = results_of(&loaded(1100));
    for run in &overloaded.runs {
        assert_eq!(
            run.result.summary.steady_state,
            Some(false),
            "{}",
            run.design
        );
        assert!(
            run.result
                .summary
                .in_flight_slope_per_min
                .is_some_and(|s| s > 0.0)
        );
    }
    let text = warnings(&overloaded).join("\n");
    assert!(text.contains("**Not at steady state**"), "{text}");
    let table = sagasim::report::render_table(&overloaded);
    assert!(
        table.contains("orchestrator *") && table.contains("* not at steady state"),
        "{table}"
    );

    let steady = results_of(&loaded(500));
    for run in &steady.runs {
        assert_eq!(
            run.result.summary.steady_state,
            Some(true),
            "{}",
            run.design
        );
    }
    assert!(warnings(&steady).is_empty());
    assert!(!sagasim::report::render_table(&steady).contains('*'));
}

#[test]
fn the_scorecard_ranks_ties_and_picks_from_the_numbers() {
    let mut scenario = noisy(1, 1.0, 0.05);
    scenario.system.workload.status_every = Some(SimDuration::from_millis(50));
    let results = results_of(&scenario);
    let card = scorecard(&results, 3);
    let designs: Vec<&str> = card.designs.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(
        designs,
        [
            "orchestrator",
            "choreography",
            "front-controller",
            "stamp-coupling",
            "stateless"
        ]
    );
    let column = |measure: &str| {
        SCORE_COLUMNS
            .iter()
            .position(|c| c.measure.name() == measure)
            .unwrap_or_else(|| panic!("no {measure}"))
    };
    let messages = column("messages_per_workflow");
    // Choreography and stateless send n + 1 messages: first, tied; the orchestrator's
    // 2n + 2 is last.
    assert_eq!(card.cells[1][messages].rank, Some(1));
    assert!(card.cells[1][messages].tied && card.cells[4][messages].tied);
    assert_eq!(card.cells[0][messages].rank, Some(5));
    assert!(!card.cells[0][messages].tied);
    assert!(card.cells[0][messages].render().ends_with("(5)"));
    assert!(card.cells[1][messages].render().ends_with("(1=)"));
    // Nobody answers status in a choreography: 0 %, behind those that answer.
    let status = column("status_answered_ratio");
    assert_eq!(card.cells[0][status].rank, Some(1));
    assert!(card.cells[1][status].rank.is_some_and(|r| r > 1));
    // Coupling: a coordinator is one more component that must be up.
    let coupling = column("coupling_edges");
    assert!(
        card.cells[0][coupling].text.ends_with(" · 4"),
        "{:?}",
        card.cells[0][coupling]
    );
    assert!(
        card.cells[1][coupling].text.ends_with(" · 3"),
        "{:?}",
        card.cells[1][coupling]
    );
    // No faults: the fault columns show nothing and rank nothing.
    let faults = column("fault_affected_workflows");
    assert!(card.cells.iter().all(|cells| cells[faults].rank.is_none()));
    assert!(card.leaders(Attribute::FaultTolerance).is_empty());

    let picks = card.picks().join("\n");
    let state = card.leaders(Attribute::StateManagement);
    assert!(!state.iter().any(|d| d.label == "choreography"), "{picks}");
    assert!(
        picks.contains("if ") && picks.contains("state management"),
        "{picks}"
    );
    let cost = card.leaders(Attribute::Cost);
    assert!(
        cost.iter().any(|d| d.label == "choreography")
            && !cost.iter().any(|d| d.label == "orchestrator"),
        "{picks}"
    );

    let csv = to_csv(&SCORECARD_COLUMNS, &scorecard_rows(&card));
    assert!(
        csv.starts_with("variant,attribute,measure,value,rank,tied\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 5 * SCORE_COLUMNS.len());
    assert!(
        csv.contains("\norchestrator,cost,messages_per_workflow,"),
        "{csv}"
    );
    assert!(
        csv.contains("\nchoreography,fault tolerance,fault_affected_workflows,,,\n"),
        "{csv}"
    );
}
