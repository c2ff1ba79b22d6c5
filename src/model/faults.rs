//! Faults and failure-handling policy as the scenario declares them: crashes, partitions,
//! slowdowns, delivery modes, retry policy, communication and consistency styles; and the
//! expansion of declared faults into concrete occurrences (random crashes included).

use crate::engine::{KeyedStreams, SimDuration, SimTime, StreamPurpose};

use super::system::ComponentId;

/// How messages reach a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A durable queue in front of the component: messages wait while it is down or cut
    /// off, and a message whose worker died mid-processing is redelivered (at-least-once).
    Broker,
    /// Straight to the component: a message to a down or partitioned component is lost.
    Direct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// How callers wait for answers.
pub enum Communication {
    /// A caller's worker is freed as soon as the message is sent.
    Async,
    /// A caller's worker stays busy until the callee answers (blocking RPC).
    Sync,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// When the client is answered.
pub enum Consistency {
    /// The client is answered when every step committed or every compensation finished.
    Atomic,
    /// The client is answered after the first step; the rest finishes in the background.
    Eventual,
}

/// Timeouts and retries, applied by whoever waits for a reply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub timeout: SimDuration,
    pub retries: u32,
    pub backoff: SimDuration,
    pub multiplier: f64,
    pub max_backoff: SimDuration,
    pub jitter: bool,
}

impl Policy {
    /// Backoff before retry attempt `attempt` (1-based):
    /// min(backoff × multiplier^(attempt−1), max_backoff); with jitter, uniform in [0, that].
    pub fn backoff_before(&self, attempt: u32, uniform01: f64) -> SimDuration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let nanos = (self.backoff.as_nanos_f64() * self.multiplier.powi(exponent))
            .min(self.max_backoff.as_nanos_f64());
        let nanos = if self.jitter {
            nanos * uniform01
        } else {
            nanos
        };
        SimDuration::from_nanos_f64(nanos)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// The component stops: work in progress is lost.
    Crash(ComponentId),
    /// No message passes between the two, in either direction.
    Partition(ComponentId, ComponentId),
    /// Every cost on the component is multiplied by the factor.
    Slow(ComponentId, f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultTiming {
    Scripted {
        at: SimDuration,
        duration: SimDuration,
    },
    /// Up-times ~ Exp(mtbf), down-times ~ Exp(mttr), for the whole run.
    Random {
        mtbf: SimDuration,
        mttr: SimDuration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSpec {
    pub kind: FaultKind,
    pub timing: FaultTiming,
}

/// One concrete fault window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultOccurrence {
    /// Index into the scenario's faults.
    pub fault: usize,
    pub kind: FaultKind,
    pub start: SimTime,
    pub end: SimTime,
}

/// Every fault window before `until`, in (start, fault) order. Random crash schedules come
/// from their own keyed stream, so every variant sees the same crashes.
pub fn occurrences(faults: &[FaultSpec], seed: u64, until: SimTime) -> Vec<FaultOccurrence> {
    let streams = KeyedStreams::new(seed);
    let mut all = Vec::new();
    for (index, fault) in faults.iter().enumerate() {
        match fault.timing {
            FaultTiming::Scripted { at, duration } => {
                let start = SimTime::ZERO + at;
                if start < until {
                    all.push(FaultOccurrence {
                        fault: index,
                        kind: fault.kind,
                        start,
                        end: start + duration,
                    });
                }
            }
            FaultTiming::Random { mtbf, mttr } => {
                let mut rng = streams.stream(StreamPurpose::Faults, index as u64, 0);
                let mut now = SimTime::ZERO;
                loop {
                    let start =
                        now + SimDuration::from_nanos_f64(rng.exponential(mtbf.as_nanos_f64()));
                    if start >= until {
                        break;
                    }
                    let end = start
                        + SimDuration::from_nanos_f64(rng.exponential(mttr.as_nanos_f64()))
                            .max(SimDuration(1));
                    all.push(FaultOccurrence {
                        fault: index,
                        kind: fault.kind,
                        start,
                        end,
                    });
                    now = end;
                }
            }
        }
    }
    all.sort_by_key(|occurrence| (occurrence.start, occurrence.fault));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_geometrically_up_to_the_cap() {
        let policy = Policy {
            timeout: SimDuration::from_secs(2),
            retries: 5,
            backoff: SimDuration::from_millis(100),
            multiplier: 2.0,
            max_backoff: SimDuration::from_millis(500),
            jitter: false,
        };
        let waits: Vec<u64> = (1..=5)
            .map(|a| policy.backoff_before(a, 0.5).as_nanos() / 1_000_000)
            .collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        let jittered = Policy {
            jitter: true,
            ..policy
        };
        assert_eq!(
            jittered.backoff_before(3, 0.25),
            SimDuration::from_millis(100)
        );
    }

    #[test]
    fn random_crashes_are_reproducible_and_alternate_up_and_down() {
        let fault = FaultSpec {
            kind: FaultKind::Crash(ComponentId::service(0)),
            timing: FaultTiming::Random {
                mtbf: SimDuration::from_secs(60),
                mttr: SimDuration::from_secs(5),
            },
        };
        let until = SimTime::ZERO + SimDuration::from_secs(3600);
        let first = occurrences(&[fault], 9, until);
        assert_eq!(first, occurrences(&[fault], 9, until));
        assert_ne!(first, occurrences(&[fault], 10, until));
        assert!(
            (30..=90).contains(&first.len()),
            "about 3600 / 65 windows: {}",
            first.len()
        );
        assert!(first.windows(2).all(|w| w[0].end <= w[1].start));
    }
}
