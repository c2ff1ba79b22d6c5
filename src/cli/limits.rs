//! What `run`, `sweep` and `capacity` may spend and where they may write: the budget
//! flags, the estimate checked before simulating, the message for a run stopped by
//! overload, and the identity a run's output folder records.

use sagasim::ScenarioResults;
use sagasim::budget::{Budget, estimate, estimate_file, parse_events, parse_memory};
use sagasim::report::describe_stopped;
use sagasim::run_folder::FolderError;
use sagasim::scenario::{Scenario, ScenarioText, fingerprint};

use super::CliError;
use super::args::{BudgetArgs, ScenarioArgs};

/// The budget the flags ask for (the defaults where they are absent).
pub fn budget(args: &BudgetArgs) -> Result<Budget, CliError> {
    let mut budget = Budget::default();
    if let Some(text) = &args.max_events {
        budget.max_events =
            parse_events(text).map_err(|e| CliError::Input(format!("--max-events: {e}")))?;
    }
    if let Some(text) = &args.max_memory {
        budget.max_memory_bytes =
            parse_memory(text).map_err(|e| CliError::Input(format!("--max-memory: {e}")))?;
    }
    Ok(budget)
}

/// Refuse, before simulating, a scenario whose runs would go beyond `budget` with up to
/// `jobs` of them at once (one per core by default).
pub fn check_estimate(
    scenario: &Scenario,
    jobs: Option<usize>,
    budget: &Budget,
) -> Result<(), CliError> {
    let parallel = jobs.unwrap_or_else(rayon::current_num_threads);
    budget
        .check(&estimate(scenario, parallel))
        .map_err(|error| CliError::Input(error.to_string()))
}

/// Refuse, before parsing, a scenario file over the size limit (`--max-scenario-size`), or
/// one whose parse and largest arrays of tables alone would exceed `budget`: the
/// parse itself would otherwise be what exhausts the memory. `replications` and
/// `designs` are the flags' where given (else the file's, else a lower bound).
pub fn check_file(
    args: &ScenarioArgs,
    budget: &Budget,
    replications: Option<u32>,
    designs: Option<usize>,
) -> Result<ScenarioText, CliError> {
    if let Some(text) = &args.max_scenario_size {
        let bytes = sagasim::scenario::parse_size(text)
            .map_err(|error| {
                CliError::Input(format!(
                    "--max-scenario-size: expected a size like 16MiB or 256MiB: {error}"
                ))
            })
            .and_then(|bytes| {
                if bytes < 1024 {
                    Err(CliError::Input(format!(
                        "--max-scenario-size: expected at least 1KiB (a scenario is a few KiB), got `{text}`"
                    )))
                } else {
                    Ok(bytes)
                }
            })?;
        sagasim::scenario::set_max_file_bytes(bytes);
    }
    let file = sagasim::scenario::read_and_scan(&args.file)?;
    let shape = &file.shape;
    // What `--set` makes of the replications and designs, which the scan cannot see.
    let (set_replications, set_designs) = set_runs(&args.set);
    // Without `variants`, the five styles run, less those the scenario cannot: at least
    // three (four with an orchestrator).
    let designs = designs
        .or(set_designs)
        .or(shape.variants)
        .unwrap_or(if shape.orchestrator { 4 } else { 3 });
    let replications = replications
        .or(set_replications)
        .or(shape.replications)
        .unwrap_or(1);
    let runs = designs as f64 * f64::from(replications.max(1));
    budget
        .check_before(
            &estimate_file(shape, runs),
            &format!("parsing {}", args.file.display()),
        )
        .map_err(|error| CliError::Input(error.to_string()))?;
    Ok(file)
}

/// The replications and the number of designs `--set scenario.replications=N` and
/// `--set scenario.variants=[…]` give, where the flags give them (the last flag wins), read
/// as `--set` reads them: key parts trimmed, the value as TOML (`1_000`), else a string.
fn set_runs(sets: &[String]) -> (Option<u32>, Option<usize>) {
    let mut replications = None;
    let mut designs = None;
    for flag in sets {
        let Some((key, value)) = flag.split_once('=') else {
            continue;
        };
        let parts: Vec<&str> = key.split('.').map(str::trim).collect();
        let value = format!("value = {}", value.trim())
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut table| table.remove("value"));
        match (parts.as_slice(), value) {
            (["scenario", "replications"], Some(toml::Value::Integer(n))) => {
                replications = u32::try_from(n).ok();
            }
            (["scenario", "variants"], Some(toml::Value::Array(names))) => {
                designs = Some(names.len().max(1));
            }
            (["scenario", "variants"], _) => designs = Some(1),
            _ => {}
        }
    }
    (replications, designs)
}

/// What to say when runs were stopped by overload (`None` if none was).
pub fn stopped_message(results: &ScenarioResults, budget: &Budget) -> Option<String> {
    describe_stopped(results).map(|stopped| {
        format!(
            "overloaded: stopped {stopped}, more than {} (a quarter of --max-memory, {} MiB, at 1 KiB a workflow), as arrivals outpace what the system serves; the files written end there and are marked truncated. Lower `workload.arrivals`, add workers, or raise --max-memory",
            budget.max_workflows_held(),
            budget.max_memory_bytes >> 20
        )
    })
}

/// The identity of a run's configuration: the effective scenario document's fingerprint,
/// and the designs, seed and replications after the flags.
pub fn run_content(scenario: &Scenario, document: &str) -> String {
    let designs = serde_json::to_string(&scenario.designs).unwrap_or_default();
    let settings = format!(
        "seed={}\nreplications={}\n",
        scenario.seed, scenario.replications
    );
    fingerprint(&[
        document.as_bytes(),
        b"\n",
        designs.as_bytes(),
        b"\n",
        settings.as_bytes(),
    ])
}

pub fn folder_error(error: FolderError) -> CliError {
    match error {
        FolderError::Input(message) => CliError::Input(message),
        FolderError::Io(message) => CliError::Other(anyhow::anyhow!(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_flags_give_the_runs_the_scan_cannot_see() {
        let sets =
            |flags: &[&str]| set_runs(&flags.iter().map(|f| f.to_string()).collect::<Vec<_>>());
        assert_eq!(sets(&[]), (None, None));
        assert_eq!(sets(&["scenario.replications=1"]), (Some(1), None));
        assert_eq!(
            sets(&[
                "scenario.variants=[\"orchestrator\", \"epic\"]",
                "services.a.fail=0.1"
            ]),
            (None, Some(2))
        );
        assert_eq!(sets(&["scenario.replications=x"]), (None, None));
        assert_eq!(sets(&["scenario. replications =1_000"]), (Some(1000), None));
        assert_eq!(sets(&["scenario.variants=orchestrator"]), (None, Some(1)));
    }
}
