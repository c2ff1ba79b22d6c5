//! Scenario files: TOML text → raw serde structs → a validated `Scenario`. Also `--set`
//! overrides and the JSON Schema of the format.

mod deployment;
mod designs;
mod effective;
mod error;
mod faults;
mod overrides;
mod profile;
mod raw;
mod scan;
mod suggest;
mod template;
mod units;
mod validate;
mod values;
mod workflow;

use std::path::Path;

use toml::de::DeTable;

use crate::coordination::{Design, DesignFlows, message_flows};
use crate::model::SystemSpec;

pub use crate::model::DurationDistribution;
pub use designs::cannot_run;
pub use effective::{delivery, duration_text, effective_scenario, size_text};
pub use error::{Origin, ScenarioError, Source, line_column};
pub use overrides::Override;
pub use scan::{Shape, scan};
pub use suggest::closest;
pub use template::starter_scenario;
pub use units::{bytes_text, parse_duration, parse_size};

/// Largest scenario file read by default: 16 MiB, far above any written by hand (the
/// bundled ones are a few KiB); `--max-scenario-size` raises it.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 << 20;

static MAX_FILE_BYTES: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(DEFAULT_MAX_FILE_BYTES);

/// Set the largest scenario file any load reads (the command line's
/// `--max-scenario-size`): a larger one is refused before it is read.
pub fn set_max_file_bytes(bytes: u64) {
    MAX_FILE_BYTES.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// A scenario file's text, read once (within the size limit), with the name errors show
/// for it and its shape (`scan`), ready for a budget check before it is parsed.
#[derive(Debug, Clone)]
pub struct ScenarioText {
    /// The path as errors show it.
    pub shown: String,
    /// The whole text.
    pub text: String,
    /// What it holds, from its tokens.
    pub shape: Shape,
}

/// Read a scenario file (within the size limit) and scan its shape, without parsing it.
/// Parse the text with `Scenario::parse` or `parse_with_fingerprint`: a file is read once,
/// so a pipe works and a file changed meanwhile is not parsed in its new form.
pub fn read_and_scan(path: &Path) -> Result<ScenarioText, ScenarioError> {
    let (shown, text) = read_scenario_file(path)?;
    let shape = scan(&text);
    Ok(ScenarioText { shown, text, shape })
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `scenario.name`.
    pub name: String,
    /// `scenario.seed`: every random draw derives from it.
    pub seed: u64,
    /// The designs to run, in the order the scenario (or `--variants`) lists them.
    pub designs: Vec<Design>,
    /// The scenario's own `[[designs]]`, runnable by name.
    pub declared_designs: Vec<Design>,
    /// Independent replications per design.
    pub replications: u32,
    /// The validated system: services, network, workload, workflow, faults.
    pub system: SystemSpec,
    /// What validated but is probably a mistake (a fault after arrivals stop, a service
    /// no step uses), as sentences: `run` and `check` print them, the report repeats them.
    pub warnings: Vec<String>,
}

/// Most paths through a workflow's choices whose flows `check` and the report show.
pub const MAX_FLOW_PATHS: usize = 8;

impl Scenario {
    /// Every design's message flows for one workflow on each path through the workflow
    /// (the first `MAX_FLOW_PATHS`; what `check` prints and the report draws), with a
    /// business failure at 0-based position `failed_step` on the path (the last when
    /// `None` or past the path's end).
    pub fn design_flows(&self, failed_step: Option<usize>) -> Vec<(Design, DesignFlows)> {
        let paths = self.system.workflow.paths().len().min(MAX_FLOW_PATHS) as u16;
        self.designs
            .iter()
            .flat_map(|design| {
                (0..paths).map(move |path| {
                    let flows = message_flows(&self.system, design, path, failed_step);
                    (design.clone(), flows)
                })
            })
            .collect()
    }

    /// Parse and validate scenario text (errors are located in `<scenario>`).
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse("<scenario>", text, &[])
    }

    /// Read, override and validate a scenario file.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let (shown, text) = read_scenario_file(path)?;
        Scenario::parse(&shown, &text, overrides)
    }

    /// `load`, and the fingerprint of the effective scenario document (after the
    /// overrides): the same keys and values give the same fingerprint, whatever the
    /// file's path, layout or comments, and whatever version of sagasim reads it.
    pub fn load_with_fingerprint(
        path: &Path,
        overrides: &[Override],
    ) -> Result<(Scenario, String), ScenarioError> {
        let (shown, text) = read_scenario_file(path)?;
        Scenario::parse_with_fingerprint(&shown, &text, overrides)
    }

    /// `parse`, and the fingerprint of the effective document (see `load_with_fingerprint`).
    pub fn parse_with_fingerprint(
        path: &str,
        text: &str,
        overrides: &[Override],
    ) -> Result<(Scenario, String), ScenarioError> {
        let (scenario, fingerprint) = Scenario::parse_document(path, text, overrides, true)?;
        Ok((scenario, fingerprint.unwrap_or_default()))
    }

    /// Parse `text` (read from `path`), apply `overrides` in order, validate.
    pub fn parse(
        path: &str,
        text: &str,
        overrides: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        Ok(Scenario::parse_document(path, text, overrides, false)?.0)
    }

    /// `parse`, with the fingerprint of the effective document if `fingerprint`.
    fn parse_document(
        path: &str,
        text: &str,
        overrides: &[Override],
        fingerprint: bool,
    ) -> Result<(Scenario, Option<String>), ScenarioError> {
        let flags: Vec<String> = overrides.iter().map(Override::flag).collect();
        let source = Source {
            path,
            text,
            flags: &flags,
        };
        if text.contains('\0') {
            let offset = text.find('\0').unwrap_or(0);
            return Err(source.error(
                Some(offset..offset),
                "(file)",
                "expected a TOML text file; this looks like a binary file",
            ));
        }
        let mut document = DeTable::parse(text).map_err(|error| {
            source.error(
                error.span(),
                "(syntax)",
                format!("invalid TOML: {}", error.message().trim()),
            )
        })?;
        for (index, item) in overrides.iter().enumerate() {
            let span = source.flag_span(index);
            overrides::apply(document.get_mut(), item, span.clone())
                .map_err(|message| source.error(Some(span), item.key.clone(), message))?;
        }
        let fingerprint = fingerprint.then(|| document_fingerprint(&document));
        let deserializer = toml::de::Deserializer::from(document);
        let raw: raw::RawScenarioFile =
            serde_path_to_error::deserialize(deserializer).map_err(|error| {
                let key = key_path(&error.path().to_string());
                let inner = error.into_inner();
                let (key, message) = one_kind_message(&key, inner.message())
                    .unwrap_or_else(|| (key.clone(), plain_message(inner.message())));
                source.error(inner.span(), key, message)
            })?;
        let scenario = validate::validate(&source, raw)?;
        // A profile may come from a file the document only names: its rows belong to the
        // configuration's identity, so that editing them is not a rerun of the same one.
        let fingerprint = match (&fingerprint, &scenario.system.workload.profile) {
            (Some(document), Some(profile)) => {
                let rows = format!("{:?}", profile.points());
                Some(self::fingerprint(&[document.as_bytes(), rows.as_bytes()]))
            }
            _ => fingerprint,
        };
        Ok((scenario, fingerprint))
    }

    /// Replace the designs to run (from `--variants`), with the same checks as the file's.
    pub fn set_designs(&mut self, names: &[&str]) -> Result<(), String> {
        self.designs = designs::resolve(names, &self.declared_designs, &self.system)
            .map_err(|(_, message)| message)?;
        Ok(())
    }
}

