//! `Summary`: the figures of one run of one design, a `summary.csv` row without its labels.

use serde::Serialize;

use super::{Diagnosis, OutcomeQuantile};

/// The figures of one run of one variant: a `summary.csv` row without its labels.
/// `None` is an empty cell: the value does not exist (no completed workflow, no status
/// query, no coordinator).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Workflows started at or after the warm-up.
    pub started: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Of those, rolled back after a business failure.
    pub compensated: u64,
    /// Of those, given up on (rolled back or not).
    pub failed: u64,
    /// Of those, without an outcome at the end of the drain.
    pub stuck: u64,
    /// Workflows completed during [warm-up, duration), per second of that window.
    pub throughput_per_s: Option<f64>,
    /// Mean time from start to the client's answer, completed workflows, ms.
    pub latency_mean_ms: Option<f64>,
    /// Median latency of completed workflows, ms.
    pub latency_p50_ms: Option<f64>,
    /// 95th percentile latency, ms.
    pub latency_p95_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub latency_p99_ms: Option<f64>,
    /// 99.9th percentile latency, ms.
    pub latency_p999_ms: Option<f64>,
    /// Slowest completed workflow, ms (exact).
    pub latency_max_ms: Option<f64>,
    /// The workflow's own messages (status traffic excluded), per measured workflow.
    pub messages_per_workflow: Option<f64>,
    /// Their bytes, per measured workflow.
    pub bytes_per_workflow: Option<f64>,
    /// Share of status queries answered.
    pub status_answered_ratio: Option<f64>,
    /// Median status-query latency, ms.
    pub status_latency_p50_ms: Option<f64>,
    /// 99th percentile status-query latency, ms.
    pub status_latency_p99_ms: Option<f64>,
    /// Messages per status query, answers included.
    pub status_messages_per_query: Option<f64>,
    /// Mean steps an answer lags behind the truth when it reaches the client.
    pub status_staleness_steps_mean: Option<f64>,
    /// Busy share of the component holding workflow state.
    pub coordinator_utilization: Option<f64>,
    /// Busy share of the busiest component.
    pub max_utilization: Option<f64>,
    /// The busiest component.
    pub bottleneck: Option<String>,
    /// Distinct sender→receiver pairs that carried messages.
    pub coupling_edges: u64,
    /// Most distinct peers any one component sent to.
    pub coupling_max_peers: u64,
    /// Events simulated.
    pub events: u64,
    /// Workflows left with steps committed that should not be (or missing).
    pub inconsistent: u64,
    /// Steps applied twice (redelivery to a service that is not idempotent).
    pub duplicate_effects: u64,
    /// Retries and duplicate deliveries per measured workflow.
    pub retries_per_workflow: Option<f64>,
    /// Messages lost for good.
    pub dead_letters: u64,
    /// Median time from start to the last commit or compensation, ms.
    pub time_to_consistency_p50_ms: Option<f64>,
    /// 99th percentile of that time, ms.
    pub time_to_consistency_p99_ms: Option<f64>,
    /// Messages refused by a full inbox (also counted in `dead_letters` when measured).
    #[serde(skip)]
    pub rejected_messages: u64,
    /// Median and 99th percentile of the time to the client's answer, over every answered
    /// workflow (completed, compensated and failed).
    pub answer_p50_ms: Option<f64>,
    /// 99th percentile time to the client's answer, every answered workflow, ms.
    pub answer_p99_ms: Option<f64>,
    /// Outcome-aware latency (`OutcomeLatency`): the median over every measured workflow,
    /// failed and stuck ones counted as slower than any answer.
    pub outcome_p50: Option<OutcomeQuantile>,
    /// Its 95th percentile.
    pub outcome_p95: Option<OutcomeQuantile>,
    /// Its 99th percentile.
    pub outcome_p99: Option<OutcomeQuantile>,
    /// Its 99.9th percentile.
    pub outcome_p999: Option<OutcomeQuantile>,
    /// What went wrong with the run as a whole (collapse, saturation, mostly failing),
    /// with the evidence; empty for a healthy run.
    pub diagnosis: Vec<Diagnosis>,
    /// Half-widths of the batch-means 95 % intervals inside this run (`batch_means`).
    pub throughput_per_s_ci95: Option<f64>,
    /// Half-width of the 95 % batch-means interval on `latency_mean_ms`.
    pub latency_mean_ms_ci95: Option<f64>,
    /// Fitted slope of the workflows in flight over the measured window, per minute.
    pub in_flight_slope_per_min: Option<f64>,
    /// `Some(false)` when that slope is a significant trend: the run is not at steady
    /// state and its figures depend on its length.
    pub steady_state: Option<bool>,
}
