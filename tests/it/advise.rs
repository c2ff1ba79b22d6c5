//! `sagasim advise`: feasibility per SLO (status owners, the orchestrator's extra hops, a
//! marginal bound), dominance on the front, the exit codes, and byte-identical advice
//! whatever the thread count.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{chain_scenario, sagasim, with_workload};

type Row = BTreeMap<String, String>;

struct Advised {
    _dir: tempfile::TempDir,
    out: PathBuf,
    output: Output,
}

impl Advised {
    fn rows(&self) -> Vec<Row> {
        let mut reader = csv::Reader::from_path(self.out.join("advice.csv"))
            .unwrap_or_else(|e| panic!("advice.csv: {e}"));
        let headers = reader.headers().unwrap_or_else(|e| panic!("{e}")).clone();
        reader
            .records()
            .map(|record| {
                let record = record.unwrap_or_else(|e| panic!("{e}"));
                headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }

    fn row(&self, design: &str) -> Row {
        self.rows()
            .into_iter()
            .find(|row| row["design"] == design)
            .unwrap_or_else(|| panic!("no row for {design}"))
    }

    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }
}

/// Run `advise` on `scenario` (a file's text) with `args`, into a fresh folder.
fn advise(scenario: &str, args: &[&str]) -> Advised {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("scenario.toml");
    std::fs::write(&file, scenario).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("advice");
    let (file_arg, out_arg) = (file.to_string_lossy(), out.to_string_lossy());
    let mut all = vec!["advise", &file_arg, "--out", &out_arg];
    all.extend_from_slice(args);
    let output = sagasim(&all);
    Advised {
        _dir: dir,
        out,
        output,
    }
}

fn number(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = `{}` is not a number", row[column]))
}

#[test]
fn only_designs_with_a_status_owner_meet_a_status_slo() {
    let scenario = with_workload(
        &chain_scenario(4, None, ""),
        "status_queries = { every = \"100ms\" }",
    );
    let advised = advise(
        &scenario,
        &[
            "--slo",
            "status>=99%",
            "--slo",
            "p99<=10s",
            "--only",
            "communication=async",
            "--only",
            "consistency=atomic",
        ],
    );
    assert_eq!(
        advised.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&advised.output.stderr)
    );
    for owner in ["fantasy-fiction", "front-controller-async-atomic"] {
        let row = advised.row(owner);
        assert_eq!(row["feasible"], "yes", "{owner}: {row:?}");
        assert!(number(&row, "status_answered_ratio") >= 0.99, "{row:?}");
    }
    // No one owns a choreography's state, and a stamp is not for outside callers: both
    // answer no status query, and that SLO alone rules them out.
    for unowned in ["horror-story", "stamp-coupling-async-atomic"] {
        let row = advised.row(unowned);
        assert_eq!(row["feasible"], "no", "{unowned}: {row:?}");
        assert_eq!(number(&row, "status_answered_ratio"), 0.0);
        assert!(row["violated"].starts_with("status>=99%:"), "{row:?}");
        assert!(!row["violated"].contains("p99"), "{row:?}");
        assert_eq!(row["pareto"], "no");
    }
    let report = std::fs::read_to_string(advised.out.join("advice.md")).unwrap_or_default();
    assert!(
        report.contains("by this SLO alone: horror-story and stamp-coupling-async-atomic"),
        "{report}"
    );
}