/// Read a scenario file as text, refusing binary files at the first byte that is not
/// UTF-8. Returns the path as shown in messages, and the text.
fn read_scenario_file(path: &Path) -> Result<(String, String), ScenarioError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let cannot_read = |error: std::io::Error| ScenarioError {
        origin: Origin::Option(shown.clone()),
        key: String::new(),
        message: format!("cannot read the scenario file: {error}"),
    };
    let limit = MAX_FILE_BYTES.load(std::sync::atomic::Ordering::Relaxed);
    let too_large = |size: String| ScenarioError {
        origin: Origin::Option(shown.clone()),
        key: "(file)".to_string(),
        message: format!(
            "the scenario file is {size}, over the limit of {} (--max-scenario-size); a scenario this large is almost always generated by mistake, and parsing it would take many times its size in memory. Raise the limit with --max-scenario-size if it is meant",
            bytes_text(limit as f64)
        ),
    };
    // Refused before a byte is read where the size is known; a pipe or device (no size)
    // is read only up to the limit.
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    if let Ok(metadata) = file.metadata()
        && metadata.is_file()
        && metadata.len() > limit
    {
        return Err(too_large(bytes_text(metadata.len() as f64)));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(format!("more than {}", bytes_text(limit as f64))));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((shown, text)),
        Err(error) => {
            let bytes = error.as_bytes();
            let valid_up_to = error.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
            let (line, column) = line_column(valid, valid.len());
            Err(ScenarioError {
                origin: Origin::File {
                    path: shown,
                    line,
                    column,
                },
                key: "(file)".to_string(),
                message: "expected a UTF-8 TOML text file; this looks like a binary file"
                    .to_string(),
            })
        }
    }
}

