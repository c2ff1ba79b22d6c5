//! Bad input: every malformed scenario or flag exits with code 2 and a message naming the
//! file, line, column and key, never panics, and writes no output files.

use std::path::Path;
use std::process::Output;

use crate::common;

use common::sagasim;

/// (file in tests/malformed, line, column, key, start of the message).
const CASES: &[(&str, usize, usize, &str, &str)] = &[
    (
        // The type error offers the range that is accepted, not `u32`'s (which has 0).
        "workers-not-a-number.toml",
        9,
        11,
        "orchestrator.workers",
        "invalid type: string \"many\", expected a whole number of workers from 1 to 1000000",
    ),
    (
        "fault-slow-factor-below-one.toml",
        25,
        10,
        "faults[0].factor",
        "expected a factor from 1 to 1e6 (a `slow` fault multiplies its target's work: 2 doubles it; below 1 it would speed it up), got 0.5",
    ),
    (
        "messages-base-fraction-of-a-byte.toml",
        24,
        8,
        "messages.base",
        "expected a whole number of bytes, got \"1.5B\"",
    ),
    (
        "policy-max-backoff-below-backoff.toml",
        26,
        15,
        "policy.max_backoff",
        "expected a largest backoff of at least `policy.backoff` (200ms), got 1ns",
    ),
    (
        "arrivals-rate-starts-nothing.toml",
        6,
        12,
        "workload.arrivals.poisson",
        "a rate of 5e-324 workflows per second starts fewer than one workflow in `scenario.duration` (10s); expected at least 0.1",
    ),
    (
        "duration-non-breaking-space.toml",
        17,
        8,
        "services[1].work",
        "expected a duration with a unit",
    ),
    (
        "parallel-empty-branch.toml",
        21,
        44,
        "workflow.steps[1].parallel[1]",
        "expected a service name or a non-empty list of them",
    ),
    (
        "parallel-empty.toml",
        21,
        19,
        "workflow.steps[1].parallel",
        "expected at least one branch: a service name, or a list of them",
    ),
    (
        "parallel-first.toml",
        21,
        10,
        "workflow.steps[0].parallel",
        "a parallel block cannot start the workflow: start with the step that forks it (the client ",
    ),
    (
        "parallel-last.toml",
        21,
        19,
        "workflow.steps[1].parallel",
        "a parallel block cannot end the workflow: add the step that joins its branches (the client",
    ),
    (
        "parallel-twice-in-a-row.toml",
        29,
        19,
        "workflow.steps[1].parallel",
        "two parallel blocks in a row: add a step between them that joins the first",
    ),
    (
        "choice-probabilities-not-one.toml",
        21,
        19,
        "workflow.steps[1].choice",
        "expected the alternatives' probabilities p to sum to 1, got 0.9",
    ),
    (
        "choice-two-without-p.toml",
        22,
        56,
        "workflow.steps[1].choice[1].p",
        "expected p: only one alternative may leave it out (that one takes the rest)",
    ),
    (
        "choice-probability-negative.toml",
        21,
        37,
        "workflow.steps[1].choice[0].p",
        "expected a probability between 0 and 1, got -0.5",
    ),
    (
        "choice-service-reused.toml",
        21,
        96,
        "workflow.steps[1].choice[1].steps[1]",
        "\"order\" already performs a step on the same path (workflow.steps[0]); a service performs at most one step per path",
    ),
    (
        "choice-unknown-service.toml",
        21,
        85,
        "workflow.steps[1].choice[1].steps[0]",
        "no service named \"shipping\"; the services are: order, payment",
    ),
    (
        "choice-misspelt.toml",
        21,
        19,
        "workflow.steps[1]",
        "unknown key `choise`, expected `choice`",
    ),
    (
        "choice-path-without-steps.toml",
        21,
        9,
        "workflow.steps",
        "expected every path to perform at least one step",
    ),
    (
        "choice-first-front-controller.toml",
        4,
        29,
        "scenario.variants[1]",
        "`front-controller` is a front controller: its first service holds the workflow's state, but workflow.steps[0] is a choice",
    ),
    (
        "gamma-cv-too-small.toml",
        8,
        8,
        "services[0].work",
        "gamma needs a cv between 0.000001 and 100 (for less variation use a constant duration), got 1e-200",
    ),
    (
        "service-name-with-comma.toml",
        7,
        8,
        "services[0].name",
        "expected a service name of at most 100 characters without commas, quotes or line breaks",
    ),
    (
        "scenario-name-too-long.toml",
        2,
        8,
        "scenario.name",
        "expected a name of at most 100 letters, digits",
    ),
    (
        "policy-too-many-retries.toml",
        8,
        11,
        "policy.retries",
        "expected at most 1000 retries, got 5000",
    ),
    (
        "arrivals-bare-name.toml",
        6,
        12,
        "workload.arrivals",
        "expected an arrival process: { poisson = 50 } (Poisson, workflows per second) or { constant = 50 } (evenly spaced); found a kind without its value",
    ),
    (
        "arrivals-number.toml",
        6,
        12,
        "workload.arrivals",
        "expected an arrival process: { poisson = 50 } (Poisson, workflows per second) or { constant = 50 } (evenly spaced); found a plain value",
    ),
    (
        "arrivals-two-kinds.toml",
        6,
        12,
        "workload.arrivals",
        "expected an arrival process: { poisson = 50 } (Poisson, workflows per second) or { constant = 50 } (evenly spaced); found several kinds in one table",
    ),
    (
        "design-listed-twice.toml",
        4,
        21,
        "scenario.variants[1]",
        "`epic` is listed twice",
    ),
    (
        "design-shadows-pattern.toml",
        19,
        8,
        "designs[0].name",
        "`epic` is a predefined design;",
    ),
    (
        "design-unknown-pattern.toml",
        20,
        11,
        "designs[0].pattern",
        "unknown pattern `soap-opera`; ",
    ),
    (
        "design-without-coordination.toml",
        18,
        1,
        "designs[0]",
        "expected `coordination` (a st",
    ),
    (
        "bandwidth-in-bytes.toml",
        9,
        13,
        "network.bandwidth",
        "expected a bandwidth with a un",
    ),
    (
        "duplicate-service.toml",
        16,
        8,
        "services[1].name",
        "service \"order\" is already def",
    ),
    (
        "duration-as-number.toml",
        17,
        8,
        "services[1].work",
        "invalid type: integer `20`, ex",
    ),
    (
        "duration-past-100-years.toml",
        3,
        12,
        "scenario.duration",
        "expected a duration of at most",
    ),
    (
        "duration-without-unit.toml",
        3,
        12,
        "scenario.duration",
        "expected a duration with a uni",
    ),
    (
        "empty-steps.toml",
        21,
        9,
        "workflow.steps",
        "expected at least one step",
    ),
    (
        "empty.toml",
        1,
        1,
        "(top level)",
        "missing required key `scenario",
    ),
    (
        "fault-factor-zero.toml",
        25,
        10,
        "faults[0].factor",
        "expected a factor from 1 to 1e6",
    ),
    (
        "fault-after-the-run.toml",
        25,
        6,
        "faults[0].at",
        "expected a start before the run ends at 11s (duration 10s + drain 1s): a fault at 1h would never be simulated",
    ),
    (
        "workers-negative.toml",
        9,
        11,
        "orchestrator.workers",
        "expected a whole number of workers from 1 to 1000000, got -1",
    ),
    (
        "status-queries-string.toml",
        7,
        18,
        "workload.status_queries",
        "invalid type: string \"1s\", expected a table like `{ every = \"500ms\" }`",
    ),
    (
        "pareto-infinite-mean.toml",
        17,
        8,
        "services[1].work",
        "pareto needs a shape greater than 1: with shape ≤ 1 its mean is infinite",
    ),
    (
        "fault-negative-start.toml",
        25,
        6,
        "faults[0].at",
        "expected a duration with a uni",
    ),
    (
        "fault-partition-of-one.toml",
        24,
        13,
        "faults[0].partition",
        "expected two component names, ",
    ),
    (
        "fault-random-partition.toml",
        25,
        8,
        "faults[0].mtbf",
        "random timing (`mtbf`, `mttr`)",
    ),
    (
        "fault-two-kinds.toml",
        23,
        1,
        "faults[0]",
        "expected exactly one of `crash",
    ),
    (
        "fault-unknown-target.toml",
        24,
        9,
        "faults[0].crash",
        "no component named \"paymnt\"; expected \"orchestrator\" or a service (the client cannot fail)",
    ),
    (
        "fault-without-timing.toml",
        23,
        1,
        "faults[0]",
        "expected either `at` and `for`",
    ),
    (
        "lognormal-p99-below-median.toml",
        13,
        8,
        "services[0].work",
        "lognormal needs 0 < median <= ",
    ),
    (
        "loss-above-one.toml",
        24,
        8,
        "network.loss",
        "expected a probability between",
    ),
    (
        "missing-workload.toml",
        1,
        1,
        "(top level)",
        "missing required key `workload",
    ),
    (
        "negative-rate.toml",
        6,
        24,
        "workload.arrivals.poisson",
        "expected a rate in workflows p",
    ),
    (
        "negative-seed.toml",
        3,
        8,
        "scenario.seed",
        "invalid value: integer `-1`, e",
    ),
    (
        "orchestrator-section-missing.toml",
        4,
        29,
        "scenario.variants[1]",
        "`orchestrator` is orchestrated: it needs an [orchestrator] section",
    ),
    (
        "policy-zero-timeout.toml",
        24,
        11,
        "policy.timeout",
        "expected a timeout greater tha",
    ),
    (
        "probability-above-one.toml",
        18,
        8,
        "services[1].fail",
        "expected a probability between",
    ),
    (
        "reserved-service-name.toml",
        16,
        8,
        "services[1].name",
        "expected a service name other ",
    ),
    (
        "scenario-name-with-slash.toml",
        2,
        8,
        "scenario.name",
        "expected a name of at most 100 letters, digits",
    ),
    (
        "steps-not-an-array.toml",
        21,
        9,
        "workflow.steps",
        "invalid type: string \"order\", ",
    ),
    (
        "two-distribution-families.toml",
        13,
        8,
        "services[0].work",
        "a distribution names exactly o",
    ),
    (
        "uniform-reversed.toml",
        13,
        8,
        "services[0].work",
        "uniform bounds must be [low, h",
    ),
    (
        "unknown-arrival-process.toml",
        6,
        14,
        "workload.arrivals",
        "unknown kind `poison`, expecte",
    ),
    (
        "unknown-delivery.toml",
        24,
        12,
        "network.delivery",
        "unknown kind `kafka`, expected",
    ),
    (
        "unknown-distribution.toml",
        13,
        8,
        "services[0].work",
        "unknown kind `expo`, expected ",
    ),
    (
        "unknown-key.toml",
        18,
        1,
        "services[1].fial",
        "unknown key `fial`, expected o",
    ),
    (
        "unknown-link-endpoint.toml",
        10,
        33,
        "network.links[0].dst",
        "no component named \"db\"; expec",
    ),
    (
        "unknown-step-service.toml",
        21,
        19,
        "workflow.steps[1]",
        "no service named \"paymnt\"; the",
    ),
    (
        "unknown-variant.toml",
        4,
        13,
        "scenario.variants[0]",
        "unknown design `orchestra`; e",
    ),
    (
        "unterminated-string.toml",
        2,
        12,
        "(syntax)",
        "invalid TOML: invalid basic st",
    ),
    (
        "warmup-not-shorter-than-duration.toml",
        4,
        10,
        "scenario.warmup",
        "expected a warmup shorter than",
    ),
    (
        "zero-status-interval.toml",
        7,
        28,
        "workload.status_queries.every",
        "expected a duration greater th",
    ),
    (
        "zero-workers.toml",
        9,
        11,
        "orchestrator.workers",
        "expected a whole number of workers from 1 to 1000000, got 0",
    ),
    (
        "replicas-zero.toml",
        10,
        12,
        "services[0].replicas",
        "expected between 1 and 64 replicas, got 0",
    ),
    (
        "replicas-too-many.toml",
        9,
        12,
        "defaults.replicas",
        "expected between 1 and 64 replicas, got 65",
    ),
    (
        "balance-unknown.toml",
        11,
        11,
        "services[0].balance",
        "unknown kind `sticky`, expected one of `round-robin`, `random`, `least-outstanding`, `power-of-two`",
    ),
    (
        "zones-empty.toml",
        10,
        9,
        "services[0].zones",
        "expected at least one zone name (or leave `zones` out)",
    ),
    (
        "zones-repeated.toml",
        10,
        20,
        "services[0].zones[2]",
        "zone \"a\" is named twice",
    ),
    (
        "fault-zone-unknown.toml",
        17,
        8,
        "faults[0].zone",
        "unknown zone \"north\": the zones are \"east\", \"west\"",
    ),
    (
        "fault-replicas-too-many.toml",
        18,
        12,
        "faults[0].replicas",
        "expected between 1 and the 2 replicas `a` runs, got 3",
    ),
    (
        "fault-replicas-on-slow.toml",
        19,
        12,
        "faults[0].replicas",
        "`replicas` belongs to a `crash` fault",
    ),
    (
        "fault-replicas-random.toml",
        19,
        8,
        "faults[0].mtbf",
        "random timing (`mtbf`, `mttr`) is for crashes of a whole component (each replica then fails on its own) or of a zone; give `at` and `for`",
    ),
    (
        "autoscale-min-above-max.toml",
        11,
        21,
        "services[0].autoscale.min",
        "expected a minimum no greater than the maximum (3), got 5",
    ),
    (
        "autoscale-target.toml",
        11,
        24,
        "services[0].autoscale.target",
        "expected a utilisation target in (0, 1], got 1.5",
    ),
    (
        "compensate-unknown.toml",
        9,
        14,
        "orchestrator.compensate",
        "unknown kind `all-at-once`, expected `sequential` or `parallel`",
    ),
    (
        "publish-outbox-direct.toml",
        11,
        11,
        "services[0].publish",
        "expected broker delivery for publish = \"outbox\"",
    ),
    (
        "answer-unknown.toml",
        5,
        10,
        "scenario.answer",
        "unknown kind `echo`, expected `return` or `callback`",
    ),
    (
        "breaker-rate-above-one.toml",
        17,
        28,
        "policy.breaker.failure_rate",
        "expected a failure rate in (0, 1], got 1.5",
    ),
    (
        "breaker-rate-zero.toml",
        17,
        28,
        "policy.breaker.failure_rate",
        "expected a failure rate in (0, 1], got 0",
    ),
    (
        "breaker-window-zero.toml",
        17,
        22,
        "policy.breaker.window",
        "expected a window of 1 to 10000 calls, got 0",
    ),
    (
        "breaker-min-calls-above-window.toml",
        17,
        38,
        "policy.breaker.min_calls",
        "expected between 1 and the window's 10 calls, got 11",
    ),
    (
        "deadline-negative.toml",
        17,
        12,
        "policy.deadline",
        "expected a duration with a unit",
    ),
    (
        "deadline-zero.toml",
        17,
        12,
        "policy.deadline",
        "expected a deadline greater than 0",
    ),
    (
        "overflow-unknown.toml",
        11,
        12,
        "services[0].overflow",
        "unknown kind `bounce`, expected `drop` or `reject`",
    ),
    (
        "autoscale-every-zero.toml",
        11,
        23,
        "services[0].autoscale.every",
        "expected a decision interval greater than 0",
    ),
    (
        "autoscale-start-outside.toml",
        11,
        12,
        "services[0].replicas",
        "expected a starting count between the autoscaler's min (1) and max (4), got 8",
    ),
    (
        "autoscale-unknown-key.toml",
        11,
        33,
        "services[0].autoscale.step",
        "unknown key `step`, expected one of `min`, `max`, `target`, `every`, `startup`, `cooldown`",
    ),
];

