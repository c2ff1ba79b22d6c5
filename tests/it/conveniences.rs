//! The command line's conveniences: completions, the man page, `--quiet`, scenario errors
//! shown with their source line and a caret, "did you mean", and `init`'s starter scenario.

use crate::common;

use sagasim::Scenario;
use sagasim::scenario::starter_scenario;

use common::{ok, sagasim};

#[test]
fn completions_and_the_man_page_come_from_the_clap_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = String::from_utf8(ok(&["completions", shell]).stdout).unwrap();
        assert!(script.contains("sagasim"), "{shell}");
        for subcommand in ["run", "trace", "capacity", "init"] {
            assert!(script.contains(subcommand), "{shell} lacks {subcommand}");
        }
    }
    let man = String::from_utf8(ok(&["man"]).stdout).unwrap();
    assert!(man.contains(".TH sagasim 1"), "{man}");
    assert!(man.contains("completions"));
    assert!(man.contains("EXIT STATUS"), "{man}");
    assert!(sagasim(&["completions", "tcsh"]).status.code() == Some(2));
}

/// The main page refers to sagasim-run(1) and the others: each exists, with its options
/// and the exit codes; `--dir` writes them all.
#[test]
fn every_subcommand_has_a_man_page_with_options_and_exit_codes() {
    let run = String::from_utf8(ok(&["man", "run"]).stdout).unwrap_or_default();
    assert!(run.contains(".TH sagasim-run 1"), "{run}");
    assert!(
        run.contains(".SH OPTIONS") && run.contains("\\-\\-replications"),
        "{run}"
    );
    assert!(
        run.contains("EXIT STATUS") && run.contains("assert"),
        "{run}"
    );
    assert_eq!(sagasim(&["man", "nope"]).status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let folder = dir.path().to_string_lossy().to_string();
    ok(&["man", "--dir", &folder]);
    let written = common::names(dir.path());
    for page in [
        "sagasim.1",
        "sagasim-run.1",
        "sagasim-advise.1",
        "sagasim-trace.1",
    ] {
        assert!(
            written.iter().any(|n| n == page),
            "{page} not in {written:?}"
        );
    }
}

/// Completion scripts offer the design names, patterns and `--only` forms, not files.
#[test]
fn completions_offer_designs_patterns_and_only_values() {
    let bash = String::from_utf8(ok(&["completions", "bash"]).stdout).unwrap_or_default();
    for value in [
        "front-controller",
        "fairy-tale",
        "patterns",
        "consistency=atomic",
        "design=epic",
    ] {
        assert!(bash.contains(value), "bash completion lacks {value}");
    }
}

/// The figures the CLI prints say what they are: capacity's bottleneck, sweep's table,
/// advise's misses as a share of the bound.
#[test]
fn capacity_sweep_and_advise_explain_their_figures() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = |name: &str| dir.path().join(name).to_string_lossy().to_string();
    let capacity = ok(&[
        "capacity",
        "scenarios/order-placement.toml",
        "--slo",
        "p99<=1s",
        "--set",
        "faults=[]",
        "--set",
        "scenario.duration=2m",
        "--variants",
        "choreography",
        "--out",
        &out("capacity"),
    ]);
    let text = String::from_utf8_lossy(&capacity.stdout);
    assert!(text.contains("bottleneck there (busy)"), "{text}");
    assert!(text.contains("payment ("), "{text}");
    let csv = std::fs::read_to_string(dir.path().join("capacity/capacity.csv")).unwrap_or_default();
    assert!(
        csv.starts_with(
            "variant,max_arrivals_per_s,slo,bottleneck,bottleneck_utilization\nchoreography,"
        ),
        "{csv}"
    );
    let sweep = common::short_sweep(
        &["workload.arrivals.poisson=50,100"],
        &["--out", &out("sweep")],
    );
    let table = String::from_utf8_lossy(&sweep.stdout);
    assert!(table.starts_with("workload.arrivals.poisson  "), "{table}");
    assert_eq!(table.lines().count(), 1 + 2 * 2, "{table}");
    let advise = sagasim(&[
        "advise",
        "scenarios/advise-checkout.toml",
        "--slo",
        "p99<=10ms",
        "--no-charts",
        "--out",
        &out("advise"),
    ]);
    let misses = String::from_utf8_lossy(&advise.stdout);
    assert!(misses.contains("% of the bound)"), "{misses}");
}

