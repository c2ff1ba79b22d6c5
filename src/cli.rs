//! The command line: clap definitions, turned into library calls. Clap types stay here.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::coordination::{Variant, message_flows};
use crate::report::{
    self, ChartError, FAULT_COLUMNS, MESSAGE_COLUMNS, ReportInputs, SUMMARY_COLUMNS,
    TIMESERIES_COLUMNS, fault_rows, latency_png, message_rows, messages_png, render_check,
    render_failures, render_report, render_table, summary_rows, timeline_png, timeseries_rows,
    to_csv,
};
use crate::runner::{RunOptions, ScenarioResults, run};
use crate::scenario::{Override, Scenario, ScenarioError, json_schema};

/// What went wrong, and which exit code it gets.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: a scenario or a flag. Exit code 2.
    #[error("{0}")]
    Input(String),
    /// Anything else (I/O, say). Exit code 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<ScenarioError> for CliError {
    fn from(error: ScenarioError) -> Self {
        CliError::Input(error.to_string())
    }
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Other(_) => 1,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "sagasim",
    version,
    about = "Run one workflow scenario under every saga coordination style and compare what each costs",
    after_help = "Examples:\n  sagasim run scenarios/order-placement.toml\n  sagasim check scenarios/order-placement.toml\n  sagasim schema > sagasim.schema.json"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct ScenarioArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override a scenario key by its dotted path; services by name. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every requested variant, print the comparison and write summary.csv and
    /// timeseries.csv.
    #[command(
        after_help = "Examples:\n  sagasim run scenarios/order-placement.toml\n  sagasim run scenarios/order-placement.toml --variants orchestrator,choreography --seed 11\n  sagasim run scenarios/order-placement.toml --set services.payment.fail=0.05 --format markdown\n  sagasim run scenarios/high-load.toml --replications 5 --out /tmp/high-load"
    )]
    Run {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Variants to run, comma-separated (default: the scenario's `variants`).
        #[arg(long, value_delimiter = ',', value_name = "LIST")]
        variants: Vec<String>,
        /// Output folder (default: results/<scenario name>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Seed (default: the scenario's `seed`).
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Independent replications with derived seeds (default: the scenario's).
        #[arg(long, value_name = "N")]
        replications: Option<u32>,
        /// What to print on standard output.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Worker threads (default: one per core). Output is the same for any value.
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Skip the PNG charts (latency.png, timeline.png, messages.png).
        #[arg(long)]
        no_charts: bool,
    },
    /// Validate a scenario, then print the model and each variant's message flow.
    #[command(
        after_help = "Example:\n  sagasim check scenarios/order-placement.toml --set workflow.steps='[\"order\",\"payment\"]'"
    )]
    Check {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Print the JSON Schema of the scenario format (for taplo / Even Better TOML).
    #[command(
        after_help = "Example:\n  sagasim schema > sagasim.schema.json\n  # then, at the top of a scenario:  #:schema ./sagasim.schema.json"
    )]
    Schema,
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
        } => {
            let mut loaded = load(&scenario)?;
            if !variants.is_empty() {
                let parsed: Result<Vec<Variant>, String> =
                    variants.iter().map(|v| v.trim().parse()).collect();
                let parsed =
                    parsed.map_err(|message| CliError::Input(format!("--variants: {message}")))?;
                loaded
                    .set_variants(parsed)
                    .map_err(|message| CliError::Input(format!("--variants: {message}")))?;
            }
            if let Some(seed) = seed {
                loaded.seed = seed;
            }
            if let Some(replications) = replications {
                if !(1..=10_000).contains(&replications) {
                    return Err(CliError::Input(format!(
                        "--replications: expected between 1 and 10000, got {replications}"
                    )));
                }
                loaded.replications = replications;
            }
            if jobs == Some(0) {
                return Err(CliError::Input(
                    "--jobs: expected at least 1 thread".to_string(),
                ));
            }
            let results = run(&loaded, &RunOptions { jobs, trace: false });
            let out = out.unwrap_or_else(|| Path::new("results").join(&loaded.name));
            let inputs = ReportInputs {
                scenario: &loaded,
                command,
                charts: !no_charts,
            };
            let written = write_run_outputs(&out, &results, &inputs)?;
            print(&match format {
                Format::Table => format!("{}{}", render_table(&results), render_failures(&results)),
                Format::Markdown => report::to_markdown(&results),
                Format::Json => report::to_json(&results),
                Format::Csv => to_csv(&SUMMARY_COLUMNS, &summary_rows(&results)),
            })?;
            for name in written {
                eprintln!("wrote {}", out.join(name).display());
            }
            Ok(())
        }
        Command::Check { scenario } => {
            let loaded = load(&scenario)?;
            let flows: Vec<_> = loaded
                .variants
                .iter()
                .map(|&v| (v, message_flows(&loaded.system, v)))
                .collect();
            print(&render_check(&loaded, &flows))
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&json_schema()).map_err(anyhow::Error::from)?;
            print(&format!("{text}\n"))
        }
    }
}

fn load(args: &ScenarioArgs) -> Result<Scenario, CliError> {
    let overrides: Result<Vec<Override>, CliError> = args
        .set
        .iter()
        .map(|flag| {
            Override::parse(flag)
                .map_err(|message| CliError::Input(format!("--set {flag}: {message}")))
        })
        .collect();
    Ok(Scenario::load(&args.file, &overrides?)?)
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

/// Everything is rendered first, then each file is written to a temporary name and renamed:
/// an interrupted run never leaves a half-written file.
/// Everything is rendered in memory first; then each file is written to a temporary name
/// and renamed, so an interrupted run never leaves a half-written file. Returns the names
/// written.
fn write_run_outputs(
    out: &Path,
    results: &ScenarioResults,
    inputs: &ReportInputs<'_>,
) -> Result<Vec<&'static str>, CliError> {
    let mut files: Vec<(&'static str, Vec<u8>)> = vec![
        (
            "summary.csv",
            to_csv(&SUMMARY_COLUMNS, &summary_rows(results)).into_bytes(),
        ),
        (
            "timeseries.csv",
            to_csv(&TIMESERIES_COLUMNS, &timeseries_rows(results)).into_bytes(),
        ),
        (
            "faults.csv",
            to_csv(&FAULT_COLUMNS, &fault_rows(results)).into_bytes(),
        ),
        (
            "messages.csv",
            to_csv(&MESSAGE_COLUMNS, &message_rows(results)).into_bytes(),
        ),
        ("report.md", render_report(results, inputs).into_bytes()),
    ];
    if inputs.charts {
        let title = &inputs.scenario.name;
        let chart = |png: Result<Vec<u8>, ChartError>| png.map_err(|e| CliError::Other(e.into()));
        files.push(("latency.png", chart(latency_png(results, title))?));
        files.push(("timeline.png", chart(timeline_png(results, title))?));
        files.push(("messages.png", chart(messages_png(results, title))?));
    }
    std::fs::create_dir_all(out).map_err(|error| {
        anyhow::anyhow!("cannot create the output folder {}: {error}", out.display())
    })?;
    for (name, contents) in &files {
        write_atomically(&out.join(name), contents)?;
    }
    Ok(files.into_iter().map(|(name, _)| name).collect())
}

pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let temporary = path.with_file_name(format!(".tmp-{}-{file_name}", std::process::id()));
    let result =
        std::fs::write(&temporary, contents).and_then(|_| std::fs::rename(&temporary, path));
    result.map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        CliError::Other(anyhow::anyhow!("cannot write {}: {error}", path.display()))
    })
}
