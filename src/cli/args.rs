//! The command line's clap definitions: every subcommand, flag and help text. Clap types
//! stay in `cli`; the rest of the crate sees only what `cli` turns them into.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
    /// Print only results and errors: no `wrote …` notes, no progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Do not sync output files to the disk before they replace the old ones: faster on
    /// slow disks, but a power loss (not a kill) may then leave empty files.
    #[arg(long, global = true)]
    pub no_sync: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
    Csv,
}

/// The charts' file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartsFormat {
    /// 1200 × 700 PNG (byte-identical for the same input).
    Png,
    /// SVG, for slides: text stays text and scales without blur.
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaOutput {
    /// The scenario format (for editors).
    Scenario,
    /// `results.json`.
    Results,
    /// `sweep.json`.
    Sweep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// Chrome trace-event JSON: open it in ui.perfetto.dev or chrome://tracing.
    Perfetto,
    /// A timeline of every event, then where the workflow's time went.
    Text,
    /// A Mermaid sequence diagram of the messages the workflow sent.
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutcomeArg {
    Completed,
    Compensated,
    Failed,
    Stuck,
}

#[derive(Debug, clap::Args)]
pub struct ScenarioArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override a scenario key by its dotted path; services by name. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Largest scenario file read (default 16MiB): a larger one is refused before it is
    /// read, and any file whose parse alone would exceed --max-memory before it is parsed.
    #[arg(long, value_name = "SIZE")]
    pub max_scenario_size: Option<String>,
}

