//! The one language of bounds on a run's figures, shared by `run --assert`,
//! `capacity --slo` and `advise --slo`: `METRIC<=BOUND` or `METRIC>=BOUND`, where the
//! metric is a column of `summary.csv` (or a count of them as a share of the workflows
//! started) and the bound carries the metric's unit (`300ms`, `1%`, `45/s`, `4KiB`).

use crate::coordination::Design;
use crate::metrics::Summary;
use crate::scenario::{parse_duration, parse_size};

use crate::metrics::{FAILED_RANK_MS, STUCK_RANK_MS, aggregate_rank_values};

use super::{Column, outcome_text};

/// What a bound reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertedMetric {
    /// A column read as it is (ms, per second, per workflow).
    Value(Column),
    /// A count column as a share of the workflows started.
    ShareOfStarted(Column),
}

/// How a value must compare with the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inequality {
    /// `<=`
    AtMost,
    /// `>=`
    AtLeast,
}

/// How a bound is written and its values shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// ms, written as a duration (`300ms`, `1.5s`).
    Duration,
    /// Per second (`45/s` or `45`).
    PerSecond,
    /// A fraction, written as a percentage (`1%`).
    Percent,
    /// A plain number.
    Number,
    /// Bytes, written as a size (`4KiB`) or a number.
    Size,
}

/// A metric a bound may name: what it reads, the bound's unit, and whether it is a
/// workflow latency (which load eventually breaks: what a capacity search needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricInfo {
    /// As written in a bound.
    pub name: &'static str,
    /// What it reads.
    pub metric: AssertedMetric,
    /// The bound's unit.
    pub unit: Unit,
    /// A workflow latency (the quantiles count every workflow, failed and stuck ones
    /// slowest; mean and max count completed ones).
    pub latency: bool,
}

const fn metric(
    name: &'static str,
    metric: AssertedMetric,
    unit: Unit,
    latency: bool,
) -> MetricInfo {
    MetricInfo {
        name,
        metric,
        unit,
        latency,
    }
}

/// The metrics a bound may name.
pub const METRICS: &[MetricInfo] = &[
    metric(
        "p50",
        AssertedMetric::Value(Column::OutcomeLatencyP50Ms),
        Unit::Duration,
        true,
    ),
    metric(
        "p95",
        AssertedMetric::Value(Column::OutcomeLatencyP95Ms),
        Unit::Duration,
        true,
    ),
    metric(
        "p99",
        AssertedMetric::Value(Column::OutcomeLatencyP99Ms),
        Unit::Duration,
        true,
    ),
    metric(
        "p999",
        AssertedMetric::Value(Column::OutcomeLatencyP999Ms),
        Unit::Duration,
        true,
    ),
    metric(
        "mean",
        AssertedMetric::Value(Column::LatencyMeanMs),
        Unit::Duration,
        true,
    ),
    metric(
        "max",
        AssertedMetric::Value(Column::LatencyMaxMs),
        Unit::Duration,
        true,
    ),
    metric(
        "throughput",
        AssertedMetric::Value(Column::ThroughputPerS),
        Unit::PerSecond,
        false,
    ),
    metric(
        "completed",
        AssertedMetric::ShareOfStarted(Column::Completed),
        Unit::Percent,
        false,
    ),
    metric(
        "compensated",
        AssertedMetric::ShareOfStarted(Column::Compensated),
        Unit::Percent,
        false,
    ),
    metric(
        "failed",
        AssertedMetric::ShareOfStarted(Column::Failed),
        Unit::Percent,
        false,
    ),
    metric(
        "stuck",
        AssertedMetric::ShareOfStarted(Column::Stuck),
        Unit::Percent,
        false,
    ),
    metric(
        "inconsistent",
        AssertedMetric::ShareOfStarted(Column::Inconsistent),
        Unit::Percent,
        false,
    ),
    metric(
        "duplicates",
        AssertedMetric::ShareOfStarted(Column::DuplicateEffects),
        Unit::Percent,
        false,
    ),
    metric(
        "status",
        AssertedMetric::Value(Column::StatusAnsweredRatio),
        Unit::Percent,
        false,
    ),
    metric(
        "messages",
        AssertedMetric::Value(Column::MessagesPerWorkflow),
        Unit::Number,
        false,
    ),
    metric(
        "bytes",
        AssertedMetric::Value(Column::BytesPerWorkflow),
        Unit::Size,
        false,
    ),
    metric(
        "consistency-time-p99",
        AssertedMetric::Value(Column::TimeToConsistencyP99Ms),
        Unit::Duration,
        false,
    ),
];

/// The metric names, for help and error messages.
pub fn metric_names() -> String {
    let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
    names.join(", ")
}

/// One bound: `p99<=300ms`, `status>=99%`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// As typed, trimmed.
    pub text: String,
    /// The metric as typed.
    pub name: String,
    /// What it reads.
    pub metric: AssertedMetric,
    /// `<=` or `>=`.
    pub comparison: Inequality,
    /// In the metric's unit: ms, per second, per workflow, bytes, or a fraction.
    pub bound: f64,
    /// How the bound is read and values are shown.
    pub unit: Unit,
    /// Whether it bounds a workflow latency (not the time to consistency).
    pub latency: bool,
}