/// FNV-1a over `parts` in turn (as one byte string), as 16 hex digits: a stable
/// fingerprint, not a cryptographic one, for telling configurations apart.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The document's keys and values in a canonical form (sorted keys, no spans, layout or
/// comments), fingerprinted.
fn document_fingerprint(document: &toml::Spanned<DeTable<'_>>) -> String {
    use serde::Deserialize;
    let deserializer = toml::de::Deserializer::from(document.clone());
    let canonical = toml::Table::deserialize(deserializer)
        .ok()
        .and_then(|table| serde_json::to_string(&table).ok())
        .unwrap_or_default();
    fingerprint(&[canonical.as_bytes()])
}

/// serde_path_to_error's path, without the private field `Spanned` uses internally.
fn key_path(path: &str) -> String {
    let cleaned = path
        .replace(".$__serde_spanned_private_value", "")
        .replace("$__serde_spanned_private_value", "");
    if cleaned.is_empty() || cleaned == "." {
        "(top level)".to_string()
    } else {
        cleaned
    }
}

/// A table that must name exactly one kind (`arrivals = { poisson = 50 }`) given something
/// else: serde's wording ("unit variant, expected newtype variant", "wanted exactly 1
/// element") replaced by what the format expects, with an example. `None` for other errors.
fn one_kind_message(key: &str, message: &str) -> Option<(String, String)> {
    let found = if message.contains("unit variant, expected newtype variant") {
        "a kind without its value"
    } else if message.contains("wanted exactly 1 element") {
        "several kinds in one table"
    } else if message.contains("wanted string or table") {
        "a plain value"
    } else {
        return None;
    };
    if key.starts_with("workload.arrivals") {
        return Some((
            "workload.arrivals".to_string(),
            format!(
                "expected an arrival process: {{ poisson = 50 }} (Poisson, workflows per second) or {{ constant = 50 }} (evenly spaced); found {found}"
            ),
        ));
    }
    Some((
        key.to_string(),
        format!(
            "expected a table naming exactly one kind with its value, like {{ kind = value }}; found {found}"
        ),
    ))
}

/// serde's wording, in the scenario format's terms.
fn plain_message(message: &str) -> String {
    let mut text = message.trim().to_string();
    for (from, to) in [
        ("missing field", "missing required key"),
        ("unknown field", "unknown key"),
        (
            "expected u64",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected a sequence", "expected an array"),
        ("expected struct", "expected a table like"),
        ("unknown variant `", "unknown kind `"),
    ] {
        text = text.replace(from, to);
    }
    if text.starts_with("unknown key `") || text.starts_with("unknown kind `") {
        text = suggest::with_suggestion(&text);
    }
    // serde names the internal type a table deserialises into: say what to write.
    for (raw, example) in TABLE_EXAMPLES {
        text = text.replace(
            &format!("a table like {raw}"),
            &format!("a table like {example}"),
        );
    }
    text
}

/// Each table of the format, as a user writes it (for "expected a table like …").
const TABLE_EXAMPLES: [(&str, &str); 16] = [
    ("RawScenarioFile", "a scenario file"),
    (
        "RawDesign",
        "`{ label = \"mine\", coordination = \"orchestrator\" }`",
    ),
    ("RawPolicy", "`[policy]` with `timeout = \"2s\"`"),
    (
        "RawFault",
        "`[[faults]]` with `crash = \"payment\"`, `at = \"5m\"`, `for = \"30s\"`",
    ),
    ("RawScenario", "`[scenario]` with `name = \"…\"`"),
    (
        "RawWorkload",
        "`[workload]` with `arrivals = { poisson = 50 }`",
    ),
    ("RawStatusQueries", "`{ every = \"500ms\" }`"),
    ("RawNetwork", "`[network]` with `latency = \"2ms\"`"),
    (
        "RawLink",
        "`{ src = \"a\", dst = \"b\", latency = \"10ms\" }`",
    ),
    ("RawMessages", "`[messages]` with `base = \"1KiB\"`"),
    ("RawOrchestrator", "`[orchestrator]` with `workers = 8`"),
    ("RawDefaults", "`[defaults]` with `workers = 4`"),
    (
        "RawService",
        "`[[services]]` with `name = \"…\"` and `work = \"5ms\"`",
    ),
    ("RawWorkflow", "`[workflow]` with `steps = [\"a\", \"b\"]`"),
    ("RawAlternative", "`{ p = 0.2, steps = [\"fraud-check\"] }`"),
    (
        "RawAutoscale",
        "`{ min = 2, max = 20, target = 0.6, every = \"15s\" }`",
    ),
];

/// The JSON Schema of the scenario format.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(raw::RawScenarioFile);
    serde_json::to_value(schema).unwrap_or_default()
}