/// How much a command may spend (see `budget`): refused before simulating beyond it.
#[derive(Debug, Clone, clap::Args)]
pub struct BudgetArgs {
    /// Most events all the runs may take, estimated before simulating (default 1e10).
    #[arg(long, value_name = "N")]
    pub max_events: Option<String>,
    /// Most memory the runs may take, estimated before simulating (default 4GiB); a
    /// quarter of it bounds the workflows one run may hold before it is stopped.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every requested design, print the comparison and write summary.csv and
    /// timeseries.csv.
    #[command(
        after_help = "Examples:\n  sagasim run scenarios/order-placement.toml\n  sagasim run scenarios/order-placement.toml --variants orchestrator,choreography --seed 11\n  sagasim run scenarios/order-placement.toml --set services.payment.fail=0.05 --format markdown\n  sagasim run scenarios/high-load.toml --replications 5 --out /tmp/high-load\n  sagasim run scenarios/order-placement.toml --assert 'orchestrator.p99<=200ms' --assert 'all.failed<=1%'\n\nAssertion metrics: p50 p95 p99 p999 mean max (durations), throughput (per second), completed compensated failed stuck inconsistent duplicates status (percentages), messages, bytes (per workflow), consistency-time-p99. Exit codes: 0 success, 1 other failure, 2 bad input, 3 an assertion broken."
    )]
    Run {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Designs to run, comma-separated: coordination styles, saga patterns (`epic`, …;
        /// `patterns` for all eight) or the scenario's own (default: the scenario's `variants`).
        #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = designs(), hide_possible_values = true)]
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
        /// Skip the charts (latency, timeline, messages).
        #[arg(long)]
        no_charts: bool,
        /// A bound the results must meet, like orchestrator.p99<=200ms or all.failed<=1%
        /// (repeatable). A broken one exits with code 3, after the results are written.
        #[arg(long = "assert", value_name = "DESIGN.METRIC<=BOUND")]
        asserts: Vec<String>,
        /// The charts' format.
        #[arg(long, value_enum, default_value_t = ChartsFormat::Png, value_name = "FORMAT")]
        charts: ChartsFormat,
        /// Overwrite an output folder holding the results of a different configuration.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Validate a scenario, then print the model and each design's message flow.
    #[command(
        after_help = "Example:\n  sagasim check scenarios/order-placement.toml --set workflow.steps='[\"order\",\"payment\"]'"
    )]
    Check {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// `text` (default) or `mermaid`: one sequence diagram per design, as Markdown.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// The step (1-based, along each path) whose business failure the failure flow shows
        /// (default: the last; a shorter path fails at its last step).
        #[arg(long, value_name = "STEP")]
        fail_at: Option<usize>,
    },
    /// Print the JSON Schema of the scenario format (for taplo / Even Better TOML).
    #[command(
        after_help = "Examples:\n  sagasim schema > sagasim.schema.json\n  # then, at the top of a scenario:  #:schema ./sagasim.schema.json\n  sagasim schema --output results > results.schema.json"
    )]
    Schema {
        /// Which format: the scenario file (default), or `results.json` (also what
        /// `run --format json` prints).
        #[arg(long, value_enum, default_value_t = SchemaOutput::Scenario)]
        output: SchemaOutput,
    },
    /// Run a grid of scenario variations (in parallel, resumable, shardable) and chart each
    /// key metric against the first swept key.
    #[command(
        after_help = "Examples:\n  sagasim sweep scenarios/sweeps/load.toml --param workload.arrivals.poisson=25..300:25\n  sagasim sweep scenarios/order-placement.toml --param services.payment.fail=0,0.01,0.05 --param orchestrator.workers=2,8 --replications 5\n  sagasim sweep scenarios/order-placement.toml --param workload.arrivals.poisson=10..200:10 --shard 2/8 --out shard-2\n  sagasim merge shard-1 shard-2 shard-3 shard-4 shard-5 shard-6 shard-7 shard-8 --out sweep\n\nRerunning with the same --out skips the points already finished."
    )]
    Sweep(SweepArgs),
    /// Join the output folders of sweep shards into one sweep: byte-identical to running
    /// the whole grid in one job.
    #[command(after_help = "Example:\n  sagasim merge shard-1 shard-2 shard-3 --out sweep")]
    Merge {
        /// Shard output folders (each written by `sagasim sweep --shard K/N`).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged sweep goes (default: the first folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long)]
        no_charts: bool,
        /// A bound every point must meet (repeatable), as for `sweep`.
        #[arg(long = "assert", value_name = "DESIGN.METRIC<=BOUND")]
        asserts: Vec<String>,
    },
    /// Write a commented starter scenario to edit and run.
    #[command(
        after_help = "Examples:\n  sagasim init\n  sagasim init checkout.toml --pattern fairy-tale\n  sagasim run scenario.toml"
    )]
    Init {
        /// Where to write it (default: scenario.toml); an existing file is kept unless --force.
        #[arg(default_value = "scenario.toml")]
        file: PathBuf,
        /// Run this one design: a coordination style, a saga pattern, or `patterns` (default:
        /// the five coordination styles).
        #[arg(long, value_name = "NAME", value_parser = designs(), hide_possible_values = true)]
        pattern: Option<String>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  sagasim completions bash > ~/.local/share/bash-completion/completions/sagasim\n  sagasim completions zsh > \"${fpath[1]}/_sagasim\"\n  sagasim completions fish > ~/.config/fish/completions/sagasim.fish\n  sagasim completions powershell >> $PROFILE"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff), generated from these definitions: the main page, or one
    /// subcommand's page with its options; or write every page into a folder.
    #[command(
        after_help = "Examples:\n  sagasim man > sagasim.1 && man ./sagasim.1\n  sagasim man run | man -l -\n  sagasim man --dir ~/.local/share/man/man1"
    )]
    Man {
        /// A subcommand's page (`sagasim-run(1)`) instead of the main page.
        #[arg(value_name = "SUBCOMMAND")]
        subcommand: Option<String>,
        /// Write every page (sagasim.1, sagasim-run.1, …) into this folder instead.
        #[arg(long, value_name = "DIR", conflicts_with = "subcommand")]
        dir: Option<PathBuf>,
    },
    /// Every event of chosen workflows of one design: where their time went (queues,
    /// network, work, retries, faults), as Perfetto JSON, a text timeline or Mermaid.
    #[command(
        after_help = "Examples:\n  sagasim trace scenarios/order-placement.toml --variant orchestrator --slowest 1 > slowest.json\n  sagasim trace scenarios/payment-outage.toml --variant choreography --outcome stuck --format text\n  sagasim trace scenarios/order-placement.toml --variant stateless --workflow 1200 --format mermaid\n\nOpen the JSON at https://ui.perfetto.dev (or chrome://tracing). Workflows are numbered from 0 in order of start; --slowest and --outcome consider measured workflows (started after the warm-up)."
    )]
    Trace(TraceArgs),
    /// Find the designs that meet your SLOs, and the Pareto front among them: every
    /// coordination style × communication × consistency, on the same random numbers.
    #[command(
        after_help = "Examples:\n  sagasim advise scenarios/advise-checkout.toml --slo 'p99<=300ms' --slo 'status>=99%' --slo 'inconsistent<=0%'\n  sagasim advise scenarios/order-placement.toml --slo 'p99<=500ms,failed<=1%' --only consistency=atomic --vary policy.retries=0,3\n  sagasim advise scenarios/order-placement.toml --slo 'p99<=500ms' --only coordination=orchestrator,choreography --capacity\n\nSLO metrics (those of --assert): p50 p95 p99 p999 mean max (durations), throughput (per second), completed compensated failed stuck inconsistent duplicates status (percentages), messages, bytes (per workflow), consistency-time-p99. --only keys: coordination, communication, consistency, design. Exit codes: 0 at least one design is feasible, 5 none is (the nearest misses are printed), 2 bad input, 1 other failure."
    )]
    Advise(AdviseArgs),
    /// For each design, the highest Poisson arrival rate that meets a latency SLO.
    #[command(
        after_help = "Examples:\n  sagasim capacity scenarios/order-placement.toml --slo 'p99<=500ms'\n  sagasim capacity scenarios/high-load.toml --slo 'p99<=1s,failed<=1%,stuck<=1%' --variants orchestrator,choreography"
    )]
    Capacity {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Bounds the design must meet, like p99<=500ms or failed<=1%, comma-separated or
        /// repeated; at least one latency bound (p50, p95, p99, p999, mean or max). The
        /// metrics are those of --assert.
        #[arg(long, value_name = "EXPR", required = true)]
        slo: Vec<String>,
        /// Relative width of the final bracket (default 0.01: within 1 %).
        #[arg(long, default_value_t = 0.01, value_name = "FRACTION")]
        precision: f64,
        /// Designs to search, comma-separated (default: the scenario's).
        #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = designs(), hide_possible_values = true)]
        variants: Vec<String>,
        /// Output folder for capacity.csv (default: results/<scenario name>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        budget: BudgetArgs,
    },
}

