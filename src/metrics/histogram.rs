//! A latency histogram: log-linear buckets with 1,024 sub-buckets per power of two (relative
//! width at most 1/1,024, like a 3-significant-digit HdrHistogram), plus the exact count, sum
//! and maximum, so means and maxima carry no bucketing error. Recording is a few shifts
//! and an increment; memory grows only up to the largest value seen.

use crate::engine::SimDuration;

/// Values below this are counted exactly, one bucket each.
const LINEAR: u64 = 2048;
/// Sub-buckets per power of two above `LINEAR`.
const HALF: usize = 1024;

#[derive(Debug, Clone, Default)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    count: u64,
    sum_nanos: u128,
    max_nanos: u64,
    /// Buckets counted since the last reset, in first-touch order: a reset clears only
    /// these, and quantiles walk only these (sorted).
    touched: Vec<u32>,
}

/// The bucket of `value`: exact below 2,048, then 1,024 buckets per doubling.
#[inline]
fn bucket_of(value: u64) -> usize {
    if value < LINEAR {
        value as usize
    } else {
        let exponent = 63 - value.leading_zeros() as usize; // >= 11
        let shift = exponent - 10;
        let sub = (value >> shift) as usize; // in [1024, 2048)
        LINEAR as usize + (shift - 1) * HALF + (sub - HALF)
    }
}