impl Bound {
    /// Read `METRIC<=BOUND` or `METRIC>=BOUND`. The error says what is wrong, without
    /// the form (each command states its own).
    pub fn parse(text: &str) -> Result<Bound, String> {
        let (name, comparison, value) = split_comparison(text)?;
        Bound::with_metric(text, name, comparison, value)
    }

    /// A bound on metric `name` read from the parts of `text`.
    pub(super) fn with_metric(
        text: &str,
        name: &str,
        comparison: Inequality,
        value: &str,
    ) -> Result<Bound, String> {
        let name = name.trim();
        let info = METRICS
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| format!("unknown metric `{name}` (one of {})", metric_names()))?;
        Ok(Bound {
            text: text.trim().to_string(),
            name: name.to_string(),
            metric: info.metric,
            comparison,
            bound: parse_bound(value.trim(), info.unit)?,
            unit: info.unit,
            latency: info.latency,
        })
    }

    /// The metric's value for one run: `read` gives a column's value. The quantiles are
    /// outcome-aware; a mean or a maximum of completed workflows would hide the failed and
    /// stuck ones, so with any of them the bound reads "failed" ("stuck" if any is stuck):
    /// over every workflow, that mean and that maximum are unbounded.
    pub fn value(&self, read: &dyn Fn(Column) -> Option<f64>) -> Option<f64> {
        match self.metric {
            AssertedMetric::Value(column @ (Column::LatencyMeanMs | Column::LatencyMaxMs)) => {
                if read(Column::Stuck).is_some_and(|n| n > 0.0) {
                    Some(STUCK_RANK_MS)
                } else if read(Column::Failed).is_some_and(|n| n > 0.0) {
                    Some(FAILED_RANK_MS)
                } else {
                    read(column)
                }
            }
            AssertedMetric::Value(column) => read(column),
            AssertedMetric::ShareOfStarted(column) => {
                let started = read(Column::Started)?;
                (started > 0.0).then(|| read(column).map(|count| count / started))?
            }
        }
    }

    /// The metric's value in a run's summary.
    pub fn value_in(&self, summary: &Summary, design: &Design) -> Option<f64> {
        self.value(&|column| column.rank_value(summary, design))
    }

    /// The value of several replications as one: the mean, except that a latency among
    /// failures in any replication is that failure (`aggregate_rank_values`).
    pub fn aggregate(&self, values: &[f64]) -> Option<f64> {
        if self.unit == Unit::Duration {
            aggregate_rank_values(values)
        } else if values.is_empty() {
            None
        } else {
            Some(values.iter().sum::<f64>() / values.len() as f64)
        }
    }

    /// Whether `value` is a latency among failed or stuck workflows (no number at all).
    pub fn among_failures(&self, value: f64) -> bool {
        self.unit == Unit::Duration && value >= FAILED_RANK_MS
    }

    /// Whether `value` meets the bound.
    pub fn holds(&self, value: f64) -> bool {
        match self.comparison {
            Inequality::AtMost => value <= self.bound,
            Inequality::AtLeast => value >= self.bound,
        }
    }

    /// `value` in the bound's unit, for messages.
    pub fn shown(&self, value: f64) -> String {
        if self.among_failures(value) {
            return format!("{} (slower than any answer)", outcome_text(value));
        }
        match self.unit {
            Unit::Duration => format!("{value:.3} ms"),
            Unit::PerSecond => format!("{value:.3}/s"),
            Unit::Percent => format!("{:.3} %", value * 100.0),
            Unit::Number => format!("{value:.3}"),
            Unit::Size => format!("{value:.0} B"),
        }
    }

    /// How far `value` is past the bound, and which way: "50.000 ms over the bound of
    /// 200.000 ms (25.0 % of the bound)".
    pub fn breach(&self, value: f64) -> String {
        if self.among_failures(value) {
            return format!(
                "the figure falls among {} workflows, over the bound of {}",
                outcome_text(value)
                    .trim_start_matches("∞ (")
                    .trim_end_matches(')'),
                self.shown(self.bound)
            );
        }
        let gap = (value - self.bound).abs();
        let relative = if self.bound > 0.0 {
            format!(" ({:.1} % of the bound)", 100.0 * gap / self.bound)
        } else {
            String::new()
        };
        format!(
            "{} {} the bound of {}{relative}",
            self.shown(gap),
            match self.comparison {
                Inequality::AtMost => "over",
                Inequality::AtLeast => "under",
            },
            self.shown(self.bound),
        )
    }
}

