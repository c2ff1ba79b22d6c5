//! The command line: the parsed flags (clap definitions in `cli/args.rs`, kept inside `cli`)
//! turned into library calls, their output printed and written.

mod advise;
mod args;
mod capacity;
mod gate;
mod limits;
mod man;
mod output;
mod progress;
mod sweep;
mod trace;

pub use args::Cli;
use args::{ChartsFormat, CheckFormat, Command, Format, ScenarioArgs, SchemaOutput};
pub use output::{note, render_error, set_quiet, warn};

use std::io::Write;

use clap::CommandFactory;
use std::path::{Path, PathBuf};

use sagasim::budget::Budget;
use sagasim::report::Assertion;
use sagasim::report::{
    self, ReportInputs, SUMMARY_COLUMNS, render_check, summary_rows, to_csv, warning_lines,
};
use sagasim::run_folder::{self, RunManifest};
use sagasim::scenario::{Override, Scenario, ScenarioError, json_schema, starter_scenario};
use sagasim::sweep::{SweepError, merge};
use sagasim::{Progress, RunOptions, ScenarioResults, run};

/// What went wrong, and which exit code it gets.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: a flag. Exit code 2.
    #[error("{0}")]
    Input(String),
    /// Bad input: a scenario (or a `--set` flag). Exit code 2.
    #[error(transparent)]
    Scenario(ScenarioError),
    /// Anything else (I/O, say). Exit code 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
    /// The results break an `--assert` (they were written). Exit code 3.
    #[error("{0}")]
    Assertions(String),
    /// A run stopped early by overload; its files were written, marked truncated. Exit
    /// code 4.
    #[error("{0}")]
    Stopped(String),
    /// `advise` found no candidate that meets every SLO (its files were written). Exit
    /// code 5.
    #[error("{0}")]
    NoFeasible(String),
}

impl From<ScenarioError> for CliError {
    fn from(error: ScenarioError) -> Self {
        CliError::Scenario(error)
    }
}

/// The exit code of a run stopped early by overload (its truncated results were written).
pub const STOPPED_EXIT_CODE: i32 = 4;

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) | CliError::Scenario(_) => 2,
            CliError::Other(_) => 1,
            CliError::Assertions(_) => report::ASSERTION_EXIT_CODE,
            CliError::Stopped(_) => STOPPED_EXIT_CODE,
            CliError::NoFeasible(_) => sagasim::advise::NO_FEASIBLE_EXIT_CODE,
        }
    }
}

