//! What load shedding, deadlines and circuit breakers did in one run: refusals answered,
//! workflows past their deadline, work nobody used, and each breaker's openings.

use serde::Serialize;

/// One caller → callee breaker, its replicas' breakers together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakerRow {
    pub caller: String,
    pub callee: String,
    /// Times it opened (again after a failed trial included).
    pub openings: u64,
    /// Calls it failed at once, without a message.
    pub fast_failures: u64,
    /// Seconds it was not closed (open or half-open), over the whole run.
    pub open_s: f64,
    /// When it was not closed: (from, to) in seconds, to the run's end if still open.
    #[serde(skip)]
    pub windows: Vec<(f64, f64)>,
}

/// The resilience figures of one run (only when the scenario sets a deadline, a
/// breaker or `overflow = "reject"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResilienceResult {
    /// Measured messages refused with an answer because an inbox was full.
    pub rejections_answered: u64,
    /// Measured workflows that failed at their deadline.
    pub deadline_exceeded: u64,
    /// Worker-seconds of measured step work whose result nobody used: cut short at the
    /// deadline, or finished after its caller had given up.
    pub wasted_worker_s: f64,
    /// Measured messages a crash lost between their commit and their publish (dual
    /// write), and published a second time by an outbox's relay after a crash.
    pub lost_after_commit: u64,
    pub duplicates_from_relay: u64,
    /// Breaker openings and fast failures, over every breaker.
    pub breaker_openings: u64,
    pub fast_failures: u64,
    /// Every breaker that was ever asked, by caller then callee.
    pub breakers: Vec<BreakerRow>,
}
