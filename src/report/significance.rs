//! When one design may be called better than another on a metric: only when the 95 %
//! interval of their difference excludes zero, and the difference is at least 1 % (a
//! smaller one does not change a design decision). Otherwise the two are indistinguishable
//! on that metric, and rankings give them the same rank.
//!
//! The interval of a difference comes from, in this order:
//! - with replications, the paired differences replication by replication (every design
//!   of a replication ran on the same random numbers);
//! - with one replication, for throughput and latency (mean, p50, p99), batch means of
//!   the paired per-batch differences inside the run (`metrics::batch_means`);
//! - for counts of workflows (failed, stuck, inconsistent, …), their Poisson noise:
//!   1.96 × √(a + b);
//! - otherwise (structural figures: messages, coupling, status answered) only the 1 %
//!   margin applies.

use std::ops::Range;

use crate::coordination::Design;
use crate::metrics::TimeBucket;
use crate::metrics::batch_means::{
    batch_interval, latency_mean_batch, latency_quantile_batch, throughput_batch,
};
use crate::runner::{DesignRun, ScenarioResults};

use super::Better;
use super::measures::Measure;
use super::{Column, ci95_half_width};

/// Differences smaller than this share of the larger value never rank two designs.
pub const PRACTICAL_MARGIN: f64 = 0.01;

/// Where a difference's interval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Paired differences across replications.
    Replications,
    /// Paired batch means inside one run.
    BatchMeans,
    /// Poisson noise of two counts.
    CountNoise,
    /// No interval: only the practical margin decides.
    MarginOnly,
}

/// The difference a − b on one metric (first replications' values with one replication).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// a − b.
    pub difference: f64,
    /// Half-width of its 95 % interval (`None`: only the margin decides).
    pub ci95: Option<f64>,
    /// Where the interval came from.
    pub basis: Basis,
    /// The larger of the two values' magnitudes, for the margin.
    pub scale: f64,
}

impl Comparison {
    /// Whether the data tell the two designs apart on this metric.
    pub fn distinguishable(&self) -> bool {
        let beyond_noise = self.ci95.is_none_or(|half| self.difference.abs() > half);
        beyond_noise
            && self.difference.abs() >= PRACTICAL_MARGIN * self.scale
            && self.difference != 0.0
    }
}

fn runs_of<'a>(results: &'a ScenarioResults, design: &Design) -> Vec<&'a DesignRun> {
    results
        .runs
        .iter()
        .filter(|run| run.design == *design)
        .collect()
}

/// Compare designs `a` and `b` on `metric`; `None` where either has no value.
pub fn compare(
    results: &ScenarioResults,
    metric: impl Into<Measure>,
    a: &Design,
    b: &Design,
) -> Option<Comparison> {
    let metric = metric.into();
    let (runs_a, runs_b) = (runs_of(results, a), runs_of(results, b));
    let values = |runs: &[&DesignRun]| -> Option<Vec<f64>> {
        runs.iter().map(|run| metric.value(run)).collect()
    };
    let (values_a, values_b) = (values(&runs_a)?, values(&runs_b)?);
    if values_a.is_empty() || values_a.len() != values_b.len() {
        return None;
    }
    let (mean_a, mean_b) = (metric.aggregate(&values_a)?, metric.aggregate(&values_b)?);
    let scale = mean_a.abs().max(mean_b.abs());
    let difference = mean_a - mean_b;
    // A latency among failures differs from another by kind, not by a noisy amount:
    // the same kind ties, another kind is apart.
    if metric.is_failure(mean_a) || metric.is_failure(mean_b) {
        return Some(Comparison {
            difference,
            ci95: None,
            basis: Basis::MarginOnly,
            scale,
        });
    }
    if values_a.len() > 1 {
        let paired: Vec<f64> = values_a.iter().zip(&values_b).map(|(x, y)| x - y).collect();
        return Some(Comparison {
            difference,
            ci95: ci95_half_width(&paired),
            basis: Basis::Replications,
            scale,
        });
    }
    let (run_a, run_b) = (runs_a[0], runs_b[0]);
    if let Some(half) = paired_batch_interval(run_a, run_b, metric) {
        return Some(Comparison {
            difference,
            ci95: Some(half),
            basis: Basis::BatchMeans,
            scale,
        });
    }
    if metric.is_count() {
        return Some(Comparison {
            difference,
            ci95: Some(1.96 * (mean_a.abs() + mean_b.abs()).sqrt()),
            basis: Basis::CountNoise,
            scale,
        });
    }
    Some(Comparison {
        difference,
        ci95: None,
        basis: Basis::MarginOnly,
        scale,
    })
}

