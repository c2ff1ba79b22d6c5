//! The resilience mechanisms a saga's calls run under, as the scenario declares them: what
//! a full inbox does (`overflow`), a workflow's deadline carried on its calls, and circuit
//! breakers with Resilience4j's count-based states; and the breaker's state machine.

use crate::engine::{SimDuration, SimTime};

/// What a component's full inbox does with one more message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Drop it silently (a dead letter): the sender learns only by timeout.
    #[default]
    Drop,
    /// Refuse it at once, as an RPC server answers 503 / RESOURCE_EXHAUSTED and a broker
    /// queue with a length limit rejects the publish: the sender sees a failed call.
    Reject,
}

impl Overflow {
    /// The scenario's spelling.
    pub fn label(self) -> &'static str {
        match self {
            Overflow::Drop => "drop",
            Overflow::Reject => "reject",
        }
    }
}

/// How a service's messages leave once its step has committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Publish {
    /// With the commit, atomically (no window).
    #[default]
    Atomic,
    /// The effect commits, then the publish follows `delay` later: a crash in between
    /// loses the message.
    DualWrite,
    /// The effect and an outbox row commit together; a relay publishes the row `delay`
    /// later and marks it sent `delay` after that, when the broker's ack is in. A crash
    /// before the mark publishes it again after the restart: a duplicate.
    Outbox,
}

impl Publish {
    /// The scenario's spelling.
    pub fn label(self) -> &'static str {
        match self {
            Publish::Atomic => "atomic",
            Publish::DualWrite => "dual-write",
            Publish::Outbox => "outbox",
        }
    }
}

/// Why a message was refused: its sender treats each as a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The destination's inbox was full (`overflow = "reject"`).
    Full,
    /// The workflow's deadline had passed when a worker took it.
    DeadlineExceeded,
    /// The sender's breaker for the destination is open: failed at once, never sent.
    BreakerOpen,
}

/// `[policy] breaker`: Resilience4j's count-based circuit breaker, per caller → callee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerSettings {
    /// The failure rate, in (0, 1], at which it opens.
    pub failure_rate: f64,
    /// The last calls it judges by.
    pub window: u32,
    /// Calls finished, out of the window, before it may open.
    pub min_calls: u32,
    /// How long it stays open before it lets trial calls through.
    pub open: SimDuration,
    /// Trial calls let through when half-open.
    pub half_open: u32,
}

/// Most calls a breaker's window may hold.
pub const MAX_BREAKER_WINDOW: u32 = 10_000;

/// A breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerPhase {
    Closed,
    /// Open since the time given: every call fails at once.
    Open(SimTime),
    /// Letting trial calls through: `admitted` so far, `failed` of those finished, and
    /// `finished`.
    HalfOpen {
        admitted: u32,
        finished: u32,
        failed: u32,
    },
}

/// One caller's breaker for one callee: the outcomes of its last calls (a ring of
/// `window` bits) and its phase.
#[derive(Debug, Clone)]
pub struct Breaker {
    pub phase: BreakerPhase,
    /// Failures (true) among the last `recorded` calls, oldest first from `next`.
    ring: Vec<bool>,
    next: usize,
    recorded: u32,
    failures: u32,
    /// Times it opened, and calls it failed at once while open.
    pub openings: u64,
    pub fast_failures: u64,
    /// Open windows: (opened at, closed at or `None` while still open).
    pub windows: Vec<(SimTime, Option<SimTime>)>,
}

/// What a breaker lets a call do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Let it through; its outcome is recorded.
    Call,
    /// Fail it at once.
    Reject,
}

impl Breaker {
    pub fn new(settings: &BreakerSettings) -> Breaker {
        Breaker {
            phase: BreakerPhase::Closed,
            ring: vec![false; settings.window as usize],
            next: 0,
            recorded: 0,
            failures: 0,
            openings: 0,
            fast_failures: 0,
            windows: Vec::new(),
        }
    }

    /// Whether a call may go now (after `open` the first call asked for moves an open
    /// breaker to half-open, as Resilience4j does without its automatic transition).
    pub fn permit(&mut self, settings: &BreakerSettings, now: SimTime) -> Permit {
        match self.phase {
            BreakerPhase::Closed => Permit::Call,
            BreakerPhase::Open(since) if now.since(since) >= settings.open => {
                self.phase = BreakerPhase::HalfOpen {
                    admitted: 1,
                    finished: 0,
                    failed: 0,
                };
                Permit::Call
            }
            BreakerPhase::HalfOpen { admitted, .. } if admitted < settings.half_open => {
                if let BreakerPhase::HalfOpen { admitted, .. } = &mut self.phase {
                    *admitted += 1;
                }
                Permit::Call
            }
            BreakerPhase::Open(_) | BreakerPhase::HalfOpen { .. } => {
                self.fast_failures += 1;
                Permit::Reject
            }
        }
    }

