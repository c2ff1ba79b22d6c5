//! The decision logic behind the scorecard: designs equal by construction are never ranked,
//! a real 5 % difference is, survivor bias and a run that is not at steady state are
//! warned about, and the scorecard ranks, ties and picks from the numbers.

use crate::common;

use common::{chain_scenario, parse, with_workload};
use sagasim::report::{
    Attribute, Basis, Column, SCORE_COLUMNS, SCORECARD_COLUMNS, compare, latency_caption, rank,
    scorecard, scorecard_rows, survivor_bias, to_csv, warnings,
};
use sagasim::results::OutcomeQuantile;
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
fn a_design_that_gives_up_on_its_slowest_workflows_is_never_ranked_ahead_on_latency() {
    // Two designs identical but for the client's deadline: `other` gives up at the base's
    // p95, so about 5 % of its workflows fail, the slowest ones. Its completed-only tail is
    // shorter (survivors); over every workflow its p99 is "failed".
    let base = noisy(1, 1.0, 0.0);
    let p95 = results_of(&base).runs[0]
        .result
        .summary
        .latency_p95_ms
        .unwrap_or_else(|| panic!("the base completes workflows"));
    let mut other = base.clone();
    other.system.workload.timeout = Some(SimDuration::from_nanos_f64(p95 * 1e6));
    let results = side_by_side(&base, &other);
    let summary = |label: &str| {
        &results
            .runs
            .iter()
            .find(|run| run.design.label == label)
            .unwrap_or_else(|| panic!("no {label}"))
            .result
            .summary
    };
    let (gave_up, started) = (summary("other").failed, summary("other").started);
    let share = gave_up as f64 / started as f64;
    assert!((0.03..0.08).contains(&share), "{gave_up} of {started}");
    assert!(summary("other").latency_p99_ms < summary("base").latency_p99_ms);
    assert_eq!(summary("other").outcome_p99, Some(OutcomeQuantile::Failed));
    assert!(matches!(
        summary("base").outcome_p99,
        Some(OutcomeQuantile::Answered(_))
    ));
    // Completed-only, `other` looks faster in the tail; over every workflow it is not
    // ahead on any latency.
    let place = |column: Column, label: &str| {
        rank(&results, column)
            .into_iter()
            .find(|r| r.design.label == label)
            .map(|r| r.rank)
            .unwrap_or_else(|| panic!("{label} unranked on {column:?}"))
    };
    assert!(place(Column::LatencyP99Ms, "other") < place(Column::LatencyP99Ms, "base"));
    for column in [Column::OutcomeLatencyP50Ms, Column::OutcomeLatencyP99Ms] {
        assert!(
            place(column, "other") >= place(column, "base"),
            "{column:?}"
        );
    }
    assert!(
        place(Column::OutcomeLatencyP99Ms, "other") > place(Column::OutcomeLatencyP99Ms, "base")
    );
    // The warning fires, and the tables name what completed-only latency leaves out.
    assert!(survivor_bias(&results));
    let text = warnings(&results).join("\n");
    assert!(text.contains("**Latency compares survivors**"), "{text}");
    let caption = latency_caption(&results, &results.designs[1]);
    assert!(
        caption.starts_with("other (") && caption.ends_with(" % failed or stuck)"),
        "{caption}"
    );
    // The scorecard: `other` shows "failed" at p99, loses more than 1 % and is never
    // picked.
    let card = scorecard(&results, 3);
    let p99 = SCORE_COLUMNS
        .iter()
        .position(|c| c.measure.name() == "outcome_latency_p99_ms")
        .unwrap_or_else(|| panic!("the scorecard ranks the outcome-aware p99"));
    assert_eq!(card.cells[1][p99].text, "failed");
    assert_eq!(card.cells[0][p99].rank, Some(1));
    let picks = card.picks();
    assert!(
        picks
            .iter()
            .filter(|line| line.starts_with("Pick"))
            .all(|line| !line.contains("**other**")),
        "{picks:?}"
    );
    assert!(
        picks
            .iter()
            .any(|line| line.starts_with("Not recommended: **other**")),
        "{picks:?}"
    );

    // Designs that differ only in compensations (business failures, every one answered)
    // lose nothing: whatever the completed-only ranks say, no survivor warning.
    let compensating = side_by_side(&base, &noisy(1, 1.0, 0.1));
    assert!(
        compensating
            .runs
            .iter()
            .all(|r| r.result.summary.failed == 0)
    );
    assert!(!survivor_bias(&compensating));

    // The same design against itself: nothing to warn about.
    let same = side_by_side(&base, &base);
    assert!(!survivor_bias(&same));
    assert!(warnings(&same).is_empty(), "{:?}", warnings(&same));
    assert_eq!(latency_caption(&same, &same.designs[1]), "other");
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
