//! `results.json`: everything a run produced in one document (the tool and command, the
//! scenario as validated with every default filled in, and every table of the CSV files,
//! keyed by column), with its JSON Schema (`sagasim schema --output results`). Each table
//! is built from the same column definitions as its CSV file, so the two never disagree.

use serde_json::{Map, Value, json};

use crate::runner::ScenarioResults;
use crate::scenario::{Scenario, effective_scenario, json_schema};

use super::scorecard::{SCORECARD_COLUMNS, scorecard, scorecard_rows};
use super::{
    COMPONENT_COLUMNS, Cell, DIFFERENCE_COLUMNS, FAULT_COLUMNS, INTERFACE_COLUMNS, MESSAGE_COLUMNS,
    SUMMARY_COLUMNS, component_rows, difference_rows, fault_rows, message_rows, summary_rows,
};

/// Bumped whenever a key is renamed or removed, or its meaning changes; new keys and new
/// columns do not bump it.
/// 2: the scorecard's `measure` values name what they rank (`outcome_latency_p50_ms`,
/// `failed_stuck_inconsistent_duplicates`, `designed_handlers`), and a latency cell may
/// read `failed` or `stuck`.
pub const RESULTS_SCHEMA_VERSION: u32 = 2;

/// A table of `results.json`: its key, its CSV file's columns, and how to get its rows.
struct ExportTable {
    key: &'static str,
    columns: &'static [&'static str],
    /// Columns that follow `columns` only in some results (their rows are longer then).
    optional: &'static [&'static str],
    rows: fn(&ScenarioResults, &Scenario) -> Vec<Vec<Cell>>,
}

const TABLES: [ExportTable; 6] = [
    ExportTable {
        key: "summary",
        columns: &SUMMARY_COLUMNS,
        optional: &[],
        rows: |results, _| summary_rows(results),
    },
    ExportTable {
        key: "faults",
        columns: &FAULT_COLUMNS,
        optional: &[],
        rows: |results, _| fault_rows(results),
    },
    ExportTable {
        key: "messages",
        columns: &MESSAGE_COLUMNS,
        optional: &[],
        rows: |results, _| message_rows(results),
    },
    ExportTable {
        key: "components",
        columns: &COMPONENT_COLUMNS,
        optional: &INTERFACE_COLUMNS,
        rows: |results, _| component_rows(results),
    },
    ExportTable {
        key: "differences",
        columns: &DIFFERENCE_COLUMNS,
        optional: &[],
        rows: |results, _| difference_rows(results),
    },
    ExportTable {
        key: "scorecard",
        columns: &SCORECARD_COLUMNS,
        optional: &[],
        rows: |results, scenario| {
            scorecard_rows(&scorecard(
                results,
                scenario.system.most_steps_per_workflow(),
            ))
        },
    },
];

/// A cell as JSON: text, an integer, a number (rounded as the CSV cell is, so the two
/// files agree), or `null` where the CSV cell is empty.
pub fn cell_value(cell: &Cell) -> Value {
    match cell {
        Cell::Text(text) if text.is_empty() => Value::Null,
        Cell::Text(text) => Value::String(text.clone()),
        Cell::Count(count) => Value::from(*count),
        Cell::Number(_) => cell
            .render()
            .parse::<f64>()
            .map_or(Value::Null, Value::from),
    }
}

/// Rows as objects keyed by column, keys in column order.
pub fn table_value(columns: &[&str], rows: &[Vec<Cell>]) -> Value {
    rows.iter()
        .map(|row| {
            let object: Map<String, Value> = columns
                .iter()
                .zip(row)
                .map(|(column, cell)| ((*column).to_string(), cell_value(cell)))
                .collect();
            Value::Object(object)
        })
        .collect()
}

/// `{ "name": "sagasim", "version": … }`.
pub fn tool_value() -> Value {
    json!({ "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") })
}

/// The whole run as `results.json`. `command` is the canonical command line that
/// reproduces it.
pub fn results_json(results: &ScenarioResults, scenario: &Scenario, command: &str) -> String {
    let mut document = Map::new();
    document.insert("schema_version".into(), RESULTS_SCHEMA_VERSION.into());
    document.insert("tool".into(), tool_value());
    document.insert("command".into(), command.into());
    document.insert("scenario".into(), results.scenario.clone().into());
    document.insert("seed".into(), results.seed.into());
    document.insert("replications".into(), results.replications.into());
    document.insert(
        "designs".into(),
        serde_json::to_value(&results.designs).unwrap_or(Value::Null),
    );
    document.insert("effective_scenario".into(), effective_scenario(scenario));
    for table in &TABLES {
        let rows = (table.rows)(results, scenario);
        let columns: Vec<&str> = table
            .columns
            .iter()
            .chain(table.optional)
            .copied()
            .collect();
        document.insert(table.key.into(), table_value(&columns, &rows));
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of a table keyed by `columns`: every column present, nothing else.
pub fn table_schema(columns: &[&str], optional: &[&str]) -> Value {
    let properties: Map<String, Value> = columns
        .iter()
        .chain(optional)
        .map(|column| {
            (
                (*column).to_string(),
                json!({ "type": ["string", "number", "null"] }),
            )
        })
        .collect();
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "properties": properties,
            "required": columns,
            "additionalProperties": false,
        }
    })
}

/// The JSON Schema of `results.json`. The effective scenario is checked against the
/// scenario format's own schema, embedded.
pub fn results_schema() -> Value {
    let mut scenario = json_schema();
    let definitions = scenario
        .as_object_mut()
        .and_then(|object| {
            object.remove("$schema");
            object.remove("$defs")
        })
        .unwrap_or_else(|| json!({}));
    let mut definitions = match definitions {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    definitions.insert("Scenario".into(), scenario);
    definitions.insert(
        "Design".into(),
        json!({
            "type": "object",
            "required": ["label", "coordination", "communication", "consistency"],
            "properties": {
                "label": { "type": "string" },
                "coordination": { "type": "string" },
                "communication": { "enum": ["async", "sync"] },
                "consistency": { "enum": ["atomic", "eventual"] },
                "palette_slot": { "type": "integer", "minimum": 0 }
            }
        }),
    );
    let mut properties = Map::new();
    properties.insert(
        "schema_version".into(),
        json!({ "const": RESULTS_SCHEMA_VERSION }),
    );
    properties.insert("tool".into(), tool_schema());
    properties.insert("command".into(), json!({ "type": "string" }));
    properties.insert("scenario".into(), json!({ "type": "string" }));
    properties.insert("seed".into(), json!({ "type": "integer", "minimum": 0 }));
    properties.insert(
        "replications".into(),
        json!({ "type": "integer", "minimum": 1 }),
    );
    properties.insert(
        "designs".into(),
        json!({ "type": "array", "items": { "$ref": "#/$defs/Design" } }),
    );
    properties.insert(
        "effective_scenario".into(),
        json!({ "$ref": "#/$defs/Scenario" }),
    );
    let mut required: Vec<String> = properties.keys().cloned().collect();
    for table in &TABLES {
        properties.insert(
            table.key.into(),
            table_schema(table.columns, table.optional),
        );
        required.push(table.key.to_string());
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sagasim results",
        "description": "Everything one `sagasim run` produced: results.json, and `sagasim run --format json`.",
        "type": "object",
        "properties": properties,
        "required": required,
        "$defs": definitions,
    })
}

/// The schema of `tool_value`.
pub fn tool_schema() -> Value {
    json!({
        "type": "object",
        "required": ["name", "version"],
        "properties": {
            "name": { "const": "sagasim" },
            "version": { "type": "string" }
        }
    })
}
