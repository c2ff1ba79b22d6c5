//! The CI gate: `run --assert` exits 3 when a bound breaks, after writing the results, names
//! the design, the metric and by how much; holds quietly otherwise; refuses bad assertions
//! with exit 2 before simulating.

mod common;

use common::sagasim;

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
            "all.p99<=1h",
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
