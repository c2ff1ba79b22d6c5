//! Reports: CSV and Markdown snapshots (insta), PNG charts that decode, have the right size
//! and are byte-identical for the same input, and the data series behind each chart,
//! tested apart from the pixels.

use crate::common;

use common::{chain_scenario, parse, sagasim, with_workload};
use sagasim::designs::message_flows;
use sagasim::report::charts::{
    HEIGHT, TIMELINE_POINTS, WIDTH, latency_series, message_bars, nines, timeline_data,
};
use sagasim::report::{
    FAULT_COLUMNS, MESSAGE_COLUMNS, ReportInputs, SUMMARY_COLUMNS, design_diagrams, fault_rows,
    latency_png, message_rows, messages_png, render_report, sequence_diagram, standing_out,
    summary_rows, timeline_png, to_csv,
};
use sagasim::results::MessageCategory;
use sagasim::scenario::DurationDistribution;
use sagasim::time::SimDuration;
use sagasim::{Coordination, RunOptions, Scenario, ScenarioResults, run};

/// A small, fully deterministic scenario that exercises every report section: business
/// failures, status queries, a fault, and two replications.
fn scenario() -> Scenario {
    let text = with_workload(
        &chain_scenario(3, None, ""),
        "status_queries = { every = \"5ms\" }",
    ) + "\n[[faults]]\ncrash = \"s2\"\nat = \"5s\"\nfor = \"1s\"\n";
    let mut scenario = parse(&text);
    scenario.replications = 2;
    for service in &mut scenario.system.services {
        service.work = DurationDistribution::Exponential {
            mean: SimDuration::from_millis(2),
        };
    }
    scenario.system.services[1].fail = 0.1;
    scenario
}

fn results() -> (Scenario, ScenarioResults) {
    let scenario = scenario();
    let results = run(&scenario, &RunOptions::default());
    (scenario, results)
}

#[test]
fn csv_reports_match_their_snapshots() {
    let (_, results) = results();
    crate::common::snapshot::assert_snapshot(
        "summary_csv",
        &to_csv(&SUMMARY_COLUMNS, &summary_rows(&results)),
    );
    crate::common::snapshot::assert_snapshot(
        "messages_csv",
        &to_csv(&MESSAGE_COLUMNS, &message_rows(&results)),
    );
    crate::common::snapshot::assert_snapshot(
        "faults_csv",
        &to_csv(&FAULT_COLUMNS, &fault_rows(&results)),
    );
}

#[test]
fn the_markdown_report_matches_its_snapshot() {
    let (scenario, results) = results();
    let flows = scenario.design_flows(None);
    let inputs = ReportInputs {
        scenario: &scenario,
        command: "sagasim run chain.toml".to_string(),
        charts: true,
        chart_format: sagasim::report::ChartFormat::Png,
        flows: &flows,
    };
    crate::common::snapshot::assert_snapshot("report_md", &render_report(&results, &inputs));
}

#[test]
fn what_stands_out_is_computed_from_the_numbers() {
    let (_, results) = results();
    let lines = standing_out(&results).join("\n");
    // Designs the data cannot tell apart are grouped, never ranked.
    assert!(
        lines.contains(
            "**messages per workflow** (lower is better): choreography, stamp-coupling, stateless (3.90) are best, indistinguishable from each other; then front-controller (5.61); then orchestrator (7.80)."
        ),
        "{lines}"
    );
    // Equal on the same random numbers: no best.
    assert!(
        lines.contains("**median latency over every workflow (failed and stuck ones slowest)**: no design is distinguishable from another: orchestrator, choreography, front-controller, stamp-coupling, stateless"),
        "{lines}"
    );
    assert!(!lines.contains("best is"), "{lines}");
    assert!(
        lines.contains("**cannot answer status queries**: choreography, stamp-coupling"),
        "{lines}"
    );
    // One bottleneck sentence for the designs it limits, not one per design.
    assert_eq!(lines.matches("**bottleneck**").count(), 1, "{lines}");
    assert!(
        lines.contains("**bottleneck**: s1 for every design"),
        "{lines}"
    );
}

