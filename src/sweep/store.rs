//! A sweep's output folder: the manifest that says which sweep it holds (identified by the
//! content of its effective scenarios, not by the path they were read from), and the point
//! files, each stamped with that identity and checked whole before it is reused or merged.
//! A folder never silently mixes two sweeps, and a damaged point is never glued in.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::write_atomically;
use crate::report::SUMMARY_COLUMNS;
use crate::scenario::{Scenario, fingerprint};

use super::SweepError;

/// Most points a manifest may claim: a grid beyond this is refused, never allocated.
pub const MAX_POINTS: usize = 1_000_000;

/// What defines a sweep; recorded in `sweep.json` so that a rerun, a resume and the shards
/// of one sweep can be checked to belong together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The scenario's name.
    pub scenario: String,
    /// Where the scenario was read from: shown, not part of the sweep's identity.
    pub file: String,
    /// The `--set` flags.
    pub sets: Vec<String>,
    /// Each swept key with its values.
    pub params: Vec<(String, Vec<String>)>,
    /// The designs run at every point.
    pub variants: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Replications per point.
    pub replications: u32,
    /// Points in the grid.
    pub points: usize,
    /// Hash of every point's effective scenario (after `--set`, the point's values and
    /// the flags) and of the tool's version: two sweeps with the same content share it.
    pub content: String,
}

impl Manifest {
    /// Whether `other` is the same sweep (its file may have been reached another way).
    pub fn same_sweep(&self, other: &Manifest) -> bool {
        Manifest {
            file: other.file.clone(),
            ..self.clone()
        } == *other
    }
}

/// The content identity of a sweep's points: FNV-1a over their validated scenarios (their
/// `Debug` form, which is deterministic) and the tool version.
pub fn content_hash(scenarios: &[Scenario]) -> String {
    let texts: Vec<String> = scenarios.iter().map(|s| format!("{s:?}")).collect();
    let mut parts: Vec<&[u8]> = vec![env!("CARGO_PKG_VERSION").as_bytes()];
    parts.extend(texts.iter().map(String::as_bytes));
    fingerprint(&parts)
}

pub fn point_file(out: &Path, index: usize) -> PathBuf {
    out.join("points").join(format!("{index:06}.csv"))
}

fn io(context: &str, path: &Path, error: impl std::fmt::Display) -> SweepError {
    SweepError::Io(format!("{context} {}: {error}", path.display()))
}

/// The files a sweep's assembly writes as a set (`sweep.json` with its results included):
/// everything else in its folder, the point files above all, is carried across a swap.
pub fn is_assembled(name: &str) -> bool {
    name == "sweep.csv"
        || name == "sweep.json"
        || (name.starts_with("sweep-") && name.ends_with(".png"))
}

/// Record `manifest` in `out`. A folder holding another sweep is refused, unless `force`,
/// which starts the folder over as a whole: the new manifest swapped in for the old sweep's
/// points and assembled outputs at once (`run_folder::replace_keeping`), so no kill leaves
/// files of two sweeps side by side. The same sweep (same content) resumes, and its
/// `sweep.json` is left as it is: once the sweep was assembled it holds the results that
/// go with `sweep.csv`, and only the next assembly replaces the two together.
pub fn write_manifest(out: &Path, manifest: &Manifest, force: bool) -> Result<(), SweepError> {
    let path = out.join("sweep.json");
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| SweepError::Io(e.to_string()))? + "\n";
    if path.exists() {
        let existing = read_manifest(out);
        if existing
            .as_ref()
            .is_ok_and(|existing| existing.same_sweep(manifest))
        {
            return Ok(());
        }
        if !force {
            return Err(SweepError::Input(match existing {
                Err(SweepError::Input(problem) | SweepError::Io(problem)) => format!(
                    "--out {}: its sweep.json cannot be read ({problem}), so which sweep the folder holds is unknown; rerun with --force to start over there, or use another --out",
                    out.display()
                ),
                Ok(_) => format!(
                    "--out {}: holds the results of a different sweep (the scenario's content, its --set values, the parameters, the designs, the seed or the tool version differ); rerun with --force to start over there, or use another --out",
                    out.display()
                ),
            }));
        }
        let files = [("sweep.json", text.into_bytes())];
        return crate::run_folder::replace_keeping(out, &files, |name| !is_sweeps(name))
            .map_err(|error| SweepError::Io(error.to_string()));
    }
    write_atomically(&path, text.as_bytes()).map_err(|e| io("cannot write", &path, e))
}

