//! Parameter sweeps: a grid of scenario variations run in parallel, each point written to
//! its own file as soon as it is done (so memory stays bounded and an interrupted sweep
//! resumes), sharded across CI jobs and merged back into exactly the bytes one job writes.
//! Also the capacity search, a sweep over the arrival rate.

mod capacity;
mod charts;
mod export;
mod grid;
mod store;

pub use capacity::{CapacityResult, Slo, capacity, check_slo};
use charts::{SweepRow, read_sweep, sweep_charts};
pub use charts::{axis_name, sweep_lines, sweep_table};
pub use export::{sweep_breaches, sweep_schema};
pub use grid::{Param, Shard, points};
pub use store::Manifest;

use store::{
    MAX_POINTS, content_hash, is_assembled, point_file, point_text, read_manifest, read_point,
    write_manifest,
};

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::budget::Budget;
use crate::files::write_atomically;
use crate::report::{Cell, SUMMARY_COLUMNS, summary_rows};
use crate::runner::{Progress, RunOptions, run};
use crate::scenario::{Origin, Override, Scenario};

/// Why a sweep cannot run (bad input, exit code 2) or failed (I/O, exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{0}")]
    /// Bad input (exit code 2).
    Input(String),
    #[error("{0}")]
    /// A file could not be read or written.
    Io(String),
}

/// A validated sweep: every point's scenario, ready to run.
pub struct Sweep {
    /// What defines the sweep.
    pub manifest: Manifest,
    /// Each point's validated scenario.
    pub scenarios: Vec<Scenario>,
}

/// Command-line choices that apply to every point.
#[derive(Debug, Clone, Default)]
pub struct PointOptions {
    /// Design names from `--variants` (checked against every point's scenario).
    pub variants: Option<Vec<String>>,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Replications (default: the scenario's).
    pub replications: Option<u32>,
}

/// Parse the scenario (`text`, read from `file`) once per point with `sets` then the
/// point's values applied, and validate them all before anything runs.
pub fn prepare(
    file: &Path,
    text: &str,
    sets: &[Override],
    params: &[Param],
    options: &PointOptions,
) -> Result<Sweep, SweepError> {
    if params.is_empty() {
        return Err(SweepError::Input(
            "sweep: expected at least one --param KEY=VALUES".to_string(),
        ));
    }
    let size = params
        .iter()
        .try_fold(1usize, |total, param| total.checked_mul(param.values.len()))
        .filter(|&size| size <= MAX_POINTS);
    if size.is_none() {
        return Err(SweepError::Input(format!(
            "sweep: the --param values make a grid of more than {MAX_POINTS} points; sweep fewer values, or shard the grid into several sweeps"
        )));
    }
    let grid = points(params);
    let mut scenarios = Vec::with_capacity(grid.len());
    for values in &grid {
        let mut overrides = sets.to_vec();
        overrides.extend(params.iter().zip(values).map(|(param, value)| Override {
            key: param.key.clone(),
            value: value.clone(),
        }));
        let shown = file.display().to_string();
        let mut scenario = Scenario::parse(&shown, text, &overrides).map_err(|mut error| {
            // A swept value's error names --param (it was given there, not with --set).
            if let Origin::Flag(flag) = &error.origin
                && overrides[sets.len()..].iter().any(|o| o.flag() == *flag)
            {
                error.origin = Origin::Option(format!("--param {flag}"));
            }
            SweepError::Input(error.to_string())
        })?;
        if let Some(variants) = &options.variants {
            let names: Vec<&str> = variants.iter().map(String::as_str).collect();
            scenario
                .set_designs(&names)
                .map_err(|e| SweepError::Input(format!("--variants: {e}")))?;
        }
        if let Some(seed) = options.seed {
            scenario.seed = seed;
        }
        if let Some(replications) = options.replications {
            scenario.replications = replications;
        }
        scenarios.push(scenario);
    }
    let first = &scenarios[0];
    let manifest = Manifest {
        scenario: first.name.clone(),
        file: file.display().to_string(),
        sets: sets.iter().map(Override::flag).collect(),
        params: params
            .iter()
            .map(|p| (p.key.clone(), p.values.clone()))
            .collect(),
        variants: first.designs.iter().map(|d| d.label.clone()).collect(),
        seed: first.seed,
        replications: first.replications,
        points: grid.len(),
        content: content_hash(&scenarios),
    };
    Ok(Sweep {
        manifest,
        scenarios,
    })
}

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The output folder.
    pub out: PathBuf,
    /// Start over in an `out` that holds another sweep's results.
    pub force: bool,
    /// Run only this slice of the grid.
    pub shard: Option<Shard>,
    /// Points run at once (default: one per core).
    pub jobs: Option<usize>,
    /// Draw the sweep charts.
    pub charts: bool,
    /// Called once per point finished.
    pub on_point_done: Option<Progress>,
    /// Bounds the workflows each run holds; a point whose run is stopped by overload
    /// fails the sweep rather than enter it with truncated figures.
    pub budget: Budget,
}

