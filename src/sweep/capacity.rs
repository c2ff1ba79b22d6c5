//! Capacity search: for each design, the highest Poisson arrival rate that still meets a
//! service-level objective, found by bracketing then bisection on simulated runs.

use crate::budget::{Budget, estimate_run};
use crate::coordination::{Design, simulate_bounded};
use crate::metrics::Summary;
use crate::model::Arrivals;
use crate::scenario::{Scenario, parse_duration};

/// One bound of an SLO.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SloBound {
    /// A latency statistic (`p50`, `p95`, `p99`, `p999`, `mean`) at most this many ms.
    Latency {
        /// `p50`, `p95`, `p99`, `p999` or `mean`.
        statistic: &'static str,
        /// The bound, ms.
        max_ms: f64,
    },
    /// At most this fraction of workflows `failed` or `stuck`.
    Failed {
        /// The largest share allowed, 0 to 1.
        max_fraction: f64,
    },
}

/// An SLO: every bound must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// The SLO as typed.
    pub text: String,
    /// Every bound; all must hold.
    pub bounds: Vec<SloBound>,
}

const SLO_FORM: &str = "expected bounds like p99<=500ms (p50, p95, p99, p999 or mean), optionally with failed<=1%, joined by commas";

impl Slo {
    /// Read an SLO like `p99<=500ms,failed<=1%`.
    pub fn parse(text: &str) -> Result<Slo, String> {
        let mut bounds = Vec::new();
        for clause in text
            .split([',', '&'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let (name, value) = clause
                .split_once("<=")
                .ok_or_else(|| format!("{SLO_FORM}; got `{clause}`"))?;
            let bound = match name.trim() {
                "failed" => {
                    let percent = value.trim().strip_suffix('%').ok_or_else(|| {
                        format!("{SLO_FORM}; failed<= takes a percentage, like failed<=1%")
                    })?;
                    let percent: f64 = percent
                        .trim()
                        .parse()
                        .map_err(|_| format!("{SLO_FORM}; `{value}` is not a percentage"))?;
                    if !(0.0..=100.0).contains(&percent) {
                        return Err(format!(
                            "{SLO_FORM}; a percentage is between 0 and 100, got {percent}"
                        ));
                    }
                    SloBound::Failed {
                        max_fraction: percent / 100.0,
                    }
                }
                statistic => {
                    let statistic = match statistic {
                        "p50" => "p50",
                        "p95" => "p95",
                        "p99" => "p99",
                        "p999" => "p999",
                        "mean" => "mean",
                        other => return Err(format!("{SLO_FORM}; unknown statistic `{other}`")),
                    };
                    let duration =
                        parse_duration(value.trim()).map_err(|e| format!("{SLO_FORM}; {e}"))?;
                    SloBound::Latency {
                        statistic,
                        max_ms: duration.as_millis_f64(),
                    }
                }
            };
            bounds.push(bound);
        }
        if !bounds.iter().any(|b| matches!(b, SloBound::Latency { .. })) {
            return Err(format!(
                "{SLO_FORM}; got `{text}` (a latency bound is required)"
            ));
        }
        Ok(Slo {
            text: text.trim().to_string(),
            bounds,
        })
    }

    /// The loosest latency bound, in ms.
    pub fn latency_bound_ms(&self) -> f64 {
        self.bounds
            .iter()
            .filter_map(|b| match b {
                SloBound::Latency { max_ms, .. } => Some(*max_ms),
                SloBound::Failed { .. } => None,
            })
            .fold(0.0, f64::max)
    }

    /// Whether a run's summary meets every bound (no completed workflow: it does not).
    pub fn met_by(&self, summary: &Summary) -> bool {
        self.bounds.iter().all(|bound| match *bound {
            SloBound::Latency { statistic, max_ms } => {
                let value = match statistic {
                    "p50" => summary.latency_p50_ms,
                    "p95" => summary.latency_p95_ms,
                    "p99" => summary.latency_p99_ms,
                    "p999" => summary.latency_p999_ms,
                    _ => summary.latency_mean_ms,
                };
                value.is_some_and(|v| v <= max_ms)
            }
            SloBound::Failed { max_fraction } => {
                summary.started > 0
                    && (summary.failed + summary.stuck) as f64
                        <= max_fraction * summary.started as f64
            }
        })
    }
}

/// The capacity of one design.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityResult {
    /// The design searched.
    pub design: Design,
    /// Highest rate found to meet the SLO (`None`: not even the lowest rate tried).
    pub max_arrivals_per_s: Option<f64>,
    /// Simulated runs the search took.
    pub runs: u32,
    /// Why the search stopped before it bracketed the capacity, if it did: the rate found
    /// is then a lower bound.
    pub capped: Option<String>,
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
        output.stopped.is_none() && slo.met_by(&output.result.summary)
    };
    let result = |max: Option<f64>, runs: u32, capped: Option<String>| CapacityResult {
        design: design.clone(),
        max_arrivals_per_s: max,
        runs,
        capped,
    };
    let start = scenario.system.workload.arrivals.per_second();
    if !affordable(start) {
        let message = format!(
            "not searched: a run at the scenario's own rate, {start}/s, would take more than --max-events"
        );
        return result(None, runs, Some(message));
    }
    let (mut low, mut high) = if meets(start) {
        let mut low = start;
        loop {
            let next = low * 2.0;
            if next > HIGHEST_RATE {
                let message =
                    format!("at least {low}/s: the SLO was still met at the highest rate searched");
                return result(Some(low), runs, Some(message));
            }
            if !affordable(next) {
                let message = format!(
                    "at least {low}/s: the search stopped there, as a run at {next}/s would take more than --max-events"
                );
                return result(Some(low), runs, Some(message));
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
                return result(None, runs, None);
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
    result(Some(low), runs, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slos_parse_and_refuse_what_they_cannot_mean() {
        let slo = Slo::parse("p99<=500ms, failed<=1%").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            slo.bounds,
            vec![
                SloBound::Latency {
                    statistic: "p99",
                    max_ms: 500.0
                },
                SloBound::Failed { max_fraction: 0.01 },
            ]
        );
        assert!(Slo::parse("mean<=1s").is_ok());
        for bad in [
            "p98<=1s",
            "p99<500ms",
            "p99<=fast",
            "failed<=1%",
            "failed<=2, p99<=1s",
            "p99<=1s,failed<=120%",
        ] {
            let error = Slo::parse(bad).err().unwrap_or_default();
            assert!(
                error.starts_with("expected bounds like p99<=500ms"),
                "{bad}: {error}"
            );
        }
    }
}
