//! What went wrong with a run as a whole, named with its evidence: a collapse (the rate of
//! business answers falls far below the arrival rate and stays there while load goes on:
//! a retry storm, a metastable failure, an overload), saturation before the first fault
//! (the design was already overloaded, so the faults say little about it), and a design
//! that fails most of its workflows. Any of them makes the run not at steady state and
//! excludes the design from recommendations.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::engine::SimTime;

use super::TimeBucket;
use super::batch_means::in_flight_trend;

/// Business answers (completed + compensated) below this share of the arrivals, over the
/// rest of the measured window, make a collapse.
pub const COLLAPSE_ANSWERED_SHARE: f64 = 0.5;
/// Before the first fault, answers below this share of the arrivals (or a significant
/// growth of the workflows in flight) make a saturated design.
pub const SATURATED_ANSWERED_SHARE: f64 = 0.8;
/// ... but only where the busiest component is at least this busy (workflows piling up
/// stuck behind a lost message are losses, not saturation).
pub const SATURATED_UTILIZATION: f64 = 0.9;
/// Failed and stuck workflows above this share of those started: mostly failing.
pub const MOSTLY_FAILING_SHARE: f64 = 0.5;
/// The shortest stretch (in buckets) a collapse or saturation is judged over.
const FEWEST_BUCKETS: usize = 10;
/// ... and the fewest arrivals in it.
const FEWEST_ARRIVALS: u64 = 20;

/// One finding about a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnosis {
    /// From `from_s` to the end of arrivals, business answers came at
    /// `answered_per_s` while `arrived_per_s` arrived.
    Collapsed {
        /// Where the stretch starts (s).
        from_s: f64,
        /// Completed + compensated per second over the stretch.
        answered_per_s: f64,
        /// Arrivals per second over the stretch.
        arrived_per_s: f64,
        /// Retries per measured workflow over the whole run.
        retries_per_workflow: f64,
    },
    /// Overloaded before the first fault at `fault_s` (or over the whole window, without
    /// faults).
    Saturated {
        /// The first fault's start (s), if any.
        fault_s: Option<f64>,
        /// Business answers as a share of arrivals before it.
        answered_share: f64,
        /// Fitted growth of the workflows in flight before it, per minute.
        in_flight_per_min: Option<f64>,
        /// The busiest component's utilization.
        utilization: f64,
    },
    /// More than half of the measured workflows failed or got stuck.
    MostlyFailing {
        /// (failed + stuck) ÷ started.
        share: f64,
    },
}

impl Diagnosis {
    /// Its name: `collapsed`, `saturated`, `mostly failing`.
    pub fn name(&self) -> &'static str {
        match self {
            Diagnosis::Collapsed { .. } => "collapsed",
            Diagnosis::Saturated { .. } => "saturated",
            Diagnosis::MostlyFailing { .. } => "mostly failing",
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnosis::Collapsed {
                from_s,
                answered_per_s,
                arrived_per_s,
                retries_per_workflow,
            } => write!(
                f,
                "collapsed: answered {answered_per_s:.1}/s from {from_s:.0} s to the end of \
                 arrivals while {arrived_per_s:.1}/s arrived; retries per workflow \
                 {retries_per_workflow:.2}"
            ),
            Diagnosis::Saturated {
                fault_s,
                answered_share,
                in_flight_per_min,
                utilization,
            } => {
                let when = match fault_s {
                    Some(at) => format!("before the first fault (at {at:.0} s)"),
                    None => "with no fault".to_string(),
                };
                write!(
                    f,
                    "saturated {when}: answered {:.0} % of arrivals",
                    answered_share * 100.0
                )?;
                if let Some(slope) = in_flight_per_min {
                    write!(f, ", workflows in flight growing {slope:+.1}/min")?;
                }
                write!(f, ", busiest component {:.0} % busy", utilization * 100.0)
            }
            Diagnosis::MostlyFailing { share } => {
                write!(
                    f,
                    "mostly failing: {:.1} % of workflows failed or stuck",
                    share * 100.0
                )
            }
        }
    }
}