/// What a sweep run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Points run now.
    pub ran: usize,
    /// Points already done and reused.
    pub skipped: usize,
    /// Points found damaged (cut off, empty, another sweep's) and run again.
    pub repaired: usize,
    /// Whether every point was present, so `sweep.csv` and the charts were written.
    pub complete: bool,
}

/// Only one process writes a sweep folder at a time (the same lock as a run's folder).
fn lock_folder(out: &Path) -> Result<crate::run_folder::FolderLock, SweepError> {
    crate::run_folder::lock(out).map_err(folder_error)
}

fn folder_error(error: crate::run_folder::FolderError) -> SweepError {
    match error {
        crate::run_folder::FolderError::Input(message) => SweepError::Input(message),
        crate::run_folder::FolderError::Io(message) => SweepError::Io(message),
    }
}

fn io(context: &str, path: &Path, error: impl std::fmt::Display) -> SweepError {
    SweepError::Io(format!("{context} {}: {error}", path.display()))
}

/// The points this job owns, in index order.
pub fn owned_points(total: usize, shard: Option<Shard>) -> Vec<usize> {
    (0..total)
        .filter(|&i| shard.is_none_or(|s| s.owns(i)))
        .collect()
}

/// Run the points this job owns that are not done yet, each written atomically when it
/// finishes; then, if every point of the grid is present, assemble the sweep's outputs.
pub fn run_sweep(sweep: &Sweep, options: &SweepOptions) -> Result<SweepOutcome, SweepError> {
    let lock = lock_folder(&options.out)?;
    let out = lock.folder();
    crate::files::create_dir_all(out).map_err(|e| io("cannot create", out, e))?;
    write_manifest(out, &sweep.manifest, options.force)?;
    let points_dir = out.join("points");
    crate::files::create_dir_all(&points_dir).map_err(|e| io("cannot create", &points_dir, e))?;
    let owned = owned_points(sweep.scenarios.len(), options.shard);
    let present = |i: usize| point_file(out, i).exists();
    let todo: Vec<usize> = owned
        .iter()
        .copied()
        .filter(|&i| read_point(&point_file(out, i), &sweep.manifest, i).is_err())
        .collect();
    let repaired = todo.iter().filter(|&&i| present(i)).count();
    let execute = |&index: &usize| -> Result<(), SweepError> {
        let results = run(
            &sweep.scenarios[index],
            &RunOptions {
                jobs: Some(1),
                trace: false,
                on_run_done: None,
                budget: options.budget,
            },
        );
        if let Some((run, stopped)) = results.stopped_runs().next() {
            return Err(SweepError::Input(format!(
                "point {}: overloaded: {} (replication {}) held more than {} workflows at {:.3} s and was stopped, so the point has no full figures; lower the swept arrival rate, or raise --max-memory",
                index + 1,
                run.design.label,
                run.replication,
                options.budget.max_workflows_held(),
                stopped.at.as_secs_f64()
            )));
        }
        let rows = point_rows(&sweep.manifest, index, &summary_rows(&results));
        let text = point_text(&sweep.manifest, index, &rows);
        let path = point_file(out, index);
        write_atomically(&path, text.as_bytes()).map_err(|e| io("cannot write", &path, e))?;
        if let Some(done) = &options.on_point_done {
            done.tick();
        }
        Ok(())
    };
    let outcome = match options.jobs {
        Some(1) => todo.iter().try_for_each(execute),
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| SweepError::Io(format!("cannot start {threads} threads: {e}")))?
            .install(|| todo.par_iter().try_for_each(execute)),
        None => todo.par_iter().try_for_each(execute),
    };
    outcome?;
    let complete = (0..sweep.manifest.points).all(present);
    if complete {
        assemble(out, &sweep.manifest, &[out.to_path_buf()], options.charts)?;
    }
    Ok(SweepOutcome {
        ran: todo.len(),
        skipped: owned.len() - todo.len(),
        repaired,
        complete,
    })
}

