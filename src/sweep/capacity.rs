//! Capacity search: for each design, the highest Poisson arrival rate that still meets a
//! service-level objective, found by bracketing then bisection on simulated runs.

use crate::budget::{Budget, estimate_run};
use crate::coordination::{Design, simulate_bounded};
use crate::model::Arrivals;
use crate::report::Inequality;
pub use crate::report::Slo;
use crate::scenario::Scenario;

/// The capacity of one design.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityResult {
    /// The design searched.
    pub design: Design,
    /// Highest rate found to meet the SLO (`None`: not even the lowest rate tried).
    pub max_arrivals_per_s: Option<f64>,
    /// The lowest rate found to break it: the top of the final bracket (`None` when the
    /// search stopped before it found one, see `capped`).
    pub bracket_high_per_s: Option<f64>,
    /// Simulated runs the search took.
    pub runs: u32,
    /// Why the search stopped before it bracketed the capacity, if it did: the rate found
    /// is then a lower bound.
    pub capped: Option<String>,
    /// The busiest component at the rate found, and its utilization: what limits the rate.
    pub limiting: Option<(String, f64)>,
}

/// Refuse an SLO the search cannot use: it needs a latency bound (`p99<=500ms`), which
/// load eventually breaks, so that doubling the rate ends.
pub fn check_slo(slo: &Slo) -> Result<(), String> {
    if slo
        .bounds
        .iter()
        .any(|b| b.latency && b.comparison == Inequality::AtMost)
    {
        return Ok(());
    }
    Err(format!(
        "expected at least one latency bound like p99<=500ms (p50, p95, p99, p999, mean or max), which load eventually breaks; got `{}`",
        slo.text
    ))
}

const LOWEST_RATE: f64 = 1e-3;
const HIGHEST_RATE: f64 = 1e7;

/// For one design: bracket the largest rate meeting `slo` by doubling (or halving) from
/// the scenario's own rate, then bisect until the bracket is narrower than `precision`
/// (relative). Every run uses the scenario's seed: the search is deterministic. A run the
/// budget would refuse (`--max-events`) is not made: the search stops there, and so it
/// does at `HIGHEST_RATE` when the SLO is always met.
pub fn capacity(
    scenario: &Scenario,
    slo: &Slo,
    precision: f64,
    design: &Design,
    budget: &Budget,
) -> CapacityResult {
    let mut runs = 0;
    // The busiest component of each run that met the SLO, by rate.
    let mut busiest: Vec<(f64, Option<(String, f64)>)> = Vec::new();
    let worst_ms = slo.latency_bound_ms();
    let spec_at = |rate: f64| {
        let mut spec = scenario.system.clone();
        spec.workload.arrivals = Arrivals::Poisson { per_second: rate };
        spec
    };
    let affordable = |rate: f64| estimate_run(&spec_at(rate)).events <= budget.max_events as f64;
    let mut meets = |rate: f64| {
        runs += 1;
        // By Little's law a system meeting the bound holds about rate × bound workflows;
        // fifty times that (and at least 10,000) means it is drowning: stop early.
        let limit = (rate * worst_ms / 1000.0 * 50.0)
            .max(10_000.0)
            .min(budget.max_workflows_held() as f64) as usize;
        let output = simulate_bounded(&spec_at(rate), design, scenario.seed, false, Some(limit));
        let summary = &output.result.summary;
        let met = output.stopped.is_none() && slo.met_by(summary, design);
        if met {
            let component = summary.bottleneck.clone().zip(summary.max_utilization);
            busiest.push((rate, component));
        }
        met
    };
    let result = |max: Option<f64>,
                  high: Option<f64>,
                  runs: u32,
                  capped: Option<String>,
                  busiest: &[(f64, Option<(String, f64)>)]| CapacityResult {
        design: design.clone(),
        max_arrivals_per_s: max,
        bracket_high_per_s: high,
        runs,
        capped,
        limiting: busiest
            .iter()
            .rev()
            .find(|(rate, _)| Some(*rate) == max)
            .and_then(|(_, component)| component.clone()),
    };
    if scenario.system.workload.profile.is_some() {
        let message = "not searched: capacity searches for one constant rate, and this scenario's `workload.profile` changes the rate over time; search a copy without the profile".to_string();
        return result(None, None, runs, Some(message), &busiest);
    }
    let start = scenario.system.workload.arrivals.per_second();
    if !affordable(start) {
        let message = format!(
            "not searched: a run at the scenario's own rate, {start}/s, would take more than --max-events"
        );
        return result(None, None, runs, Some(message), &busiest);
    }
    let (mut low, mut high) = if meets(start) {
        let mut low = start;
        loop {
            let next = low * 2.0;
            if next > HIGHEST_RATE {
                let message =
                    format!("at least {low}/s: the SLO was still met at the highest rate searched");
                return result(Some(low), None, runs, Some(message), &busiest);
            }
            if !affordable(next) {
                let message = format!(
                    "at least {low}/s: the search stopped there, as a run at {next}/s would take more than --max-events"
                );
                return result(Some(low), None, runs, Some(message), &busiest);
            }
            if !meets(next) {
                break (low, next);
            }
            low = next;
        }
    } else {
        let mut high = start;
        loop {
            let next = high / 2.0;
            if next < LOWEST_RATE {
                return result(None, Some(high), runs, None, &busiest);
            }
            if meets(next) {
                break (next, high);
            }
            high = next;
        }
    };
    while (high - low) > precision * low {
        let middle = (low + high) / 2.0;
        if meets(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    result(Some(low), Some(high), runs, None, &busiest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capacity_slo_needs_a_latency_bound() {
        assert!(
            check_slo(&Slo::parse("p99<=500ms, failed<=1%").unwrap_or_else(|e| panic!("{e}")))
                .is_ok()
        );
        for bad in ["failed<=1%", "status>=99%", "p99>=1s"] {
            let slo = Slo::parse(bad).unwrap_or_else(|e| panic!("{e}"));
            assert!(check_slo(&slo).is_err(), "{bad}");
        }
    }
}
