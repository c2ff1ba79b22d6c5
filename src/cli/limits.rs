//! What `run`, `sweep` and `capacity` may spend and where they may write: the budget
//! flags, the estimate checked before simulating, the message for a run stopped by
//! overload, and the identity a run's output folder records.

use sagasim::ScenarioResults;
use sagasim::budget::{Budget, estimate, estimate_file, parse_events, parse_memory};
use sagasim::report::describe_stopped;
use sagasim::run_folder::FolderError;
use sagasim::scenario::{Scenario, fingerprint};

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
) -> Result<(), CliError> {
    if let Some(text) = &args.max_scenario_size {
        let bytes = sagasim::scenario::parse_size(text).map_err(|_| {
            CliError::Input(format!(
                "--max-scenario-size: expected a size like 16MiB or 256MiB, got `{text}`"
            ))
        })?;
        sagasim::scenario::set_max_file_bytes(bytes);
    }
    let (_, shape) = sagasim::scenario::read_and_scan(&args.file)?;
    // Without `variants`, the five styles run, less those the scenario cannot: at least
    // three (four with an orchestrator).
    let designs = designs
        .or(shape.variants)
        .unwrap_or(if shape.orchestrator { 4 } else { 3 });
    let replications = replications.or(shape.replications).unwrap_or(1);
    let runs = designs as f64 * f64::from(replications.max(1));
    budget
        .check_before(
            &estimate_file(&shape, runs),
            &format!("parsing {}", args.file.display()),
        )
        .map_err(|error| CliError::Input(error.to_string()))
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
