//! The command line end to end: outputs, formats, determinism across runs and thread
//! counts, help texts, `check` and `schema`.

use std::path::Path;

use crate::common;

use common::sagasim;

fn ok(args: &[&str]) -> String {
    let output = sagasim(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "sagasim {args:?} failed: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const SCENARIO: &str = "scenarios/order-placement.toml";
/// A shorter order placement, so the determinism runs stay quick in debug builds.
const SHORT: [&str; 6] = [
    "--set",
    "scenario.duration=2m",
    "--set",
    "scenario.warmup=10s",
    "--set",
    "faults.0.at=1m",
];

#[test]
fn run_writes_summary_and_timeseries_with_the_designed_columns() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    let mut args = vec!["run", SCENARIO, "--out", &out];
    args.extend(SHORT);
    let table = ok(&args);
    for variant in [
        "orchestrator",
        "choreography",
        "front-controller",
        "stamp-coupling",
        "stateless",
    ] {
        assert!(table.contains(variant), "table lists {variant}:\n{table}");
    }
    let summary = String::from_utf8(read(&dir.path().join("summary.csv"))).unwrap_or_default();
    let header = summary.lines().next().unwrap_or_default();
    assert_eq!(
        header,
        "variant,replication,started,completed,compensated,failed,stuck,throughput_per_s,latency_mean_ms,\
latency_p50_ms,latency_p95_ms,latency_p99_ms,latency_p999_ms,latency_max_ms,messages_per_workflow,\
bytes_per_workflow,status_answered_ratio,status_latency_p50_ms,status_latency_p99_ms,\
status_messages_per_query,status_staleness_steps_mean,coordinator_utilization,max_utilization,\
bottleneck,coupling_edges,coupling_max_peers,events,inconsistent,duplicate_effects,\
retries_per_workflow,dead_letters,time_to_consistency_p50_ms,time_to_consistency_p99_ms,\
coordination,communication,consistency,answer_p50_ms,answer_p99_ms,throughput_per_s_ci95,\
latency_mean_ms_ci95,in_flight_slope_per_min,steady_state,outcome_latency_p50_ms,\
outcome_latency_p95_ms,outcome_latency_p99_ms,outcome_latency_p999_ms,diagnosis"
    );
    assert_eq!(
        summary.lines().count(),
        6,
        "a header and one row per variant"
    );
    let choreography = summary
        .lines()
        .find(|l| l.starts_with("choreography,"))
        .unwrap_or_default();
    let cells: Vec<&str> = choreography.split(',').collect();
    assert_eq!(
        cells[17], "",
        "choreography has no status latency: an empty cell"
    );
    assert!(table.contains("scorecard (rank in brackets"), "{table}");
    let scorecard = String::from_utf8(read(&dir.path().join("scorecard.csv"))).unwrap_or_default();
    assert!(scorecard.starts_with("variant,attribute,measure,value,rank,tied\n"));
    assert_eq!(scorecard.lines().count(), 1 + 5 * 11, "{scorecard}");
    let timeseries =
        String::from_utf8(read(&dir.path().join("timeseries.csv"))).unwrap_or_default();
    assert!(timeseries.starts_with("variant,replication,bucket_start_s,started,completed,compensated,failed,in_flight,latency_p99_ms\n"));
    let rows = timeseries.lines().count() - 1;
    assert!(
        (5 * 200..=5 * 1000).contains(&rows),
        "200–1,000 buckets per variant: {rows}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let mut names: Vec<String> = leftovers
        .iter()
        .map(|n| n.to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "components.csv",
            "differences.csv",
            "faults.csv",
            "latency.png",
            "messages.csv",
            "messages.png",
            "report.md",
            "results.json",
            "run.json",
            "scorecard.csv",
            "summary.csv",
            "timeline.png",
            "timeseries.csv"
        ],
        "every output, and no temporary file left"
    );
    let faults = String::from_utf8(read(&dir.path().join("faults.csv"))).unwrap_or_default();
    // The outage, moved inside the shortened run, is simulated for every design.
    let rows: Vec<&str> = faults.lines().skip(1).collect();
    assert_eq!(rows.len(), 5, "{faults}");
    assert!(
        rows.iter()
            .all(|row| row.contains(",1,crash,inventory,60,65,")),
        "{faults}"
    );
}

#[test]
fn the_same_seed_gives_byte_identical_files_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outputs: Vec<_> = ["1", "2", "2", "5"]
        .iter()
        .enumerate()
        .map(|(index, jobs)| {
            let out = dir.path().join(format!("run{index}"));
            let out_arg = out.to_string_lossy().to_string();
            let mut args = vec![
                "run",
                SCENARIO,
                "--out",
                &out_arg,
                "--jobs",
                jobs,
                "--replications",
                "2",
            ];
            args.extend(SHORT);
            ok(&args);
            (
                read(&out.join("summary.csv")),
                read(&out.join("timeseries.csv")),
                // The reproduce line leaves --jobs out, so the report is the same too
                // (but for the folder each run was told to write to).
                ["report.md", "results.json"].map(|file| {
                    String::from_utf8_lossy(&read(&out.join(file))).replace(&out_arg, "OUT")
                }),
            )
        })
        .collect();
    for other in &outputs[1..] {
        assert!(other.0 == outputs[0].0, "summary.csv differs between runs");
        assert!(
            other.1 == outputs[0].1,
            "timeseries.csv differs between runs"
        );
        assert!(
            other.2 == outputs[0].2,
            "report.md or results.json differs between runs"
        );
    }
    // A different seed really changes the numbers (the comparison above can fail).
    let out = dir.path().join("other-seed");
    let out_arg = out.to_string_lossy().to_string();
    let mut args = vec![
        "run",
        SCENARIO,
        "--out",
        &out_arg,
        "--seed",
        "8",
        "--replications",
        "2",
    ];
    args.extend(SHORT);
    ok(&args);
    assert!(read(&out.join("summary.csv")) != outputs[0].0);
}

