//! The CI gate: `run --assert` exits 3 when a bound breaks, after writing the results, names
//! the design, the metric and by how much; holds quietly otherwise; refuses bad assertions
//! with exit 2 before simulating.

use crate::common;

use common::{sagasim, short_sweep};

const BASE: [&str; 6] = [
    "run",
    "scenarios/payment-outage.toml",
    "--set",
    "scenario.duration=5m",
    "--variants",
    "orchestrator,choreography",
];

fn run_with(out: &str, asserts: &[&str]) -> std::process::Output {
    let mut args: Vec<&str> = BASE.to_vec();
    args.extend(["--out", out, "--no-charts"]);
    for assertion in asserts {
        args.extend(["--assert", assertion]);
    }
    sagasim(&args)
}

#[test]
fn a_broken_bound_exits_3_after_writing_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // The outage fails some orchestrated workflows; payments fail for business reasons.
    let output = run_with(
        out,
        &[
            "all.p50<=1h",
            "orchestrator.failed<=0%",
            "choreography.compensated<=0%",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 assertion(s) broken"), "{stderr}");
    assert!(
        stderr.contains("orchestrator.failed<=0%: orchestrator: failed is "),
        "{stderr}"
    );
    assert!(
        stderr.contains("choreography.compensated<=0%: choreography: compensated is "),
        "{stderr}"
    );
    assert!(
        !stderr.contains("all.p99<=1h:"),
        "a bound that holds is not reported"
    );
    assert!(
        dir.path().join("summary.csv").exists(),
        "results written first"
    );
    assert!(dir.path().join("results.json").exists());
    // The value reported is the run's own figure.
    let summary = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    let field = |name: &str| -> f64 {
        row[header.iter().position(|c| *c == name).unwrap()]
            .parse()
            .unwrap()
    };
    let share = 100.0 * field("failed") / field("started");
    assert!(
        stderr.contains(&format!("failed is {share:.3} %")),
        "{share}: {stderr}"
    );
}

#[test]
fn bounds_that_hold_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_with(
        dir.path().to_str().unwrap(),
        &["all.p50<=1s", "all.completed>=90%", "all.throughput>=10/s"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("3 assertion(s) hold"));
}

#[test]
fn bad_assertions_exit_2_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let out = out.to_str().unwrap();
    for (assertion, expected) in [
        ("stateless.p99<=1s", "no design `stateless` runs here"),
        ("all.latency<=1s", "unknown metric `latency`"),
        ("all.failed<=1", "takes a percentage"),
        ("p99<=1s", "no design before the metric"),
    ] {
        let output = run_with(out, &[assertion]);
        assert_eq!(output.status.code(), Some(2), "{assertion}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{assertion}: {stderr}");
        assert!(!std::path::Path::new(out).exists(), "nothing written");
    }
}

/// Sweeps and merges check every point; the breach names the point.
#[test]
fn sweeps_and_merges_check_every_point() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let sweep = |extra: &[&str]| short_sweep(&["workload.arrivals.poisson=50,150"], extra);
    let whole = out("whole");
    let output = sweep(&["--out", &whole, "--assert", "orchestrator.p99<=1ms"]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("orchestrator at workload.arrivals.poisson=50: p99 is ")
            && stderr.contains("orchestrator at workload.arrivals.poisson=150: p99 is "),
        "{stderr}"
    );
    assert!(dir.path().join("whole/sweep.csv").exists());
    let (first, second, merged) = (out("first"), out("second"), out("merged"));
    assert_eq!(
        sweep(&["--out", &first, "--shard", "1/2"]).status.code(),
        Some(0)
    );
    assert_eq!(
        sweep(&["--out", &second, "--shard", "2/2"]).status.code(),
        Some(0)
    );
    let merge = |assertion: &str| {
        sagasim(&[
            "merge",
            &first,
            &second,
            "--out",
            &merged,
            "--no-charts",
            "--assert",
            assertion,
        ])
    };
    assert_eq!(merge("all.p99<=1h").status.code(), Some(0));
    assert_eq!(merge("orchestrator.p99<=1ms").status.code(), Some(3));
    let unknown = merge("nope.p99<=1s");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no design `nope`"));
}