/// Whether an entry of a sweep's folder belongs to the sweep: its points, its manifest
/// and its assembled outputs.
fn is_sweeps(name: &str) -> bool {
    name == "points" || is_assembled(name)
}

/// Read and check `dir`'s manifest: a hand-edited or damaged one is an error, never a
/// panic or an endless grid.
pub fn read_manifest(dir: &Path) -> Result<Manifest, SweepError> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        SweepError::Input(format!(
            "{}: not a sweep output folder ({e})",
            dir.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        SweepError::Input(format!("{}: unreadable sweep.json: {e}", path.display()))
    })?;
    let grid = manifest
        .params
        .iter()
        .try_fold(1usize, |total, (_, values)| total.checked_mul(values.len()));
    let problem = if manifest.params.is_empty() {
        Some("it names no swept parameter".to_string())
    } else if grid != Some(manifest.points) || manifest.points == 0 {
        Some(format!(
            "it claims {} points, but its parameters make a grid of {}",
            manifest.points,
            grid.map_or("more than can be counted".to_string(), |g| g.to_string())
        ))
    } else if manifest.points > MAX_POINTS {
        Some(format!(
            "it claims {} points, more than the {MAX_POINTS} a sweep may have",
            manifest.points
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(SweepError::Input(format!(
            "{}: damaged sweep.json: {problem}",
            path.display()
        ))),
        None => Ok(manifest),
    }
}

/// The first line of a point file, up to its row count: whose point it is.
fn stamp(manifest: &Manifest, index: usize) -> String {
    format!("# sagasim sweep {} point {index} rows ", manifest.content)
}

/// A point file's text: the stamp with how many rows follow, then its `sweep.csv` rows.
pub fn point_text(manifest: &Manifest, index: usize, rows: &str) -> String {
    format!("{}{}\n{rows}", stamp(manifest, index), rows.lines().count())
}

/// The `sweep.csv` rows of point `index` read from `path`, if the file is that point of
/// this sweep and whole: its stamp matches, it has as many complete rows as the stamp says,
/// and each row has every column. Otherwise what is wrong with it.
pub fn read_point(path: &Path, manifest: &Manifest, index: usize) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("unreadable: {e}"))?;
    let Some((first, rows)) = text.split_once('\n') else {
        return Err("empty or cut off".to_string());
    };
    let expected_rows = first
        .strip_prefix(&stamp(manifest, index))
        .and_then(|count| count.parse::<usize>().ok())
        .ok_or_else(|| "not a point of this sweep (its stamp differs)".to_string())?;
    let lines: Vec<&str> = rows.lines().collect();
    if lines.len() != expected_rows || !rows.ends_with('\n') {
        return Err(format!(
            "cut off: {} of {expected_rows} rows",
            lines.len().min(expected_rows)
        ));
    }
    let columns = manifest.params.len() + SUMMARY_COLUMNS.len();
    if let Some(line) = lines.iter().find(|line| csv_fields(line) != columns) {
        return Err(format!(
            "a row has {} of {columns} columns: {}",
            csv_fields(line),
            line.chars().take(60).collect::<String>()
        ));
    }
    Ok(rows.to_string())
}

/// Fields in one RFC 4180 CSV line (commas inside quotes do not separate).
fn csv_fields(line: &str) -> usize {
    let mut quoted = false;
    1 + line
        .chars()
        .filter(|&c| {
            if c == '"' {
                quoted = !quoted;
            }
            c == ',' && !quoted
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_ignore_commas_in_quotes() {
        assert_eq!(csv_fields("a,b,c"), 3);
        assert_eq!(csv_fields("a,\"b,c\",d"), 3);
        assert_eq!(csv_fields("\"a \"\"x\"\", y\",b"), 2);
    }
}
