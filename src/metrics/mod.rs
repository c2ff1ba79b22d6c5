//! Streaming measurements of one simulation run: outcome counters, latency histograms,
//! message and byte counts, status-query quality, coupling and the time series. Memory is
//! independent of the number of workflows run.

pub mod batch_means;
mod components;
mod coupling;
pub mod diagnosis;
mod histogram;
mod outcome_latency;
mod recovery;
mod resilience;
mod student_t;
mod summary;
mod timeseries;

pub use components::{
    ComponentLoad, ComponentRole, ComponentRow, ReplicaLoad, ReplicaRow, ScalingRow,
};
pub use coupling::CouplingEdges;
pub use diagnosis::Diagnosis;
pub use histogram::LatencyHistogram;
pub use outcome_latency::{
    FAILED_RANK_MS, OutcomeLatency, OutcomeQuantile, STUCK_RANK_MS, aggregate_rank_values,
    is_failure_rank,
};
pub use recovery::{FaultRow, FaultTracker, FaultWindow};
pub use resilience::{BreakerRow, ResilienceResult};
pub use student_t::t_975;
pub use summary::Summary;
pub use timeseries::{SeriesEvent, TimeBucket, TimeSeries};

use serde::Serialize;

use crate::engine::{SimDuration, SimTime};

/// What a message is for, in reports (`messages.csv`, `messages.png`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageCategory {
    /// Start, done, compensated, failed and accepted messages.
    StartDone,
    /// Orchestrator commands.
    Command,
    /// Replies and acks.
    Reply,
    /// Choreography events.
    Event,
    /// Progress reports to a front controller.
    Progress,
    /// Compensation requests and their replies.
    Compensation,
    /// Status queries and answers.
    Status,
    /// Retries and duplicate deliveries.
    RetryDuplicate,
    /// Step outputs riding on the messages that carry them (bytes only: the messages are
    /// counted in their own kinds).
    Data,
}

impl MessageCategory {
    /// Every category, in chart order.
    pub const ALL: [MessageCategory; 9] = [
        MessageCategory::StartDone,
        MessageCategory::Command,
        MessageCategory::Reply,
        MessageCategory::Event,
        MessageCategory::Progress,
        MessageCategory::Compensation,
        MessageCategory::Status,
        MessageCategory::RetryDuplicate,
        MessageCategory::Data,
    ];

    /// As `messages.csv` writes it.
    pub fn label(self) -> &'static str {
        match self {
            MessageCategory::StartDone => "start/done",
            MessageCategory::Command => "command",
            MessageCategory::Reply => "reply",
            MessageCategory::Event => "event",
            MessageCategory::Progress => "progress",
            MessageCategory::Compensation => "compensation",
            MessageCategory::Status => "status",
            MessageCategory::RetryDuplicate => "retry/duplicate",
            MessageCategory::Data => "data",
        }
    }
}

/// Messages and bytes per measured workflow of one category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CategoryShare {
    /// The kind of message.
    pub category: MessageCategory,
    /// Messages per measured workflow.
    pub messages_per_workflow: f64,
    /// Bytes per measured workflow.
    pub bytes_per_workflow: f64,
}

/// Quantiles of the latency ladder (`latency.png`).
pub const LADDER_QUANTILES: [f64; 10] =
    [0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999];

/// How a workflow ended. Every workflow started ends in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every step committed.
    Completed,
    /// A business failure, rolled back.
    Compensated,
    /// Given up on (retries exhausted, or the client's deadline).
    Failed,
    /// No outcome by the end of the drain.
    Stuck,
}

/// The measurement window and bucket width of a run.
#[derive(Debug, Clone, Copy)]
pub struct MeasurementWindow {
    pub warmup: SimTime,
    /// End of arrivals; throughput counts completions in `[warmup, arrivals_end)`.
    pub arrivals_end: SimTime,
    pub bucket: SimDuration,
}

