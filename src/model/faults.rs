//! Faults and failure-handling policy as the scenario declares them: crashes, partitions,
//! slowdowns, delivery modes, retry policy, communication and consistency styles; and the
//! expansion of declared faults into concrete occurrences (random crashes included).

use crate::engine::{KeyedStreams, SimDuration, SimTime, StreamPurpose};

use super::resilience::BreakerSettings;
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

/// How a sync chain's client gets its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Answer {
    /// The client's call returns through the first service once the calls unwind, as a
    /// blocking chain does (the default).
    #[default]
    Return,
    /// The last service answers the client with a one-way callback while the acks
    /// travel back up the chain.
    Callback,
}

impl Answer {
    /// The scenario's spelling.
    pub fn label(self) -> &'static str {
        match self {
            Answer::Return => "return",
            Answer::Callback => "callback",
        }
    }
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
    /// The client's budget for a workflow, from its start, carried on every call and
    /// command (gRPC deadlines): work taken after it is dropped, waits end at it.
    pub deadline: Option<SimDuration>,
    /// A circuit breaker per caller → callee.
    pub breaker: Option<BreakerSettings>,
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
    /// The component's replicas in the set stop; work in progress on them is lost.
    Crash(ComponentId, ReplicaSet),
    /// No message passes between the two components.
    Partition(ComponentId, ComponentId),
    /// Every cost on the component is multiplied by the factor.
    Slow(ComponentId, f64),
    /// Every replica placed in the zone (an index into `SystemSpec::zones`), of every
    /// component, stops: a correlated outage.
    Zone(u16),
}

/// Which of a component's replicas a crash takes down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaSet {
    /// Every replica (the component is one failure domain).
    All,
    /// The `k` lowest-indexed replicas.
    Lowest(u32),
    /// Replica `r` alone (a random crash of one replica).
    One(u32),
}

impl ReplicaSet {
    /// The replicas as a bit set (bit `r`: replica `r`).
    pub fn mask(self) -> u64 {
        match self {
            ReplicaSet::All => u64::MAX,
            ReplicaSet::Lowest(k) if k >= 64 => u64::MAX,
            ReplicaSet::Lowest(k) => (1u64 << k) - 1,
            ReplicaSet::One(r) => 1u64 << r,
        }
    }

    /// The set as reports name it after the component (`""` for every replica).
    pub fn suffix(self) -> String {
        match self {
            ReplicaSet::All => String::new(),
            ReplicaSet::Lowest(1) | ReplicaSet::One(0) => " (replica 0)".to_string(),
            ReplicaSet::Lowest(k) => format!(" (replicas 0-{})", k - 1),
            ReplicaSet::One(r) => format!(" (replica {r})"),
        }
    }
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
pub fn occurrences(
    faults: &[FaultSpec],
    seed: u64,
    until: SimTime,
    replicas: impl Fn(ComponentId) -> u32,
) -> Vec<FaultOccurrence> {
    let streams = KeyedStreams::new(seed);
    let mut all = Vec::new();
    for (index, fault) in faults.iter().enumerate() {
        // Random crashes of a replicated component strike each replica on its own (its
        // own stream; replica 0's is the unreplicated component's).
        if let (FaultKind::Crash(id, ReplicaSet::All), FaultTiming::Random { mtbf, mttr }) =
            (fault.kind, fault.timing)
            && replicas(id) > 1
        {
            for replica in 0..replicas(id) {
                let kind = FaultKind::Crash(id, ReplicaSet::One(replica));
                random_windows(
                    &streams,
                    index,
                    u64::from(replica),
                    kind,
                    mtbf,
                    mttr,
                    until,
                    &mut all,
                );
            }
            continue;
        }
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
                random_windows(&streams, index, 0, fault.kind, mtbf, mttr, until, &mut all);
            }
        }
    }
    all.sort_by_key(|occurrence| (occurrence.start, occurrence.fault));
    all
}

/// Alternating up-times ~ Exp(mtbf) and down-times ~ Exp(mttr) until `until`, from the
/// stream of fault `index`'s `replica`.
#[allow(clippy::too_many_arguments)]
fn random_windows(
    streams: &KeyedStreams,
    index: usize,
    replica: u64,
    kind: FaultKind,
    mtbf: SimDuration,
    mttr: SimDuration,
    until: SimTime,
    all: &mut Vec<FaultOccurrence>,
) {
    let mut rng = streams.stream(StreamPurpose::Faults, index as u64, replica);
    let mut now = SimTime::ZERO;
    loop {
        let start = now + SimDuration::from_nanos_f64(rng.exponential(mtbf.as_nanos_f64()));
        if start >= until {
            break;
        }
        let end = start
            + SimDuration::from_nanos_f64(rng.exponential(mttr.as_nanos_f64())).max(SimDuration(1));
        all.push(FaultOccurrence {
            fault: index,
            kind,
            start,
            end,
        });
        now = end;
    }
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
            deadline: None,
            breaker: None,
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
            kind: FaultKind::Crash(ComponentId::service(0), ReplicaSet::All),
            timing: FaultTiming::Random {
                mtbf: SimDuration::from_secs(60),
                mttr: SimDuration::from_secs(5),
            },
        };
        let until = SimTime::ZERO + SimDuration::from_secs(3600);
        let first = occurrences(&[fault], 9, until, |_| 1);
        assert_eq!(first, occurrences(&[fault], 9, until, |_| 1));
        assert_ne!(first, occurrences(&[fault], 10, until, |_| 1));
        assert!(
            (30..=90).contains(&first.len()),
            "about 3600 / 65 windows: {}",
            first.len()
        );
        assert!(first.windows(2).all(|w| w[0].end <= w[1].start));
    }
}
