//! `sagasim sweep`: the flags turned into a prepared sweep, checked against the budget,
//! its owned points run with a progress bar, and `--assert` checked once it is complete.

use std::path::{Path, PathBuf};

use sagasim::Progress;
use sagasim::budget::Budget;
use sagasim::sweep::{Param, PointOptions, Shard, SweepOptions, owned_points, prepare, run_sweep};

use super::args::SweepArgs;
use super::{
    CliError, check_jobs, check_replications, design_names, gate, limits, note, overrides, print,
    progress, sweep_error, warn,
};

pub(super) fn sweep_command(args: SweepArgs) -> Result<(), CliError> {
    let budget = limits::budget(&args.budget)?;
    let assertions = gate::parse_assertions(&args.asserts)?;
    let params: Vec<Param> = args
        .params
        .iter()
        .map(|flag| Param::parse(flag).map_err(|e| CliError::Input(format!("--param {flag}: {e}"))))
        .collect::<Result<_, _>>()?;
    let shard = args
        .shard
        .as_ref()
        .map(|text| Shard::parse(text).map_err(|e| CliError::Input(format!("--shard {text}: {e}"))))
        .transpose()?;
    check_jobs(args.jobs)?;
    let options = PointOptions {
        variants: design_names(&args.variants),
        seed: args.seed,
        replications: check_replications(args.replications)?,
    };
    let file = limits::check_file(&args.scenario, &budget, options.replications, Some(1))?;
    let sweep = prepare(
        &args.scenario.file,
        &file.text,
        &overrides(&args.scenario)?,
        &params,
        &options,
    )
    .map_err(sweep_error)?;
    for (index, point) in sweep.scenarios.iter().enumerate() {
        limits::check_estimate(point, Some(1), &budget)
            .map_err(|error| CliError::Input(format!("point {}: {error}", index + 1)))?;
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-sweep", sweep.manifest.scenario)));
    let complete = run_points(
        &sweep,
        out.clone(),
        shard,
        args.jobs,
        !args.no_charts,
        args.force,
        budget,
    )?;
    if complete {
        // The mean rows with replications ("(mean of N)" in the header otherwise implied).
        if let Ok(csv) = std::fs::read_to_string(out.join("sweep.csv")) {
            print(&sagasim::sweep::sweep_table(&sweep.manifest, &csv).to_text())?;
        }
        gate::enforce_sweep(&assertions, &out)
    } else {
        if !assertions.is_empty() {
            note("the assertions are checked on the whole sweep: pass them to `sagasim merge`");
        }
        Ok(())
    }
}

/// Run the points `shard` owns; whether `sweep.csv` could be assembled (every point in).
fn run_points(
    sweep: &sagasim::sweep::Sweep,
    out: PathBuf,
    shard: Option<Shard>,
    jobs: Option<usize>,
    charts: bool,
    force: bool,
    budget: Budget,
) -> Result<bool, CliError> {
    let owned = owned_points(sweep.manifest.points, shard).len();
    progress::start(owned as u64, "points");
    let outcome = run_sweep(
        sweep,
        &SweepOptions {
            out: out.clone(),
            force,
            shard,
            jobs,
            charts,
            on_point_done: Some(Progress::new(progress::tick)),
            budget,
        },
    );
    progress::finish();
    let outcome = outcome.map_err(sweep_error)?;
    if outcome.repaired > 0 {
        warn(format_args!(
            "{} damaged point file(s) found and run again",
            outcome.repaired
        ));
    }
    note(format_args!(
        "{} points run, {} already done{}; {}",
        outcome.ran,
        outcome.skipped,
        shard.map_or(String::new(), |s| format!(
            " (shard {}/{})",
            s.index + 1,
            s.count
        )),
        if outcome.complete {
            format!("wrote {}", out.join("sweep.csv").display())
        } else {
            format!(
                "merge the shards with `sagasim merge` to get sweep.csv ({})",
                out.display()
            )
        }
    ));
    Ok(outcome.complete)
}