fn assert_bad_input(output: &Output, expected: &str, context: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{context}: exit code; stderr: {stderr}"
    );
    assert!(
        stderr.contains(expected),
        "{context}: expected «{expected}» in «{stderr}»"
    );
    assert!(
        !stderr.contains("panicked"),
        "{context}: panicked: {stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "{context}: printed a result on bad input"
    );
}

#[test]
fn every_malformed_scenario_is_located_and_explained() {
    assert!(CASES.len() >= 15);
    let on_disk = std::fs::read_dir("tests/malformed")
        .map(|dir| dir.count())
        .unwrap_or(0);
    assert_eq!(
        on_disk,
        CASES.len(),
        "every file in tests/malformed has an expectation"
    );
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (file, line, column, key, message) in CASES {
        let path = format!("tests/malformed/{file}");
        let expected = format!("{path}:{line}:{column}: {key}: {message}");
        assert_bad_input(&sagasim(&["check", &path]), &expected, file);
        let out_dir = out.path().join(file);
        let out_arg = out_dir.to_string_lossy().to_string();
        assert_bad_input(
            &sagasim(&["run", &path, "--out", &out_arg]),
            &expected,
            file,
        );
        assert!(
            !out_dir.exists(),
            "{file}: run wrote output for a bad scenario"
        );
    }
}

