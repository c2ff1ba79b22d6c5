//! Whether a candidate meets each SLO bound, with the noise of a finite run in mind: the
//! bound is judged against a 95 % interval of the candidate's value, and a bound inside
//! that interval makes the candidate `marginal` rather than silently in or out.
//!
//! The interval comes from, in this order:
//! - with replications, the Student-t interval of the replications' values;
//! - with one run: batch means inside the run for throughput and the mean, p50 and p99
//!   latencies (`metrics::batch_means`); for a share of workflows (failed, stuck,
//!   inconsistent, …), the Poisson noise of the count, on the square-root scale where it
//!   is nearly constant, so that 0 observed is a clean 0 and 1 observed is clearly above
//!   a bound of 0;
//! - otherwise (p95, p999, max, messages, bytes, status answered) the 1 % practical margin
//!   of the ranking (`report::PRACTICAL_MARGIN`): a value within 1 % of its bound is
//!   marginal.

use crate::metrics::TimeBucket;
use crate::metrics::batch_means::{batch_interval, latency_quantile_batch};
use crate::report::slo::Unit;
use crate::report::{AssertedMetric, Bound, Column, PRACTICAL_MARGIN, Slo, ci95_half_width};
use crate::runner::DesignRun;

/// Whether a candidate meets a bound (or all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feasibility {
    /// Met, beyond the noise.
    Yes,
    /// The bound lies inside the value's 95 % interval.
    Marginal,
    /// Broken, beyond the noise (or the figure does not exist).
    No,
}

impl Feasibility {
    /// All bounds: `No` if one is broken, else `Marginal` if one is, else `Yes`.
    pub fn of(checks: &[BoundCheck]) -> Feasibility {
        checks
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Feasibility::Yes)
    }

    /// `yes`, `marginal` or `no`.
    pub fn name(self) -> &'static str {
        match self {
            Feasibility::Yes => "yes",
            Feasibility::Marginal => "marginal",
            Feasibility::No => "no",
        }
    }
}

/// Where a value's interval comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalBasis {
    /// Student t across replications.
    Replications,
    /// Batch means inside one run.
    BatchMeans,
    /// Poisson noise of a count.
    CountNoise,
    /// No interval from one run: the 1 % practical margin around the bound.
    Margin,
}

/// One bound judged for one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundCheck {
    /// The bound.
    pub bound: Bound,
    /// The candidate's value (mean over replications); `None` where it does not exist.
    pub value: Option<f64>,
    /// Its 95 % interval (low, high), or the margin around the bound.
    pub interval: Option<(f64, f64)>,
    /// Where `interval` comes from.
    pub basis: IntervalBasis,
    /// The verdict.
    pub verdict: Feasibility,
}

impl BoundCheck {
    /// How the value stands against the bound, for `advice.csv` and the report:
    /// `p99<=300ms: 412.000 ms, 112.000 ms over the bound of 300.000 ms (37.3 % of the bound)`.
    pub fn describe(&self) -> String {
        let bound = &self.bound;
        match (self.value, self.verdict) {
            (None, _) => format!("{}: no value", bound.text),
            (Some(value), Feasibility::Marginal) if self.basis == IntervalBasis::Margin => format!(
                "{}: {} is within 1 % of the bound, and one run gives no interval for this figure",
                bound.text,
                bound.shown(value)
            ),
            (Some(value), Feasibility::Marginal) => {
                let (low, high) = self.interval.unwrap_or((value, value));
                format!(
                    "{}: {} (95 % interval {} to {}) straddles the bound",
                    bound.text,
                    bound.shown(value),
                    bound.shown(low),
                    bound.shown(high)
                )
            }
            (Some(value), _) => format!(
                "{}: {}, {}",
                bound.text,
                bound.shown(value),
                bound.breach(value)
            ),
        }
    }

    /// How far the value is past the bound, relative to it (0 when it holds): orders
    /// the nearest misses.
    pub fn relative_gap(&self) -> f64 {
        match self.value {
            None => f64::INFINITY,
            Some(value) if self.bound.holds(value) => 0.0,
            Some(value) => {
                let scale = self.bound.bound.abs().max(f64::MIN_POSITIVE);
                ((value - self.bound.bound).abs() / scale).min(1e12)
            }
        }
    }
}

/// Judge every bound of `slo` on a candidate's runs.
pub fn check_bounds(slo: &Slo, runs: &[DesignRun]) -> Vec<BoundCheck> {
    slo.bounds
        .iter()
        .map(|bound| {
            let values: Option<Vec<f64>> = runs
                .iter()
                .map(|run| bound.value_in(&run.result.summary, &run.design))
                .collect();
            let value = values.as_deref().and_then(|v| bound.aggregate(v));
            let (interval, basis) = match value {
                // Among failures: no noise can bring it within the bound.
                Some(v) if bound.among_failures(v) => (None, IntervalBasis::Margin),
                Some(v) => interval_of(bound, runs, values.as_deref(), v),
                None => (None, IntervalBasis::Margin),
            };
            let verdict = match value {
                None => Feasibility::No,
                Some(value) => verdict(bound, value, interval),
            };
            BoundCheck {
                bound: bound.clone(),
                value,
                interval,
                basis,
                verdict,
            }
        })
        .collect()
}