#[test]
fn a_latency_bound_excludes_the_orchestrators_extra_hops() {
    // 20 ms a hop, 1 ms a step: choreography's n + 1 = 5 hops take about 104 ms, the
    // orchestrator's 2n + 2 = 10 hops about 204 ms.
    let scenario = chain_scenario(4, None, "\n[network]\nlatency = \"20ms\"\n");
    let advised = advise(
        &scenario,
        &[
            "--slo",
            "p99<=150ms",
            "--only",
            "consistency=atomic",
            "--only",
            "communication=async",
            "--no-charts",
        ],
    );
    assert_eq!(advised.code(), Some(0));
    let orchestrated = advised.row("fantasy-fiction");
    assert_eq!(orchestrated["feasible"], "no");
    let p99 = number(&orchestrated, "outcome_latency_p99_ms");
    assert!((200.0..215.0).contains(&p99), "orchestrator p99 {p99}");
    assert!(
        orchestrated["violated"].starts_with("p99<=150ms:"),
        "{orchestrated:?}"
    );
    let choreographed = advised.row("horror-story");
    assert_eq!(choreographed["feasible"], "yes");
    let p99 = number(&choreographed, "outcome_latency_p99_ms");
    assert!((100.0..110.0).contains(&p99), "choreography p99 {p99}");
    assert!(!advised.out.join("advice.png").exists());
}

#[test]
fn a_bound_within_the_margin_of_a_figure_without_an_interval_is_marginal_and_says_so() {
    // Exactly n + 1 = 5 messages a workflow. One run gives no interval for messages, so a
    // bound within the 1 % practical margin of the value cannot be called either way.
    let scenario = chain_scenario(4, None, "");
    let only = ["--only", "design=horror-story", "--no-charts"];
    let judged = |slo: &str| {
        let mut args = vec!["--slo", slo];
        args.extend(only);
        let row = advise(&scenario, &args).row("horror-story");
        (row["feasible"].clone(), row["violated"].clone())
    };
    let (verdict, why) = judged("messages<=5.02");
    assert_eq!(verdict, "marginal");
    assert!(
        why.contains("within 1 % of the bound, and one run gives no interval"),
        "{why}"
    );
    assert_eq!(judged("messages<=4.98").0, "marginal");
    assert_eq!(judged("messages<=5.2").0, "yes");
    assert_eq!(judged("messages<=4.8").0, "no");
}

#[test]
fn a_p99_bound_at_the_measured_value_is_marginal_from_the_batch_means() {
    let short = [
        "--set",
        "scenario.duration=2m",
        "--set",
        "scenario.warmup=10s",
        "--set",
        "faults=[]",
        "--only",
        "design=anthology",
        "--no-charts",
    ];
    let text = std::fs::read_to_string("scenarios/order-placement.toml").unwrap_or_default();
    let mut args = vec!["--slo", "p99<=1h"];
    args.extend(short);
    let first = advise(&text, &args);
    let p99 = number(&first.row("anthology"), "outcome_latency_p99_ms");
    let at_value = format!("p99<={p99}ms");
    let mut args = vec!["--slo", at_value.as_str()];
    args.extend(short);
    let second = advise(&text, &args);
    let row = second.row("anthology");
    assert_eq!(row["feasible"], "marginal", "{row:?}");
    assert!(row["violated"].contains("straddles the bound"), "{row:?}");
    assert_eq!(
        second.code(),
        Some(5),
        "a marginal candidate is not a feasible one"
    );
}

#[test]
fn a_candidate_worse_on_one_objective_and_equal_on_the_rest_is_off_the_front() {
    let scenario = chain_scenario(4, None, "");
    let advised = advise(
        &scenario,
        &[
            "--slo",
            "p99<=10s",
            "--only",
            "design=fantasy-fiction",
            "--vary",
            "orchestrator.journal=0ms,30ms",
            "--no-charts",
        ],
    );
    assert_eq!(advised.code(), Some(0));
    let rows = advised.rows();
    assert_eq!(rows.len(), 2);
    let fast = rows.iter().find(|r| r["orchestrator.journal"] == "0ms");
    let slow = rows.iter().find(|r| r["orchestrator.journal"] == "30ms");
    let (Some(fast), Some(slow)) = (fast, slow) else {
        panic!("{rows:?}")
    };
    assert!(
        number(slow, "outcome_latency_p99_ms") > number(fast, "outcome_latency_p99_ms") + 100.0
    );
    assert_eq!(fast["messages_per_workflow"], slow["messages_per_workflow"]);
    assert_eq!(
        (fast["pareto"].as_str(), slow["pareto"].as_str()),
        ("yes", "no")
    );
}

