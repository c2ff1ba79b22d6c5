//! CI gates: `--assert 'orchestrator.p99<=200ms'`, `--assert 'all.failed<=1%'`. Each
//! assertion names a design (or `all`), a metric of `summary.csv`, a comparison and a
//! bound; a run whose figures break one exits with code 3 after writing its results. With
//! replications the bound applies to the mean over them.

use crate::runner::ScenarioResults;

use super::slo::{Bound, split_comparison};

/// The exit code of a run whose results break an assertion.
pub const ASSERTION_EXIT_CODE: i32 = 3;

/// A bound the results must meet (`--assert`): a design (or all) and a bound in the
/// language `slo` defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// As typed.
    pub text: String,
    /// A design's label; `None` for `all`.
    pub design: Option<String>,
    /// The metric, the comparison and the bound.
    pub bound: Bound,
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

impl Assertion {
    /// Read an assertion like `orchestrator.p99<=200ms`.
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let trimmed = text.trim();
        let (left, comparison, right) =
            split_comparison(trimmed).map_err(|why| format!("{FORM}; {why}"))?;
        let (design, name) = left
            .trim()
            .rsplit_once('.')
            .ok_or_else(|| format!("{FORM}; got `{trimmed}` (no design before the metric)"))?;
        let design = design.trim();
        if design.is_empty() {
            return Err(format!("{FORM}; got `{trimmed}` (the design is empty)"));
        }
        let bound = Bound::with_metric(trimmed, name, comparison, right)
            .map_err(|why| format!("{FORM}; {why}"))?;
        Ok(Assertion {
            text: trimmed.to_string(),
            design: (design != "all").then(|| design.to_string()),
            bound,
        })
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
                .map(|run| assertion.bound.value_in(&run.result.summary, design))
                .collect();
            let value = values.and_then(|v| assertion.bound.aggregate(&v));
            if let Some(breach) = judge(assertion, &design.label, value) {
                out.push(breach);
            }
        }
    }
    out
}

/// A breach if `value` (of `design`) breaks `assertion`.
pub fn judge(assertion: &Assertion, design: &str, value: Option<f64>) -> Option<Breach> {
    let bound = &assertion.bound;
    let message = match value {
        Some(value) if bound.holds(value) => return None,
        Some(value) => format!(
            "{design}: {} is {}, {}",
            bound.name,
            bound.shown(value),
            bound.breach(value)
        ),
        None => format!(
            "{design}: {} has no value in this run (no workflow it could be measured on)",
            bound.name
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
    use super::super::slo::Inequality;
    use super::*;

    #[test]
    fn assertions_parse_with_units_and_refuse_what_they_cannot_read() {
        let a = Assertion::parse("orchestrator.p99<=200ms").unwrap();
        assert_eq!(a.design.as_deref(), Some("orchestrator"));
        assert_eq!(a.bound.bound, 200.0);
        assert_eq!(a.bound.comparison, Inequality::AtMost);
        let a = Assertion::parse(" all.failed <= 1% ").unwrap();
        assert_eq!((a.design, a.bound.bound), (None, 0.01));
        let a = Assertion::parse("epic.throughput>=45/s").unwrap();
        assert_eq!(
            (a.bound.comparison, a.bound.bound),
            (Inequality::AtLeast, 45.0)
        );
        assert_eq!(
            Assertion::parse("all.bytes<=4KiB").unwrap().bound.bound,
            4096.0
        );
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
            "orchestrator: p99 is 250.000 ms, 50.000 ms over the bound of 200.000 ms (25.0 % of the bound)"
        );
        let a = Assertion::parse("all.status>=99%").unwrap();
        assert!(judge(&a, "x", Some(0.995)).is_none());
        assert!(judge(&a, "choreography", Some(0.0)).is_some());
        assert!(judge(&a, "choreography", None).is_some());
    }
}