/// Collects everything `summary.csv` and `timeseries.csv` report about one run.
#[derive(Debug)]
pub struct RunMetrics {
    window: MeasurementWindow,
    outcomes: [u64; 4],
    started: u64,
    completed_in_window: u64,
    latency: LatencyHistogram,
    workflow_messages: u64,
    workflow_bytes: u64,
    status_issued: u64,
    status_answered: u64,
    status_messages: u64,
    status_latency: LatencyHistogram,
    status_staleness_sum: i64,
    rejected_messages: u64,
    category_messages: [u64; MessageCategory::ALL.len()],
    category_bytes: [u64; MessageCategory::ALL.len()],
    inconsistent: u64,
    duplicate_effects: u64,
    retries: u64,
    dead_letters: u64,
    time_to_consistency: LatencyHistogram,
    /// Time to the client's answer of every answered workflow (completed, compensated,
    /// failed), so a design cannot look fast by failing its slow workflows.
    answer: LatencyHistogram,
    /// Time to the client's answer of the workflows with a business outcome (completed,
    /// compensated): with the failed and stuck counts, the outcome-aware latency.
    business_answer: LatencyHistogram,
    faults: FaultTracker,
    edges: CouplingEdges,
    series: TimeSeries,
    /// The scenario declares step outputs: `data` is one of the message kinds reported.
    data_declared: bool,
}

impl RunMetrics {
    pub fn new(
        window: MeasurementWindow,
        component_count: usize,
        faults: Vec<FaultWindow>,
    ) -> Self {
        RunMetrics {
            window,
            outcomes: [0; 4],
            started: 0,
            completed_in_window: 0,
            latency: LatencyHistogram::new(),
            workflow_messages: 0,
            workflow_bytes: 0,
            status_issued: 0,
            status_answered: 0,
            status_messages: 0,
            status_latency: LatencyHistogram::new(),
            status_staleness_sum: 0,
            rejected_messages: 0,
            category_messages: [0; MessageCategory::ALL.len()],
            category_bytes: [0; MessageCategory::ALL.len()],
            data_declared: false,
            inconsistent: 0,
            duplicate_effects: 0,
            retries: 0,
            dead_letters: 0,
            time_to_consistency: LatencyHistogram::new(),
            answer: LatencyHistogram::new(),
            business_answer: LatencyHistogram::new(),
            faults: FaultTracker::new(faults),
            edges: CouplingEdges::new(component_count),
            series: TimeSeries::new(window.bucket),
        }
    }

    pub fn is_measured(&self, started_at: SimTime) -> bool {
        started_at >= self.window.warmup
    }

    pub fn workflow_started(&mut self, at: SimTime) {
        if self.is_measured(at) {
            self.started += 1;
        }
        self.series.record(at, SeriesEvent::Started);
    }

    /// A workflow reached its outcome at `at` (for `Stuck`: at the end of the run). `latency`
    /// is what the client saw (start to done, or to `accepted` under eventual consistency).
    pub fn workflow_ended(
        &mut self,
        started_at: SimTime,
        at: SimTime,
        outcome: Outcome,
        latency: SimDuration,
    ) {
        if outcome == Outcome::Completed
            && at >= self.window.warmup
            && at < self.window.arrivals_end
        {
            self.completed_in_window += 1;
        }
        if self.is_measured(started_at) {
            self.outcomes[outcome as usize] += 1;
            if outcome == Outcome::Completed {
                self.latency.record(latency);
            }
            if outcome != Outcome::Stuck {
                self.answer.record(latency);
            }
            if matches!(outcome, Outcome::Completed | Outcome::Compensated) {
                self.business_answer.record(latency);
            }
        }
        let series_event = match outcome {
            Outcome::Completed => SeriesEvent::Completed(latency),
            Outcome::Compensated => SeriesEvent::Compensated,
            Outcome::Failed => SeriesEvent::Failed,
            Outcome::Stuck => return,
        };
        self.series.record(at, series_event);
    }

    /// A measured workflow ended with steps committed that should not be, or vice versa.
    pub fn workflow_inconsistent(&mut self, measured: bool) {
        self.inconsistent += u64::from(measured);
    }

    /// A step's effect (or a compensation) was applied a second time.
    pub fn duplicate_effect(&mut self, measured: bool) {
        self.duplicate_effects += u64::from(measured);
    }