#[test]
fn replications_add_mean_and_ci95_rows() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    let mut args = vec!["run", SCENARIO, "--out", &out, "--replications", "3"];
    args.extend(["--variants", "choreography"]);
    args.extend(SHORT);
    let table = ok(&args);
    assert!(table.contains('±'), "the table shows intervals:\n{table}");
    args.extend(["--format", "csv"]);
    let csv = ok(&args);
    let labels: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(labels, ["1", "2", "3", "mean", "ci95"]);
}

#[test]
fn formats_print_the_same_comparison() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    let base = [
        "run",
        SCENARIO,
        "--out",
        &out,
        "--variants",
        "orchestrator,stateless",
        SHORT[0],
        SHORT[1],
        // The outage in the drain, once every workflow has ended: no figure moves.
        "--set",
        "faults.0.at=230s",
    ];
    let json = ok(&[&base[..], &["--format", "json"]].concat());
    let parsed: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(parsed["scenario"], "order-placement");
    assert_eq!(parsed["summary"][0]["variant"], "orchestrator");
    assert_eq!(parsed["summary"][1]["variant"], "stateless");
    assert_eq!(parsed["summary"][1]["status_messages_per_query"], 8.0);
    let markdown = ok(&[&base[..], &["--format", "markdown"]].concat());
    assert!(
        markdown.starts_with("| variant | replication | started |"),
        "{markdown}"
    );
    assert!(
        markdown
            .lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("| --- | ---: |")
    );
    let csv = ok(&[&base[..], &["--format", "csv"]].concat());
    assert_eq!(
        csv.as_bytes(),
        read(&dir.path().join("summary.csv")),
        "--format csv prints summary.csv"
    );
}

