//! Fault windows as metrics see them: who was affected, how high the backlog rose, and how
//! long throughput and p99 latency took to come back after the fault ended.

use crate::engine::{SimDuration, SimTime};

use super::timeseries::TimeBucket;

/// A fault occurrence, named for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultWindow {
    /// `crash`, `partition` or `slow`.
    pub fault: &'static str,
    /// The component, or `a|b` for a partition.
    pub target: String,
    pub start: SimTime,
    pub end: SimTime,
}

/// One row of `faults.csv` (without the variant).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRow {
    /// `crash`, `partition` or `slow`.
    pub fault: &'static str,
    /// The component, or `a|b` for a partition.
    pub target: String,
    /// When it began, s.
    pub start_s: f64,
    /// When it ended, s.
    pub end_s: f64,
    /// From the fault's end until throughput and p99 are back within 10 % of their values
    /// before the fault; `None` if they never are within the run.
    pub recovery_s: Option<f64>,
    /// Most messages waiting at once during and after it.
    pub peak_backlog: u64,
    /// Workflows it touched.
    pub affected_workflows: u64,
}

/// Tracks backlog peaks and affected workflows per fault window.
#[derive(Debug, Default)]
pub struct FaultTracker {
    windows: Vec<FaultWindow>,
    /// Window indices by start time; `by_start[..started]` have begun.
    by_start: Vec<usize>,
    started: usize,
    /// Backlog when the fault started; the peak is tracked until it is back to this level
    /// after the fault ended.
    baseline: Vec<u64>,
    /// The windows whose peak is still tracked: a backlog change visits only these, not
    /// every window of the run (thousands of random crashes would make that quadratic).
    tracking: Vec<usize>,
    peak: Vec<u64>,
    affected: Vec<u64>,
}