#[test]
fn advice_is_byte_identical_for_any_thread_count() {
    let text = std::fs::read_to_string("scenarios/advise-checkout.toml").unwrap_or_default();
    let args = |jobs: &'static str| {
        vec![
            "--slo",
            "p99<=300ms",
            "--slo",
            "status>=99%",
            "--slo",
            "inconsistent<=0%",
            "--set",
            "scenario.duration=90s",
            "--jobs",
            jobs,
        ]
    };
    let one = advise(&text, &args("1"));
    let two = advise(&text, &args("2"));
    // advice.md ends with the command that made it, which names the folder and --jobs.
    let without_command = |bytes: Vec<u8>| {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        text.split("Reproduce:")
            .next()
            .unwrap_or_default()
            .as_bytes()
            .to_vec()
    };
    for file in ["advice.csv", "advice.md", "advice.png"] {
        let read = |out: &Path| without_command(std::fs::read(out.join(file)).unwrap_or_default());
        assert!(!read(&one.out).is_empty(), "{file} written");
        assert!(
            read(&one.out) == read(&two.out),
            "{file} differs between --jobs 1 and 2"
        );
    }
    assert_eq!(one.output.stdout, two.output.stdout);
    assert!(
        String::from_utf8_lossy(&one.output.stdout)
            .contains("against p99<=300ms,status>=99%,inconsistent<=0%")
    );
}

#[test]
fn no_feasible_design_exits_5_with_the_nearest_misses_and_writes_the_advice() {
    let advised = advise(
        &chain_scenario(3, None, ""),
        &["--slo", "p99<=500us", "--no-charts"],
    );
    assert_eq!(advised.code(), Some(5));
    let stdout = String::from_utf8_lossy(&advised.output.stdout);
    assert!(
        stdout.contains("No candidate meets every SLO. The nearest misses:"),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&advised.output.stderr).contains("no candidate meets every SLO")
    );
    assert_eq!(advised.rows().len(), 20);
    assert!(
        advised
            .rows()
            .iter()
            .all(|r| r["feasible"] == "no" && r["pareto"] == "no")
    );
}

#[test]
fn bad_advise_flags_exit_2_and_say_what_was_expected() {
    let scenario = chain_scenario(3, None, "");
    let cases: [(&[&str], &str); 9] = [
        (
            &["--slo", "p98<=1s"],
            "--slo p98<=1s: expected bounds like p99<=500ms",
        ),
        (
            &["--slo", "p99<=1s", "--only", "colour=red"],
            "--only colour=red: expected KEY=VALUES",
        ),
        (
            &["--slo", "p99<=1s", "--only", "design=epik"],
            "--only design=epik: no such design",
        ),
        (
            &["--slo", "status>=99%", "--capacity"],
            "with --capacity: expected at least one latency bound",
        ),
        (
            &["--slo", "p99<=1s", "--vary", "policy.retries"],
            "--vary policy.retries: expected KEY=VALUES",
        ),
        (
            &["--slo", "p99<=1s", "--vary", "scenario.seed=1,2"],
            "scenario.seed cannot be varied: every candidate runs on the same seed",
        ),
        (
            &[
                "--slo",
                "p99<=1s",
                "--vary",
                "scenario.communication=sync,async",
            ],
            "searched already",
        ),
        (
            &["--slo", "p99<=1s", "--vary", "policy.retries=1,1"],
            "`1` is listed twice",
        ),
        (
            &["--slo", "p99<=1s", "--vary", "nonsense.key=1,2"],
            "--vary nonsense.key=1,2 (at 1): nonsense: unknown key",
        ),
    ];
    for (args, expected) in cases {
        let advised = advise(&scenario, args);
        let stderr = String::from_utf8_lossy(&advised.output.stderr);
        assert_eq!(advised.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!advised.out.join("advice.csv").exists());
    }
    let advised = advise(&scenario, &["--slo", "status>=99%"]);
    let stderr = String::from_utf8_lossy(&advised.output.stderr);
    assert_eq!(advised.code(), Some(2), "{stderr}");
    assert!(stderr.contains("polls no status"), "{stderr}");
    let without_orchestrator = scenario.replace("[orchestrator]\nworkers = 64\n", "");
    let advised = advise(&without_orchestrator, &["--slo", "p99<=1s"]);
    assert_eq!(advised.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&advised.output.stderr)
            .contains("--only coordination=choreography")
    );
    let advised = advise(
        &without_orchestrator,
        &[
            "--slo",
            "p99<=1s",
            "--only",
            "coordination=choreography",
            "--no-charts",
        ],
    );
    assert_eq!(advised.code(), Some(0));
    assert_eq!(advised.rows().len(), 4);
}