/// What the diagnosis reads of a finished run.
pub struct RunFigures<'a> {
    /// The time series.
    pub buckets: &'a [TimeBucket],
    /// The buckets wholly inside [warm-up, end of arrivals).
    pub measured: Range<usize>,
    /// Bucket width (s).
    pub width_s: f64,
    /// The first fault's start, if the scenario has faults.
    pub first_fault: Option<SimTime>,
    /// Measured workflows started, failed and stuck.
    pub started: u64,
    /// Of those, failed.
    pub failed: u64,
    /// Of those, stuck.
    pub stuck: u64,
    /// Retries per measured workflow.
    pub retries_per_workflow: f64,
    /// The busiest component's utilization.
    pub max_utilization: f64,
}

/// Every finding about the run, in a fixed order.
pub fn diagnose(run: &RunFigures<'_>) -> Vec<Diagnosis> {
    let mut found = Vec::new();
    let collapsed = collapse(run);
    // Without faults, saturation would only repeat a collapse; before a fault it says
    // what the fault's figures are worth.
    if collapsed.is_none() || run.first_fault.is_some() {
        found.extend(saturation(run));
    }
    found.splice(0..0, collapsed);
    if run.started > 0 {
        let share = (run.failed + run.stuck) as f64 / run.started as f64;
        if share > MOSTLY_FAILING_SHARE {
            found.push(Diagnosis::MostlyFailing { share });
        }
    }
    found
}

fn answered(bucket: &TimeBucket) -> u64 {
    bucket.completed + bucket.compensated
}

/// The earliest bucket from which every stretch to the end of the measured window (of at
/// least `FEWEST_BUCKETS`) answers under `COLLAPSE_ANSWERED_SHARE` of its arrivals.
fn collapse(run: &RunFigures<'_>) -> Option<Diagnosis> {
    let measured = run.measured.clone();
    let shortest = FEWEST_BUCKETS.max(measured.len() / 10);
    if measured.len() < shortest || run.width_s <= 0.0 {
        return None;
    }
    let (mut arrivals, mut answers) = (0u64, 0u64);
    let mut from = None;
    for index in measured.clone().rev() {
        arrivals += run.buckets[index].started;
        answers += answered(&run.buckets[index]);
        if measured.end - index < shortest {
            continue;
        }
        let collapsed = arrivals >= FEWEST_ARRIVALS
            && (answers as f64) < COLLAPSE_ANSWERED_SHARE * arrivals as f64;
        if !collapsed {
            break;
        }
        from = Some((index, arrivals, answers));
    }
    let (earliest, _, _) = from?;
    // The earliest such stretch starts while answers still keep up: the collapse itself
    // starts where the balance of answers against half the arrivals peaks.
    let (mut balance, mut peak, mut index) = (0.0, 0.0, earliest);
    for at in earliest..measured.end {
        if balance > peak {
            (peak, index) = (balance, at);
        }
        let bucket = &run.buckets[at];
        balance += answered(bucket) as f64 - COLLAPSE_ANSWERED_SHARE * bucket.started as f64;
    }
    let stretch = &run.buckets[index..measured.end];
    let arrivals: u64 = stretch.iter().map(|b| b.started).sum();
    let answers: u64 = stretch.iter().map(answered).sum();
    let seconds = stretch.len() as f64 * run.width_s;
    Some(Diagnosis::Collapsed {
        from_s: run.buckets[index].start.as_secs_f64(),
        answered_per_s: answers as f64 / seconds,
        arrived_per_s: arrivals as f64 / seconds,
        retries_per_workflow: run.retries_per_workflow,
    })
}

