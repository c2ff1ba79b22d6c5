//! Helpers shared by the integration tests: small scenarios built in code, and running them
//! through the library.
#![allow(dead_code)]

pub mod cases;
pub mod json_schema;
pub mod snapshot;
pub mod theory;

use std::path::Path;
use std::process::Output;

use sagasim::results::Summary;
use sagasim::{DesignRun, RunOptions, Scenario, ScenarioResults, run};

/// A scenario of `steps` services with 1 ms of constant work each, no network delay, no
/// coordination cost, many workers (so no queueing), and `extra` appended verbatim.
/// `fail_at` (1-based) makes that step's service fail every time.
pub fn chain_scenario(steps: usize, fail_at: Option<usize>, extra: &str) -> String {
    let mut text = String::from(
        "[scenario]\nname = \"chain\"\nseed = 3\nduration = \"20s\"\ndrain = \"20s\"\n\n\
         [workload]\narrivals = { constant = 10 }\n\n\
         [messages]\nbase = \"1KiB\"\nstate_per_step = \"2KiB\"\n\n\
         [orchestrator]\nworkers = 64\n\n",
    );
    for step in 1..=steps {
        let fail = if fail_at == Some(step) { 1.0 } else { 0.0 };
        text.push_str(&format!(
            "[[services]]\nname = \"s{step}\"\nworkers = 64\nwork = \"1ms\"\ncompensate = \"1ms\"\nfail = {fail}\n\n"
        ));
    }
    let names: Vec<String> = (1..=steps).map(|s| format!("\"s{s}\"")).collect();
    text.push_str(&format!("[workflow]\nsteps = [{}]\n", names.join(", ")));
    text.push_str(extra);
    text
}

/// s1, then a parallel block of two branches (s2; s3 → s4), joined by s5: a
/// `chain_scenario` of five steps otherwise.
pub fn parallel_scenario(fail_at: Option<usize>) -> String {
    let text = chain_scenario(5, fail_at, "");
    text.replacen(
        "steps = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\"]",
        "steps = [\"s1\", { parallel = [\"s2\", [\"s3\", \"s4\"]] }, \"s5\"]",
        1,
    )
}

/// The text of `tests/scenarios/NAME.toml`.
pub fn scenario_file(name: &str) -> String {
    let path = format!("tests/scenarios/{name}.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Add a line to the `[workload]` table of a `chain_scenario`.
pub fn with_workload(text: &str, line: &str) -> String {
    text.replacen("[workload]\n", &format!("[workload]\n{line}\n"), 1)
}

pub fn parse(text: &str) -> Scenario {
    match Scenario::from_toml_str(text) {
        Ok(scenario) => scenario,
        Err(error) => panic!("test scenario does not parse: {error}\n{text}"),
    }
}

pub fn run_all(scenario: &Scenario) -> ScenarioResults {
    run(scenario, &RunOptions::default())
}

/// The summary of the design labelled `label` (first replication): a style
/// (`Coordination::Orchestrator`), a pattern (`"epic"`) or the scenario's own design.
pub fn summary_of(results: &ScenarioResults, label: impl std::fmt::Display) -> &Summary {
    &run_of(results, label).result.summary
}

/// The first run of the design labelled `label`.
pub fn run_of(results: &ScenarioResults, label: impl std::fmt::Display) -> &DesignRun {
    let label = label.to_string();
    results
        .runs
        .iter()
        .find(|run| run.design.label == label)
        .unwrap_or_else(|| panic!("{label} did not run"))
}

pub fn assert_conserved(summary: &Summary, context: &str) {
    assert_eq!(
        summary.started,
        summary.completed + summary.compensated + summary.failed + summary.stuck,
        "conservation broken for {context}: {summary:?}"
    );
}

/// Run the `sagasim` binary with `args`.
pub fn sagasim(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sagasim"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sagasim: {e}"))
}

/// Run the `sagasim` binary and insist that it succeeds.
pub fn ok(args: &[&str]) -> Output {
    let output = sagasim(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "sagasim {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Run a short sweep of the bundled load scenario (two minutes a point) over `params`,
/// with `extra` flags; returns the output.
pub fn short_sweep(params: &[&str], extra: &[&str]) -> Output {
    let mut args = vec!["sweep", "scenarios/sweeps/load.toml"];
    for param in params {
        args.extend(["--param", param]);
    }
    args.extend(["--set", "scenario.duration=2m", "--no-charts"]);
    args.extend_from_slice(extra);
    sagasim(&args)
}

/// The names in `dir`, sorted (none if it cannot be read).
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
