//! Sweeps, shards, merge, resume, capacity search and paired differences.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::{names, ok, sagasim};

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
    // A slower sweep, one point at a time, killed once two points are on disk (37 points,
    // so that a fast machine cannot finish them all between two looks at the folder).
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sagasim"))
        .args([
            "sweep",
            SCENARIO,
            "--param",
            "workload.arrivals.poisson=20..200:5",
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
        "workload.arrivals.poisson=20..200:5",
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
        "workload.arrivals.poisson=20..200:5",
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
            &[
                "capacity",
                SCENARIO,
                "--slo",
                "p99<=1s",
                "--precision",
                "1e-17",
            ],
            "--precision: expected a fraction from 0.000001 to below 1, like 0.01, got 1e-17",
        ),
        (
            &[
                "sweep",
                SCENARIO,
                "--param",
                "workload.arrivals.poisson=0..1e300:1e-300",
            ],
            "is too many (at most 100,000)",
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
        // The row: design, rate, the SLO, then the bottleneck (the one station) and how busy.
        assert!(row.contains(&format!(",{slo},station,")), "{row}");
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
        report.contains("choreography's median latency over every workflow is"),
        "{report}"
    );
    assert!(report.contains("ms lower than orchestrator's."), "{report}");
}

/// The "N points run, M already done" line of a sweep's stderr, as (N, M).
fn counts(output: &Output) -> (usize, usize) {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let number = |text: &str| text.split(' ').next().and_then(|n| n.parse().ok());
    let ran = stderr
        .lines()
        .find(|l| l.contains(" points run, "))
        .and_then(number);
    let done = stderr.split(" points run, ").nth(1).and_then(number);
    ran.zip(done)
        .unwrap_or_else(|| panic!("no counts in: {stderr}"))
}

