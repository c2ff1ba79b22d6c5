//! A finished sweep as data: `sweep.json` holds the manifest (what the sweep is, for
//! resuming and merging) and, once every point is in, each point's parameter values and
//! summary rows; and `--assert` checked against every point.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::report::{
    Assertion, Breach, Column, RESULTS_SCHEMA_VERSION, RowLabel, SUMMARY_COLUMNS, judge,
    tool_schema, tool_value,
};

use super::store::{Manifest, read_manifest};
use super::{SweepError, SweepRow, io, read_sweep};

/// A CSV field as JSON: a number where it reads as one, `null` where empty, else text.
fn field_value(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    if let Ok(count) = text.parse::<u64>() {
        return Value::from(count);
    }
    match text.parse::<f64>() {
        Ok(number) if number.is_finite() => Value::from(number),
        _ => Value::String(text.to_string()),
    }
}

fn row_value(row: &SweepRow) -> Value {
    let object: Map<String, Value> = SUMMARY_COLUMNS
        .iter()
        .zip(&row.cells)
        .map(|(column, cell)| ((*column).to_string(), field_value(cell)))
        .collect();
    Value::Object(object)
}

/// `sweep.json`'s bytes once `sweep.csv` is complete: the manifest's keys, then the
/// results.
pub fn sweep_document(manifest: &Manifest, csv: &str) -> Result<Vec<u8>, SweepError> {
    let mut document = match serde_json::to_value(manifest) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    document.insert("schema_version".into(), RESULTS_SCHEMA_VERSION.into());
    document.insert("tool".into(), tool_value());
    let rows = read_sweep(manifest, csv);
    let mut points: Vec<Value> = Vec::new();
    let mut current: Option<(Vec<String>, Vec<Value>)> = None;
    for row in &rows {
        match &mut current {
            Some((values, list)) if *values == row.values => list.push(row_value(row)),
            _ => {
                if let Some(done) = current.take() {
                    points.push(point_value(manifest, points.len(), done));
                }
                current = Some((row.values.clone(), vec![row_value(row)]));
            }
        }
    }
    if let Some(done) = current.take() {
        points.push(point_value(manifest, points.len(), done));
    }
    document.insert("results".into(), points.into());
    let text = serde_json::to_string_pretty(&Value::Object(document))
        .map_err(|e| SweepError::Io(e.to_string()))?
        + "\n";
    Ok(text.into_bytes())
}

fn point_value(
    manifest: &Manifest,
    index: usize,
    (values, rows): (Vec<String>, Vec<Value>),
) -> Value {
    let params: Map<String, Value> = manifest
        .params
        .iter()
        .zip(values)
        .map(|((key, _), value)| (key.clone(), Value::String(value)))
        .collect();
    json!({ "point": index + 1, "params": params, "summary": rows })
}

/// The JSON Schema of `sweep.json` (`sagasim schema --output sweep`).
pub fn sweep_schema() -> Value {
    let row_properties: Map<String, Value> = SUMMARY_COLUMNS
        .iter()
        .map(|c| {
            (
                (*c).to_string(),
                json!({ "type": ["string", "number", "null"] }),
            )
        })
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sagasim sweep",
        "description": "sweep.json: what a sweep is (for resuming and merging) and, once every point is in, its results.",
        "type": "object",
        "required": ["scenario", "file", "sets", "params", "variants", "seed", "replications", "points", "content"],
        "properties": {
            "scenario": { "type": "string" },
            "file": { "type": "string" },
            "sets": { "type": "array", "items": { "type": "string" } },
            "params": {
                "type": "array",
                "items": {
                    "type": "array",
                    "prefixItems": [
                        { "type": "string" },
                        { "type": "array", "items": { "type": "string" } }
                    ],
                    "minItems": 2,
                    "maxItems": 2
                }
            },
            "variants": { "type": "array", "items": { "type": "string" } },
            "seed": { "type": "integer", "minimum": 0 },
            "replications": { "type": "integer", "minimum": 1 },
            "points": { "type": "integer", "minimum": 1 },
            "content": { "type": "string" },
            "schema_version": { "const": RESULTS_SCHEMA_VERSION },
            "tool": tool_schema(),
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["point", "params", "summary"],
                    "properties": {
                        "point": { "type": "integer", "minimum": 1 },
                        "params": { "type": "object", "additionalProperties": { "type": "string" } },
                        "summary": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": row_properties,
                                "required": SUMMARY_COLUMNS.to_vec(),
                                "additionalProperties": false
                            }
                        }
                    }
                }
            }
        }
    })
}

/// The assertions a finished sweep breaks, at any point: per point and design, the mean
/// row with replications, else the run's. The design is named with the point's values.
pub fn sweep_breaches(out: &Path, assertions: &[Assertion]) -> Result<Vec<Breach>, SweepError> {
    if assertions.is_empty() {
        return Ok(Vec::new());
    }
    let manifest = &read_manifest(out)?;
    let path = out.join("sweep.csv");
    let csv = std::fs::read_to_string(&path).map_err(|e| io("cannot read", &path, e))?;
    let main = if manifest.replications > 1 {
        RowLabel::Mean
    } else {
        RowLabel::Run(1)
    };
    let rows = read_sweep(manifest, &csv);
    let mut breaches = Vec::new();
    for assertion in assertions {
        if let Some(design) = &assertion.design
            && !rows.iter().any(|row| row.design == *design)
        {
            return Err(SweepError::Input(format!(
                "--assert {}: no design `{design}` in this sweep",
                assertion.text
            )));
        }
        for row in &rows {
            if row.label != main || assertion.design.as_ref().is_some_and(|d| *d != row.design) {
                continue;
            }
            let read = |column: Column| row.cells.get(column.index())?.parse::<f64>().ok();
            let at: Vec<String> = manifest
                .params
                .iter()
                .zip(&row.values)
                .map(|((key, _), value)| format!("{key}={value}"))
                .collect();
            let who = format!("{} at {}", row.design, at.join(" "));
            if let Some(breach) = judge(assertion, &who, assertion.bound.value(&read)) {
                breaches.push(breach);
            }
        }
    }
    Ok(breaches)
}
