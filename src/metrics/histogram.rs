//! A latency histogram: HdrHistogram buckets (3 significant digits) for quantiles, plus the
//! exact count, sum and maximum, so means and maxima carry no bucketing error.

use hdrhistogram::Histogram;

use crate::engine::SimDuration;

#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    buckets: Histogram<u64>,
    count: u64,
    sum_nanos: u128,
    max_nanos: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        let buckets = Histogram::new(3).expect("3 significant digits is a valid precision");
        LatencyHistogram {
            buckets,
            count: 0,
            sum_nanos: 0,
            max_nanos: 0,
        }
    }

    pub fn record(&mut self, latency: SimDuration) {
        let nanos = latency.as_nanos();
        // The histogram resizes itself; it only refuses values past about u64::MAX / 2,
        // which are then clamped to the largest value it tracks.
        if self.buckets.record(nanos).is_err() {
            self.buckets.saturating_record(nanos);
        }
        self.count += 1;
        self.sum_nanos += u128::from(nanos);
        self.max_nanos = self.max_nanos.max(nanos);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn reset(&mut self) {
        if self.count > 0 {
            self.buckets.reset();
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

    /// The value at quantile `q` (0..=1) in milliseconds, never above the exact maximum.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        (self.count > 0).then(|| {
            let nanos = self.buckets.value_at_quantile(q).min(self.max_nanos);
            nanos as f64 / 1e6
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut histogram = LatencyHistogram::new();
        for millis in 1..=1000 {
            histogram.record(SimDuration::from_millis(millis));
        }
        let p99 = histogram.quantile_ms(0.99).unwrap_or_default();
        assert!((p99 - 990.0).abs() <= 1.0, "{p99}");
        assert_eq!(histogram.mean_ms(), Some(500.5));
        assert_eq!(histogram.max_ms(), Some(1000.0));
    }

    #[test]
    fn empty_histograms_have_no_values() {
        let histogram = LatencyHistogram::new();
        assert_eq!(histogram.mean_ms(), None);
        assert_eq!(histogram.quantile_ms(0.5), None);
    }
}