/// Before the first fault (or over the whole window without faults): answers well below
/// arrivals or a growing backlog, with the busiest component nearly always busy.
fn saturation(run: &RunFigures<'_>) -> Option<Diagnosis> {
    if run.max_utilization < SATURATED_UTILIZATION {
        return None;
    }
    let measured = run.measured.clone();
    // The buckets wholly before the fault: one that holds its start is not "before".
    let width_ns = (run.width_s * 1e9) as u64;
    let end = match run.first_fault {
        Some(at) => measured
            .clone()
            .find(|&index| run.buckets[index].start.as_nanos() + width_ns > at.as_nanos())
            .unwrap_or(measured.end),
        None => measured.end,
    };
    let before = measured.start..end.max(measured.start);
    if before.len() < FEWEST_BUCKETS {
        return None;
    }
    let slice = &run.buckets[before.clone()];
    let arrivals: u64 = slice.iter().map(|b| b.started).sum();
    let answers: u64 = slice.iter().map(answered).sum();
    if arrivals < FEWEST_ARRIVALS {
        return None;
    }
    let answered_share = answers as f64 / arrivals as f64;
    let trend = in_flight_trend(run.buckets, before, run.width_s)
        .filter(|t| t.significant && t.slope_per_min > 0.0);
    (answered_share < SATURATED_ANSWERED_SHARE || trend.is_some()).then(|| Diagnosis::Saturated {
        fault_s: run.first_fault.map(SimTime::as_secs_f64),
        answered_share,
        in_flight_per_min: trend.map(|t| t.slope_per_min),
        utilization: run.max_utilization,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(per_second: &[(u64, u64, u64)]) -> Vec<TimeBucket> {
        per_second
            .iter()
            .enumerate()
            .map(|(second, &(started, completed, in_flight))| TimeBucket {
                start: SimTime(second as u64 * 1_000_000_000),
                started,
                completed,
                compensated: 0,
                failed: 0,
                in_flight,
                latency_p99_ms: None,
                latency_p50_ms: None,
                latency_total_ns: 0,
            })
            .collect()
    }

    fn figures(series: &[TimeBucket], first_fault: Option<SimTime>, busy: f64) -> RunFigures<'_> {
        RunFigures {
            buckets: series,
            measured: 0..series.len(),
            width_s: 1.0,
            first_fault,
            started: series.iter().map(|b| b.started).sum(),
            failed: 0,
            stuck: 0,
            retries_per_workflow: 4.7,
            max_utilization: busy,
        }
    }

    #[test]
    fn a_rate_that_drops_and_stays_down_is_a_collapse_from_where_it_dropped() {
        // 30/s arrive throughout; answers keep up for 210 s, then stop.
        let series: Vec<(u64, u64, u64)> = (0..300)
            .map(|s| if s < 210 { (30, 30, 10) } else { (30, 0, 10) })
            .collect();
        let series = buckets(&series);
        let found = diagnose(&figures(&series, None, 0.5));
        let Some(Diagnosis::Collapsed {
            from_s,
            answered_per_s,
            arrived_per_s,
            ..
        }) = found.first()
        else {
            panic!("no collapse in {found:?}");
        };
        assert_eq!(*from_s, 210.0);
        assert_eq!(*answered_per_s, 0.0);
        assert_eq!(*arrived_per_s, 30.0);
        assert_eq!(
            found[0].to_string(),
            "collapsed: answered 0.0/s from 210 s to the end of arrivals while 30.0/s \
             arrived; retries per workflow 4.70"
        );
    }

    #[test]
    fn a_dip_that_recovers_and_a_healthy_run_are_no_collapse() {
        let dip: Vec<(u64, u64, u64)> = (0..300)
            .map(|s| {
                if (100..130).contains(&s) {
                    (30, 0, 10)
                } else {
                    (30, 30, 10)
                }
            })
            .collect();
        assert_eq!(diagnose(&figures(&buckets(&dip), None, 0.5)), vec![]);
        let healthy = buckets(&[(30, 30, 10); 300]);
        assert_eq!(diagnose(&figures(&healthy, None, 0.95)), vec![]);
    }

    #[test]
    fn a_backlog_growing_before_the_fault_on_a_busy_component_is_saturation() {
        // Answers at 25/s of 30/s arriving: the backlog grows 5/s before the fault at 200 s.
        let series: Vec<(u64, u64, u64)> = (0..300).map(|s| (30, 25, 10 + 5 * s as u64)).collect();
        let series = buckets(&series);
        let fault = Some(SimTime(200 * 1_000_000_000));
        let found = diagnose(&figures(&series, fault, 0.99));
        assert!(
            matches!(
                found.as_slice(),
                [Diagnosis::Saturated {
                    fault_s: Some(200.0),
                    ..
                }]
            ),
            "{found:?}"
        );
        // The same run on a component that is not busy: no saturation.
        assert_eq!(diagnose(&figures(&series, fault, 0.5)), vec![]);
    }

    #[test]
    fn more_than_half_failed_or_stuck_is_mostly_failing() {
        let series = buckets(&[(30, 30, 10); 100]);
        let mut run = figures(&series, None, 0.1);
        run.failed = 1400;
        run.stuck = 200;
        assert_eq!(
            diagnose(&run),
            vec![Diagnosis::MostlyFailing {
                share: 1600.0 / 3000.0
            }]
        );
        run.failed = 1300;
        assert_eq!(diagnose(&run), vec![]);
    }
}
