//! `sagasim capacity`: the highest Poisson rate each design sustains within an SLO, as a
//! table and `capacity.csv`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sagasim::budget::Budget;
use sagasim::report::{Cell, Table, to_csv};
use sagasim::run_folder;
use sagasim::scenario::Scenario;
use sagasim::sweep::{CapacityResult, Slo, capacity, check_slo};

use super::{CliError, ensure_writable, limits, note, print, progress, warn, write_atomically};

/// The SLO of `--slo` flags (repeatable, each with bounds joined by commas), checked for
/// what the search needs.
pub(super) fn parse_slo(flags: &[String]) -> Result<Slo, CliError> {
    let typed = flags.join(",");
    let slo = Slo::parse_all(flags).map_err(|e| CliError::Input(format!("--slo {typed}: {e}")))?;
    check_slo(&slo).map_err(|e| CliError::Input(format!("--slo {typed}: {e}")))?;
    Ok(slo)
}

/// Finer than a millionth would bisect for ever against rounding.
pub(super) fn check_precision(precision: f64) -> Result<(), CliError> {
    if (1e-6..1.0).contains(&precision) {
        return Ok(());
    }
    Err(CliError::Input(format!(
        "--precision: expected a fraction from 0.000001 to below 1, like 0.01, got {precision:e}"
    )))
}

pub(super) fn capacity_command(
    loaded: &Scenario,
    slo: &Slo,
    precision: f64,
    out: Option<PathBuf>,
    budget: &Budget,
) -> Result<(), CliError> {
    if loaded.system.workload.profile.is_some() {
        return Err(CliError::Input(
            "capacity searches for one constant arrival rate, and this scenario's `workload.profile` changes the rate over time; search a copy of the scenario without the profile".to_string(),
        ));
    }
    // The folder is checked before the search, so that an unwritable folder is said at
    // once, not after minutes of searching. One in use by another process is said at once
    // too, but the search goes on: its answer is printed, and capacity.csv written if the
    // folder is free by then (capacity.csv goes into the run's folder by default: not
    // while a run swaps it).
    let out = out.unwrap_or_else(|| Path::new("results").join(&loaded.name));
    let lock = match run_folder::lock(&out) {
        Ok(lock) => Some(lock),
        Err(run_folder::FolderError::Input(message)) if run_folder::resolve(&out).is_ok() => {
            warn(format_args!(
                "{message}; searching anyway: the answer is printed, and capacity.csv is written only if the folder is free when the search ends"
            ));
            None
        }
        Err(error) => return Err(limits::folder_error(error)),
    };
    let folder = run_folder::resolve(&out).map_err(limits::folder_error)?;
    ensure_writable(&folder)?;
    progress::start(loaded.designs.len() as u64, "designs");
    let found: Vec<CapacityResult> = {
        loaded
            .designs
            .par_iter()
            .map(|design| {
                let result = capacity(loaded, slo, precision, design, budget);
                progress::tick();
                result
            })
            .collect()
    };
    progress::finish();
    let rows: Vec<Vec<Cell>> = found
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.design.label.clone()),
                Cell::Number(c.max_arrivals_per_s),
                Cell::Text(slo.text.clone()),
                Cell::Text(c.limiting.as_ref().map_or(String::new(), |l| l.0.clone())),
                Cell::Number(c.limiting.as_ref().map(|l| l.1)),
            ]
        })
        .collect();
    for result in &found {
        if let Some(note) = &result.capped {
            eprintln!("{}: {note}", result.design.label);
        }
    }
    let table = Table {
        columns: vec![
            "variant".into(),
            "max arrivals/s".into(),
            "slo".into(),
            "bottleneck there (busy)".into(),
            "runs".into(),
        ],
        rows: found
            .iter()
            .map(|c| {
                vec![
                    c.design.label.clone(),
                    c.max_arrivals_per_s
                        .map_or("below 0.001".to_string(), |r| format!("{r:.2}")),
                    slo.text.clone(),
                    c.limiting.as_ref().map_or("-".to_string(), |(name, busy)| {
                        format!("{name} ({:.0} %)", busy * 100.0)
                    }),
                    c.runs.to_string(),
                ]
            })
            .collect(),
    };
    // The answer first: a write that fails afterwards does not lose it.
    print(&table.to_text())?;
    let lock = match lock {
        Some(lock) => lock,
        None => run_folder::lock(&out).map_err(limits::folder_error)?,
    };
    write_atomically(
        &lock.folder().join("capacity.csv"),
        to_csv(&CAPACITY_COLUMNS, &rows).as_bytes(),
    )?;
    note(format_args!("wrote {}", out.join("capacity.csv").display()));
    Ok(())
}

/// `capacity.csv`'s columns.
pub const CAPACITY_COLUMNS: [&str; 5] = [
    "variant",
    "max_arrivals_per_s",
    "slo",
    "bottleneck",
    "bottleneck_utilization",
];
