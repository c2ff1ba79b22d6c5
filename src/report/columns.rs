//! The columns of `summary.csv`, each defined once: its name, and how a run's cell is read
//! from the run's summary and its design. Every output built from summary rows (CSV, JSON,
//! the terminal table, the Markdown report, paired differences, sweep charts) names its
//! columns by this type, so a misspelt column does not compile.

use crate::coordination::{Design, communication_label, consistency_label};
use crate::metrics::{OutcomeQuantile, Summary};

use super::Cell;

/// One column of `summary.csv`, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// The `variant` column.
    Variant,
    /// The `replication` column.
    Replication,
    /// The `started` column.
    Started,
    /// The `completed` column.
    Completed,
    /// The `compensated` column.
    Compensated,
    /// The `failed` column.
    Failed,
    /// The `stuck` column.
    Stuck,
    /// The `throughput_per_s` column.
    ThroughputPerS,
    /// The `latency_mean_ms` column.
    LatencyMeanMs,
    /// The `latency_p50_ms` column.
    LatencyP50Ms,
    /// The `latency_p95_ms` column.
    LatencyP95Ms,
    /// The `latency_p99_ms` column.
    LatencyP99Ms,
    /// The `latency_p999_ms` column.
    LatencyP999Ms,
    /// The `latency_max_ms` column.
    LatencyMaxMs,
    /// The `messages_per_workflow` column.
    MessagesPerWorkflow,
    /// The `bytes_per_workflow` column.
    BytesPerWorkflow,
    /// The `status_answered_ratio` column.
    StatusAnsweredRatio,
    /// The `status_latency_p50_ms` column.
    StatusLatencyP50Ms,
    /// The `status_latency_p99_ms` column.
    StatusLatencyP99Ms,
    /// The `status_messages_per_query` column.
    StatusMessagesPerQuery,
    /// The `status_staleness_steps_mean` column.
    StatusStalenessStepsMean,
    /// The `coordinator_utilization` column.
    CoordinatorUtilization,
    /// The `max_utilization` column.
    MaxUtilization,
    /// The `bottleneck` column.
    Bottleneck,
    /// The `coupling_edges` column.
    CouplingEdges,
    /// The `coupling_max_peers` column.
    CouplingMaxPeers,
    /// The `events` column.
    Events,
    /// The `inconsistent` column.
    Inconsistent,
    /// The `duplicate_effects` column.
    DuplicateEffects,
    /// The `retries_per_workflow` column.
    RetriesPerWorkflow,
    /// The `dead_letters` column.
    DeadLetters,
    /// The `time_to_consistency_p50_ms` column.
    TimeToConsistencyP50Ms,
    /// The `time_to_consistency_p99_ms` column.
    TimeToConsistencyP99Ms,
    /// The `coordination` column.
    Coordination,
    /// The `communication` column.
    Communication,
    /// The `consistency` column.
    Consistency,
    /// The `answer_p50_ms` column.
    AnswerP50Ms,
    /// The `answer_p99_ms` column.
    AnswerP99Ms,
    /// The `throughput_per_s_ci95` column.
    ThroughputPerSCi95,
    /// The `latency_mean_ms_ci95` column.
    LatencyMeanMsCi95,
    /// The `in_flight_slope_per_min` column.
    InFlightSlopePerMin,
    /// The `steady_state` column.
    SteadyState,
    /// The `outcome_latency_p50_ms` column: the median over every measured workflow,
    /// failed and stuck ones slower than any answer ("failed" or "stuck" where it falls
    /// among them).
    OutcomeLatencyP50Ms,
    /// The `outcome_latency_p95_ms` column.
    OutcomeLatencyP95Ms,
    /// The `outcome_latency_p99_ms` column.
    OutcomeLatencyP99Ms,
    /// The `outcome_latency_p999_ms` column.
    OutcomeLatencyP999Ms,
    /// The `diagnosis` column: collapse, saturation, mostly failing, with the evidence.
    Diagnosis,
}

/// Which way a metric is better, for rankings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Higher is better.
    Higher,
    /// Lower is better.
    Lower,
}

