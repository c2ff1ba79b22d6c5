//! Per-bucket counts over simulated time, streamed: events arrive in time order, so a bucket
//! is final as soon as time passes its end and only one latency histogram is ever live.

use crate::engine::{SimDuration, SimTime};

use super::histogram::LatencyHistogram;

/// One row of `timeseries.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeBucket {
    /// The bucket's start.
    pub start: SimTime,
    /// Workflows started in it.
    pub started: u64,
    /// Completed in it.
    pub completed: u64,
    /// Compensated in it.
    pub compensated: u64,
    /// Failed in it.
    pub failed: u64,
    /// Workflows started and not yet ended at the end of the bucket.
    pub in_flight: u64,
    /// p99 latency of the workflows that completed in this bucket.
    pub latency_p99_ms: Option<f64>,
    /// Median latency of the same workflows (for batch means; not written out).
    pub latency_p50_ms: Option<f64>,
    /// Sum of their latencies in nanoseconds (for batch means of the mean latency).
    pub latency_total_ns: u128,
}

/// What happened to a workflow at one instant, as far as the time series cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesEvent {
    Started,
    Completed(SimDuration),
    Compensated,
    Failed,
}

#[derive(Debug)]
pub struct TimeSeries {
    width: SimDuration,
    rows: Vec<TimeBucket>,
    current: TimeBucket,
    current_latency: LatencyHistogram,
    in_flight: u64,
}

impl TimeSeries {
    pub fn new(width: SimDuration) -> Self {
        assert!(!width.is_zero(), "bucket width is validated to be positive");
        TimeSeries {
            width,
            rows: Vec::new(),
            current: empty_bucket(SimTime::ZERO),
            current_latency: LatencyHistogram::new(),
            in_flight: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, at: SimTime, event: SeriesEvent) {
        self.advance_to(at);
        match event {
            SeriesEvent::Started => {
                self.current.started += 1;
                self.in_flight += 1;
            }
            SeriesEvent::Completed(latency) => {
                self.current.completed += 1;
                self.current_latency.record(latency);
                self.current.latency_total_ns += u128::from(latency.as_nanos());
                self.in_flight -= 1;
            }
            SeriesEvent::Compensated => {
                self.current.compensated += 1;
                self.in_flight -= 1;
            }
            SeriesEvent::Failed => {
                self.current.failed += 1;
                self.in_flight -= 1;
            }
        }
    }

    /// Close every bucket that ends at or before `at`.
    fn advance_to(&mut self, at: SimTime) {
        while at.as_nanos() >= self.current.start.as_nanos() + self.width.as_nanos() {
            let next_start = self.current.start + self.width;
            self.close_current(next_start);
        }
    }

    fn close_current(&mut self, next_start: SimTime) {
        let mut bucket = std::mem::replace(&mut self.current, empty_bucket(next_start));
        bucket.in_flight = self.in_flight;
        [bucket.latency_p50_ms, bucket.latency_p99_ms] =
            self.current_latency.quantiles_ms([0.50, 0.99]);
        self.current_latency.reset();
        self.rows.push(bucket);
    }

    /// All buckets covering `[0, end)`.
    pub fn finish(mut self, end: SimTime) -> Vec<TimeBucket> {
        if end.as_nanos() > 0 {
            self.advance_to(SimTime(end.as_nanos() - 1));
        }
        let next_start = self.current.start + self.width;
        self.close_current(next_start);
        self.rows
    }
}

fn empty_bucket(start: SimTime) -> TimeBucket {
    TimeBucket {
        start,
        started: 0,
        completed: 0,
        compensated: 0,
        failed: 0,
        in_flight: 0,
        latency_p99_ms: None,
        latency_p50_ms: None,
        latency_total_ns: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_events_and_carry_in_flight_forward() {
        let mut series = TimeSeries::new(SimDuration::from_secs(1));
        series.record(SimTime(100), SeriesEvent::Started);
        series.record(SimTime(200), SeriesEvent::Started);
        series.record(
            SimTime(2_500_000_000),
            SeriesEvent::Completed(SimDuration::from_millis(7)),
        );
        let rows = series.finish(SimTime(4_000_000_000));
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].started, rows[0].in_flight), (2, 2));
        assert_eq!((rows[1].started, rows[1].in_flight), (0, 2));
        assert_eq!((rows[2].completed, rows[2].in_flight), (1, 1));
        assert_eq!(rows[2].latency_p99_ms, Some(7.0));
        assert_eq!(rows[3].latency_p99_ms, None);
        assert_eq!(rows[3].start, SimTime(3_000_000_000));
    }
}