/// `sweep.csv`'s header: the swept keys, then the summary columns.
fn header(manifest: &Manifest) -> String {
    let mut columns: Vec<String> = manifest.params.iter().map(|(key, _)| key.clone()).collect();
    columns.extend(SUMMARY_COLUMNS.iter().map(|c| c.to_string()));
    crate::report::to_csv(&columns.iter().map(String::as_str).collect::<Vec<_>>(), &[])
}

/// A point's rows of `sweep.csv` (no header): its parameter values, then each summary row.
fn point_rows(manifest: &Manifest, index: usize, rows: &[Vec<Cell>]) -> String {
    let values = &points(
        &manifest
            .params
            .iter()
            .map(|(key, values)| Param {
                key: key.clone(),
                values: values.clone(),
            })
            .collect::<Vec<_>>(),
    )[index];
    let prefixed: Vec<Vec<Cell>> = rows
        .iter()
        .map(|row| {
            values
                .iter()
                .map(|v| Cell::Text(v.clone()))
                .chain(row.iter().cloned())
                .collect()
        })
        .collect();
    let text = crate::report::to_csv(&[], &prefixed);
    text.strip_prefix('\n').unwrap_or(&text).to_string()
}

/// `sagasim merge`: join shard folders into `out` (which may be one of them).
pub fn merge(dirs: &[PathBuf], out: &Path, charts: bool) -> Result<(), SweepError> {
    let Some(first) = dirs.first() else {
        return Err(SweepError::Input(
            "merge: expected at least one sweep output folder".to_string(),
        ));
    };
    let lock = lock_folder(out)?;
    let out = lock.folder();
    let manifest = read_manifest(first)?;
    for dir in &dirs[1..] {
        if !read_manifest(dir)?.same_sweep(&manifest) {
            return Err(SweepError::Input(format!(
                "merge: {} and {} come from different sweeps (their sweep.json differ)",
                first.display(),
                dir.display()
            )));
        }
    }
    crate::files::create_dir_all(out).map_err(|e| io("cannot create", out, e))?;
    write_manifest(out, &manifest, false)?;
    crate::files::create_dir_all(&out.join("points")).map_err(|e| io("cannot create", out, e))?;
    assemble(out, &manifest, dirs, charts)
}

/// Write `sweep.csv` (points in grid order), `sweep.json` with the results and the charts
/// into `out` as a set, swapped in like a run's files (`run_folder::replace_keeping`), so
/// an interruption leaves the previous set or this one; each point is read from whichever
/// of `dirs` has it (and copied into `out/points`, which the swap carries over).
fn assemble(
    out: &Path,
    manifest: &Manifest,
    dirs: &[PathBuf],
    charts: bool,
) -> Result<(), SweepError> {
    let mut csv = header(manifest);
    let mut missing = Vec::new();
    for index in 0..manifest.points {
        let found = dirs
            .iter()
            .map(|dir| point_file(dir, index))
            .find(|path| path.exists());
        match found {
            None => missing.push(index + 1),
            Some(path) => {
                let rows = read_point(&path, manifest, index).map_err(|problem| {
                    SweepError::Input(format!(
                        "merge: {} is damaged ({problem}); run that point again with `sagasim sweep` (same flags, same --shard) before merging",
                        path.display()
                    ))
                })?;
                let target = point_file(out, index);
                if target != path {
                    let text = point_text(manifest, index, &rows);
                    write_atomically(&target, text.as_bytes())
                        .map_err(|e| io("cannot write", &target, e))?;
                }
                csv.push_str(&rows);
            }
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(|i| i.to_string()).collect();
        return Err(SweepError::Input(format!(
            "merge: {} of {} points are missing (points {}{}); run the missing shards first",
            missing.len(),
            manifest.points,
            shown.join(", "),
            if missing.len() > 10 { ", …" } else { "" }
        )));
    }
    let document = export::sweep_document(manifest, &csv)?;
    let charts = if charts {
        sweep_charts(manifest, &csv)?
    } else {
        Vec::new()
    };
    let mut files = vec![("sweep.csv", csv.into_bytes()), ("sweep.json", document)];
    files.extend(charts);
    crate::run_folder::replace_keeping(out, &files, |name| !is_assembled(name))
        .map_err(folder_error)
}