/// `LEFT<=RIGHT` or `LEFT>=RIGHT`.
pub(super) fn split_comparison(text: &str) -> Result<(&str, Inequality, &str), String> {
    let trimmed = text.trim();
    if let Some((left, right)) = trimmed.split_once("<=") {
        Ok((left, Inequality::AtMost, right))
    } else if let Some((left, right)) = trimmed.split_once(">=") {
        Ok((left, Inequality::AtLeast, right))
    } else {
        Err(format!("got `{trimmed}` (no <= or >=)"))
    }
}

fn parse_bound(text: &str, unit: Unit) -> Result<f64, String> {
    let number = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("`{text}` is not a non-negative number"))
    };
    match unit {
        Unit::Duration => parse_duration(text).map(|d| d.as_millis_f64()),
        Unit::Percent => {
            let percent = text
                .strip_suffix('%')
                .ok_or_else(|| "this metric takes a percentage, like 1%".to_string())?;
            let percent = number(percent)?;
            if percent > 100.0 {
                return Err(format!("a percentage is at most 100, got {percent}"));
            }
            Ok(percent / 100.0)
        }
        Unit::PerSecond => number(text.strip_suffix("/s").unwrap_or(text)),
        Unit::Number => number(text),
        Unit::Size => match parse_size(text) {
            Ok(bytes) => Ok(bytes as f64),
            Err(_) => number(text),
        },
    }
}

/// A service-level objective: bounds that must all hold, typed as one flag
/// (`p99<=500ms,failed<=1%`) or several.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// As typed (flags joined with commas).
    pub text: String,
    /// Every bound; all must hold.
    pub bounds: Vec<Bound>,
}

/// How an SLO is written, for error messages.
pub const SLO_FORM: &str =
    "expected bounds like p99<=500ms, status>=99% or failed<=1%, joined by commas";

impl Slo {
    /// Read the bounds of `flags`, each holding one or more joined by `,` or `&`.
    pub fn parse_all(flags: &[String]) -> Result<Slo, String> {
        let mut bounds = Vec::new();
        for clause in flags
            .iter()
            .flat_map(|flag| flag.split([',', '&']))
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            bounds.push(Bound::parse(clause).map_err(|why| format!("{SLO_FORM}; {why}"))?);
        }
        if bounds.is_empty() {
            return Err(format!("{SLO_FORM}; got no bound"));
        }
        let texts: Vec<&str> = bounds.iter().map(|b| b.text.as_str()).collect();
        Ok(Slo {
            text: texts.join(","),
            bounds,
        })
    }

    /// Read an SLO like `p99<=500ms,failed<=1%`.
    pub fn parse(text: &str) -> Result<Slo, String> {
        Slo::parse_all(&[text.to_string()])
    }

    /// The loosest latency bound, in ms (0 without one).
    pub fn latency_bound_ms(&self) -> f64 {
        self.bounds
            .iter()
            .filter(|b| b.latency && b.comparison == Inequality::AtMost)
            .map(|b| b.bound)
            .fold(0.0, f64::max)
    }

    /// Whether a run's summary meets every bound (a figure that does not exist, such as
    /// a latency without a completed workflow, does not).
    pub fn met_by(&self, summary: &Summary, design: &Design) -> bool {
        self.bounds.iter().all(|bound| {
            bound
                .value_in(summary, design)
                .is_some_and(|value| bound.holds(value))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slos_read_every_metric_with_its_unit() {
        let slo = Slo::parse_all(&["p99<=500ms, failed<=1%".into(), "status>=99%".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(slo.text, "p99<=500ms,failed<=1%,status>=99%");
        let read: Vec<(&str, Inequality, f64)> = slo
            .bounds
            .iter()
            .map(|b| (b.name.as_str(), b.comparison, b.bound))
            .collect();
        assert_eq!(
            read,
            vec![
                ("p99", Inequality::AtMost, 500.0),
                ("failed", Inequality::AtMost, 0.01),
                ("status", Inequality::AtLeast, 0.99),
            ]
        );
        assert_eq!(slo.latency_bound_ms(), 500.0);
        assert_eq!(Bound::parse("throughput>=45/s").map(|b| b.bound), Ok(45.0));
        assert_eq!(
            Bound::parse("consistency-time-p99<=2s").map(|b| b.bound),
            Ok(2000.0)
        );
        for bad in [
            "p98<=1s",
            "p99<500ms",
            "p99<=fast",
            "failed<=2",
            "failed<=120%",
            "",
        ] {
            let error = Slo::parse(bad).err().unwrap_or_default();
            assert!(error.starts_with(SLO_FORM), "{bad}: {error}");
        }
    }

    #[test]
    fn a_breach_says_which_way_and_by_how_much() {
        let bound = Bound::parse("p99<=200ms").unwrap_or_else(|e| panic!("{e}"));
        assert!(bound.holds(200.0) && !bound.holds(200.1));
        assert_eq!(
            bound.breach(250.0),
            "50.000 ms over the bound of 200.000 ms (25.0 % of the bound)"
        );
        let bound = Bound::parse("status>=99%").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            bound.breach(0.9),
            "9.000 % under the bound of 99.000 % (9.1 % of the bound)"
        );
    }
}