#[test]
fn charts_decode_have_the_designed_size_and_are_byte_identical() {
    let (_, results) = results();
    let again = run(
        &scenario(),
        &RunOptions {
            jobs: Some(1),
            trace: false,
            on_run_done: None,
            ..RunOptions::default()
        },
    );
    type Render = fn(&ScenarioResults, &str) -> Result<Vec<u8>, sagasim::report::ChartError>;
    let charts: [(&str, Render); 3] = [
        ("latency", latency_png),
        ("timeline", timeline_png),
        ("messages", messages_png),
    ];
    for (name, render) in charts {
        let bytes = render(&results, "chain").unwrap_or_else(|e| panic!("{e}"));
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.clone()));
        let mut reader = decoder
            .read_info()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut pixels = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let frame = reader
            .next_frame(&mut pixels)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((frame.width, frame.height), (WIDTH, HEIGHT), "{name}");
        let distinct: std::collections::BTreeSet<&[u8]> = pixels.chunks(3).collect();
        assert!(
            distinct.len() > 20,
            "{name}: something was drawn ({} colours)",
            distinct.len()
        );
        let repeat = render(&again, "chain").unwrap_or_else(|e| panic!("{e}"));
        assert!(bytes == repeat, "{name}: same input, same bytes");
    }
}

#[test]
fn the_latency_series_is_the_percentile_ladder() {
    let (_, results) = results();
    let series = latency_series(&results);
    assert_eq!(series.len(), Coordination::ALL.len());
    for line in &series {
        assert_eq!(
            line.points.first().map(|p| p.0),
            Some(0.0),
            "starts at the minimum"
        );
        assert!((line.points[2].0 - nines(0.5)).abs() < 1e-12);
        assert!(
            line.points
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
            "{line:?}"
        );
        let summary = &results
            .runs
            .iter()
            .find(|r| r.design.label == line.label && r.replication == 1)
            .map(|r| &r.result.summary);
        let p99 = line
            .points
            .iter()
            .find(|p| (p.0 - 2.0).abs() < 1e-9)
            .map(|p| p.1);
        assert_eq!(
            p99,
            summary.and_then(|s| s.latency_p99_ms),
            "{}: the p99 point is the summary's",
            line.label
        );
    }
}

#[test]
fn the_timeline_aggregates_buckets_without_losing_completions() {
    let (_, results) = results();
    let data = timeline_data(&results);
    assert_eq!(data.faults, vec![(5.0, 6.0)]);
    for (line, run) in data
        .completed_per_s
        .iter()
        .zip(results.runs.iter().filter(|r| r.replication == 1))
    {
        assert!(line.points.len() <= TIMELINE_POINTS);
        let buckets = &run.result.timeseries;
        let width = buckets[1].start.as_secs_f64() - buckets[0].start.as_secs_f64();
        let group = buckets.len().div_ceil(TIMELINE_POINTS);
        // Rate × group duration, summed, gives back every completion.
        let total: f64 = line
            .points
            .iter()
            .zip(buckets.chunks(group))
            .map(|(point, chunk)| point.1 * width * chunk.len() as f64)
            .sum();
        let completed: u64 = buckets.iter().map(|b| b.completed).sum();
        assert!(
            (total - completed as f64).abs() < 1e-6,
            "{}: {total} vs {completed}",
            run.design
        );
    }
}