    /// A request was re-sent after a timeout.
    pub fn retry(&mut self, measured: bool) {
        self.retries += u64::from(measured);
    }

    /// A message was dropped undelivered: lost in transit, sent to a down or cut-off
    /// component without a broker, refused by a full inbox, or addressed to a coordinator
    /// that lost the workflow's state.
    pub fn dead_letter(&mut self, measured: bool) {
        self.dead_letters += u64::from(measured);
    }

    /// From start until the last commit or compensation.
    pub fn time_to_consistency(&mut self, measured: bool, elapsed: SimDuration) {
        if measured {
            self.time_to_consistency.record(elapsed);
        }
    }

    /// A workflow was first touched by fault occurrence `index`.
    pub fn fault_affected(&mut self, index: usize) {
        self.faults.affected(index);
    }

    /// Messages waiting anywhere (inboxes and brokers) changed to `backlog`.
    pub fn backlog(&mut self, now: SimTime, backlog: u64) {
        if !self.faults.is_empty() {
            self.faults.backlog(now, backlog);
        }
    }

    pub fn tracks_faults(&self) -> bool {
        !self.faults.is_empty()
    }

    /// A message left `src` for `dst`. Status traffic is counted apart from the workflow's.
    /// Called for every message sent: inlined into the send.
    #[inline]
    pub fn message_sent(
        &mut self,
        measured: bool,
        category: MessageCategory,
        bytes: u64,
        src: usize,
        dst: usize,
    ) {
        self.edges.record(src, dst);
        if !measured {
            return;
        }
        self.category_messages[category as usize] += 1;
        let total = &mut self.category_bytes[category as usize];
        *total = total.saturating_add(bytes);
        if category == MessageCategory::Status {
            self.status_messages += 1;
        } else {
            self.workflow_messages += 1;
            // Data can have saturated it (see `data_sent`).
            self.workflow_bytes = self.workflow_bytes.saturating_add(bytes);
        }
    }

    /// The scenario's steps produce output: report the `data` kind, even where none was
    /// carried, so that every design and sweep point reports the same kinds.
    pub fn declare_data(&mut self) {
        self.data_declared = true;
    }

    /// `bytes` of step output rode on a message of a workflow (measured or not).
    pub fn data_sent(&mut self, measured: bool, bytes: u64) {
        if measured {
            // A heavy-tailed output can sample near u64::MAX: saturate, never wrap.
            let total = &mut self.category_bytes[MessageCategory::Data as usize];
            *total = total.saturating_add(bytes);
            self.workflow_bytes = self.workflow_bytes.saturating_add(bytes);
        }
    }

    pub fn message_rejected(&mut self) {
        self.rejected_messages += 1;
    }

    pub fn status_issued(&mut self, measured: bool) {
        self.status_issued_many(measured, 1);
    }

    /// `count` status queries were issued at once (polls counted, not simulated).
    pub fn status_issued_many(&mut self, measured: bool, count: u64) {
        if measured {
            self.status_issued += count;
        }
    }

    /// A status answer reached the client: `staleness` is steps actually completed minus
    /// steps reported.
    pub fn status_answered(&mut self, measured: bool, latency: SimDuration, staleness: i64) {
        if measured {
            self.status_answered += 1;
            self.status_latency.record(latency);
            self.status_staleness_sum += staleness;
        }
    }

