//! CI gates: `--assert 'orchestrator.p99<=200ms'`, `--assert 'all.failed<=1%'`. Each
//! assertion names a design (or `all`), a metric of `summary.csv`, a comparison and a
//! bound; a run whose figures break one exits with code 3 after writing its results. With
//! replications the bound applies to the mean over them.

use crate::runner::ScenarioResults;
use crate::scenario::{parse_duration, parse_size};

use super::Column;

/// The exit code of a run whose results break an assertion.
pub const ASSERTION_EXIT_CODE: i32 = 3;

/// What an assertion bounds.
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

#[derive(Debug, Clone, PartialEq)]
/// A bound the results must meet (`--assert`).
pub struct Assertion {
    /// As typed.
    pub text: String,
    /// A design's label; `None` for `all`.
    pub design: Option<String>,
    /// What it reads.
    pub metric: AssertedMetric,
    /// The metric as typed.
    pub name: String,
    /// `<=` or `>=`.
    pub comparison: Inequality,
    /// In the metric's unit: ms, per second, per workflow, bytes, or a fraction.
    pub bound: f64,
    /// How the bound is read and values are shown.
    unit: Unit,
}

/// An assertion a design's figures break.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// The assertion as typed.
    pub assertion: String,
    /// The design that breaks it.
    pub design: String,
    /// `None`: the figure does not exist (no completed workflow for a latency, say).
    pub value: Option<f64>,
    /// What happened, and by how much.
    pub message: String,
}

const FORM: &str = "expected DESIGN.METRIC<=BOUND or DESIGN.METRIC>=BOUND, like \
orchestrator.p99<=200ms or all.failed<=1%; DESIGN is a design's label or `all`";

/// The metrics an assertion may name, with what they read and the bound's unit.
const METRICS: &[(&str, AssertedMetric, Unit)] = &[
    (
        "p50",
        AssertedMetric::Value(Column::LatencyP50Ms),
        Unit::Duration,
    ),
    (
        "p95",
        AssertedMetric::Value(Column::LatencyP95Ms),
        Unit::Duration,
    ),
    (
        "p99",
        AssertedMetric::Value(Column::LatencyP99Ms),
        Unit::Duration,
    ),
    (
        "p999",
        AssertedMetric::Value(Column::LatencyP999Ms),
        Unit::Duration,
    ),
    (
        "mean",
        AssertedMetric::Value(Column::LatencyMeanMs),
        Unit::Duration,
    ),
    (
        "max",
        AssertedMetric::Value(Column::LatencyMaxMs),
        Unit::Duration,
    ),
    (
        "throughput",
        AssertedMetric::Value(Column::ThroughputPerS),
        Unit::PerSecond,
    ),
    (
        "completed",
        AssertedMetric::ShareOfStarted(Column::Completed),
        Unit::Percent,
    ),
    (
        "compensated",
        AssertedMetric::ShareOfStarted(Column::Compensated),
        Unit::Percent,
    ),
    (
        "failed",
        AssertedMetric::ShareOfStarted(Column::Failed),
        Unit::Percent,
    ),
    (
        "stuck",
        AssertedMetric::ShareOfStarted(Column::Stuck),
        Unit::Percent,
    ),
    (
        "inconsistent",
        AssertedMetric::ShareOfStarted(Column::Inconsistent),
        Unit::Percent,
    ),
    (
        "duplicates",
        AssertedMetric::ShareOfStarted(Column::DuplicateEffects),
        Unit::Percent,
    ),
    (
        "status",
        AssertedMetric::Value(Column::StatusAnsweredRatio),
        Unit::Percent,
    ),
    (
        "messages",
        AssertedMetric::Value(Column::MessagesPerWorkflow),
        Unit::Number,
    ),
    (
        "bytes",
        AssertedMetric::Value(Column::BytesPerWorkflow),
        Unit::Size,
    ),
    (
        "consistency-time-p99",
        AssertedMetric::Value(Column::TimeToConsistencyP99Ms),
        Unit::Duration,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Duration,
    PerSecond,
    Percent,
    Number,
    Size,
}

impl Assertion {
    /// Read an assertion like `orchestrator.p99<=200ms`.
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let trimmed = text.trim();
        let (left, comparison, right) = if let Some((l, r)) = trimmed.split_once("<=") {
            (l, Inequality::AtMost, r)
        } else if let Some((l, r)) = trimmed.split_once(">=") {
            (l, Inequality::AtLeast, r)
        } else {
            return Err(format!("{FORM}; got `{trimmed}` (no <= or >=)"));
        };
        let (design, name) = left
            .trim()
            .rsplit_once('.')
            .ok_or_else(|| format!("{FORM}; got `{trimmed}` (no design before the metric)"))?;
        let (design, name) = (design.trim(), name.trim());
        if design.is_empty() {
            return Err(format!("{FORM}; got `{trimmed}` (the design is empty)"));
        }
        let (_, metric, unit) = METRICS
            .iter()
            .find(|(known, _, _)| *known == name)
            .ok_or_else(|| {
                let names: Vec<&str> = METRICS.iter().map(|(n, _, _)| *n).collect();
                format!(
                    "{FORM}; unknown metric `{name}` (one of {})",
                    names.join(", ")
                )
            })?;
        let bound = parse_bound(right.trim(), *unit)?;
        Ok(Assertion {
            text: trimmed.to_string(),
            design: (design != "all").then(|| design.to_string()),
            metric: *metric,
            name: name.to_string(),
            comparison,
            bound,
            unit: *unit,
        })
    }

    /// The value of the metric for one run: `read` gives a column's value.
    pub fn value(&self, read: &dyn Fn(Column) -> Option<f64>) -> Option<f64> {
        match self.metric {
            AssertedMetric::Value(column) => read(column),
            AssertedMetric::ShareOfStarted(column) => {
                let started = read(Column::Started)?;
                (started > 0.0).then(|| read(column).map(|count| count / started))?
            }
        }
    }

    fn holds(&self, value: f64) -> bool {
        match self.comparison {
            Inequality::AtMost => value <= self.bound,
            Inequality::AtLeast => value >= self.bound,
        }
    }

    fn shown(&self, value: f64) -> String {
        match self.unit {
            Unit::Duration => format!("{value:.3} ms"),
            Unit::PerSecond => format!("{value:.3}/s"),
            Unit::Percent => format!("{:.3} %", value * 100.0),
            Unit::Number => format!("{value:.3}"),
            Unit::Size => format!("{value:.0} B"),
        }
    }
}