/// `sagasim trace`'s flags.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The design to trace (a coordination style, a saga pattern, or the scenario's own).
    #[arg(long, value_name = "DESIGN", value_parser = designs(), hide_possible_values = true)]
    pub variant: String,
    /// Trace this workflow (0 is the first started).
    #[arg(long, value_name = "ID", conflicts_with_all = ["slowest", "outcome"])]
    pub workflow: Option<u64>,
    /// Trace the N slowest workflows (default: 1), over every outcome unless --outcome
    /// narrows it: a stuck workflow is slower than a failed one, a failed one than any
    /// that completed or was compensated.
    #[arg(long, value_name = "N")]
    pub slowest: Option<usize>,
    /// Trace workflows with this outcome (the first --limit of them, or with --slowest
    /// the slowest).
    #[arg(long, value_enum, value_name = "OUTCOME")]
    pub outcome: Option<OutcomeArg>,
    /// How many workflows --outcome traces (default 1).
    #[arg(
        long,
        value_name = "N",
        requires = "outcome",
        conflicts_with = "slowest"
    )]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = TraceFormat::Perfetto)]
    pub format: TraceFormat,
    /// Write the trace to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// `sagasim sweep`'s flags.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A swept key and its values: a list (0,0.01,0.05) or an inclusive range
    /// (10..100:10). Repeat for a grid.
    #[arg(long = "param", value_name = "KEY=VALUES", required = true)]
    pub params: Vec<String>,
    /// Run only this slice of the grid: points K-1, K-1+N, … (K/N, 1-based).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Points run at once (default: one per core). Output is the same for any value.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Output folder (default: results/<scenario name>-sweep/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Start over in an output folder that holds a different sweep's results.
    #[arg(long)]
    pub force: bool,
    /// Designs to run at every point, comma-separated (default: the scenario's).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = designs(), hide_possible_values = true)]
    pub variants: Vec<String>,
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Skip the PNG charts.
    #[arg(long)]
    pub no_charts: bool,
    /// A bound every point must meet, like all.p99<=500ms (repeatable); checked once
    /// sweep.csv is complete. A broken one exits with code 3.
    #[arg(long = "assert", value_name = "DESIGN.METRIC<=BOUND")]
    pub asserts: Vec<String>,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// `sagasim advise`'s flags.