impl Column {
    /// Every column, in file order (DESIGN §5, then the columns added since: the
    /// steady-state intervals and the trend go last).
    pub const ALL: [Column; COLUMN_COUNT] = [
        Column::Variant,
        Column::Replication,
        Column::Started,
        Column::Completed,
        Column::Compensated,
        Column::Failed,
        Column::Stuck,
        Column::ThroughputPerS,
        Column::LatencyMeanMs,
        Column::LatencyP50Ms,
        Column::LatencyP95Ms,
        Column::LatencyP99Ms,
        Column::LatencyP999Ms,
        Column::LatencyMaxMs,
        Column::MessagesPerWorkflow,
        Column::BytesPerWorkflow,
        Column::StatusAnsweredRatio,
        Column::StatusLatencyP50Ms,
        Column::StatusLatencyP99Ms,
        Column::StatusMessagesPerQuery,
        Column::StatusStalenessStepsMean,
        Column::CoordinatorUtilization,
        Column::MaxUtilization,
        Column::Bottleneck,
        Column::CouplingEdges,
        Column::CouplingMaxPeers,
        Column::Events,
        Column::Inconsistent,
        Column::DuplicateEffects,
        Column::RetriesPerWorkflow,
        Column::DeadLetters,
        Column::TimeToConsistencyP50Ms,
        Column::TimeToConsistencyP99Ms,
        Column::Coordination,
        Column::Communication,
        Column::Consistency,
        Column::AnswerP50Ms,
        Column::AnswerP99Ms,
        Column::ThroughputPerSCi95,
        Column::LatencyMeanMsCi95,
        Column::InFlightSlopePerMin,
        Column::SteadyState,
        Column::OutcomeLatencyP50Ms,
        Column::OutcomeLatencyP95Ms,
        Column::OutcomeLatencyP99Ms,
        Column::OutcomeLatencyP999Ms,
        Column::Diagnosis,
    ];