#[test]
fn check_prints_the_model_and_each_message_flow() {
    let text = ok(&["check", SCENARIO]);
    // The failures as understood: communication, loss, the policy, each fault's window,
    // and each service's delivery and idempotency.
    for line in [
        "  async communication, atomic consistency; the client's messages by broker delivery",
        "  network: 0 % of messages lost, 0 % delivered twice",
        "  policy: timeout 1s, 2 retries, backoff 200ms × 2 up to 1s, full jitter",
        "    faults[0]: crash inventory, from 5m to 305s (5s)",
        "orchestrator: 8 workers, queue 10000, work \"300us\", journal \"1ms\", query \"200us\", broker delivery",
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}`:\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("name ") && l.ends_with("delivery  idempotent")),
        "{text}"
    );
    assert!(
        text.contains("workflow: order → payment → inventory → shipping"),
        "{text}"
    );
    assert!(
        text.contains("orchestrator (orchestrator · async · atomic): a central orchestrator"),
        "{text}"
    );
    assert!(
        text.contains("  success: 10 messages"),
        "orchestrator: 2n+2"
    );
    assert!(
        text.contains("  failure at step 4 (shipping): 16 messages"),
        "orchestrator: 4k"
    );
    assert!(
        text.contains("  success: 5 messages, 25600 bytes"),
        "stamp coupling carries state"
    );
    assert!(
        text.contains("  status query: 8 messages"),
        "stateless asks all four"
    );
    assert!(
        text.contains("order does compensate (step 1) itself, no message"),
        "front controller"
    );
}

#[test]
fn schema_is_json_schema_of_the_format() {
    let text = ok(&["schema"]);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(schema["title"], "sagasim scenario");
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    for section in ["scenario", "workload", "services", "workflow"] {
        assert!(
            required.iter().any(|r| r == section),
            "{section} is required"
        );
    }
    assert!(
        text.contains("\"lognormal\""),
        "distribution families are described"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    for command in [
        &["--help"][..],
        &["run", "--help"],
        &["check", "--help"],
        &["schema", "--help"],
    ] {
        let text = ok(command);
        assert!(
            text.contains("Example"),
            "{command:?} --help has an example:\n{text}"
        );
    }
}

#[test]
fn bundled_scenarios_all_check_and_open_with_a_comment() {
    let mut files = Vec::new();
    for folder in ["scenarios", "scenarios/sweeps"] {
        let entries = std::fs::read_dir(folder).unwrap_or_else(|e| panic!("{e}"));
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml")),
        );
    }
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            text.starts_with("# "),
            "{} opens with a comment",
            path.display()
        );
        ok(&["check", &path.to_string_lossy()]);
    }
    assert!(
        files.len() >= 8,
        "the core three, four failure scenarios and a sweep: {files:?}"
    );
}

#[test]
fn check_marks_each_patterns_calls_answers_and_one_way_messages() {
    let text = ok(&["check", "scenarios/saga-patterns.toml"]);
    for heading in [
        "epic (orchestrator · sync · atomic)",
        "phone-tag (front-controller · sync · atomic)",
        "fairy-tale (orchestrator · sync · eventual)",
        "time-travel (choreography · sync · eventual)",
        "fantasy-fiction (orchestrator · async · atomic)",
        "horror-story (choreography · async · atomic)",
        "parallel (orchestrator · async · eventual)",
        "anthology (choreography · async · eventual)",
    ] {
        assert!(text.contains(heading), "{heading}:\n{text}");
    }
    let section = |name: &str| {
        let start = text.find(&format!("\n{name} (")).unwrap_or(0);
        let rest = &text[start + 1..];
        let end = rest.find("\n\n").unwrap_or(rest.len());
        rest[..end].to_string()
    };
    let epic = section("epic");
    assert!(epic.contains("orchestrator ⇒ order "), "{epic}");
    assert!(epic.contains("order ⇢ orchestrator "), "{epic}");
    assert!(epic.contains("orchestrator ⇢ client "), "{epic}");
    let phone_tag = section("phone-tag");
    assert!(
        phone_tag.contains("payment → order "),
        "progress is one-way: {phone_tag}"
    );
    assert!(
        phone_tag.contains("payment ⇢ order "),
        "the chain's ack: {phone_tag}"
    );
    let horror = section("horror-story");
    assert!(
        horror.contains("async: every message is one-way"),
        "{horror}"
    );
    assert!(!horror.contains('⇒') && !horror.contains('⇢'), "{horror}");
}

/// A workflow with choices and a parallel block: `check` shows the graph, then every
/// design's flows on each path, each failure walking back along its own path; `--fail-at`
/// counts along the path.
#[test]
fn check_shows_every_designs_flows_on_each_path_through_the_choices() {
    let text = ok(&["check", "scenarios/order-routes.toml", "--fail-at", "3"]);
    assert!(
        text.contains("workflow: 1:order → (80% 2:payment | 20% 3:fraud-check → 4:payment) → [5:inventory ‖ 6:packing] → (30% 7:express-shipping | 70% 8:standard-shipping)"),
        "{text}"
    );
    assert!(text.contains("4 paths, one per workflow"), "{text}");
    // Five designs, four paths each.
    assert_eq!(text.matches("\n  path ").count(), 20, "{text}");
    assert_eq!(
        text.matches(
            "  path order → fraud-check → payment → [inventory ‖ packing] → standard-shipping:"
        )
        .count(),
        5
    );
    // The orchestrator on the fraud-check route, failing at its third step (payment,
    // step 4): it compensates fraud-check (3), then order (1), never step 2.
    let start = text
        .find("  path order → fraud-check → payment → [inventory ‖ packing] → express-shipping:")
        .unwrap();
    let flow = &text[start..start + text[start..].find("status query").unwrap()];
    assert!(
        flow.contains("failure at step 4 (payment): 12 messages"),
        "{flow}"
    );
    assert!(
        flow.contains("orchestrator → fraud-check       compensate (step 3)"),
        "{flow}"
    );
    assert!(!flow.contains("compensate (step 2)"), "{flow}");
    let mermaid = ok(&[
        "check",
        "scenarios/order-routes.toml",
        "--format",
        "mermaid",
    ]);
    assert!(
        mermaid.contains("## stateless (stateless · async · atomic), path order → payment → [inventory ‖ packing] → standard-shipping"),
        "{mermaid}"
    );
    assert_eq!(mermaid.matches("sequenceDiagram").count(), 5 * 4 * 2);
}

#[test]
fn check_draws_mermaid_sequence_diagrams_for_a_chosen_failure() {
    let text = ok(&[
        "check",
        "scenarios/saga-patterns.toml",
        "--format",
        "mermaid",
        "--fail-at",
        "2",
    ]);
    assert_eq!(
        text.matches("sequenceDiagram").count(),
        16,
        "two per pattern"
    );
    assert!(
        text.contains("## epic (orchestrator · sync · atomic)"),
        "{text}"
    );
    assert!(text.contains("### Failure at step 2 (payment)"), "{text}");
    let bad = sagasim(&["check", "scenarios/saga-patterns.toml", "--fail-at", "5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("--fail-at: expected a step from 1 to 4, got 5")
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_is_found_before_simulating() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap_or_else(|e| panic!("{e}"));
    let out = file.join("results").to_string_lossy().to_string();
    let output = sagasim(&["run", SCENARIO, "--out", &out]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot create the output folder {out}")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing was simulated or printed");
}

/// Sentences the CLI used to leave unfinished: a group name given to `trace`, and an
/// output folder below a file.
#[test]
fn trace_refuses_a_group_of_designs_and_a_file_in_the_output_path_is_named() {
    let output = sagasim(&[
        "trace",
        "scenarios/saga-patterns.toml",
        "--variant",
        "patterns",
        "--format",
        "text",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("--variant: `patterns` names 8 designs; trace one of them: epic, phone-tag,"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("afile");
    std::fs::write(&file, b"").unwrap_or_else(|e| panic!("{e}"));
    let out = file.join("sub");
    let output = sagasim(&[
        "run",
        SCENARIO,
        "--out",
        &out.to_string_lossy(),
        "--no-charts",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is a file, not a folder: choose another --out, or move the file",
            file.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("os error"), "{stderr}");
}