#[test]
fn a_binary_file_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("image.toml");
    let mut bytes = b"[scenario]\nname = \"x\"\n".to_vec();
    bytes.extend_from_slice(&[0x89, b'P', b'N', b'G', 0xff, 0xfe, 0x00, 0x01]);
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let shown = path.to_string_lossy().to_string();
    let output = sagasim(&["check", &shown]);
    assert_bad_input(
        &output,
        &format!("{shown}:3:1: (file): expected a UTF-8 TOML text file"),
        "binary",
    );
    let nul = dir.path().join("nul.toml");
    std::fs::write(&nul, b"[scenario]\n\0\0\0").unwrap_or_else(|e| panic!("{e}"));
    let shown = nul.to_string_lossy().to_string();
    assert_bad_input(
        &sagasim(&["check", &shown]),
        &format!("{shown}:2:1: (file): expected a TOML text file"),
        "nul",
    );
}

#[test]
fn a_missing_file_is_bad_input() {
    let output = sagasim(&["run", "tests/malformed/no-such-file.toml"]);
    assert_bad_input(
        &output,
        "tests/malformed/no-such-file.toml: cannot read the scenario file",
        "missing",
    );
}

/// A swept value's error names --param, where it was given.
#[test]
fn a_bad_sweep_parameter_is_named_as_a_param() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_arg = out.path().join("o").to_string_lossy().to_string();
    let output = sagasim(&[
        "sweep",
        "scenarios/sweeps/load.toml",
        "--param",
        "workload.arrival.poisson=1,2",
        "--out",
        &out_arg,
    ]);
    assert_bad_input(
        &output,
        "--param workload.arrival.poisson=1: workload.arrival: unknown key `arrival`",
        "sweep --param",
    );
}