#[test]
fn quiet_prints_the_results_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let args = [
        "run",
        "scenarios/order-placement.toml",
        "--set",
        "scenario.duration=70s",
        "--set",
        "faults.0.at=30s",
        "--variants",
        "choreography",
        "--no-charts",
        "--out",
        out,
    ];
    let loud = ok(&args);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("wrote "));
    let quiet = ok(&[&args[..], &["--quiet"]].concat());
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
    assert_eq!(quiet.stdout, loud.stdout);
    // Errors still show.
    let failed = sagasim(&["-q", "run", "missing.toml"]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).starts_with("error: missing.toml"));
}

#[test]
fn a_scenario_error_shows_its_line_with_a_caret_and_no_colour_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let text = starter_scenario(None)
        .unwrap()
        .replace("fail = 0.02 ", "fail = 1.5  ");
    std::fs::write(&file, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("fail = 1.5"))
        .unwrap()
        + 1;
    let output = sagasim(&["check", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].ends_with(&format!(
            "bad.toml:{line}:8: services[1].fail: expected a probability between 0 and 1, got 1.5"
        )),
        "{stderr}"
    );
    assert!(lines[1].trim_start().starts_with("-->"), "{stderr}");
    let source = lines
        .iter()
        .position(|l| l.contains("| fail = 1.5"))
        .unwrap_or_else(|| panic!("no source line: {stderr}"));
    assert!(lines[source].starts_with(&format!("{line} |")), "{stderr}");
    // The caret sits under the value, at column 8 of the source line.
    let bar = lines[source].find('|').unwrap();
    let caret = lines[source + 1].find('^').unwrap();
    assert_eq!(caret - bar - 2, 7, "{stderr}");
    assert_eq!(&lines[source + 1][caret..caret + 3], "^^^");
    assert!(!stderr.contains('\u{1b}'), "no escape codes off a terminal");
}

#[test]
fn misspelt_keys_and_designs_get_a_suggestion() {
    let output = sagasim(&[
        "check",
        "scenarios/order-placement.toml",
        "--set",
        "scenario.duraton=5m",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("did you mean `duration`?"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = sagasim(&[
        "run",
        "scenarios/order-placement.toml",
        "--variants",
        "fairy-tail",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `fairy-tale`?"));
    // A word far from every name gets no guess.
    let output = sagasim(&["run", "scenarios/order-placement.toml", "--variants", "xyz"]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("did you mean"));
}

#[test]
fn init_writes_a_starter_scenario_that_runs_for_every_design() {
    let mut names = vec![None];
    names.extend(sagasim::Design::predefined_names().into_iter().map(Some));
    for name in names {
        let text = starter_scenario(name).unwrap();
        assert!(text.starts_with("# A starter scenario"), "{name:?}");
        let scenario = Scenario::from_toml_str(&text).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let expected = match name {
            None => 5,
            Some("patterns") => 8,
            Some(_) => 1,
        };
        assert_eq!(scenario.designs.len(), expected, "{name:?}");
        if let Some(name) = name.filter(|n| *n != "patterns") {
            assert_eq!(scenario.designs[0].label, name);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkout.toml");
    let file = file.to_str().unwrap();
    ok(&["init", file, "--pattern", "epic"]);
    ok(&["check", file]);
    let again = sagasim(&["init", file]);
    assert_eq!(again.status.code(), Some(2), "an existing file is kept");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    ok(&["init", file, "--force"]);
    let unknown = sagasim(&["init", file, "--pattern", "epik", "--force"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `epic`?"));
}