    /// Close the run: compute every summary figure.
    pub fn finish(self, end: SimTime, events: u64, loads: &[ComponentLoad]) -> RunResult {
        let window_nanos = self
            .window
            .arrivals_end
            .since(self.window.warmup)
            .as_nanos_f64();
        let utilization = |load: &ComponentLoad| load.utilization(window_nanos);
        let coordinator_utilization = loads
            .iter()
            .find(|l| l.is_coordinator)
            .and_then(utilization);
        // The busiest resource: a component's workers, or its network interface.
        let mut bottleneck: Option<(String, f64)> = None;
        for load in loads {
            let resources = [
                (utilization(load), None),
                (load.interface_utilization(window_nanos), Some("interface")),
            ];
            for (value, part) in resources {
                if let Some(value) = value
                    && bottleneck.as_ref().is_none_or(|(_, best)| value > *best)
                {
                    let name = match part {
                        None => load.name.clone(),
                        Some(part) => format!("{} {part}", load.name),
                    };
                    bottleneck = Some((name, value));
                }
            }
        }
        let (coupling_edges, coupling_max_peers) = self.edges.counts();
        let per_workflow =
            |total: u64| (self.started > 0).then(|| total as f64 / self.started as f64);
        let status_issued = self.status_issued;
        let answered = self.status_answered;
        let outcome_latency = OutcomeLatency {
            answered: &self.business_answer,
            failed: self.outcomes[Outcome::Failed as usize],
            stuck: self.outcomes[Outcome::Stuck as usize],
        };
        let summary = Summary {
            started: self.started,
            completed: self.outcomes[Outcome::Completed as usize],
            compensated: self.outcomes[Outcome::Compensated as usize],
            failed: self.outcomes[Outcome::Failed as usize],
            stuck: self.outcomes[Outcome::Stuck as usize],
            throughput_per_s: (window_nanos > 0.0)
                .then(|| self.completed_in_window as f64 / (window_nanos / 1e9)),
            latency_mean_ms: self.latency.mean_ms(),
            latency_p50_ms: self.latency.quantile_ms(0.50),
            latency_p95_ms: self.latency.quantile_ms(0.95),
            latency_p99_ms: self.latency.quantile_ms(0.99),
            latency_p999_ms: self.latency.quantile_ms(0.999),
            latency_max_ms: self.latency.max_ms(),
            messages_per_workflow: per_workflow(self.workflow_messages),
            bytes_per_workflow: per_workflow(self.workflow_bytes),
            status_answered_ratio: (status_issued > 0)
                .then(|| answered as f64 / status_issued as f64),
            status_latency_p50_ms: self.status_latency.quantile_ms(0.50),
            status_latency_p99_ms: self.status_latency.quantile_ms(0.99),
            status_messages_per_query: (status_issued > 0)
                .then(|| self.status_messages as f64 / status_issued as f64),
            status_staleness_steps_mean: (answered > 0)
                .then(|| self.status_staleness_sum as f64 / answered as f64),
            coordinator_utilization,
            max_utilization: bottleneck.as_ref().map(|(_, value)| *value),
            bottleneck: bottleneck.map(|(name, _)| name),
            coupling_edges,
            coupling_max_peers,
            events,
            inconsistent: self.inconsistent,
            duplicate_effects: self.duplicate_effects,
            retries_per_workflow: per_workflow(self.retries),
            dead_letters: self.dead_letters,
            time_to_consistency_p50_ms: self.time_to_consistency.quantile_ms(0.50),
            time_to_consistency_p99_ms: self.time_to_consistency.quantile_ms(0.99),
            rejected_messages: self.rejected_messages,
            answer_p50_ms: self.answer.quantile_ms(0.50),
            answer_p99_ms: self.answer.quantile_ms(0.99),
            outcome_p50: outcome_latency.quantile(0.50),
            outcome_p95: outcome_latency.quantile(0.95),
            outcome_p99: outcome_latency.quantile(0.99),
            outcome_p999: outcome_latency.quantile(0.999),
            diagnosis: Vec::new(),
            throughput_per_s_ci95: None,
            latency_mean_ms_ci95: None,
            in_flight_slope_per_min: None,
            steady_state: None,
        };
        let started = self.started.max(1) as f64;
        // Data appears only in runs whose steps produce output.
        let messages_by_category = MessageCategory::ALL
            .iter()
            .filter(|&&category| category != MessageCategory::Data || self.data_declared)
            .map(|&category| CategoryShare {
                category,
                messages_per_workflow: self.category_messages[category as usize] as f64 / started,
                bytes_per_workflow: self.category_bytes[category as usize] as f64 / started,
            })
            .collect();
        let latency_ladder = LADDER_QUANTILES
            .iter()
            .filter_map(|&q| self.latency.quantile_ms(q).map(|ms| (q, ms)))
            .collect();
        let outcome_ladder = outcome_latency.ladder(&LADDER_QUANTILES);
        let timeseries = self.series.finish(end);
        let mut summary = summary;
        steady_state_figures(&mut summary, &timeseries, &self.window);
        let measured_buckets = batch_means::measured_buckets(
            &timeseries,
            self.window.warmup,
            self.window.arrivals_end,
        );
        summary.diagnosis = diagnosis::diagnose(&diagnosis::RunFigures {
            buckets: &timeseries,
            measured: measured_buckets.clone(),
            width_s: self.window.bucket.as_secs_f64(),
            first_fault: self.faults.first_start(),
            started: summary.started,
            failed: summary.failed,
            stuck: summary.stuck,
            retries_per_workflow: summary.retries_per_workflow.unwrap_or(0.0),
            max_utilization: summary.max_utilization.unwrap_or(0.0),
        });
        if !summary.diagnosis.is_empty() {
            summary.steady_state = Some(false);
        }
        let faults = self.faults.rows(
            &timeseries,
            self.window.bucket,
            self.window.warmup,
            self.window.arrivals_end,
        );
        RunResult {
            summary,
            timeseries,
            faults,
            messages_by_category,
            latency_ladder,
            outcome_ladder,
            components: loads
                .iter()
                .map(|load| ComponentRow::new(load, window_nanos))
                .collect(),
            replicas: loads.iter().flat_map(ComponentLoad::replica_rows).collect(),
            scaling: Vec::new(),
            offered_per_s: Vec::new(),
            resilience: None,
            measured_buckets,
            bucket_s: self.window.bucket.as_secs_f64(),
        }
    }
}