/// A sweep is identified by what it simulates, not by the path it was read from: editing
/// the scenario makes a rerun into the same folder refuse (or start over with --force),
/// while the same file reached by another path resumes.
#[test]
fn a_sweep_folder_never_mixes_two_sweeps() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let copy = dir.path().join("load.toml");
    std::fs::copy(SCENARIO, &copy).unwrap_or_else(|e| panic!("{e}"));
    let copy_arg = copy.to_string_lossy().to_string();
    let out = dir.path().join("out").to_string_lossy().to_string();
    let args = |file: &str, extra: &[&str]| {
        let mut args: Vec<String> = ["sweep", file, "--param", PARAM, "--out", &out]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(SHORT.iter().chain(extra).map(|s| s.to_string()));
        args
    };
    let run = |file: &str, extra: &[&str]| {
        let args = args(file, extra);
        sagasim(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(counts(&run(&copy_arg, &[])), (5, 0));
    // The same content through another path: everything is already done.
    let other_path = format!("{}/../{}/load.toml", dir.path().display(), {
        dir.path()
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    });
    assert_eq!(counts(&run(&other_path, &[])), (0, 5));
    // An edited scenario (one service's workers) is another sweep.
    let text = std::fs::read_to_string(&copy).unwrap_or_default();
    let edited = text.replacen("workers = 16", "workers = 15", 1);
    assert_ne!(edited, text, "the edit must change the scenario");
    std::fs::write(&copy, edited).unwrap_or_else(|e| panic!("{e}"));
    let refused = run(&copy_arg, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("holds the results of a different sweep"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // So is the same file with another --set.
    let refused = run(&other_path, &["--set", "scenario.seed=99"]);
    assert_eq!(refused.status.code(), Some(2));
    let forced = run(&copy_arg, &["--force"]);
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(counts(&forced), (5, 0), "--force starts over");
}

/// A point file cut off, emptied or overwritten is found out: the sweep runs it again and
/// the result equals a clean run; merge refuses it by name.
#[test]
fn damaged_point_files_are_rerun_by_sweep_and_refused_by_merge() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clean = dir.path().join("clean");
    sweep(&clean, &[]);
    let damaged = dir.path().join("damaged");
    sweep(&damaged, &[]);
    let point = |i: usize| damaged.join("points").join(format!("{i:06}.csv"));
    let whole = std::fs::read_to_string(point(1)).unwrap_or_default();
    std::fs::write(point(1), &whole[..whole.len() - 30]).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(point(2), "").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(point(3), "garbage\n").unwrap_or_else(|e| panic!("{e}"));
    let merged = dir.path().join("merged").to_string_lossy().to_string();
    let refused = sagasim(&["merge", &damaged.to_string_lossy(), "--out", &merged]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(
        stderr.contains("000001.csv is damaged (cut off"),
        "{stderr}"
    );
    let repaired = sweep(&damaged, &[]);
    assert_eq!(
        counts(&repaired),
        (3, 2),
        "the three damaged points ran again"
    );
    for file in OUTPUTS {
        assert!(
            read(&clean.join(file)) == read(&damaged.join(file)),
            "{file}: the repaired sweep equals a clean one"
        );
    }
}

/// A hand-edited sweep.json is an error with a message, not a panic or an endless loop.
#[test]
fn a_malformed_manifest_is_bad_input() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    sweep(&out, &[]);
    let manifest = std::fs::read_to_string(out.join("sweep.json")).unwrap_or_default();
    for (edit, expected) in [
        (
            manifest.replacen("\"points\": 5", "\"points\": 1000000000000", 1),
            "it claims 1000000000000 points, but its parameters make a grid of 5",
        ),
        (
            {
                let start = manifest.find("\"params\"").unwrap_or(0);
                let end = manifest[start..].find("],\n  \"variants\"").unwrap_or(0) + start;
                format!("{}\"params\": [{}", &manifest[..start], &manifest[end..])
            },
            "it names no swept parameter",
        ),
    ] {
        std::fs::write(out.join("sweep.json"), edit).unwrap_or_else(|e| panic!("{e}"));
        let output = sagasim(&["merge", &out.to_string_lossy()]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(stderr.contains(expected), "{stderr}");
    }
}

/// A sweep's assembled outputs (`sweep.csv`, `sweep.json` with its results, the charts)
/// are swapped in as a set, like a run's files (issue 11): a rerun replaces them as a whole,
/// carries the point files over untouched, and leaves no staging folder, lock or scratch.
#[test]
fn a_sweeps_assembled_outputs_are_replaced_as_a_set() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let out_arg = out.to_string_lossy().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            SCENARIO,
            "--param",
            "workload.arrivals.poisson=50,150",
            "--out",
            &out_arg,
        ];
        args.extend(SHORT);
        args.extend(extra);
        ok(&args)
    };
    assert_eq!(counts(&run(&[])), (2, 0));
    assert!(out.join("sweep-throughput.png").exists());
    let csv = read(&out.join("sweep.csv"));
    let document = read(&out.join("sweep.json"));
    let point = read(&out.join("points/000001.csv"));
    // What an interrupted run may leave: a staging folder beside, scratch files inside.
    std::fs::create_dir_all(dir.path().join(".out.new")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join(".tmp-1-sweep.csv"), "half").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join("points/.tmp-1-000000.csv"), "half").unwrap_or_else(|e| panic!("{e}"));
    // Without charts this time: the old charts do not linger beside the new set.
    assert_eq!(counts(&run(&["--no-charts"])), (0, 2));
    assert_eq!(names(&out), ["points", "sweep.csv", "sweep.json"]);
    assert_eq!(
        names(&out.join("points")),
        ["000000.csv", "000001.csv"],
        "both points carried over, the scratch file left behind"
    );
    assert!(read(&out.join("points/000001.csv")) == point);
    assert!(read(&out.join("sweep.csv")) == csv);
    assert!(
        read(&out.join("sweep.json")) == document,
        "sweep.json keeps its results"
    );
    assert_eq!(names(dir.path()), ["out"], "no lock, no staging left");
}
