//! Arrival rates: reading `[workload] profile` (the points as written, or a
//! `seconds,rate` file beside the scenario; times strictly increasing, rates from 0 to 1e9,
//! some rate above 0), and refusing a constant rate that starts no workflow in the run.

use std::path::Path;

use toml::Spanned;

use super::error::{ScenarioError, Source};
use super::raw::{RawProfile, RawProfileFile, RawScenarioFile};
use crate::model::RateProfile;

/// Most points a profile file may hold (a day at one point a second, with room).
const MAX_POINTS: usize = 200_000;
/// Largest profile file read.
const MAX_FILE_BYTES: u64 = 16 << 20;

pub fn rate_profile(
    source: &Source<'_>,
    spanned: &Spanned<RawProfile>,
) -> Result<RateProfile, ScenarioError> {
    let key = "workload.profile";
    let points: Vec<(f64, f64)> = match spanned.get_ref() {
        RawProfile::Points(points) => {
            let mut read = Vec::with_capacity(points.len());
            for (index, point) in points.iter().enumerate() {
                let at = point.at.get_ref().0.as_secs_f64();
                if let Some(&(before, _)) = read.last()
                    && at <= before
                {
                    return Err(source.error(
                        Some(point.at.span()),
                        format!("{key}[{index}].at"),
                        format!(
                            "expected a time after the previous point's ({before} s), got {at} s: the points go in order of time"
                        ),
                    ));
                }
                read.push((at, point.rate.get_ref().0));
            }
            read
        }
        RawProfile::File(file) => read_file(source, file)?,
    };
    if points.is_empty() {
        return Err(source.error(
            Some(spanned.span()),
            key,
            "expected at least one point, like [{ at = \"0s\", rate = 20 }]",
        ));
    }
    if points.iter().all(|p| p.1 == 0.0) {
        return Err(source.error(
            Some(spanned.span()),
            key,
            "expected some rate above 0: a profile of zeros starts no workflow",
        ));
    }
    Ok(RateProfile::new(points))
}

/// The rows of a profile file, relative to the scenario file's folder.
fn read_file(source: &Source<'_>, file: &RawProfileFile) -> Result<Vec<(f64, f64)>, ScenarioError> {
    let key = "workload.profile.file";
    let name = file.file.get_ref();
    let path = Path::new(source.path)
        .parent()
        .unwrap_or(Path::new(""))
        .join(name);
    let fail = |message: String| source.error(Some(file.file.span()), key, message);
    let size = std::fs::metadata(&path)
        .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(fail(format!(
            "{} is {size} bytes; expected a profile of at most {MAX_FILE_BYTES} bytes",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    let mut points: Vec<(f64, f64)> = Vec::new();
    // A spreadsheet's byte-order mark is not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let row = line.trim();
        if row.is_empty() || row.starts_with('#') || (index == 0 && row.starts_with("seconds")) {
            continue;
        }
        let parsed = row.split_once(',').and_then(|(t, r)| {
            Some((t.trim().parse::<f64>().ok()?, r.trim().parse::<f64>().ok()?))
        });
        let bad = |what: &str| {
            fail(format!(
                "{}:{line_number}: expected a `seconds,rate` row {what}, got `{row}`",
                path.display()
            ))
        };
        let Some((at, rate)) = parsed else {
            return Err(bad("of two numbers"));
        };
        if !(at.is_finite() && at >= 0.0) {
            return Err(bad("with seconds from 0 on"));
        }
        if !(0.0..=1e9).contains(&rate) {
            return Err(bad("with a rate from 0 to 1e9 workflows per second"));
        }
        if points.last().is_some_and(|&(before, _)| at <= before) {
            return Err(bad("later than the row before it"));
        }
        if points.len() >= MAX_POINTS {
            return Err(bad(&format!("within the first {MAX_POINTS} points")));
        }
        points.push((at, rate));
    }
    Ok(points)
}

/// A rate that starts fewer than one workflow in the run is a slip (a unit, an exponent),
/// not a scenario: say so rather than report an empty run. A profile sets its own rates.
pub(super) fn check_rate_starts_a_workflow(
    source: &Source<'_>,
    raw: &RawScenarioFile,
    kind: &str,
    per_second: f64,
) -> Result<(), ScenarioError> {
    let duration = raw.scenario.duration.get_ref().0;
    let duration_s = duration.as_secs_f64();
    if raw.workload.profile.is_some() || per_second * duration_s >= 1.0 {
        return Ok(());
    }
    Err(source.error(
        Some(raw.workload.arrivals.span()),
        format!("workload.arrivals.{kind}"),
        format!(
            "a rate of {per_second:e} workflows per second starts fewer than one workflow in `scenario.duration` ({duration}); expected at least {}",
            readable(1.0 / duration_s)
        ),
    ))
}

/// `0.1`, `0.000333`, or `3.2e-10` below a thousandth of a thousandth.
fn readable(value: f64) -> String {
    if value >= 1e-6 {
        let text = format!("{value:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{value:.2e}")
    }
}
