//! Outcome-aware latency: the distribution of the time to a business answer over every
//! measured workflow, where a workflow that failed or got stuck is slower than any that
//! reached a business outcome (the rule SLOs use: a failed request is a bad event). A
//! design cannot look fast in the tail by giving up on its slow workflows.

use serde::Serialize;

use super::LatencyHistogram;

/// One quantile of the outcome-aware distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeQuantile {
    /// It falls among workflows with a business answer (completed or compensated): their
    /// time to the client's answer, ms.
    Answered(f64),
    /// It falls among the failed workflows (given up on): slower than every answer.
    Failed,
    /// It falls among the stuck workflows (no outcome at all): slower still.
    Stuck,
}

/// What rankings compare for a quantile among failures: far beyond any real latency (a
/// latency cannot exceed the ~100-year limit on durations, 3.2e12 ms), so a failed
/// quantile ranks after every answered one and a stuck one after that.
pub const FAILED_RANK_MS: f64 = 1e15;
/// See `FAILED_RANK_MS`.
pub const STUCK_RANK_MS: f64 = 2e15;

impl OutcomeQuantile {
    /// A number that orders quantiles: the latency, or a sentinel past every latency.
    pub fn rank_value(self) -> f64 {
        match self {
            OutcomeQuantile::Answered(ms) => ms,
            OutcomeQuantile::Failed => FAILED_RANK_MS,
            OutcomeQuantile::Stuck => STUCK_RANK_MS,
        }
    }

    /// The quantile a rank value stands for (the inverse of `rank_value`; aggregates over
    /// replications come from `aggregate_rank_values`, so they are one or the other).
    pub fn from_rank_value(value: f64) -> OutcomeQuantile {
        if value >= STUCK_RANK_MS {
            OutcomeQuantile::Stuck
        } else if value >= FAILED_RANK_MS / 2.0 {
            OutcomeQuantile::Failed
        } else {
            OutcomeQuantile::Answered(value)
        }
    }

    /// The latency, where the quantile falls among answers.
    pub fn answered_ms(self) -> Option<f64> {
        match self {
            OutcomeQuantile::Answered(ms) => Some(ms),
            _ => None,
        }
    }

    /// "failed" or "stuck" where the quantile falls among them.
    pub fn failure_label(self) -> Option<&'static str> {
        match self {
            OutcomeQuantile::Answered(_) => None,
            OutcomeQuantile::Failed => Some("failed"),
            OutcomeQuantile::Stuck => Some("stuck"),
        }
    }
}

/// Whether a rank value stands for a quantile among failed or stuck workflows.
pub fn is_failure_rank(value: f64) -> bool {
    value >= FAILED_RANK_MS
}

