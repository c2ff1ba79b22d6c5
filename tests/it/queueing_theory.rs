//! The engine against queueing theory: M/M/1, M/M/3 and a three-station tandem (Jackson)
//! network, each written as a scenario file and run as a one-coordination-free chain; and a
//! sync orchestrator whose workers each block on one call, which is an M/M/3 station too.
//!
//! Tolerance. Each file runs 10 independent replications (derived seeds) of about 100,000
//! customers after warm-up. The replication means are independent, so their spread gives a
//! Student-t interval for the true mean. We require theory to lie within the 99.9 % interval
//! (t = 4.781 for 9 degrees of freedom) *and* the relative error to stay under 3 %. For
//! M/M/1 at load 0.5 Whitt's asymptotic variance, T·Var(L̄) → 2ρ(1+ρ)/(μ(1−ρ)⁴), gives a
//! relative standard error of √(24 / 200,000 s) ≈ 1.1 % per replication and 0.35 % for the
//! mean of ten, so 3 % is more than eight standard errors: a real bias fails, noise does not.
//! Seeds are fixed, so the outcome is deterministic.

use crate::common;

use std::path::Path;

use common::theory::{assert_mean_matches, erlang_c};
use sagasim::scenario::Override;
use sagasim::{RunOptions, Scenario, run};

/// Mean sojourn (ms) per replication of the file's only design, with `--set` overrides.
fn replication_means_with(file: &str, overrides: &[&str]) -> Vec<f64> {
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|flag| Override::parse(flag).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let scenario = Scenario::load(Path::new(file), &overrides).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scenario.designs.len(), 1, "{file}: one design");
    let results = run(&scenario, &RunOptions::default());
    results
        .runs
        .iter()
        .map(|run| {
            common::assert_conserved(&run.result.summary, file);
            assert_eq!(
                run.result.summary.stuck, 0,
                "{file}: the drain lets every customer finish"
            );
            run.result.summary.latency_mean_ms.unwrap_or(f64::NAN)
        })
        .collect()
}

fn assert_matches_theory(file: &str, theory_ms: f64) {
    assert_matches_theory_with(file, &[], theory_ms);
}

fn assert_matches_theory_with(file: &str, overrides: &[&str], theory_ms: f64) {
    let means = replication_means_with(file, overrides);
    assert_mean_matches(&format!("{file} {overrides:?}"), &means, theory_ms);
}

#[test]
fn mm1_mean_sojourn_matches_theory() {
    assert_matches_theory("tests/scenarios/mm1.toml", 1000.0 / (1.0 - 0.5));
}

#[test]
fn mm3_mean_sojourn_matches_erlang_c() {
    let wait_s = erlang_c(3, 1.8) / (3.0 - 1.8);
    assert!(
        (wait_s + 1.0 - 1.2956).abs() < 1e-3,
        "Erlang C itself: {wait_s}"
    );
    assert_matches_theory("tests/scenarios/mm3.toml", (wait_s + 1.0) * 1000.0);
}

#[test]
fn a_sync_orchestrator_blocked_on_one_call_per_workflow_is_an_mmc_station() {
    // Before blocking calls answered the held worker directly, the answer queued again in
    // the orchestrator's inbox and this mean came out about 40 % high.
    let wait_s = erlang_c(3, 1.8) / (3.0 - 1.8);
    assert_matches_theory("tests/scenarios/sync-mm3.toml", (wait_s + 1.0) * 1000.0);
}

#[test]
fn tandem_network_mean_sojourn_is_the_sum_of_its_stations() {
    assert_matches_theory("tests/scenarios/tandem3.toml", 3.0 * 1000.0 / (1.0 - 0.5));
}

/// Fan-out and fan-in: k = 4 parallel branches of exponential steps (mean m = 10 ms),
/// nothing else costing time, last the longest of four: E[max] = m·(1 + 1/2 + … + 1/k).
/// The choreography's join and the orchestrator's collecting of replies must both add
/// nothing to it, nor must a sync fork's worker, waiting on its four calls at once.
#[test]
fn a_fan_out_lasts_the_longest_of_its_branches() {
    let harmonic: f64 = (1..=4).map(|i| 1.0 / f64::from(i)).sum();
    let theory_ms = 10.0 * harmonic;
    assert_matches_theory("tests/scenarios/fan-out4.toml", theory_ms);
    for communication in ["async", "sync"] {
        let communication = format!("scenario.communication={communication}");
        for variant in ["orchestrator", "choreography"] {
            let variants = format!("scenario.variants=[\"{variant}\"]");
            assert_matches_theory_with(
                "tests/scenarios/fan-out4.toml",
                &[&variants, &communication],
                theory_ms,
            );
        }
    }
}
