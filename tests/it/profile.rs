//! Load profiles (`[workload] profile`): a Poisson stream drawn by thinning has the rate's
//! integral as its expected count; a constant stream follows the steps of its profile
//! exactly; bad profiles are refused with the key; a profile read from a file is written
//! into the effective scenario and reads back the same.

use crate::common;

use common::{chain_scenario, parse, with_workload};
use sagasim::{RunOptions, Scenario, run};

/// 20/s rising to 200/s over 10 s, held 5 s, falling to 0 over 3 s: 2,400 expected in 20 s.
const RAMP: &str = r#"profile = [{ at = "0s", rate = 20 }, { at = "10s", rate = 200 }, { at = "15s", rate = 200 }, { at = "18s", rate = 0 }]"#;
const RAMP_INTEGRAL: f64 = 1_100.0 + 1_000.0 + 300.0;

fn one_design(text: &str) -> String {
    text.replacen(
        "[scenario]\n",
        "[scenario]\nvariants = [\"choreography\"]\n",
        1,
    )
}

fn started(text: &str) -> u64 {
    let results = run(&parse(text), &RunOptions::default());
    results.runs[0].result.summary.started
}

#[test]
fn a_poisson_profile_starts_its_integral_within_three_sigma() {
    let base = one_design(&with_workload(&chain_scenario(1, None, ""), RAMP)).replacen(
        "arrivals = { constant = 10 }",
        "arrivals = { poisson = 10 }",
        1,
    );
    let counts: Vec<f64> = (1..=20)
        .map(|seed| started(&base.replacen("seed = 3", &format!("seed = {seed}"), 1)) as f64)
        .collect();
    let sigma = RAMP_INTEGRAL.sqrt();
    for count in &counts {
        assert!(
            (count - RAMP_INTEGRAL).abs() <= 4.0 * sigma,
            "{count} against {RAMP_INTEGRAL}"
        );
    }
    let mean = counts.iter().sum::<f64>() / counts.len() as f64;
    assert!(
        (mean - RAMP_INTEGRAL).abs() <= 3.0 * sigma / (counts.len() as f64).sqrt(),
        "mean {mean} against {RAMP_INTEGRAL}"
    );
    // Not a constant stream in disguise: the counts vary from seed to seed.
    assert!(counts.iter().any(|c| *c != counts[0]), "{counts:?}");
    // And the shape in time, not just the total: the first 5 s (expected 20·5 + 18·25/2 =
    // 325) against 10–15 s at 200/s (1,000), and nothing after 18 s.
    let results = run(&parse(&base), &RunOptions::default());
    let series = &results.runs[0].result.timeseries;
    let width = series[1].start.as_secs_f64() - series[0].start.as_secs_f64();
    let started_between = |from: f64, to: f64| -> u64 {
        series
            .iter()
            .filter(|b| b.start.as_secs_f64() >= from && b.start.as_secs_f64() + width <= to)
            .map(|b| b.started)
            .sum()
    };
    let early = started_between(0.0, 5.0) as f64;
    let peak = started_between(10.0, 15.0) as f64;
    assert!(
        (early - 325.0).abs() <= 4.0 * 325f64.sqrt(),
        "first 5 s: {early}"
    );
    assert!(
        (peak - 1000.0).abs() <= 4.0 * 1000f64.sqrt(),
        "10–15 s: {peak}"
    );
    assert_eq!(started_between(18.0, 20.0), 0);
}

/// The designed flow of one workflow (`check`, report.md's diagrams, the handlers count)
/// does not depend on the load: a profile that starts at rate 0 still shows every message.
#[test]
fn a_profile_starting_at_zero_leaves_the_designed_flows_whole() {
    let quiet = r#"profile = [{ at = "0s", rate = 0 }, { at = "60s", rate = 5 }]"#;
    let with = parse(&with_workload(&chain_scenario(3, None, ""), quiet));
    let without = parse(&chain_scenario(3, None, ""));
    let flows = |scenario: &Scenario| format!("{:?}", scenario.design_flows(None));
    assert_eq!(flows(&with), flows(&without));
}

/// A constant stream whose profile steps from 10/s to 40/s at 10 s: each one-second
/// bucket starts exactly the profile's rate.
#[test]
fn a_constant_profile_follows_its_steps() {
    let step = r#"profile = [{ at = "0s", rate = 10 }, { at = "10s", rate = 10 }, { at = "10.001s", rate = 40 }]"#;
    let text = one_design(&with_workload(&chain_scenario(1, None, ""), step)).replacen(
        "drain = \"20s\"",
        "drain = \"20s\"\nbucket = \"1s\"",
        1,
    );
    let results = run(&parse(&text), &RunOptions::default());
    let series = &results.runs[0].result.timeseries;
    let per_second: Vec<u64> = series.iter().take(20).map(|b| b.started).collect();
    for (second, count) in per_second.iter().enumerate() {
        let expected: &[u64] = match second {
            // The n-th arrival is at exactly n/10 s: the tenth opens the second bucket.
            0 => &[9],
            1..=9 => &[10],
            // The bucket holding the 1 ms ramp may gain or lose one to the rounding.
            10 => &[39, 40, 41],
            _ => &[40],
        };
        assert!(
            expected.contains(count),
            "second {second}: {count} ({per_second:?})"
        );
    }
    let total: u64 = per_second.iter().sum();
    assert!(
        (total as f64 - (100.0 + 40.0 * 10.0)).abs() <= 1.0,
        "{total}"
    );
}