/// The batch-means half-width of a − b per batch, for the metrics the time series can
/// split into batches.
fn paired_batch_interval(a: &DesignRun, b: &DesignRun, metric: Measure) -> Option<f64> {
    let Measure::Column(metric) = metric else {
        return None;
    };
    let (series_a, series_b) = (&a.result.timeseries, &b.result.timeseries);
    let measured: Range<usize> = a.result.measured_buckets.clone();
    if series_a.len() != series_b.len() || measured != b.result.measured_buckets {
        return None;
    }
    let (batch_a, batch_b) = (
        batch_of(series_a, metric, a.result.bucket_s)?,
        batch_of(series_b, metric, a.result.bucket_s)?,
    );
    batch_interval(measured, |range| {
        Some(batch_a(range.clone())? - batch_b(range)?)
    })
    .map(|estimate| estimate.ci95)
}

type Batch<'s> = Box<dyn Fn(Range<usize>) -> Option<f64> + 's>;

/// A batch's figure of `metric` from a run's time series, if the series has one.
fn batch_of(series: &[TimeBucket], metric: Column, bucket_s: f64) -> Option<Batch<'_>> {
    Some(match metric {
        Column::ThroughputPerS => Box::new(throughput_batch(series, bucket_s)),
        Column::LatencyMeanMs => Box::new(latency_mean_batch(series)),
        // Not the outcome-aware quantiles: the buckets keep no such figure, and the mean
        // of per-bucket percentiles is no proxy under an outage, where one batch of
        // 57-second medians makes 9 ms and 77 ms "indistinguishable". They compare on the
        // 1 % margin with one replication, on paired replications with several.
        Column::LatencyP50Ms => Box::new(latency_quantile_batch(series, |b| b.latency_p50_ms)),
        Column::LatencyP99Ms => Box::new(latency_quantile_batch(series, |b| b.latency_p99_ms)),
        _ => return None,
    })
}

/// One design's place on a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The design.
    pub design: Design,
    /// Its value.
    pub value: f64,
    /// 1 + the number of designs distinguishably better on this metric.
    pub rank: usize,
    /// Whether another design has the same rank.
    pub tied: bool,
}

/// Rank the designs that have a value on `metric` (designs without one are left out;
/// with replications the value is their mean), best first (ties in scenario order).
/// A design's rank counts only the designs that are distinguishably better, so designs
/// the data cannot tell apart share a rank.
pub fn rank(results: &ScenarioResults, metric: impl Into<Measure>) -> Vec<Ranked> {
    let metric = metric.into();
    let better = metric.better();
    let values: Vec<(&Design, f64)> = results
        .designs
        .iter()
        .filter_map(|design| {
            let runs = runs_of(results, design);
            let values: Option<Vec<f64>> = runs.iter().map(|run| metric.value(run)).collect();
            Some((design, metric.aggregate(&values?)?))
        })
        .collect();
    let mut ranked: Vec<Ranked> = values
        .iter()
        .map(|&(design, value)| {
            let ahead = values
                .iter()
                .filter(|&&(other, other_value)| {
                    let is_better = match better {
                        Better::Higher => other_value > value,
                        Better::Lower => other_value < value,
                    };
                    is_better
                        && compare(results, metric, other, design)
                            .is_some_and(|c| c.distinguishable())
                })
                .count();
            Ranked {
                design: design.clone(),
                value,
                rank: ahead + 1,
                tied: false,
            }
        })
        .collect();
    // Best value first (stable: equal values keep the scenario's order). A rank never
    // contradicts the order of the values: a design whose value is worse than another's
    // is not ranked better, so where distinguishability is not transitive (a ≈ b, b ≈ c,
    // a better than c) the designs in between share the better rank: a tie is the cautious
    // reading.
    ranked.sort_by(|x, y| match better {
        Better::Higher => y.value.total_cmp(&x.value),
        Better::Lower => x.value.total_cmp(&y.value),
    });
    for index in (0..ranked.len().saturating_sub(1)).rev() {
        ranked[index].rank = ranked[index].rank.min(ranked[index + 1].rank);
    }
    let ranks: Vec<usize> = ranked.iter().map(|r| r.rank).collect();
    for entry in &mut ranked {
        entry.tied = ranks.iter().filter(|&&r| r == entry.rank).count() > 1;
    }
    ranked
}
