//! The CI gate's side of the command line: `--assert` flags parsed and checked against the
//! designs, and the breaches of a run or a finished sweep reported with exit code 3.

use std::path::Path;

use sagasim::ScenarioResults;
use sagasim::report::{Assertion, Breach, breaches, check_designs};
use sagasim::scenario::Scenario;
use sagasim::sweep::sweep_breaches;

use super::{CliError, note, sweep_error};

/// `--assert` flags, parsed.
pub(super) fn parse_assertions(flags: &[String]) -> Result<Vec<Assertion>, CliError> {
    flags
        .iter()
        .map(|flag| {
            Assertion::parse(flag).map_err(|e| CliError::Input(format!("--assert {flag}: {e}")))
        })
        .collect()
}

/// The assertions a finished sweep in `out` breaks: an error (exit code 3) if any.
pub(super) fn enforce_sweep(assertions: &[Assertion], out: &Path) -> Result<(), CliError> {
    let broken = sweep_breaches(out, assertions).map_err(sweep_error)?;
    breach_report(assertions.len(), &broken)
}

/// `--assert` flags, parsed and checked against the designs that will run.
pub(super) fn assertions(
    flags: &[String],
    scenario: &Scenario,
) -> Result<Vec<Assertion>, CliError> {
    let parsed = parse_assertions(flags)?;
    let labels: Vec<String> = scenario.designs.iter().map(|d| d.label.clone()).collect();
    check_designs(&parsed, &labels).map_err(CliError::Input)?;
    Ok(parsed)
}

/// Report the assertions `results` break, on standard error; an error (exit code 3) if any.
pub(super) fn enforce(assertions: &[Assertion], results: &ScenarioResults) -> Result<(), CliError> {
    breach_report(assertions.len(), &breaches(assertions, results))
}

/// Exit code 3 with every breach listed, or a note that the assertions hold.
fn breach_report(assertions: usize, broken: &[Breach]) -> Result<(), CliError> {
    if broken.is_empty() {
        if assertions > 0 {
            note(format_args!("{assertions} assertion(s) hold"));
        }
        return Ok(());
    }
    let lines: Vec<String> = broken
        .iter()
        .map(|b| format!("  {}: {}", b.assertion, b.message))
        .collect();
    Err(CliError::Assertions(format!(
        "{} assertion(s) broken (the results were written):\n{}",
        broken.len(),
        lines.join("\n")
    )))
}
