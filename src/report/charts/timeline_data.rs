//! What `timeline.png` draws, read from the results: completions per second and
//! workflows in flight over time, the warm-up, fault windows, drain and load profile, and
//! the close-ups of the first fault windows.

use crate::runner::{DesignRun, ScenarioResults};

use super::{Series, first_runs};

/// Completions per second and workflows in flight over time, and the fault windows.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineData {
    /// Completions per second, per design.
    pub completed_per_s: Vec<Series>,
    /// Workflows in flight, per design.
    pub in_flight: Vec<Series>,
    /// (start s, end s) of every fault occurrence.
    pub faults: Vec<(f64, f64)>,
    /// End of the warm-up (s): the first measured bucket's start.
    pub warmup_s: f64,
    /// Start of the drain (s): arrivals have stopped, in-flight workflows finish.
    pub drain_s: f64,
    /// Close-ups of the first fault windows, bucket by bucket.
    pub zooms: Vec<Zoom>,
    /// The load profile's arrival rate over time (empty without a profile).
    pub offered_per_s: Vec<(f64, f64)>,
    /// Per design (its palette slot) with a circuit breaker that opened: when any of its
    /// breakers was not closed, (from s, to s).
    pub breakers_open: Vec<(usize, Vec<(f64, f64)>)>,
}

/// Completions per second bucket by bucket around a fault window (or a few that lie close
/// together), so that a 5-second outage in a 10-minute run is more than a sliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Zoom {
    /// Where the span drawn starts, in seconds.
    pub from_s: f64,
    /// Where it ends, in seconds.
    pub to_s: f64,
    /// The fault windows inside it.
    pub faults: Vec<(f64, f64)>,
    /// Completions per second, per design, one point per bucket.
    pub completed_per_s: Vec<Series>,
}

/// At most this many close-ups under the timeline; a caption says how many windows there
/// were when there are more.
pub const MAX_ZOOMS: usize = 3;

/// The spans of the close-ups: each fault window with a margin before (its length, at
/// least 3 buckets) and after (three times its length, at least 10 buckets, for the
/// recovery), overlapping spans merged; the first `MAX_ZOOMS`.
fn zoom_spans(faults: &[(f64, f64)], bucket_s: f64, end_s: f64) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let mut sorted: Vec<(f64, f64)> = faults
        .iter()
        .copied()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (start, stop) in sorted {
        let length = (stop - start).max(bucket_s);
        let from = (start - length.max(3.0 * bucket_s)).max(0.0);
        let to = (stop + (3.0 * length).max(10.0 * bucket_s)).min(end_s);
        match spans.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => spans.push((from, to)),
        }
    }
    spans.truncate(MAX_ZOOMS);
    spans
}

/// Most points a timeline line has: buckets are merged in groups so that one line stays
/// readable over any run length (and per-bucket noise averages out).
pub const TIMELINE_POINTS: usize = 150;

/// The series `timeline.png` draws.
pub fn timeline_data(results: &ScenarioResults) -> TimelineData {
    let runs = first_runs(results);
    let line = |run: &DesignRun, value: fn(&[crate::metrics::TimeBucket], f64) -> f64| {
        let buckets = &run.result.timeseries;
        let width = match buckets.as_slice() {
            [first, second, ..] => second.start.as_secs_f64() - first.start.as_secs_f64(),
            _ => 1.0,
        };
        let group = buckets.len().div_ceil(TIMELINE_POINTS).max(1);
        Series {
            label: run.design.label.clone(),
            palette_slot: run.design.palette_slot,
            points: buckets
                .chunks(group)
                .map(|chunk| {
                    let middle = chunk[0].start.as_secs_f64() + width * chunk.len() as f64 / 2.0;
                    (middle, value(chunk, width))
                })
                .collect(),
        }
    };
    let completed_per_s = runs
        .iter()
        .map(|run| {
            line(run, |chunk, width| {
                chunk.iter().map(|b| b.completed).sum::<u64>() as f64 / (width * chunk.len() as f64)
            })
        })
        .collect();
    let in_flight = runs
        .iter()
        .map(|run| {
            line(run, |chunk, _| {
                chunk.iter().map(|b| b.in_flight).sum::<u64>() as f64 / chunk.len() as f64
            })
        })
        .collect();
    let faults: Vec<(f64, f64)> = runs
        .first()
        .map(|run| {
            run.result
                .faults
                .iter()
                .map(|f| (f.start_s, f.end_s))
                .collect()
        })
        .unwrap_or_default();
    let warmup_s = runs.first().map_or(0.0, |run| {
        run.result.measured_buckets.start as f64 * run.result.bucket_s
    });
    let drain_s = runs.first().map_or(0.0, |run| {
        run.result.measured_buckets.end as f64 * run.result.bucket_s
    });
    let bucket_s = runs.first().map_or(1.0, |run| run.result.bucket_s);
    let end_s = runs.first().map_or(0.0, |run| {
        run.result.timeseries.len() as f64 * run.result.bucket_s
    });
    let zooms = zoom_spans(&faults, bucket_s, end_s)
        .into_iter()
        .map(|(from_s, to_s)| Zoom {
            from_s,
            to_s,
            faults: faults
                .iter()
                .copied()
                .filter(|&(a, b)| b >= from_s && a <= to_s)
                .collect(),
            completed_per_s: runs
                .iter()
                .map(|run| Series {
                    label: run.design.label.clone(),
                    palette_slot: run.design.palette_slot,
                    points: run
                        .result
                        .timeseries
                        .iter()
                        .map(|b| (b.start.as_secs_f64(), b.completed as f64 / bucket_s))
                        .filter(|&(t, _)| t + bucket_s >= from_s && t <= to_s)
                        .map(|(t, rate)| (t + bucket_s / 2.0, rate))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    TimelineData {
        completed_per_s,
        in_flight,
        faults,
        warmup_s,
        drain_s,
        zooms,
        offered_per_s: runs
            .first()
            .map(|run| run.result.offered_per_s.clone())
            .unwrap_or_default(),
        breakers_open: runs
            .iter()
            .filter_map(|run| {
                let windows: Vec<(f64, f64)> = run
                    .result
                    .resilience
                    .iter()
                    .flat_map(|r| r.breakers.iter())
                    .flat_map(|b| b.windows.iter().copied())
                    .collect();
                (!windows.is_empty()).then_some((run.design.palette_slot, windows))
            })
            .collect(),
    }
}