/// Rank values of several replications as one: where any replication's quantile falls
/// among failures, the worst of them (a mean of a latency and a failure means nothing);
/// otherwise the mean latency. `None` without values.
pub fn aggregate_rank_values(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    if values.iter().any(|&v| is_failure_rank(v)) {
        return values.iter().copied().reduce(f64::max);
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The answers of the measured workflows that reached a business outcome, and the count
/// of those that did not.
#[derive(Debug, Clone, Copy)]
pub struct OutcomeLatency<'a> {
    /// Time to the client's answer of completed and compensated workflows.
    pub answered: &'a LatencyHistogram,
    /// Measured workflows given up on.
    pub failed: u64,
    /// Measured workflows without an outcome.
    pub stuck: u64,
}

impl OutcomeLatency<'_> {
    fn total(&self) -> u64 {
        self.answered.count() + self.failed + self.stuck
    }

    /// The value at quantile `q` of every measured workflow; `None` without any.
    pub fn quantile(&self, q: f64) -> Option<OutcomeQuantile> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let answered = self.answered.count();
        Some(if rank <= answered {
            OutcomeQuantile::Answered(self.answered.value_at_rank_ms(rank)?)
        } else if rank <= answered + self.failed {
            OutcomeQuantile::Failed
        } else {
            OutcomeQuantile::Stuck
        })
    }

    /// (quantile, ms) at each of `quantiles` that falls among the answers: a curve over
    /// every measured workflow that stops at the answered share.
    pub fn ladder(&self, quantiles: &[f64]) -> Vec<(f64, f64)> {
        quantiles
            .iter()
            .filter_map(|&q| Some((q, self.quantile(q)?.answered_ms()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// Values in nanoseconds below 2,048 are held exactly: quantiles read them back.
    fn histogram(values_ns: &[u64]) -> LatencyHistogram {
        let mut histogram = LatencyHistogram::new();
        for &nanos in values_ns {
            histogram.record(SimDuration::from_nanos(nanos));
        }
        histogram
    }

    fn ms(nanos: u64) -> f64 {
        nanos as f64 / 1e6
    }

    #[test]
    fn quantiles_past_the_answered_share_fall_among_failures_then_stuck() {
        // 95 answers of 1..=95 ns, 4 failed, 1 stuck: p95 is the slowest answer, p96..p99
        // fall among the failed, p100 is stuck.
        let answers: Vec<u64> = (1..=95).collect();
        let answered = histogram(&answers);
        let latency = OutcomeLatency {
            answered: &answered,
            failed: 4,
            stuck: 1,
        };
        assert_eq!(
            latency.quantile(0.5),
            Some(OutcomeQuantile::Answered(ms(50)))
        );
        assert_eq!(
            latency.quantile(0.95),
            Some(OutcomeQuantile::Answered(ms(95)))
        );
        assert_eq!(latency.quantile(0.96), Some(OutcomeQuantile::Failed));
        assert_eq!(latency.quantile(0.99), Some(OutcomeQuantile::Failed));
        assert_eq!(latency.quantile(1.0), Some(OutcomeQuantile::Stuck));
        let ladder = latency.ladder(&[0.5, 0.9, 0.95, 0.99]);
        assert_eq!(ladder, vec![(0.5, ms(50)), (0.9, ms(90)), (0.95, ms(95))]);
    }

    #[test]
    fn without_failures_it_is_the_answers_own_distribution() {
        let answers: Vec<u64> = (1..=1000).collect();
        let answered = histogram(&answers);
        let latency = OutcomeLatency {
            answered: &answered,
            failed: 0,
            stuck: 0,
        };
        for q in [0.25, 0.5, 0.99, 0.999] {
            assert_eq!(
                latency.quantile(q).and_then(OutcomeQuantile::answered_ms),
                answered.quantile_ms(q)
            );
        }
        let none = LatencyHistogram::new();
        let empty = OutcomeLatency {
            answered: &none,
            failed: 0,
            stuck: 0,
        };
        assert_eq!(empty.quantile(0.5), None);
        let all_failed = OutcomeLatency {
            answered: &none,
            failed: 3,
            stuck: 0,
        };
        assert_eq!(all_failed.quantile(0.01), Some(OutcomeQuantile::Failed));
    }

    #[test]
    fn replications_that_mix_answers_and_failures_aggregate_to_the_worst() {
        let failed = OutcomeQuantile::Failed.rank_value();
        let stuck = OutcomeQuantile::Stuck.rank_value();
        assert_eq!(aggregate_rank_values(&[100.0, 100.0, failed]), Some(failed));
        assert_eq!(aggregate_rank_values(&[failed, stuck, 100.0]), Some(stuck));
        assert_eq!(aggregate_rank_values(&[100.0, 200.0]), Some(150.0));
        assert_eq!(aggregate_rank_values(&[]), None);
    }

    #[test]
    fn rank_values_order_and_read_back() {
        let answered = OutcomeQuantile::Answered(3e12);
        assert!(answered.rank_value() < OutcomeQuantile::Failed.rank_value());
        assert!(OutcomeQuantile::Failed.rank_value() < OutcomeQuantile::Stuck.rank_value());
        for q in [answered, OutcomeQuantile::Failed, OutcomeQuantile::Stuck] {
            assert_eq!(OutcomeQuantile::from_rank_value(q.rank_value()), q);
        }
    }
}