#[test]
fn bad_flags_are_bad_input() {
    let scenario = "scenarios/order-placement.toml";
    let cases: &[(&[&str], &str)] = &[
        (
            &["--set", "services.payment.fail=1.5"],
            "--set services.payment.fail=1.5: services[1].fail: expected a probability between 0 and 1, got 1.5",
        ),
        (
            &["--set", "services.paymnt.fail=0.1"],
            "--set services.paymnt.fail=0.1: services.paymnt.fail: `services` has no element named `paymnt`",
        ),
        (
            &["--set", "services.payment.fial=0.1"],
            "--set services.payment.fial=0.1: services[1].fial: unknown key `fial`",
        ),
        (
            &["--set", "workload.arrivals.poisson=-3"],
            "--set workload.arrivals.poisson=-3: workload.arrivals.poisson: expected a rate",
        ),
        (&["--set", "nonsense"], "--set nonsense: expected KEY=VALUE"),
        (
            &["--set", "services=[]"],
            "--set services=[]: services: expected at least one [[services]] table",
        ),
        (
            &["--set", "scenario.duration=5"],
            "--set scenario.duration=5: scenario.duration: invalid type: integer `5`, expected a duration with a unit",
        ),
        (
            &["--variants", "orchestrator,chaos"],
            "--variants: unknown design `chaos`",
        ),
        (
            &["--replications", "0"],
            "--replications: expected between 1 and 10000, got 0",
        ),
        (&["--jobs", "0"], "--jobs: expected at least 1 thread"),
        (
            &["--set", "network.links.0.latency=5ms"],
            "--set network.links.0.latency=5ms: network.links.0.latency: `network.links` is not in the scenario, so it has no element 0",
        ),
        (&["--format", "xml"], "invalid value 'xml' for '--format"),
        (&["--seed", "abc"], "invalid value 'abc' for '--seed"),
        (&["--frobnicate"], "unexpected argument '--frobnicate'"),
        // A transposition is one slip: suggested.
        (
            &["--set", "services.payment.fial=0.1"],
            "did you mean `fail`?",
        ),
        // A duration shorter than the file's warmup points at the flag that changed it.
        (
            &["--set", "scenario.duration=10s"],
            "--set scenario.duration=10s: scenario.duration: expected a duration longer than the scenario's warmup (1m), got 10s",
        ),
        (
            &["--set", "workflow.steps=[\"order\", \"paymnet\"]"],
            "did you mean \"payment\"?",
        ),
        (
            &["--set", "faults.0.crash=inventroy"],
            "did you mean \"inventory\"?",
        ),
    ];
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_arg = out.path().join("o").to_string_lossy().to_string();
    for (flags, expected) in cases {
        let mut args = vec!["run", scenario, "--out", &out_arg];
        args.extend_from_slice(flags);
        assert_bad_input(&sagasim(&args), expected, &flags.join(" "));
        assert!(!Path::new(&out_arg).exists(), "{flags:?}: wrote output");
    }
}