#[test]
fn the_message_bars_add_up_to_the_summary() {
    let (_, results) = results();
    for (variant, shares) in message_bars(&results) {
        let summary = &results
            .runs
            .iter()
            .find(|r| r.design == *variant && r.replication == 1)
            .map(|r| r.result.summary.clone());
        let workflow: f64 = shares
            .iter()
            .filter(|s| s.category != MessageCategory::Status)
            .map(|s| s.messages_per_workflow)
            .sum();
        let bytes: f64 = shares
            .iter()
            .filter(|s| s.category != MessageCategory::Status)
            .map(|s| s.bytes_per_workflow)
            .sum();
        let expected = summary
            .as_ref()
            .and_then(|s| s.messages_per_workflow)
            .unwrap_or_default();
        assert!(
            (workflow - expected).abs() < 1e-9,
            "{variant}: {workflow} vs {expected}"
        );
        let expected = summary
            .as_ref()
            .and_then(|s| s.bytes_per_workflow)
            .unwrap_or_default();
        assert!(
            (bytes - expected).abs() < 1e-6,
            "{variant}: {bytes} vs {expected}"
        );
        let commands = shares
            .iter()
            .find(|s| s.category == MessageCategory::Command)
            .map_or(0.0, |s| s.messages_per_workflow);
        assert_eq!(
            commands > 0.0,
            variant.coordination == Coordination::Orchestrator,
            "{variant}: only the orchestrator commands"
        );
    }
}

#[test]
fn no_charts_skips_the_pngs_and_the_report_does_not_embed_them() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    let output = sagasim(&[
        "run",
        "scenarios/order-placement.toml",
        "--out",
        &out,
        "--no-charts",
        "--set",
        "scenario.duration=1m",
        "--set",
        "scenario.warmup=0s",
        "--set",
        "faults.0.at=30s",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!dir.path().join("latency.png").exists());
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap_or_default();
    assert!(!report.contains(".png"), "{report}");
    assert!(
        report.contains("sagasim run scenarios/order-placement.toml --out"),
        "the command that reproduces it"
    );
}

#[test]
fn the_binary_links_no_font_library() {
    let binary = env!("CARGO_BIN_EXE_sagasim");
    let Ok(output) = std::process::Command::new("ldd").arg(binary).output() else {
        return; // no ldd on this system: nothing to check with
    };
    let libraries = String::from_utf8_lossy(&output.stdout);
    for library in ["fontconfig", "freetype", "libpng", "libz"] {
        assert!(
            !libraries.contains(library),
            "{} links {library}:\n{libraries}",
            binary
        );
    }
}

#[test]
fn sequence_diagrams_draw_the_flows_check_prints() {
    let text = chain_scenario(3, None, "").replace(
        "seed = 3\n",
        "seed = 3\nvariants = [\"epic\", \"phone-tag\", \"horror-story\"]\n",
    );
    let scenario = parse(&text);
    for design in &scenario.designs {
        for failed_step in 0..3 {
            let flows = message_flows(&scenario.system, design, 0, Some(failed_step));
            for messages in [&flows.success, &flows.failure] {
                let diagram = sequence_diagram(&scenario.system, design, messages);
                let arrows: Vec<&str> = diagram.lines().filter(|l| l.contains(": ")).collect();
                let sent = messages.iter().filter(|m| !m.local).count();
                let notes = diagram.lines().filter(|l| l.contains("Note over")).count();
                assert_eq!(arrows.len() - notes, sent, "{design}:\n{diagram}");
                let answers = arrows.iter().filter(|l| l.contains("-->>")).count();
                let calls = arrows.iter().filter(|l| l.contains("->>")).count() - answers;
                if design.label == "horror-story" {
                    assert_eq!(calls + answers, 0, "async: every arrow one-way:\n{diagram}");
                } else {
                    assert!(calls > 0 && answers > 0, "{design}:\n{diagram}");
                }
            }
        }
    }
    let epic = &scenario.designs[0];
    let flows = message_flows(&scenario.system, epic, 0, Some(1));
    crate::common::snapshot::assert_snapshot(
        "mermaid_epic",
        &design_diagrams(&scenario.system, epic, &flows, 3),
    );
}