impl FaultTracker {
    pub fn new(windows: Vec<FaultWindow>) -> Self {
        let n = windows.len();
        let mut by_start: Vec<usize> = (0..n).collect();
        by_start.sort_by_key(|&index| (windows[index].start, index));
        FaultTracker {
            windows,
            by_start,
            started: 0,
            baseline: vec![0; n],
            tracking: Vec::new(),
            peak: vec![0; n],
            affected: vec![0; n],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// When the first fault occurrence starts.
    pub fn first_start(&self) -> Option<SimTime> {
        self.by_start
            .first()
            .map(|&index| self.windows[index].start)
    }

    /// The number of messages waiting anywhere changed to `backlog` at `now`.
    pub fn backlog(&mut self, now: SimTime, backlog: u64) {
        while let Some(&index) = self.by_start.get(self.started) {
            if now < self.windows[index].start {
                break;
            }
            self.started += 1;
            self.baseline[index] = backlog;
            self.tracking.push(index);
        }
        let (windows, baseline, peak) = (&self.windows, &self.baseline, &mut self.peak);
        self.tracking.retain(|&index| {
            peak[index] = peak[index].max(backlog);
            !(now >= windows[index].end && backlog <= baseline[index])
        });
    }

    /// A workflow was touched by fault `index` for the first time (a message of it lost,
    /// parked or held back, its work lost or slowed, its coordinator state lost or resumed).
    pub fn affected(&mut self, index: usize) {
        self.affected[index] += 1;
    }

    pub fn rows(
        &self,
        series: &[TimeBucket],
        bucket: SimDuration,
        warmup: SimTime,
        arrivals_end: SimTime,
    ) -> Vec<FaultRow> {
        self.windows
            .iter()
            .enumerate()
            .map(|(index, window)| FaultRow {
                fault: window.fault,
                target: window.target.clone(),
                start_s: window.start.as_secs_f64(),
                end_s: window.end.as_secs_f64(),
                recovery_s: recovery(series, bucket, warmup, arrivals_end, window)
                    .map(|d| d.as_secs_f64()),
                peak_backlog: self.peak[index],
                affected_workflows: self.affected[index],
            })
            .collect()
    }
}

/// Buckets averaged on each side of the comparison: enough completions that 10 % is not
/// noise, short enough to see recovery.
const WINDOW_BUCKETS: usize = 10;
const TOLERANCE: f64 = 0.10;

/// Time from the fault's end to the start of the first `WINDOW_BUCKETS`-bucket window whose
/// mean completions per bucket are within 10 % of the pre-fault mean and whose mean p99 is
/// no more than 10 % above the pre-fault p99. Only windows inside the arrival period count.
fn recovery(
    series: &[TimeBucket],
    bucket: SimDuration,
    warmup: SimTime,
    arrivals_end: SimTime,
    window: &FaultWindow,
) -> Option<SimDuration> {
    let width = bucket.as_nanos().max(1);
    let index_of = |time: SimTime| (time.as_nanos() / width) as usize;
    let first_before = index_of(warmup).max(index_of(window.start).saturating_sub(WINDOW_BUCKETS));
    let before = series.get(first_before..index_of(window.start))?;
    let (base_throughput, base_p99) = averages(before)?;
    let last_start = index_of(arrivals_end).checked_sub(WINDOW_BUCKETS)?;
    let first_after = index_of(window.end).max(index_of(window.start));
    (first_after..=last_start).find_map(|start| {
        // The series may end before arrivals do (a run stopped early, a drain shorter
        // than a bucket): a window past its end has no figures.
        let (throughput, p99) = averages(series.get(start..start + WINDOW_BUCKETS)?)?;
        let throughput_ok = (throughput - base_throughput).abs() <= TOLERANCE * base_throughput;
        let p99_ok = p99 <= (1.0 + TOLERANCE) * base_p99;
        (throughput_ok && p99_ok).then(|| series[start].start.since(window.end))
    })
}

/// (mean completions per bucket, mean of the buckets' p99), if any bucket has a p99.
fn averages(buckets: &[TimeBucket]) -> Option<(f64, f64)> {
    if buckets.is_empty() {
        return None;
    }
    let throughput = buckets.iter().map(|b| b.completed as f64).sum::<f64>() / buckets.len() as f64;
    let p99s: Vec<f64> = buckets.iter().filter_map(|b| b.latency_p99_ms).collect();
    if p99s.is_empty() {
        return None;
    }
    Some((throughput, p99s.iter().sum::<f64>() / p99s.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(second: u64, completed: u64, p99: f64) -> TimeBucket {
        TimeBucket {
            start: SimTime(second * 1_000_000_000),
            started: completed,
            completed,
            compensated: 0,
            failed: 0,
            in_flight: 0,
            latency_p99_ms: Some(p99),
            latency_p50_ms: None,
            latency_total_ns: 0,
        }
    }

    #[test]
    fn recovery_is_the_first_window_back_to_normal_after_the_fault() {
        // Normal: 50 per second at 100 ms; fault 20–30 s; elevated p99 until 40 s.
        let series: Vec<TimeBucket> = (0..100)
            .map(|s| match s {
                20..30 => bucket(s, 0, 100.0),
                30..40 => bucket(s, 80, 400.0),
                _ => bucket(s, 50, 100.0),
            })
            .collect();
        let window = FaultWindow {
            fault: "crash",
            target: "payment".to_string(),
            start: SimTime(20_000_000_000),
            end: SimTime(30_000_000_000),
        };
        let second = SimDuration::from_secs(1);
        let recovered = recovery(
            &series,
            second,
            SimTime::ZERO,
            SimTime(100_000_000_000),
            &window,
        );
        assert_eq!(recovered, Some(SimDuration::from_secs(10)));
        let never = recovery(
            &series[..45],
            second,
            SimTime::ZERO,
            SimTime(45_000_000_000),
            &window,
        );
        assert_eq!(never, None, "no normal window before arrivals stop");
    }
}
