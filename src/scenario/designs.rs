//! Which designs a scenario runs: its own `[[designs]]`, and the names in `variants` (or
//! `--variants`) resolved against them and the predefined styles and patterns.

use crate::coordination::{Coordination, Design, PATTERNS};
use crate::model::{Communication, Consistency, SystemSpec};

use super::error::{ScenarioError, Source};
use super::raw::{RawCommunication, RawConsistency, RawScenarioFile};

/// Chart colour slots of a scenario's own designs start after the predefined ones.
const FIRST_CUSTOM_SLOT: usize = Coordination::ALL.len() + PATTERNS.len();

/// The scenario's own designs, checked: unique names that do not shadow a predefined one,
/// and a coordination style or a pattern to start from.
pub(super) fn declared(
    source: &Source<'_>,
    raw: &RawScenarioFile,
    system: &SystemSpec,
) -> Result<Vec<Design>, ScenarioError> {
    let mut designs: Vec<Design> = Vec::new();
    for (index, spanned) in raw.designs.iter().enumerate() {
        let entry = spanned.get_ref();
        let key = |field: &str| format!("designs[{index}].{field}");
        let name = entry.name.get_ref().trim();
        if name.is_empty()
            || name.chars().count() > 100
            || name
                .chars()
                .any(|c| c.is_control() || matches!(c, ',' | '"'))
        {
            return Err(source.error(
                Some(entry.name.span()),
                key("name"),
                "expected a name of at most 100 characters without commas, quotes or line breaks, such as \"anthology-on-stamps\"",
            ));
        }
        if Design::predefined(name, system).is_some() {
            return Err(source.error(
                Some(entry.name.span()),
                key("name"),
                format!("`{name}` is a predefined design; give your own design another name"),
            ));
        }
        if designs.iter().any(|d| d.label == name) {
            return Err(source.error(
                Some(entry.name.span()),
                key("name"),
                format!("`{name}` is declared twice"),
            ));
        }
        let base = match &entry.pattern {
            Some(pattern) => {
                let index = PATTERNS
                    .iter()
                    .position(|p| p.name == pattern.get_ref().as_str())
                    .ok_or_else(|| {
                        let names: Vec<&str> = PATTERNS.iter().map(|p| p.name).collect();
                        source.error(
                            Some(pattern.span()),
                            key("pattern"),
                            format!(
                                "unknown pattern `{}`; expected one of {}",
                                pattern.get_ref(),
                                names.join(", ")
                            ),
                        )
                    })?;
                Design::pattern(index)
            }
            None => {
                let Some(coordination) = &entry.coordination else {
                    return Err(source.error(
                        Some(spanned.span()),
                        format!("designs[{index}]"),
                        "expected `coordination` (a style) or `pattern` (a saga pattern to start from)",
                    ));
                };
                Design::style(style(source, coordination, &key("coordination"))?, system)
            }
        };
        let coordination = match &entry.coordination {
            Some(coordination) => style(source, coordination, &key("coordination"))?,
            None => base.coordination,
        };
        designs.push(Design {
            label: name.to_string(),
            coordination,
            communication: entry.communication.map_or(base.communication, |c| match c {
                RawCommunication::Async => Communication::Async,
                RawCommunication::Sync => Communication::Sync,
            }),
            consistency: entry.consistency.map_or(base.consistency, |c| match c {
                RawConsistency::Atomic => Consistency::Atomic,
                RawConsistency::Eventual => Consistency::Eventual,
            }),
            palette_slot: FIRST_CUSTOM_SLOT + index,
        });
    }
    Ok(designs)
}

fn style(
    source: &Source<'_>,
    name: &toml::Spanned<String>,
    key: &str,
) -> Result<Coordination, ScenarioError> {
    Coordination::from_name(name.get_ref()).ok_or_else(|| {
        let names: Vec<&str> = Coordination::ALL.iter().map(|c| c.name()).collect();
        source.error(
            Some(name.span()),
            key,
            format!(
                "unknown coordination style `{}`; expected one of {}",
                name.get_ref(),
                names.join(", ")
            ),
        )
    })
}

/// Why a design cannot run `system`, if it cannot: an orchestrated style without an
/// `[orchestrator]`; a front controller (the first service holds the state) on a workflow
/// that starts with a choice (there is no one first service).
pub fn cannot_run(design: &Design, system: &SystemSpec) -> Option<String> {
    let coordination = design.coordination;
    if coordination.uses_orchestrator() && system.orchestrator.is_none() {
        return Some(
            "is orchestrated: it needs an [orchestrator] section (workers, work, journal)"
                .to_string(),
        );
    }
    if coordination == Coordination::FrontController && !system.workflow.first_step_is_fixed() {
        return Some(
            "is a front controller: its first service holds the workflow's state, but \
             workflow.steps[0] is a choice, so workflows start at different services; start \
             the workflow with a service"
                .to_string(),
        );
    }
    None
}

/// What runs when the scenario names none: the five styles (those that can run it: no
/// orchestrated style without an `[orchestrator]`, no front controller on a workflow
/// that starts with a choice), then its own designs.
pub(super) fn default_designs(system: &SystemSpec, declared: &[Design]) -> Vec<Design> {
    Coordination::ALL
        .into_iter()
        .map(|c| Design::style(c, system))
        .filter(|design| cannot_run(design, system).is_none())
        .chain(declared.iter().cloned())
        .collect()
}

/// Resolve names (from `variants` or `--variants`) to designs, in order. An error names
/// the position of the offending name and what is wrong with it.
pub fn resolve(
    names: &[&str],
    declared: &[Design],
    system: &SystemSpec,
) -> Result<Vec<Design>, (usize, String)> {
    let mut designs: Vec<Design> = Vec::new();
    for (index, &name) in names.iter().enumerate() {
        let found = match declared.iter().find(|d| d.label == name) {
            Some(design) => vec![design.clone()],
            None => Design::predefined(name, system).ok_or_else(|| {
                let mut known = Design::predefined_names();
                known.extend(declared.iter().map(|d| d.label.as_str()));
                let hint = super::suggest::closest(name, known.iter().copied())
                    .map_or(String::new(), |close| format!("; did you mean `{close}`?"));
                (
                    index,
                    format!(
                        "unknown design `{name}`; expected one of {}{hint}",
                        known.join(", ")
                    ),
                )
            })?,
        };
        for design in found {
            if designs.iter().any(|d| d.label == design.label) {
                return Err((index, format!("`{}` is listed twice", design.label)));
            }
            if let Some(reason) = cannot_run(&design, system) {
                return Err((index, format!("`{}` {reason}", design.label)));
            }
            designs.push(design);
        }
    }
    if designs.is_empty() {
        return Err((0, "expected at least one design".to_string()));
    }
    Ok(designs)
}