#[test]
fn bad_profiles_are_refused_with_their_key() {
    let cases = [
        (
            r#"profile = [{ at = "1m", rate = 5 }, { at = "30s", rate = 9 }]"#,
            "workload.profile[1].at",
            "expected a time after the previous point's (60 s)",
        ),
        (
            r#"profile = [{ at = "0s", rate = -5 }]"#,
            "workload.profile[0].rate",
            "expected a rate in workflows per second, from 0 to 1e9",
        ),
        (
            r#"profile = []"#,
            "workload.profile",
            "expected at least one point",
        ),
        (
            r#"profile = [{ at = "0s", rate = 0 }]"#,
            "workload.profile",
            "expected some rate above 0",
        ),
        (
            r#"profile = { file = "no-such-rates.csv" }"#,
            "workload.profile.file",
            "cannot read",
        ),
        (
            r#"profile = [{ at = "0s", rat = 5 }]"#,
            "workload.profile[0].rat",
            "unknown key `rat`",
        ),
        (
            r#"profile = 5"#,
            "workload.profile",
            "a list of points like",
        ),
    ];
    for (line, key, message) in cases {
        let text = with_workload(&chain_scenario(1, None, ""), line);
        let error = Scenario::from_toml_str(&text)
            .err()
            .unwrap_or_else(|| panic!("{line} accepted"));
        assert_eq!(error.key, key, "{line}: {error}");
        assert!(error.message.contains(message), "{line}: {error}");
    }
}

/// A recorded rate in a file beside the scenario: read with its rows, refused at the row
/// that breaks, and written into the effective scenario as points that read back the same.
#[test]
fn a_profile_file_is_read_beside_the_scenario_and_inlined_when_written_back() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let scenario_path = dir.path().join("ramp.toml");
    let text = with_workload(
        &chain_scenario(1, None, ""),
        r#"profile = { file = "rates.csv" }"#,
    );
    std::fs::write(&scenario_path, &text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("rates.csv"),
        "seconds,rate\n0,20\n5,80\n12.5,0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let scenario = Scenario::load(&scenario_path, &[]).unwrap_or_else(|e| panic!("{e}"));
    let profile = scenario
        .system
        .workload
        .profile
        .as_ref()
        .unwrap_or_else(|| panic!("no profile"));
    assert_eq!(profile.points(), [(0.0, 20.0), (5.0, 80.0), (12.5, 0.0)]);
    let effective = sagasim::scenario::effective_scenario(&scenario);
    let table: toml::Table = serde_json::from_value(effective).unwrap_or_else(|e| panic!("{e}"));
    let again = parse(&toml::to_string(&table).unwrap_or_default());
    assert_eq!(again.system, scenario.system);
    // A row that goes back in time is refused at its line.
    std::fs::write(
        dir.path().join("rates.csv"),
        "seconds,rate\n0,20\n5,80\n4,10\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let error = Scenario::load(&scenario_path, &[])
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(error.key, "workload.profile.file");
    assert!(
        error
            .message
            .contains("rates.csv:4: expected a `seconds,rate` row later than the row before it"),
        "{error}"
    );
    // Editing the rows makes another configuration: the rerun needs --force.
    let folder = dir.path().join("profiled");
    let folder_arg = folder.to_string_lossy().to_string();
    let run_it = |extra: &[&str]| {
        let mut args = vec![
            "run",
            scenario_path.to_str().unwrap_or_default(),
            "--out",
            &folder_arg,
            "--no-charts",
        ];
        args.extend_from_slice(extra);
        common::sagasim(&args)
    };
    std::fs::write(
        dir.path().join("rates.csv"),
        "seconds,rate\n0,20\n5,80\n12.5,0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run_it(&[]).status.code(), Some(0));
    assert_eq!(
        run_it(&[]).status.code(),
        Some(0),
        "the same rows are the same configuration"
    );
    std::fs::write(
        dir.path().join("rates.csv"),
        "seconds,rate\n0,20\n5,90\n12.5,0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let edited = run_it(&[]);
    assert_eq!(edited.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&edited.stderr).contains("different configuration"));
    std::fs::write(
        dir.path().join("rates.csv"),
        "seconds,rate\n0,20\n5,80\n4,10\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The command line exits 2 and writes nothing.
    let out = dir.path().join("out");
    let output = common::sagasim(&[
        "run",
        &scenario_path.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists());
}

/// The same profiled scenario gives the same results whatever the thread count.
#[test]
fn a_profiled_run_is_the_same_on_one_thread_or_two() {
    let text = with_workload(&chain_scenario(2, None, ""), RAMP).replacen(
        "arrivals = { constant = 10 }",
        "arrivals = { poisson = 10 }",
        1,
    );
    let scenario = parse(&text);
    let one = run(
        &scenario,
        &RunOptions {
            jobs: Some(1),
            ..RunOptions::default()
        },
    );
    let two = run(
        &scenario,
        &RunOptions {
            jobs: Some(2),
            ..RunOptions::default()
        },
    );
    let summaries = |r: &sagasim::ScenarioResults| -> Vec<sagasim::results::Summary> {
        r.runs
            .iter()
            .map(|run| run.result.summary.clone())
            .collect()
    };
    assert_eq!(summaries(&one), summaries(&two));
}
