//! Steady-state statistics inside one run, from its time series: confidence intervals by
//! the method of batch means, and a test for a trend in the workflows in flight.
//!
//! How batches are chosen: the buckets that lie wholly inside the measured window
//! [warmup, end of arrivals) are cut into 32 batches of equal length (whole buckets; the
//! remainder at the end is left out). While the lag-1 autocorrelation of the batch means
//! is above 0.2 and more than 8 batches remain, neighbouring batches are merged in pairs
//! (16, then 8 batches twice as long): long batches make their means nearly uncorrelated,
//! and at least 8 keep the Student-t interval usable. Everything is a sequential sum in
//! bucket order, so the result is the same on every machine and thread count.

use std::ops::Range;

use super::t_975;
use crate::engine::SimTime;

use super::TimeBucket;

/// Batches to start with, and the fewest to end with.
pub const FIRST_BATCHES: usize = 32;
pub const FEWEST_BATCHES: usize = 8;
/// Lag-1 autocorrelation of batch means above which batches are made longer.
pub const MAX_AUTOCORRELATION: f64 = 0.2;

/// The mean of the batch values and the half-width of its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchEstimate {
    pub mean: f64,
    pub ci95: f64,
    pub batches: usize,
}

/// The indices of the buckets wholly inside [warmup, arrivals_end).
pub fn measured_buckets(
    buckets: &[TimeBucket],
    warmup: SimTime,
    arrivals_end: SimTime,
) -> Range<usize> {
    let width = match buckets {
        [first, second, ..] => second.start.as_nanos() - first.start.as_nanos(),
        _ => return 0..0,
    };
    let first = buckets
        .iter()
        .position(|b| b.start >= warmup)
        .unwrap_or(buckets.len());
    let end = buckets
        .iter()
        .position(|b| b.start.as_nanos() + width > arrivals_end.as_nanos())
        .unwrap_or(buckets.len())
        .max(first);
    first..end
}

/// The batch-means interval of a statistic over `buckets` (indices of measured buckets).
/// `batch_value` gives a batch's statistic from its bucket indices, or `None` when it
/// has none (no completion in it, say); such batches are left out. `None` when fewer
/// than `FEWEST_BATCHES` batches have a value.
pub fn batch_interval(
    buckets: Range<usize>,
    batch_value: impl Fn(Range<usize>) -> Option<f64>,
) -> Option<BatchEstimate> {
    let count = buckets.len();
    let mut batches = FIRST_BATCHES.min(count);
    loop {
        if batches < FEWEST_BATCHES {
            return None;
        }
        let size = count / batches;
        let values: Vec<f64> = (0..batches)
            .filter_map(|b| {
                let start = buckets.start + b * size;
                batch_value(start..start + size)
            })
            .collect();
        if values.len() < FEWEST_BATCHES {
            return None;
        }
        let correlated = lag1_autocorrelation(&values) > MAX_AUTOCORRELATION;
        if !correlated || batches / 2 < FEWEST_BATCHES {
            let n = values.len();
            let mean = values.iter().sum::<f64>() / n as f64;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            return Some(BatchEstimate {
                mean,
                ci95: t_975(n - 1) * (variance / n as f64).sqrt(),
                batches: n,
            });
        }
        batches /= 2;
    }
}

/// Lag-1 autocorrelation; 0 for a constant series.
pub fn lag1_autocorrelation(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 3 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    if variance <= 0.0 {
        return 0.0;
    }
    let covariance: f64 = values
        .windows(2)
        .map(|pair| (pair[0] - mean) * (pair[1] - mean))
        .sum();
    covariance / variance
}

/// Completions per second in each batch.
pub fn throughput_batch(
    buckets: &[TimeBucket],
    width_s: f64,
) -> impl Fn(Range<usize>) -> Option<f64> + '_ {
    move |range: Range<usize>| {
        let seconds = range.len() as f64 * width_s;
        let completed: u64 = buckets[range].iter().map(|b| b.completed).sum();
        (seconds > 0.0).then(|| completed as f64 / seconds)
    }
}

/// Mean latency (ms) of the workflows completed in each batch.
pub fn latency_mean_batch(buckets: &[TimeBucket]) -> impl Fn(Range<usize>) -> Option<f64> + '_ {
    move |range: Range<usize>| {
        let slice = &buckets[range];
        let completed: u64 = slice.iter().map(|b| b.completed).sum();
        let total_ns: u128 = slice.iter().map(|b| b.latency_total_ns).sum();
        (completed > 0).then(|| total_ns as f64 / 1e6 / completed as f64)
    }
}

/// A percentile's batch figure: the mean of its buckets' percentiles, weighted by their
/// completions (the buckets keep only their percentiles, not every latency).
pub fn latency_quantile_batch(
    buckets: &[TimeBucket],
    quantile: fn(&TimeBucket) -> Option<f64>,
) -> impl Fn(Range<usize>) -> Option<f64> + '_ {
    move |range: Range<usize>| {
        let (mut weighted, mut weight) = (0.0, 0u64);
        for bucket in &buckets[range] {
            if let Some(value) = quantile(bucket) {
                weighted += value * bucket.completed as f64;
                weight += bucket.completed;
            }
        }
        (weight > 0).then(|| weighted / weight as f64)
    }
}

/// A trend in the workflows in flight over the measured window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// Least-squares slope of the batch means of in-flight workflows, per minute.
    pub slope_per_min: f64,
    /// Whether the slope is a trend: significant (its 95 % interval excludes zero) over
    /// the whole window and over its second half, in the same direction, and large (over
    /// the window it changes the in-flight level by more than half its mean and by at
    /// least 5 workflows). The second half keeps a one-off step (an outage that strands
    /// workflows, then a steady run) from passing for a trend.
    pub significant: bool,
}