/// The batch-means intervals and the steady-state test, from the run's time series.
fn steady_state_figures(summary: &mut Summary, buckets: &[TimeBucket], window: &MeasurementWindow) {
    let measured = batch_means::measured_buckets(buckets, window.warmup, window.arrivals_end);
    let width_s = window.bucket.as_secs_f64();
    summary.throughput_per_s_ci95 = batch_means::batch_interval(
        measured.clone(),
        batch_means::throughput_batch(buckets, width_s),
    )
    .map(|e| e.ci95);
    summary.latency_mean_ms_ci95 =
        batch_means::batch_interval(measured.clone(), batch_means::latency_mean_batch(buckets))
            .map(|e| e.ci95);
    let trend = batch_means::in_flight_trend(buckets, measured, width_s);
    summary.in_flight_slope_per_min = trend.map(|t| t.slope_per_min);
    summary.steady_state = trend.map(|t| !t.significant);
}

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The figures of `summary.csv`.
    pub summary: Summary,
    /// The rows of `timeseries.csv`.
    pub timeseries: Vec<TimeBucket>,
    /// One row per fault occurrence.
    pub faults: Vec<FaultRow>,
    /// Messages and bytes per workflow by category, status included.
    pub messages_by_category: Vec<CategoryShare>,
    /// (quantile, latency in ms) at `LADDER_QUANTILES`, for completed workflows.
    pub latency_ladder: Vec<(f64, f64)>,
    /// The same over every measured workflow (outcome-aware): it stops at the share that
    /// reached a business outcome.
    pub outcome_ladder: Vec<(f64, f64)>,
    /// The client, then every component with workers, in component order.
    pub components: Vec<ComponentRow>,
    /// Every replica of every component with workers, when the scenario deploys
    /// replicas or zones (else empty).
    pub replicas: Vec<ReplicaRow>,
    /// Replicas and utilisation over time, when a component autoscales or a load
    /// profile is set (else empty).
    pub scaling: Vec<ScalingRow>,
    /// The load profile's arrival rate, (seconds, workflows/s) at its corners up to the
    /// end of arrivals (empty without a profile).
    pub offered_per_s: Vec<(f64, f64)>,
    /// Load shedding, deadlines and breakers, when the scenario uses any (else `None`).
    pub resilience: Option<ResilienceResult>,
    /// The time-series buckets wholly inside the measured window (for batch means).
    pub measured_buckets: std::ops::Range<usize>,
    /// The time series' bucket width in seconds.
    pub bucket_s: f64,
}