#[test]
fn capacity_on_the_bundled_outage_scenario_finds_brackets_for_the_candidates_not_ruled_out() {
    let text = std::fs::read_to_string("scenarios/advise-checkout.toml").unwrap_or_default();
    let advised = advise(
        &text,
        &[
            "--slo",
            "p99<=300ms",
            "--only",
            "consistency=eventual",
            "--only",
            "communication=async",
            "--capacity",
            "--precision",
            "0.2",
            "--set",
            "scenario.duration=90s",
            "--no-charts",
        ],
    );
    let stderr = String::from_utf8_lossy(&advised.output.stderr);
    assert_eq!(advised.code(), Some(0), "{stderr}");
    for row in advised.rows() {
        if row["feasible"] == "no" {
            assert_eq!(row["capacity_per_s"], "", "{row:?}");
        } else {
            assert!(number(&row, "capacity_per_s") > 0.0, "{row:?}");
        }
    }
}

#[test]
fn capacity_is_an_objective_with_its_bracket() {
    let scenario = chain_scenario(3, None, "");
    let advised = advise(
        &scenario,
        &[
            "--slo",
            "p99<=50ms",
            "--only",
            "design=horror-story,anthology",
            "--capacity",
            "--precision",
            "0.1",
            "--set",
            "services.s1.workers=1",
            "--no-charts",
        ],
    );
    assert_eq!(advised.code(), Some(0));
    for row in advised.rows() {
        let (low, high) = (
            number(&row, "capacity_per_s"),
            number(&row, "capacity_bracket_high_per_s"),
        );
        assert!(
            low > 10.0 && high > low && high <= low * 1.1 + 1e-9,
            "{row:?}"
        );
    }
}

/// A candidate whose run the memory budget stopped is marked `truncated` in advice.csv,
/// advice.md and run.json, and is infeasible for that reason, not for "no value".
#[test]
fn an_overloaded_candidate_is_marked_truncated_and_rejected_for_it() {
    let scenario = "[scenario]\nname = \"over\"\nseed = 5\nduration = \"60s\"\nvariants = [\"choreography\"]\n\
        [workload]\narrivals = { poisson = 2000 }\n\
        [[services]]\nname = \"a\"\nwork = \"10ms\"\nworkers = 1\n\
        [workflow]\nsteps = [\"a\"]\n";
    let advised = advise(
        scenario,
        &[
            "--slo",
            "p99<=500ms",
            "--only",
            "design=horror-story",
            "--max-memory",
            "8MiB",
            "--no-charts",
        ],
    );
    assert_eq!(advised.code(), Some(5));
    let row = advised.row("horror-story");
    assert_eq!(row["truncated"], "yes");
    assert_eq!(row["feasible"], "no");
    assert!(
        row["violated"].starts_with("not recommendable: its run was stopped by overload"),
        "{row:?}"
    );
    assert!(!row["violated"].contains("no value"), "{row:?}");
    let manifest = std::fs::read_to_string(advised.out.join("run.json")).unwrap_or_default();
    assert!(manifest.contains("\"truncated\": true"), "{manifest}");
    let report = std::fs::read_to_string(advised.out.join("advice.md")).unwrap_or_default();
    assert!(report.contains("**Truncated.**"), "{report}");
}