#[derive(Debug, clap::Args)]
pub struct AdviseArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A bound every candidate must meet, like p99<=300ms, status>=99% or
    /// inconsistent<=0% (repeatable, or joined by commas).
    #[arg(long, value_name = "EXPR", required = true)]
    pub slo: Vec<String>,
    /// Search only the designs with these values of a design dimension, like
    /// consistency=atomic or coordination=orchestrator,choreography (repeatable).
    #[arg(long, value_name = "KEY=VALUES", value_parser = only(), hide_possible_values = true)]
    pub only: Vec<String>,
    /// Search these values of a scenario key as well, like policy.retries=0,3 (repeatable:
    /// every combination is a candidate for every design).
    #[arg(long, value_name = "KEY=VALUES")]
    pub vary: Vec<String>,
    /// Also find each candidate's highest Poisson arrival rate within the SLO (it needs a
    /// latency bound), as an objective of the front.
    #[arg(long)]
    pub capacity: bool,
    /// Relative width of the capacity search's final bracket.
    #[arg(
        long,
        default_value_t = 0.05,
        value_name = "FRACTION",
        requires = "capacity"
    )]
    pub precision: f64,
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Independent replications per candidate (default: the scenario's): their
    /// intervals decide feasibility and dominance.
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Worker threads (default: one per core). Output is the same for any value.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Output folder (default: results/<scenario name>-advice/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the chart (advice.png).
    #[arg(long)]
    pub no_charts: bool,
    /// Overwrite an output folder holding the advice of a different configuration.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// A value parser that takes any text (the command checks it and suggests a fix) but tells
/// shell completion which values exist: designs, patterns, `--only` forms.
#[derive(Clone)]
pub struct Completing(fn() -> Vec<String>);

impl clap::builder::TypedValueParser for Completing {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(|name| {
            clap::builder::PossibleValue::new(name).hide(false)
        })))
    }
}

/// Every design name: the five styles, the eight patterns and `patterns`.
fn design_names() -> Vec<String> {
    sagasim::Coordination::ALL
        .iter()
        .map(|c| c.name().to_string())
        .chain(
            sagasim::designs::PATTERNS
                .iter()
                .map(|p| p.name.to_string()),
        )
        .chain(std::iter::once(sagasim::designs::ALL_PATTERNS.to_string()))
        .collect()
}

/// `--only` values: each dimension with each of its values.
fn only_forms() -> Vec<String> {
    let mut forms: Vec<String> = sagasim::Coordination::ALL
        .iter()
        .map(|c| format!("coordination={}", c.name()))
        .collect();
    forms.extend(
        [
            "communication=sync",
            "communication=async",
            "consistency=atomic",
            "consistency=eventual",
        ]
        .map(String::from),
    );
    forms.extend(design_names().into_iter().map(|d| format!("design={d}")));
    forms
}

pub fn designs() -> Completing {
    Completing(design_names)
}

pub fn only() -> Completing {
    Completing(only_forms)
}