    /// The column's name in the CSV header and the JSON keys.
    pub const fn name(self) -> &'static str {
        match self {
            Column::Variant => "variant",
            Column::Replication => "replication",
            Column::Started => "started",
            Column::Completed => "completed",
            Column::Compensated => "compensated",
            Column::Failed => "failed",
            Column::Stuck => "stuck",
            Column::ThroughputPerS => "throughput_per_s",
            Column::LatencyMeanMs => "latency_mean_ms",
            Column::LatencyP50Ms => "latency_p50_ms",
            Column::LatencyP95Ms => "latency_p95_ms",
            Column::LatencyP99Ms => "latency_p99_ms",
            Column::LatencyP999Ms => "latency_p999_ms",
            Column::LatencyMaxMs => "latency_max_ms",
            Column::MessagesPerWorkflow => "messages_per_workflow",
            Column::BytesPerWorkflow => "bytes_per_workflow",
            Column::StatusAnsweredRatio => "status_answered_ratio",
            Column::StatusLatencyP50Ms => "status_latency_p50_ms",
            Column::StatusLatencyP99Ms => "status_latency_p99_ms",
            Column::StatusMessagesPerQuery => "status_messages_per_query",
            Column::StatusStalenessStepsMean => "status_staleness_steps_mean",
            Column::CoordinatorUtilization => "coordinator_utilization",
            Column::MaxUtilization => "max_utilization",
            Column::Bottleneck => "bottleneck",
            Column::CouplingEdges => "coupling_edges",
            Column::CouplingMaxPeers => "coupling_max_peers",
            Column::Events => "events",
            Column::Inconsistent => "inconsistent",
            Column::DuplicateEffects => "duplicate_effects",
            Column::RetriesPerWorkflow => "retries_per_workflow",
            Column::DeadLetters => "dead_letters",
            Column::TimeToConsistencyP50Ms => "time_to_consistency_p50_ms",
            Column::TimeToConsistencyP99Ms => "time_to_consistency_p99_ms",
            Column::Coordination => "coordination",
            Column::Communication => "communication",
            Column::Consistency => "consistency",
            Column::AnswerP50Ms => "answer_p50_ms",
            Column::AnswerP99Ms => "answer_p99_ms",
            Column::ThroughputPerSCi95 => "throughput_per_s_ci95",
            Column::LatencyMeanMsCi95 => "latency_mean_ms_ci95",
            Column::InFlightSlopePerMin => "in_flight_slope_per_min",
            Column::SteadyState => "steady_state",
            Column::OutcomeLatencyP50Ms => "outcome_latency_p50_ms",
            Column::OutcomeLatencyP95Ms => "outcome_latency_p95_ms",
            Column::OutcomeLatencyP99Ms => "outcome_latency_p99_ms",
            Column::OutcomeLatencyP999Ms => "outcome_latency_p999_ms",
            Column::Diagnosis => "diagnosis",
        }
    }

    /// The unit a value is shown in ("" for counts, ratios and text).
    pub const fn unit(self) -> &'static str {
        match self {
            Column::ThroughputPerS | Column::ThroughputPerSCi95 => "workflows/s",
            Column::LatencyMeanMs
            | Column::LatencyP50Ms
            | Column::LatencyP95Ms
            | Column::LatencyP99Ms
            | Column::LatencyP999Ms
            | Column::LatencyMaxMs
            | Column::StatusLatencyP50Ms
            | Column::StatusLatencyP99Ms
            | Column::TimeToConsistencyP50Ms
            | Column::TimeToConsistencyP99Ms
            | Column::AnswerP50Ms
            | Column::AnswerP99Ms
            | Column::OutcomeLatencyP50Ms
            | Column::OutcomeLatencyP95Ms
            | Column::OutcomeLatencyP99Ms
            | Column::OutcomeLatencyP999Ms
            | Column::LatencyMeanMsCi95 => "ms",
            Column::BytesPerWorkflow => "B",
            Column::StatusStalenessStepsMean => "steps",
            Column::InFlightSlopePerMin => "workflows/min",
            _ => "",
        }
    }

    /// Which way the metric is better; `None` for labels, costs of the simulation and
    /// figures that are neither (an interval's width, a bottleneck's name).
    pub const fn better(self) -> Option<Better> {
        match self {
            Column::Completed | Column::ThroughputPerS | Column::StatusAnsweredRatio => {
                Some(Better::Higher)
            }
            Column::Failed
            | Column::Stuck
            | Column::LatencyMeanMs
            | Column::LatencyP50Ms
            | Column::LatencyP95Ms
            | Column::LatencyP99Ms
            | Column::LatencyP999Ms
            | Column::LatencyMaxMs
            | Column::MessagesPerWorkflow
            | Column::BytesPerWorkflow
            | Column::StatusLatencyP50Ms
            | Column::StatusLatencyP99Ms
            | Column::StatusMessagesPerQuery
            | Column::StatusStalenessStepsMean
            | Column::CouplingEdges
            | Column::CouplingMaxPeers
            | Column::Inconsistent
            | Column::DuplicateEffects
            | Column::RetriesPerWorkflow
            | Column::DeadLetters
            | Column::TimeToConsistencyP50Ms
            | Column::TimeToConsistencyP99Ms
            | Column::AnswerP50Ms
            | Column::AnswerP99Ms
            | Column::OutcomeLatencyP50Ms
            | Column::OutcomeLatencyP95Ms
            | Column::OutcomeLatencyP99Ms
            | Column::OutcomeLatencyP999Ms => Some(Better::Lower),
            _ => None,
        }
    }

    /// Decimals a table shows (the CSV and JSON keep full precision): milliseconds and
    /// KiB to a tenth, rates, ratios and per-workflow counts to a hundredth.
    pub fn decimals(self) -> usize {
        match self {
            Column::BytesPerWorkflow | Column::InFlightSlopePerMin => 1,
            Column::RetriesPerWorkflow => 3,
            Column::ThroughputPerS
            | Column::ThroughputPerSCi95
            | Column::MessagesPerWorkflow
            | Column::StatusAnsweredRatio
            | Column::StatusMessagesPerQuery
            | Column::StatusStalenessStepsMean
            | Column::CoordinatorUtilization
            | Column::MaxUtilization => 2,
            _ if self.unit() == "ms" => 1,
            _ => 0,
        }
    }

    /// A value as tables show it: rounded to `decimals`, bytes in KiB.
    pub fn format_value(self, value: f64) -> String {
        let decimals = self.decimals();
        match self {
            Column::BytesPerWorkflow => format!("{:.decimals$}", value / 1024.0),
            _ => format!("{value:.decimals$}"),
        }
    }

    /// Whether the value is a count of workflows or events (its noise is Poisson-like).
    pub const fn is_count(self) -> bool {
        matches!(
            self,
            Column::Started
                | Column::Completed
                | Column::Compensated
                | Column::Failed
                | Column::Stuck
                | Column::Inconsistent
                | Column::DuplicateEffects
                | Column::DeadLetters
        )
    }

    /// Position in a summary row.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The cell of one run. `None` for the two label columns, which depend on the row
    /// (a replication, or the `mean` and `ci95` aggregates), not on the run.
    pub fn cell(self, summary: &Summary, design: &Design) -> Option<Cell> {
        Some(match self {
            Column::Variant | Column::Replication => return None,
            Column::Started => Cell::Count(summary.started),
            Column::Completed => Cell::Count(summary.completed),
            Column::Compensated => Cell::Count(summary.compensated),
            Column::Failed => Cell::Count(summary.failed),
            Column::Stuck => Cell::Count(summary.stuck),
            Column::ThroughputPerS => Cell::Number(summary.throughput_per_s),
            Column::LatencyMeanMs => Cell::Number(summary.latency_mean_ms),
            Column::LatencyP50Ms => Cell::Number(summary.latency_p50_ms),
            Column::LatencyP95Ms => Cell::Number(summary.latency_p95_ms),
            Column::LatencyP99Ms => Cell::Number(summary.latency_p99_ms),
            Column::LatencyP999Ms => Cell::Number(summary.latency_p999_ms),
            Column::LatencyMaxMs => Cell::Number(summary.latency_max_ms),
            Column::MessagesPerWorkflow => Cell::Number(summary.messages_per_workflow),
            Column::BytesPerWorkflow => Cell::Number(summary.bytes_per_workflow),
            Column::StatusAnsweredRatio => Cell::Number(summary.status_answered_ratio),
            Column::StatusLatencyP50Ms => Cell::Number(summary.status_latency_p50_ms),
            Column::StatusLatencyP99Ms => Cell::Number(summary.status_latency_p99_ms),
            Column::StatusMessagesPerQuery => Cell::Number(summary.status_messages_per_query),
            Column::StatusStalenessStepsMean => Cell::Number(summary.status_staleness_steps_mean),
            Column::CoordinatorUtilization => Cell::Number(summary.coordinator_utilization),
            Column::MaxUtilization => Cell::Number(summary.max_utilization),
            Column::Bottleneck => Cell::Text(summary.bottleneck.clone().unwrap_or_default()),
            Column::CouplingEdges => Cell::Count(summary.coupling_edges),
            Column::CouplingMaxPeers => Cell::Count(summary.coupling_max_peers),
            Column::Events => Cell::Count(summary.events),
            Column::Inconsistent => Cell::Count(summary.inconsistent),
            Column::DuplicateEffects => Cell::Count(summary.duplicate_effects),
            Column::RetriesPerWorkflow => Cell::Number(summary.retries_per_workflow),
            Column::DeadLetters => Cell::Count(summary.dead_letters),
            Column::TimeToConsistencyP50Ms => Cell::Number(summary.time_to_consistency_p50_ms),
            Column::TimeToConsistencyP99Ms => Cell::Number(summary.time_to_consistency_p99_ms),
            Column::Coordination => Cell::Text(design.coordination.name().to_string()),
            Column::Communication => {
                Cell::Text(communication_label(design.communication).to_string())
            }
            Column::Consistency => Cell::Text(consistency_label(design.consistency).to_string()),
            Column::AnswerP50Ms => Cell::Number(summary.answer_p50_ms),
            Column::AnswerP99Ms => Cell::Number(summary.answer_p99_ms),
            Column::ThroughputPerSCi95 => Cell::Number(summary.throughput_per_s_ci95),
            Column::LatencyMeanMsCi95 => Cell::Number(summary.latency_mean_ms_ci95),
            Column::InFlightSlopePerMin => Cell::Number(summary.in_flight_slope_per_min),
            Column::SteadyState => Cell::Text(match summary.steady_state {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => String::new(),
            }),
            Column::OutcomeLatencyP50Ms
            | Column::OutcomeLatencyP95Ms
            | Column::OutcomeLatencyP99Ms
            | Column::OutcomeLatencyP999Ms => outcome_cell(self.outcome_quantile(summary)),
            Column::Diagnosis => Cell::Text(
                summary
                    .diagnosis
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        })
    }

    /// Whether the column is an outcome-aware latency (a quantile that may fall among
    /// failed or stuck workflows).
    pub const fn is_outcome_latency(self) -> bool {
        matches!(
            self,
            Column::OutcomeLatencyP50Ms
                | Column::OutcomeLatencyP95Ms
                | Column::OutcomeLatencyP99Ms
                | Column::OutcomeLatencyP999Ms
        )
    }

    /// An outcome-aware column's quantile in a run's summary.
    pub fn outcome_quantile(self, summary: &Summary) -> Option<OutcomeQuantile> {
        match self {
            Column::OutcomeLatencyP50Ms => summary.outcome_p50,
            Column::OutcomeLatencyP95Ms => summary.outcome_p95,
            Column::OutcomeLatencyP99Ms => summary.outcome_p99,
            Column::OutcomeLatencyP999Ms => summary.outcome_p999,
            _ => None,
        }
    }

    /// The figure rankings and bounds compare: the cell's number, or for an outcome-aware
    /// latency among failures a value past every latency (`OutcomeQuantile::rank_value`).
    pub fn rank_value(self, summary: &Summary, design: &Design) -> Option<f64> {
        if self.is_outcome_latency() {
            return self
                .outcome_quantile(summary)
                .map(OutcomeQuantile::rank_value);
        }
        self.cell(summary, design)?.as_f64()
    }
}

/// An outcome-aware quantile's cell: its latency, or "failed" / "stuck".
pub fn outcome_cell(quantile: Option<OutcomeQuantile>) -> Cell {
    match quantile {
        None => Cell::Number(None),
        Some(OutcomeQuantile::Answered(ms)) => Cell::Number(Some(ms)),
        Some(other) => Cell::Text(other.failure_label().unwrap_or_default().to_string()),
    }
}

/// How many columns `summary.csv` has.
pub const COLUMN_COUNT: usize = 47;

/// `summary.csv`'s header, in order.
pub const SUMMARY_COLUMNS: [&str; COLUMN_COUNT] = {
    let mut names = [""; COLUMN_COUNT];
    let mut index = 0;
    while index < names.len() {
        names[index] = Column::ALL[index].name();
        index += 1;
    }
    names
};