    /// A call let through finished: `failed` (a timeout, a refusal, an expired deadline)
    /// or not.
    pub fn record(&mut self, settings: &BreakerSettings, now: SimTime, failed: bool) {
        match &mut self.phase {
            BreakerPhase::Closed => {
                let window = settings.window as usize;
                if self.recorded as usize == window {
                    self.failures -= u32::from(self.ring[self.next]);
                } else {
                    self.recorded += 1;
                }
                self.ring[self.next] = failed;
                self.failures += u32::from(failed);
                self.next = (self.next + 1) % window;
                if self.recorded >= settings.min_calls
                    && f64::from(self.failures) >= settings.failure_rate * f64::from(self.recorded)
                {
                    self.open(now);
                }
            }
            BreakerPhase::HalfOpen {
                finished,
                failed: f,
                ..
            } => {
                *finished += 1;
                *f += u32::from(failed);
                if *finished >= settings.half_open {
                    let rate = f64::from(*f) / f64::from(*finished);
                    if rate >= settings.failure_rate {
                        self.open(now);
                    } else {
                        self.close(now);
                    }
                }
            }
            // A call let through before it opened finished late: the open period counts
            // from the opening.
            BreakerPhase::Open(_) => {}
        }
    }

    fn open(&mut self, now: SimTime) {
        self.phase = BreakerPhase::Open(now);
        self.openings += 1;
        if !matches!(self.windows.last(), Some((_, None))) {
            self.windows.push((now, None));
        }
    }

    fn close(&mut self, now: SimTime) {
        self.phase = BreakerPhase::Closed;
        self.recorded = 0;
        self.failures = 0;
        self.next = 0;
        if let Some((_, end @ None)) = self.windows.last_mut() {
            *end = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> BreakerSettings {
        BreakerSettings {
            failure_rate: 0.5,
            window: 4,
            min_calls: 3,
            open: SimDuration::from_secs(5),
            half_open: 2,
        }
    }

    fn at(seconds: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(seconds)
    }

    #[test]
    fn opens_at_min_calls_then_trials_then_closes() {
        let s = settings();
        let mut breaker = Breaker::new(&s);
        for _ in 0..2 {
            assert_eq!(breaker.permit(&s, at(0)), Permit::Call);
            breaker.record(&s, at(0), true);
        }
        assert_eq!(breaker.phase, BreakerPhase::Closed, "2 calls < min_calls");
        breaker.record(&s, at(1), true);
        assert_eq!(breaker.phase, BreakerPhase::Open(at(1)));
        assert_eq!(breaker.permit(&s, at(5)), Permit::Reject);
        assert_eq!(breaker.fast_failures, 1);
        // After `open`: exactly `half_open` trials, then rejections until they finish.
        assert_eq!(breaker.permit(&s, at(6)), Permit::Call);
        assert_eq!(breaker.permit(&s, at(6)), Permit::Call);
        assert_eq!(breaker.permit(&s, at(6)), Permit::Reject);
        breaker.record(&s, at(7), false);
        breaker.record(&s, at(7), true);
        assert_eq!(
            breaker.phase,
            BreakerPhase::Open(at(7)),
            "1 of 2 failed: 0.5 ≥ 0.5"
        );
        assert_eq!(breaker.permit(&s, at(12)), Permit::Call);
        assert_eq!(breaker.permit(&s, at(12)), Permit::Call);
        breaker.record(&s, at(13), false);
        breaker.record(&s, at(13), false);
        assert_eq!(breaker.phase, BreakerPhase::Closed);
        assert_eq!(breaker.openings, 2);
        assert_eq!(breaker.windows, vec![(at(1), Some(at(13)))]);
    }

    #[test]
    fn a_sliding_window_forgets_old_failures() {
        let s = settings();
        let mut breaker = Breaker::new(&s);
        for failed in [true, false, false, false, true, false] {
            breaker.record(&s, at(0), failed);
        }
        // The window of 4 holds [false, false, true, false]: 1 of 4 < 0.5.
        assert_eq!(breaker.phase, BreakerPhase::Closed);
        breaker.record(&s, at(0), true);
        // [false, true, false, true]: 2 of 4 = 0.5: open.
        assert_eq!(breaker.phase, BreakerPhase::Open(at(0)));
    }
}
