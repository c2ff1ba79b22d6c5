//! Sweeps, shards, merge, resume, capacity search and paired differences.

mod common;

use std::path::Path;
use std::process::Output;

use common::{ok, sagasim};

const SCENARIO: &str = "scenarios/sweeps/load.toml";
const PARAM: &str = "workload.arrivals.poisson=50..250:50";
/// A shorter sweep so the tests stay quick in debug builds.
const SHORT: [&str; 4] = [
    "--set",
    "scenario.duration=40s",
    "--set",
    "scenario.warmup=5s",
];

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sweep(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_string_lossy().to_string();
    let mut args = vec!["sweep", SCENARIO, "--param", PARAM, "--out", &out];
    args.extend(SHORT);
    args.extend(extra);
    ok(&args)
}

/// The files that must be byte-identical between two sweep outputs.
const OUTPUTS: [&str; 3] = ["sweep.csv", "sweep-latency-p99.png", "sweep-throughput.png"];

#[test]
fn a_sweep_is_byte_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    sweep(
        &dir.path().join("one"),
        &["--jobs", "1", "--replications", "2"],
    );
    sweep(
        &dir.path().join("two"),
        &["--jobs", "2", "--replications", "2"],
    );
    for file in OUTPUTS {
        assert!(
            read(&dir.path().join("one").join(file)) == read(&dir.path().join("two").join(file)),
            "{file}"
        );
    }
    let csv = String::from_utf8(read(&dir.path().join("one/sweep.csv"))).unwrap_or_default();
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("workload.arrivals.poisson,variant,replication,started,"),
        "{header}"
    );
    // 5 points × 2 variants × (2 replications + mean + ci95).
    assert_eq!(csv.lines().count(), 1 + 5 * 2 * 4);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("50,orchestrator,1,")
    );
}

#[test]
fn shards_merge_into_exactly_the_unsharded_bytes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    sweep(&dir.path().join("whole"), &[]);
    let mut shard_dirs = Vec::new();
    for k in 1..=3 {
        let shard_dir = dir.path().join(format!("shard-{k}"));
        let output = sweep(&shard_dir, &["--shard", &format!("{k}/3")]);
        assert!(
            !shard_dir.join("sweep.csv").exists(),
            "a shard alone is incomplete"
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("sagasim merge"));
        shard_dirs.push(shard_dir.to_string_lossy().to_string());
    }
    let merged = dir.path().join("merged").to_string_lossy().to_string();
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(String::as_str));
    args.extend(["--out", &merged]);
    ok(&args);
    for file in OUTPUTS {
        assert!(
            read(&dir.path().join("whole").join(file)) == read(&Path::new(&merged).join(file)),
            "{file}"
        );
    }
    // Merging only some shards says which points are missing.
    let partial = sagasim(&["merge", &shard_dirs[0], &shard_dirs[1], "--out", &merged]);
    assert_eq!(partial.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&partial.stderr).contains("1 of 5 points are missing"),
        "{}",
        String::from_utf8_lossy(&partial.stderr)
    );
}