/// The largest value that falls in `bucket`.
fn bucket_high(bucket: usize) -> u64 {
    if bucket < LINEAR as usize {
        bucket as u64
    } else {
        let offset = bucket - LINEAR as usize;
        let shift = offset / HALF + 1;
        let sub = (offset % HALF + HALF) as u64;
        ((sub + 1) << shift) - 1
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        LatencyHistogram::default()
    }

    #[inline(always)]
    pub fn record(&mut self, latency: SimDuration) {
        let nanos = latency.as_nanos();
        let bucket = bucket_of(nanos);
        if bucket >= self.counts.len() {
            self.counts.resize(bucket + 1, 0);
        }
        if self.counts[bucket] == 0 {
            self.touched.push(bucket as u32);
        }
        self.counts[bucket] += 1;
        self.count += 1;
        self.sum_nanos += u128::from(nanos);
        self.max_nanos = self.max_nanos.max(nanos);
    }

    /// Add every value `other` recorded (the replicas of one component, pooled).
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for &bucket in &other.touched {
            let bucket = bucket as usize;
            if bucket >= self.counts.len() {
                self.counts.resize(bucket + 1, 0);
            }
            if self.counts[bucket] == 0 {
                self.touched.push(bucket as u32);
            }
            self.counts[bucket] += other.counts[bucket];
        }
        self.count += other.count;
        self.sum_nanos += other.sum_nanos;
        self.max_nanos = self.max_nanos.max(other.max_nanos);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn reset(&mut self) {
        if self.count > 0 {
            for &bucket in &self.touched {
                self.counts[bucket as usize] = 0;
            }
            self.touched.clear();
            self.count = 0;
            self.sum_nanos = 0;
            self.max_nanos = 0;
        }
    }

    pub fn mean_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_nanos as f64 / self.count as f64 / 1e6)
    }

    pub fn max_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.max_nanos as f64 / 1e6)
    }

    /// The value at quantile `q` (0..=1) in milliseconds: the top of the bucket holding
    /// the ⌈q·count⌉-th smallest value, never above the exact maximum.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        self.value_at_rank_ms(self.rank(q))
    }

    /// The top of the bucket holding the `rank`-th smallest value (1-based), never above
    /// the exact maximum; `None` when empty.
    pub fn value_at_rank_ms(&self, rank: u64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = rank.clamp(1, self.count);
        let bucket = if rank * 2 >= self.count {
            self.bucket_of_rank_from_the_top(rank)
        } else {
            self.bucket_of_rank_from_the_bottom(rank)
        };
        Some(self.value_ms(bucket))
    }

    /// Like `quantile_ms` at each of `quantiles` (ascending), in one walk up the touched
    /// buckets. The time series asks for a median and a p99 of every bucket: walking down
    /// from the maximum to the median went through thousands of empty buckets, and this
    /// walks only the few touched ones. It sorts them in place (their order matters to
    /// nothing else), hence `&mut`.
    pub fn quantiles_ms<const N: usize>(&mut self, quantiles: [f64; N]) -> [Option<f64>; N] {
        debug_assert!(quantiles.is_sorted(), "quantiles ascend: {quantiles:?}");
        let mut values = [None; N];
        if self.count == 0 {
            return values;
        }
        self.touched.sort_unstable();
        let mut pending = quantiles.iter().zip(values.iter_mut()).peekable();
        let mut seen = 0;
        for &bucket in &self.touched {
            seen += self.count_in(bucket as usize);
            while let Some((_, value)) = pending.next_if(|(q, _)| seen >= self.rank(**q)) {
                *value = Some(self.value_ms(Some(bucket as usize)));
            }
            if pending.peek().is_none() {
                break;
            }
        }
        // Every rank is at most the count, so the walk found them all; were one left,
        // `quantile_ms` would answer the maximum, and so does this.
        for (_, value) in pending {
            *value = Some(self.value_ms(None));
        }
        values
    }

    /// The position, counted from 1, of the value at quantile `q` (0..=1).
    fn rank(&self, q: f64) -> u64 {
        ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1)
    }

    /// The value reported for `bucket` in milliseconds: its top, never above the exact
    /// maximum (the maximum itself when no bucket was found).
    fn value_ms(&self, bucket: Option<usize>) -> f64 {
        let nanos = bucket.map_or(self.max_nanos, |b| bucket_high(b).min(self.max_nanos));
        nanos as f64 / 1e6
    }

    fn count_in(&self, bucket: usize) -> u64 {
        self.counts.get(bucket).copied().unwrap_or(0)
    }

    /// The bucket holding the `rank`-th smallest value, walking the touched buckets in order.
    fn bucket_of_rank_from_the_bottom(&self, rank: u64) -> Option<usize> {
        let mut buckets = self.touched.clone();
        buckets.sort_unstable();
        let mut seen = 0;
        buckets.into_iter().map(|b| b as usize).find(|&bucket| {
            seen += self.count_in(bucket);
            seen >= rank
        })
    }

    /// The same bucket, walking down from the maximum's: high quantiles (the time series'
    /// p99 of every bucket) sit a few hundred buckets below it, so this skips sorting
    /// the touched list.
    fn bucket_of_rank_from_the_top(&self, rank: u64) -> Option<usize> {
        let mut above = 0;
        (0..=bucket_of(self.max_nanos)).rev().find(|&bucket| {
            let here = self.count_in(bucket);
            let found = self.count - above - here < rank;
            above += here;
            found
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_within_a_tenth_of_a_percent() {
        let mut previous_high = None;
        for bucket in 0..30_000 {
            let high = bucket_high(bucket);
            if let Some(previous) = previous_high {
                assert_eq!(
                    bucket_of(previous + 1),
                    bucket,
                    "bucket {bucket} starts right after {previous}"
                );
            }
            assert_eq!(bucket_of(high), bucket);
            let low = previous_high.map_or(0, |p| p + 1);
            assert!(
                (high - low) as f64 <= 0.001 * high as f64 + 1.0,
                "bucket {bucket}: {low}..={high}"
            );
            previous_high = Some(high);
        }
        assert_eq!(bucket_of(u64::MAX), bucket_of(u64::MAX - 1));
    }

    #[test]
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut histogram = LatencyHistogram::new();
        for millis in 1..=1000 {
            histogram.record(SimDuration::from_millis(millis));
        }
        let p99 = histogram.quantile_ms(0.99).unwrap_or_default();
        assert!((p99 - 990.0).abs() <= 1.0, "{p99}");
        let p50 = histogram.quantile_ms(0.5).unwrap_or_default();
        assert!((p50 - 500.0).abs() <= 0.5, "{p50}");
        assert_eq!(histogram.quantile_ms(1.0), Some(1000.0));
        assert_eq!(histogram.mean_ms(), Some(500.5));
        assert_eq!(histogram.max_ms(), Some(1000.0));
    }

    #[test]
    fn walking_down_from_the_top_finds_the_same_bucket_as_sorting() {
        let mut histogram = LatencyHistogram::new();
        let mut rng = crate::engine::SplitMix64::new(3);
        for _ in 0..20_000 {
            histogram.record(SimDuration::from_nanos_f64(rng.exponential(3e7)));
        }
        for q in [0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let rank = ((q * histogram.count() as f64).ceil() as u64).max(1);
            let top = histogram.bucket_of_rank_from_the_top(rank);
            assert!(top.is_some(), "q {q}");
            assert_eq!(top, histogram.bucket_of_rank_from_the_bottom(rank), "q {q}");
        }
    }

    #[test]
    fn one_walk_finds_what_each_quantile_finds_alone() {
        let mut rng = crate::engine::SplitMix64::new(5);
        for count in [0, 1, 2, 3, 7, 50, 999, 20_000] {
            let mut histogram = LatencyHistogram::new();
            for _ in 0..count {
                histogram.record(SimDuration::from_nanos_f64(rng.exponential(3e7)));
            }
            let quantiles = [0.0, 0.25, 0.5, 0.5, 0.9, 0.99, 0.999, 1.0];
            let alone = quantiles.map(|q| histogram.quantile_ms(q));
            assert_eq!(histogram.quantiles_ms(quantiles), alone, "{count} values");
            // Sorting the touched buckets in place leaves a reset as thorough as before.
            histogram.reset();
            assert_eq!(histogram.quantiles_ms([0.5]), [None]);
            histogram.record(SimDuration::from_millis(2));
            assert_eq!(histogram.quantiles_ms([0.5, 0.99]), [Some(2.0), Some(2.0)]);
        }
    }

    #[test]
    fn reset_forgets_everything() {
        let mut histogram = LatencyHistogram::new();
        histogram.record(SimDuration::from_secs(5));
        histogram.reset();
        assert_eq!(histogram.quantile_ms(0.5), None);
        histogram.record(SimDuration::from_millis(2));
        assert_eq!(histogram.quantile_ms(0.99), Some(2.0));
    }

    #[test]
    fn empty_histograms_have_no_values() {
        let histogram = LatencyHistogram::new();
        assert_eq!(histogram.mean_ms(), None);
        assert_eq!(histogram.quantile_ms(0.5), None);
    }
}