fn parse_bound(text: &str, unit: Unit) -> Result<f64, String> {
    let number = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("{FORM}; `{text}` is not a non-negative number"))
    };
    match unit {
        Unit::Duration => parse_duration(text)
            .map(|d| d.as_millis_f64())
            .map_err(|e| format!("{FORM}; {e}")),
        Unit::Percent => {
            let percent = text
                .strip_suffix('%')
                .ok_or_else(|| format!("{FORM}; this metric takes a percentage, like 1%"))?;
            let percent = number(percent)?;
            if percent > 100.0 {
                return Err(format!(
                    "{FORM}; a percentage is at most 100, got {percent}"
                ));
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

/// Check that every assertion names a design the run has.
pub fn check_designs(assertions: &[Assertion], labels: &[String]) -> Result<(), String> {
    for assertion in assertions {
        if let Some(design) = &assertion.design
            && !labels.contains(design)
        {
            return Err(format!(
                "--assert {}: no design `{design}` runs here (running: {}, or `all`)",
                assertion.text,
                labels.join(", ")
            ));
        }
    }
    Ok(())
}

/// The assertions `results` break, in assertion then design order. A design's value is
/// its mean over replications.
pub fn breaches(assertions: &[Assertion], results: &ScenarioResults) -> Vec<Breach> {
    let mut out = Vec::new();
    for assertion in assertions {
        for design in &results.designs {
            if assertion
                .design
                .as_ref()
                .is_some_and(|d| *d != design.label)
            {
                continue;
            }
            let values: Option<Vec<f64>> = results
                .runs
                .iter()
                .filter(|run| run.design == *design)
                .map(|run| {
                    assertion.value(&|column| {
                        column
                            .cell(&run.result.summary, design)
                            .and_then(|cell| cell.as_f64())
                    })
                })
                .collect();
            let value = values
                .filter(|v| !v.is_empty())
                .map(|v| v.iter().sum::<f64>() / v.len() as f64);
            if let Some(breach) = judge(assertion, &design.label, value) {
                out.push(breach);
            }
        }
    }
    out
}

/// A breach if `value` (of `design`) breaks `assertion`.
pub fn judge(assertion: &Assertion, design: &str, value: Option<f64>) -> Option<Breach> {
    let message = match value {
        Some(value) if assertion.holds(value) => return None,
        Some(value) => {
            let gap = (value - assertion.bound).abs();
            let relative = if assertion.bound > 0.0 {
                format!(" ({:.1} %)", 100.0 * gap / assertion.bound)
            } else {
                String::new()
            };
            format!(
                "{design}: {} is {}, {} {} the bound of {}{relative}",
                assertion.name,
                assertion.shown(value),
                assertion.shown(gap),
                if assertion.comparison == Inequality::AtMost {
                    "over"
                } else {
                    "under"
                },
                assertion.shown(assertion.bound),
            )
        }
        None => format!(
            "{design}: {} has no value in this run (no workflow it could be measured on)",
            assertion.name
        ),
    };
    Some(Breach {
        assertion: assertion.text.clone(),
        design: design.to_string(),
        value,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_parse_with_units_and_refuse_what_they_cannot_read() {
        let a = Assertion::parse("orchestrator.p99<=200ms").unwrap();
        assert_eq!(a.design.as_deref(), Some("orchestrator"));
        assert_eq!(a.bound, 200.0);
        assert_eq!(a.comparison, Inequality::AtMost);
        let a = Assertion::parse(" all.failed <= 1% ").unwrap();
        assert_eq!((a.design, a.bound), (None, 0.01));
        let a = Assertion::parse("epic.throughput>=45/s").unwrap();
        assert_eq!((a.comparison, a.bound), (Inequality::AtLeast, 45.0));
        assert_eq!(Assertion::parse("all.bytes<=4KiB").unwrap().bound, 4096.0);
        for bad in [
            "p99<=200ms",
            "all.p99=200ms",
            "all.latency<=1s",
            "all.failed<=1",
            "all.failed<=101%",
            "all.p99<=fast",
            ".p99<=1s",
        ] {
            assert!(Assertion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_breach_says_by_how_much() {
        let a = Assertion::parse("all.p99<=200ms").unwrap();
        assert!(judge(&a, "x", Some(200.0)).is_none());
        let breach = judge(&a, "orchestrator", Some(250.0)).unwrap();
        assert_eq!(
            breach.message,
            "orchestrator: p99 is 250.000 ms, 50.000 ms over the bound of 200.000 ms (25.0 %)"
        );
        let a = Assertion::parse("all.status>=99%").unwrap();
        assert!(judge(&a, "x", Some(0.995)).is_none());
        assert!(judge(&a, "choreography", Some(0.0)).is_some());
        assert!(judge(&a, "choreography", None).is_some());
    }
}