/// Batches the trend test uses: few enough that their means are nearly independent even
/// in a slowly drifting system, enough for slopes with 18 and 8 degrees of freedom.
pub const TREND_BATCHES: usize = 20;

/// A fitted line: (slope, whether its 95 % interval excludes zero, mean level).
fn fit(points: &[(f64, f64)]) -> Option<(f64, bool, f64)> {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx <= 0.0 || points.len() < 3 {
        return None;
    }
    let slope = sxy / sxx;
    let residual: f64 = points
        .iter()
        .map(|p| (p.1 - mean_y - slope * (p.0 - mean_x)).powi(2))
        .sum();
    let slope_error = (residual / (n - 2.0) / sxx).sqrt();
    let significant = slope.abs() > t_975(points.len() - 2) * slope_error;
    Some((slope, significant, mean_y))
}

/// Fit lines to the batch means of in-flight workflows over the measured buckets.
pub fn in_flight_trend(
    buckets: &[TimeBucket],
    measured: Range<usize>,
    width_s: f64,
) -> Option<Trend> {
    let size = measured.len() / TREND_BATCHES;
    if size == 0 || width_s <= 0.0 {
        return None;
    }
    let points: Vec<(f64, f64)> = (0..TREND_BATCHES)
        .map(|b| {
            let start = measured.start + b * size;
            let slice = &buckets[start..start + size];
            let level = slice.iter().map(|x| x.in_flight as f64).sum::<f64>() / size as f64;
            let middle_min = (b as f64 + 0.5) * size as f64 * width_s / 60.0;
            (middle_min, level)
        })
        .collect();
    let (slope, whole, level) = fit(&points)?;
    let (late_slope, late, _) = fit(&points[TREND_BATCHES / 2..])?;
    let span_min = points[points.len() - 1].0 - points[0].0;
    let change = (slope * span_min).abs();
    let significant = whole
        && late
        && slope.signum() == late_slope.signum()
        && change > 0.5 * level.abs()
        && change >= 5.0;
    Some(Trend {
        slope_per_min: slope,
        significant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(second: u64, completed: u64, in_flight: u64) -> TimeBucket {
        TimeBucket {
            start: SimTime(second * 1_000_000_000),
            started: completed,
            completed,
            compensated: 0,
            failed: 0,
            in_flight,
            latency_p99_ms: None,
            latency_p50_ms: None,
            latency_total_ns: u128::from(completed) * 10_000_000,
        }
    }

    #[test]
    fn a_constant_series_has_a_zero_width_interval_and_no_trend() {
        let buckets: Vec<TimeBucket> = (0..100).map(|s| bucket(s, 10, 4)).collect();
        let measured = measured_buckets(&buckets, SimTime(10_000_000_000), SimTime(90_000_000_000));
        assert_eq!(measured, 10..90);
        let estimate = batch_interval(measured.clone(), throughput_batch(&buckets, 1.0));
        assert_eq!(
            estimate,
            Some(BatchEstimate {
                mean: 10.0,
                ci95: 0.0,
                batches: 32
            })
        );
        let latency = batch_interval(measured.clone(), latency_mean_batch(&buckets));
        assert_eq!(latency.map(|e| e.mean), Some(10.0));
        let trend = in_flight_trend(&buckets, measured, 1.0);
        assert_eq!(trend.map(|t| t.significant), Some(false));
    }

    #[test]
    fn alternating_batches_give_a_positive_interval() {
        let buckets: Vec<TimeBucket> = (0..64).map(|s| bucket(s, 8 + 4 * (s % 2), 4)).collect();
        let estimate = batch_interval(0..64, |r: Range<usize>| {
            Some(buckets[r].iter().map(|b| b.completed as f64).sum::<f64>())
        });
        let estimate = estimate.unwrap_or(BatchEstimate {
            mean: 0.0,
            ci95: 0.0,
            batches: 0,
        });
        // Batches of two buckets each hold one 8 and one 12: constant again.
        assert_eq!((estimate.mean, estimate.ci95), (20.0, 0.0));
        let single = batch_interval(0..32, |r: Range<usize>| {
            Some(buckets[r].iter().map(|b| b.completed as f64).sum::<f64>())
        });
        assert!(
            single.is_some_and(|e| e.ci95 > 0.0 && e.mean == 10.0),
            "{single:?}"
        );
    }

    #[test]
    fn a_rising_backlog_is_a_trend_and_a_hump_is_not() {
        let rising: Vec<TimeBucket> = (0..200).map(|s| bucket(s, 10, 5 + s / 2)).collect();
        let trend = in_flight_trend(&rising, 0..200, 1.0);
        assert!(
            trend.is_some_and(|t| t.significant && t.slope_per_min > 0.0),
            "{trend:?}"
        );
        let hump: Vec<TimeBucket> = (0..200)
            .map(|s| bucket(s, 10, if (60..75).contains(&s) { 300 } else { 5 }))
            .collect();
        let trend = in_flight_trend(&hump, 0..200, 1.0);
        assert_eq!(trend.map(|t| t.significant), Some(false), "{trend:?}");
    }

    #[test]
    fn too_few_buckets_give_no_interval() {
        let buckets: Vec<TimeBucket> = (0..7).map(|s| bucket(s, 10, 4)).collect();
        assert_eq!(batch_interval(0..7, throughput_batch(&buckets, 1.0)), None);
    }
}