#[test]
fn an_interrupted_sweep_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("resumed");
    let out_arg = out.to_string_lossy().to_string();
    // A slower sweep, one point at a time, killed once two points are on disk.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sagasim"))
        .args([
            "sweep",
            SCENARIO,
            "--param",
            "workload.arrivals.poisson=20..200:20",
            "--out",
            &out_arg,
            "--jobs",
            "1",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let points = out.join("points");
    let started = std::time::Instant::now();
    loop {
        let done = std::fs::read_dir(&points)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".csv"))
                    .count()
            })
            .unwrap_or(0);
        if done >= 2 || started.elapsed().as_secs() > 120 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(!out.join("sweep.csv").exists(), "killed before the end");
    let output = ok(&[
        "sweep",
        SCENARIO,
        "--param",
        "workload.arrivals.poisson=20..200:20",
        "--out",
        &out_arg,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let skipped: usize = stderr
        .split(" points run, ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        skipped >= 2,
        "the rerun skipped the finished points: {stderr}"
    );
    let clean = dir.path().join("clean").to_string_lossy().to_string();
    ok(&[
        "sweep",
        SCENARIO,
        "--param",
        "workload.arrivals.poisson=20..200:20",
        "--out",
        &clean,
    ]);
    assert!(
        read(&out.join("sweep.csv")) == read(&Path::new(&clean).join("sweep.csv")),
        "nothing lost or duplicated"
    );
}

#[test]
fn bad_sweep_and_capacity_flags_show_the_expected_form() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", SCENARIO, "--param", "workload.arrivals.poisson"],
            "--param workload.arrivals.poisson: expected KEY=VALUES",
        ),
        (
            &["sweep", SCENARIO, "--param", "x=10..1:5"],
            "expected KEY=VALUES",
        ),
        (
            &["sweep", SCENARIO, "--param", PARAM, "--shard", "4/3"],
            "--shard 4/3: expected K/N with 1 <= K <= N",
        ),
        (
            &["sweep", SCENARIO, "--param", "services.payment.fail=0,2"],
            "services[1].fail: expected a probability",
        ),
        (
            &["sweep", SCENARIO, "--param", "services.nope.fail=0.1"],
            "has no element named `nope`",
        ),
        (
            &["capacity", SCENARIO, "--slo", "p98<=1s"],
            "--slo p98<=1s: expected bounds like p99<=500ms",
        ),
        (
            &["capacity", SCENARIO, "--slo", "p99<=soon"],
            "expected bounds like p99<=500ms",
        ),
        (
            &["merge", "/nonexistent-sweep"],
            "not a sweep output folder",
        ),
    ];
    for (args, expected) in cases {
        let output = sagasim(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected «{expected}» in «{stderr}»"
        );
    }
}

#[test]
fn capacity_search_matches_queueing_theory() {
    // Each evaluation simulates 30,000 s (about 150,000–270,000 customers); the search
    // stops within 1 %. The estimate's own noise is about 0.5 % (Whitt's variance for
    // M/M/1), so 3 % is a safe bound that still catches a wrong search or SLO test.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    for (slo, theory) in [("mean<=1s", 9.0), ("p99<=1s", 10.0 - 100f64.ln())] {
        ok(&[
            "capacity",
            "tests/scenarios/capacity-mm1.toml",
            "--slo",
            slo,
            "--out",
            &out,
        ]);
        let csv = String::from_utf8(read(&dir.path().join("capacity.csv"))).unwrap_or_default();
        let row = csv.lines().nth(1).unwrap_or_default().to_string();
        let rate: f64 = row
            .split(',')
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        assert!(
            (rate - theory).abs() <= 0.03 * theory,
            "{slo}: {rate}/s against theory {theory:.3}/s ({row})"
        );
        assert!(row.ends_with(slo), "{row}");
    }
}

#[test]
fn paired_differences_are_written_with_intervals() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    let mut args = vec![
        "run",
        "scenarios/high-load.toml",
        "--out",
        &out,
        "--replications",
        "3",
        "--variants",
        "orchestrator,choreography",
    ];
    args.extend([
        "--set",
        "scenario.duration=1m",
        "--set",
        "scenario.warmup=10s",
    ]);
    ok(&args);
    let csv = String::from_utf8(read(&dir.path().join("differences.csv"))).unwrap_or_default();
    assert!(csv.starts_with("metric,variant_a,variant_b,mean_difference,ci95\n"));
    let p50: Vec<f64> = csv
        .lines()
        .find(|l| l.starts_with("latency_p50_ms,orchestrator,choreography,"))
        .map(|l| {
            l.split(',')
                .skip(3)
                .filter_map(|v| v.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(p50.len(), 2, "{csv}");
    assert!(
        p50[0] > p50[1] && p50[1] > 0.0,
        "the orchestrator is slower, and the interval excludes 0: {p50:?}"
    );
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap_or_default();
    assert!(
        report.contains("choreography's median latency is"),
        "{report}"
    );
    assert!(report.contains("ms lower than orchestrator's."), "{report}");
}