/// `args` as a shell command line, quoted where needed (for "reproduce with" lines).
pub fn command_line(args: &[String]) -> String {
    let quote = |arg: &String| {
        if !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+".contains(c))
        {
            arg.clone()
        } else {
            format!("'{}'", arg.replace('\'', "'\\''"))
        }
    };
    std::iter::once("sagasim".to_string())
        .chain(args.iter().map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The "Reproduce" line names `--out` only when it is not the default folder: the README's
/// command and `scripts/regenerate-results.sh` (which names it) then write the same bytes.
fn without_default_out(command: &str, out: &Path, default_out: &Path) -> String {
    if out != default_out {
        return command.to_string();
    }
    // Token by token, so that a longer path sharing the default's prefix is never cut.
    let default = default_out.display().to_string();
    let inline = format!("--out={default}");
    let mut kept: Vec<&str> = Vec::new();
    let mut tokens = command.split(' ').peekable();
    while let Some(token) = tokens.next() {
        if token == "--out" && tokens.peek() == Some(&default.as_str()) {
            tokens.next();
        } else if token != inline {
            kept.push(token);
        }
    }
    kept.join(" ")
}

/// Flags that change where results go or what is printed, never the results.
const NEUTRAL_FLAGS: [&str; 4] = ["--force", "--quiet", "-q", "--no-sync"];

/// Flags with a value that never change the results: the thread count (output is
/// byte-identical for any).
const NEUTRAL_VALUED_FLAGS: [&str; 1] = ["--jobs"];

/// The "Reproduce" line leaves out `--force`, `--quiet`, `--no-sync` and `--jobs N`: they say where
/// results may be written, how much is printed and how many threads run, not what the
/// results are (so that `report.md` and `results.json` are the same for any `--jobs`).
/// Tokens inside a quoted argument (`'a --force b'`) stay.
fn without_neutral_flags(command: &str) -> String {
    let mut quoted = false;
    let mut skip_value = false;
    command
        .split(' ')
        .filter(|token| {
            let neutral = !quoted
                && (skip_value
                    || NEUTRAL_FLAGS.contains(token)
                    || NEUTRAL_VALUED_FLAGS.contains(token)
                    || NEUTRAL_VALUED_FLAGS
                        .iter()
                        .any(|flag| token.starts_with(&format!("{flag}="))));
            skip_value = !quoted && NEUTRAL_VALUED_FLAGS.contains(token);
            // An escaped quote (`'\''`, inside a quoted argument) does not open or close one.
            if token.replace("\\'", "").matches('\'').count() % 2 == 1 {
                quoted = !quoted;
            }
            !neutral
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run a parsed command line; `command` is how it was typed (for the report).
pub fn execute(cli: Cli, command: String) -> Result<(), CliError> {
    match cli.command {
        Command::Run {
            scenario,
            variants,
            out,
            seed,
            replications,
            format,
            jobs,
            no_charts,
            asserts,
            charts,
            force,
            budget,
        } => {
            let budget = limits::budget(&budget)?;
            let named = design_names(&variants).map(|names| names.len());
            let file = limits::check_file(&scenario, &budget, replications, named)?;
            let (mut loaded, document) =
                Scenario::parse_with_fingerprint(&file.shown, &file.text, &overrides(&scenario)?)?;
            choose_designs(&mut loaded, &variants)?;
            if let Some(seed) = seed {
                loaded.seed = seed;
            }
            if let Some(replications) = check_replications(replications)? {
                loaded.replications = replications;
            }
            check_jobs(jobs)?;
            let choices = RunChoices {
                out,
                format,
                jobs,
                charts: !no_charts,
                assertions: gate::assertions(&asserts, &loaded)?,
                chart_format: match charts {
                    ChartsFormat::Png => report::ChartFormat::Png,
                    ChartsFormat::Svg => report::ChartFormat::Svg,
                },
                force,
                budget,
                content: limits::run_content(&loaded, &document),
            };
            run_command(&loaded, &choices, command)
        }
        Command::Check {
            scenario,
            format,
            fail_at,
        } => {
            let loaded = load(&scenario, &Budget::default(), Some(1), Some(1))?;
            // A position on the path: the longest path bounds it, and a shorter path fails
            // at its last step.
            let steps = loaded.system.most_steps_per_workflow();
            if fail_at.is_some_and(|k| !(1..=steps).contains(&k)) {
                return Err(CliError::Input(format!(
                    "--fail-at: expected a step from 1 to {steps}, got {}",
                    fail_at.unwrap_or_default()
                )));
            }
            let flows = loaded.design_flows(fail_at.map(|k| k - 1));
            for line in &loaded.warnings {
                warn(line);
            }
            print(&match format {
                CheckFormat::Text => render_check(&loaded, &flows),
                CheckFormat::Mermaid => report::render_mermaid(&loaded.system, &flows),
            })
        }
        Command::Schema { output } => {
            let schema = match output {
                SchemaOutput::Scenario => json_schema(),
                SchemaOutput::Results => report::results_schema(),
                SchemaOutput::Sweep => sagasim::sweep::sweep_schema(),
            };
            let text = serde_json::to_string_pretty(&schema).map_err(anyhow::Error::from)?;
            print(&format!("{text}\n"))
        }
        Command::Sweep(args) => sweep::sweep_command(args),
        Command::Advise(args) => advise::advise_command(args, command),
        Command::Merge {
            dirs,
            out,
            no_charts,
            asserts,
        } => {
            let assertions = gate::parse_assertions(&asserts)?;
            let out = out.unwrap_or_else(|| dirs[0].clone());
            merge(&dirs, &out, !no_charts).map_err(sweep_error)?;
            note(format_args!("wrote {}", out.join("sweep.csv").display()));
            gate::enforce_sweep(&assertions, &out)
        }
        Command::Init {
            file,
            pattern,
            force,
        } => {
            let text = starter_scenario(pattern.as_deref())
                .map_err(|message| CliError::Input(format!("--pattern: {message}")))?;
            if file.exists() && !force {
                return Err(CliError::Input(format!(
                    "{} exists; choose another file, or pass --force to overwrite it",
                    file.display()
                )));
            }
            write_atomically(&file, text.as_bytes())?;
            note(format_args!(
                "wrote {}; try `sagasim check {0}`, then `sagasim run {0}`",
                file.display()
            ));
            Ok(())
        }
        Command::Completions { shell } => {
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sagasim", &mut buffer);
            print(&String::from_utf8_lossy(&buffer))
        }
        Command::Man { subcommand, dir } => man::man_command(subcommand.as_deref(), dir.as_deref()),
        Command::Trace(args) => {
            // One workflow of one run is traced: the file's parse is what it costs.
            let mut loaded = load(&args.scenario, &Budget::default(), Some(1), Some(1))?;
            if let Some(seed) = args.seed {
                loaded.seed = seed;
            }
            trace::trace_command(&mut loaded, &args)
        }
        Command::Capacity {
            scenario,
            slo,
            precision,
            variants,
            out,
            budget,
        } => {
            let budget = limits::budget(&budget)?;
            let slo = capacity::parse_slo(&slo)?;
            capacity::check_precision(precision)?;
            // Each design is searched (one replication a run, one run at a time per design).
            let designs = design_names(&variants).map(|names| names.len());
            let mut loaded = load(&scenario, &budget, Some(1), designs)?;
            choose_designs(&mut loaded, &variants)?;
            capacity::capacity_command(&loaded, &slo, precision, out, &budget)
        }
    }
}

/// What `run` was asked for beyond the scenario.
struct RunChoices {
    out: Option<PathBuf>,
    format: Format,
    jobs: Option<usize>,
    charts: bool,
    assertions: Vec<Assertion>,
    chart_format: report::ChartFormat,
    /// Overwrite results of another configuration.
    force: bool,
    budget: Budget,
    /// The configuration's identity, recorded in the folder (`run_folder`).
    content: String,
}

fn run_command(loaded: &Scenario, choices: &RunChoices, command: String) -> Result<(), CliError> {
    let default_out = Path::new("results").join(&loaded.name);
    let out = choices.out.clone().unwrap_or_else(|| default_out.clone());
    limits::check_estimate(loaded, choices.jobs, &choices.budget)?;
    // Find out now, not after a long simulation, that the results could not be kept:
    // another process writing the folder, another configuration's results in it.
    let lock = run_folder::lock(&out).map_err(limits::folder_error)?;
    let folder = lock.folder().to_path_buf();
    run_folder::check_replaceable(&folder, &choices.content, choices.force)
        .map_err(limits::folder_error)?;
    ensure_writable(&folder)?;
    let total = loaded.designs.len() as u64 * u64::from(loaded.replications);
    progress::start(total, "runs");
    let options = RunOptions {
        jobs: choices.jobs,
        trace: false,
        on_run_done: Some(Progress::new(progress::tick)),
        budget: choices.budget,
    };
    for line in &loaded.warnings {
        warn(line);
    }
    let results = run(loaded, &options);
    progress::finish();
    let command = without_neutral_flags(&without_default_out(&command, &out, &default_out));
    let flows = loaded.design_flows(None);
    let inputs = ReportInputs {
        scenario: loaded,
        command,
        charts: choices.charts,
        chart_format: choices.chart_format,
        flows: &flows,
    };
    // Said on stderr whatever the format: a script reading stdout still logs them.
    for line in warning_lines(&results) {
        warn(line);
    }
    // The comparison first: if a file cannot be written, the run's figures are still seen.
    print(&match choices.format {
        Format::Table => report::render_terminal(&results, loaded.system.most_steps_per_workflow()),
        Format::Markdown => report::to_markdown(&results),
        Format::Json => report::results_json(&results, loaded, &inputs.command),
        Format::Csv => to_csv(&SUMMARY_COLUMNS, &summary_rows(&results)),
    })?;
    let stopped = limits::stopped_message(&results, &choices.budget);
    let manifest = RunManifest {
        scenario: loaded.name.clone(),
        content: choices.content.clone(),
        truncated: stopped.is_some(),
    };
    let written = write_run_outputs(&folder, &results, &inputs, &manifest)?;
    drop(lock);
    for name in written {
        note(format_args!("wrote {}", out.join(name).display()));
    }
    if let Some(message) = stopped {
        return Err(CliError::Stopped(message));
    }
    gate::enforce(&choices.assertions, &results)
}

fn overrides(args: &ScenarioArgs) -> Result<Vec<Override>, CliError> {
    args.set
        .iter()
        .map(|flag| {
            Override::parse(flag)
                .map_err(|message| CliError::Input(format!("--set {flag}: {message}")))
        })
        .collect()
}

/// Read the scenario once, refuse it before parsing if it is beyond `budget` (with
/// `replications` × `designs` runs, where given, else the file's), then parse it with the
/// `--set` flags.
fn load(
    args: &ScenarioArgs,
    budget: &Budget,
    replications: Option<u32>,
    designs: Option<usize>,
) -> Result<Scenario, CliError> {
    let file = limits::check_file(args, budget, replications, designs)?;
    Ok(Scenario::parse(&file.shown, &file.text, &overrides(args)?)?)
}

/// The design names given with `--variants` (comma-separated, repeatable), if any.
fn design_names(flags: &[String]) -> Option<Vec<String>> {
    let names: Vec<String> = flags
        .iter()
        .flat_map(|flag| flag.split(','))
        .map(|name| name.trim().to_string())
        .collect();
    (!names.is_empty()).then_some(names)
}

/// Apply `--variants` to a loaded scenario.
fn choose_designs(scenario: &mut Scenario, flags: &[String]) -> Result<(), CliError> {
    if let Some(names) = design_names(flags) {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        scenario
            .set_designs(&names)
            .map_err(|message| CliError::Input(format!("--variants: {message}")))?;
    }
    Ok(())
}

fn check_replications(replications: Option<u32>) -> Result<Option<u32>, CliError> {
    match replications {
        Some(n) if !(1..=10_000).contains(&n) => Err(CliError::Input(format!(
            "--replications: expected between 1 and 10000, got {n}"
        ))),
        other => Ok(other),
    }
}

fn check_jobs(jobs: Option<usize>) -> Result<(), CliError> {
    if jobs == Some(0) {
        return Err(CliError::Input(
            "--jobs: expected at least 1 thread".to_string(),
        ));
    }
    Ok(())
}

fn sweep_error(error: SweepError) -> CliError {
    match error {
        SweepError::Input(message) => CliError::Input(message),
        SweepError::Io(message) => CliError::Other(anyhow::anyhow!(message)),
    }
}

fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`sagasim run … | head`) is not an error worth a message.
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|error| CliError::Other(error.into())),
    }
}

/// Create `out` and check that a file can be written in it (leaving none there).
fn ensure_writable(out: &Path) -> Result<(), CliError> {
    sagasim::files::create_dir_all(out).map_err(|error| {
        anyhow::anyhow!(
            "cannot create the output folder {}: {}",
            out.display(),
            run_folder::explain(out, &error)
        )
    })?;
    sagasim::files::probe_writable(out).map_err(|error| {
        CliError::Other(anyhow::anyhow!(
            "cannot write in the output folder {}: {error}",
            out.display()
        ))
    })
}

/// Everything is rendered in memory first; then the folder's files are replaced as a
/// whole (`run_folder::replace`), the manifest with them. Returns the names written.
fn write_run_outputs(
    out: &Path,
    results: &ScenarioResults,
    inputs: &ReportInputs<'_>,
    manifest: &RunManifest,
) -> Result<Vec<&'static str>, CliError> {
    let mut files = report::run_files(results, inputs).map_err(|e| CliError::Other(e.into()))?;
    files.push((run_folder::MANIFEST, manifest.to_json()));
    run_folder::replace(out, &files).map_err(limits::folder_error)?;
    Ok(files.into_iter().map(|(name, _)| name).collect())
}

pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    sagasim::write_atomically(path, contents).map_err(|error| {
        CliError::Other(anyhow::anyhow!("cannot write {}: {error}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reproduce_line_leaves_out_the_default_folder_only() {
        let default = Path::new("results").join("order-placement");
        let typed =
            "sagasim run scenarios/order-placement.toml --out results/order-placement --seed 3";
        assert_eq!(
            without_default_out(typed, &default, &default),
            "sagasim run scenarios/order-placement.toml --seed 3"
        );
        let typed = "sagasim run x.toml --out=results/order-placement";
        assert_eq!(
            without_default_out(typed, &default, &default),
            "sagasim run x.toml"
        );
        // Only the flag's exact value goes, not a path it is a prefix of.
        let typed = "sagasim run x.toml --set scenario.name=a --out results/order-placement";
        assert_eq!(
            without_default_out(typed, &default, &default),
            "sagasim run x.toml --set scenario.name=a"
        );
        assert_eq!(
            without_neutral_flags(
                "sagasim run x.toml --force -q --set 'scenario.name=a --force b'"
            ),
            "sagasim run x.toml --set 'scenario.name=a --force b'"
        );
        assert_eq!(
            without_neutral_flags(
                "sagasim run x.toml --jobs 2 --seed 3 --jobs=4 --set 'a --jobs 5'"
            ),
            "sagasim run x.toml --seed 3 --set 'a --jobs 5'"
        );
        let elsewhere = Path::new("/tmp/x");
        let typed = "sagasim run scenarios/order-placement.toml --out /tmp/x";
        assert_eq!(without_default_out(typed, elsewhere, &default), typed);
    }
}