fn verdict(bound: &Bound, value: f64, interval: Option<(f64, f64)>) -> Feasibility {
    let straddles = interval.is_some_and(|(low, high)| low < bound.bound && bound.bound < high);
    if straddles {
        Feasibility::Marginal
    } else if bound.holds(value) {
        Feasibility::Yes
    } else {
        Feasibility::No
    }
}

/// The 95 % interval of a bound's value over `runs` (see the module's list), kept
/// within the values the figure can take (a share between 0 and 1, others at least 0).
pub fn interval_of(
    bound: &Bound,
    runs: &[DesignRun],
    values: Option<&[f64]>,
    value: f64,
) -> (Option<(f64, f64)>, IntervalBasis) {
    let (interval, basis) = raw_interval(bound, runs, values, value);
    let ceiling = if bound.unit == Unit::Percent {
        1.0
    } else {
        f64::INFINITY
    };
    (
        interval.map(|(low, high)| (low.max(0.0), high.min(ceiling))),
        basis,
    )
}

fn raw_interval(
    bound: &Bound,
    runs: &[DesignRun],
    values: Option<&[f64]>,
    value: f64,
) -> (Option<(f64, f64)>, IntervalBasis) {
    let symmetric = |half: f64| Some((value - half, value + half));
    let margin = (symmetric(margin(bound)), IntervalBasis::Margin);
    if runs.len() > 1 {
        return match values.and_then(ci95_half_width) {
            Some(half) => (symmetric(half), IntervalBasis::Replications),
            None => margin,
        };
    }
    let Some(run) = runs.first() else {
        return margin;
    };
    let summary = &run.result.summary;
    let batch = |half: Option<f64>| match half {
        Some(half) => (symmetric(half), IntervalBasis::BatchMeans),
        None => margin,
    };
    match bound.metric {
        AssertedMetric::ShareOfStarted(_) => {
            let started = summary.started as f64;
            let count = value * started;
            // √count has a standard deviation of about ½ whatever the count.
            let low = (count.sqrt() - 0.98).max(0.0).powi(2);
            let high = (count.sqrt() + 0.98).powi(2);
            (
                Some((low / started, high / started)),
                IntervalBasis::CountNoise,
            )
        }
        AssertedMetric::Value(Column::ThroughputPerS) => batch(summary.throughput_per_s_ci95),
        AssertedMetric::Value(Column::LatencyMeanMs) => batch(summary.latency_mean_ms_ci95),
        AssertedMetric::Value(Column::LatencyP50Ms | Column::OutcomeLatencyP50Ms) => {
            batch(quantile_half_width(run, |b| b.latency_p50_ms))
        }
        AssertedMetric::Value(Column::LatencyP99Ms | Column::OutcomeLatencyP99Ms) => {
            batch(quantile_half_width(run, |b| b.latency_p99_ms))
        }
        AssertedMetric::Value(_) => margin,
    }
}

/// The batch-means half-width of a percentile, from its per-bucket values.
fn quantile_half_width(run: &DesignRun, quantile: fn(&TimeBucket) -> Option<f64>) -> Option<f64> {
    batch_interval(
        run.result.measured_buckets.clone(),
        latency_quantile_batch(&run.result.timeseries, quantile),
    )
    .map(|estimate| estimate.ci95)
}

/// The practical margin around a bound: values this close cannot be called in or out.
fn margin(bound: &Bound) -> f64 {
    PRACTICAL_MARGIN * bound.bound.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(text: &str) -> Bound {
        Bound::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_bound_inside_the_interval_is_marginal_and_outside_it_is_decided() {
        let p99 = bound("p99<=300ms");
        assert_eq!(verdict(&p99, 290.0, Some((280.0, 300.0))), Feasibility::Yes);
        assert_eq!(
            verdict(&p99, 295.0, Some((285.0, 305.0))),
            Feasibility::Marginal
        );
        assert_eq!(
            verdict(&p99, 305.0, Some((295.0, 315.0))),
            Feasibility::Marginal
        );
        assert_eq!(verdict(&p99, 320.0, Some((310.0, 330.0))), Feasibility::No);
        assert_eq!(verdict(&p99, 320.0, None), Feasibility::No);
        let status = bound("status>=99%");
        assert_eq!(verdict(&status, 1.0, Some((0.995, 1.0))), Feasibility::Yes);
        assert_eq!(verdict(&status, 0.0, Some((0.0, 0.0))), Feasibility::No);
    }

    #[test]
    fn feasibility_takes_the_worst_bound() {
        let check = |verdict| BoundCheck {
            bound: bound("p99<=1s"),
            value: Some(1.0),
            interval: None,
            basis: IntervalBasis::Margin,
            verdict,
        };
        use Feasibility::*;
        assert_eq!(Feasibility::of(&[check(Yes), check(Yes)]), Yes);
        assert_eq!(Feasibility::of(&[check(Yes), check(Marginal)]), Marginal);
        assert_eq!(Feasibility::of(&[check(Marginal), check(No)]), No);
    }
}
