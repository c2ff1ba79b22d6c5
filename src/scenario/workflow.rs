//! The `[workflow]` table: the syntax of its steps (service names and `choice` blocks),
//! their JSON Schema, and their validation into the model's `WorkflowGraph`.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use crate::model::{
    Alternative, Choice, Element, GraphError, MAX_CHOICE_DEPTH, MAX_PATHS, MAX_STEPS, ServiceSpec,
    WorkflowGraph,
};

use super::error::{ScenarioError, Source};

/// `[workflow]`: the steps, in order.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflow {
    /// Service names run in order, `{ choice = [...] }` and `{ parallel = [...] }` blocks.
    #[schemars(with = "Vec<StepSchema>")]
    pub steps: Spanned<Vec<Spanned<RawStep>>>,
}

/// One element of a list of steps.
#[derive(Debug)]
pub enum RawStep {
    /// A service name.
    Service(String),
    /// `{ parallel = [branch, ...] }`: each branch a service name or a list of them.
    Parallel(Vec<Spanned<RawBranch>>),
    /// `{ choice = [{ p = 0.7, steps = [...] }, ...] }`.
    Choice(Vec<Spanned<RawAlternative>>),
}

/// One alternative of a choice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlternative {
    /// Absent on at most one alternative, which takes the rest (1 − the others).
    pub p: Option<Spanned<f64>>,
    pub steps: Spanned<Vec<Spanned<RawStep>>>,
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = RawStep;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a service name, a { choice = [...] } or a { parallel = [...] } table")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<RawStep, E> {
        Ok(RawStep::Service(name.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "expected a service name, a { choice = [...] } or a { parallel = [...] } table, got an empty table",
            ));
        };
        let step = match key.as_str() {
            "choice" => RawStep::Choice(map.next_value()?),
            "parallel" => RawStep::Parallel(map.next_value()?),
            other => return Err(de::Error::unknown_field(other, &["choice", "parallel"])),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "expected one key (choice or parallel) in a step table, got \"{extra}\" as well"
            )));
        }
        Ok(step)
    }
}

/// One branch of a parallel block: a service name, or a list of them run in sequence.
#[derive(Debug)]
pub struct RawBranch(pub Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for RawBranch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BranchVisitor)
    }
}

struct BranchVisitor;

impl<'de> Visitor<'de> for BranchVisitor {
    type Value = RawBranch;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a service name or a list of service names (a branch run in sequence)")
    }

    fn visit_str<E: de::Error>(self, _name: &str) -> Result<RawBranch, E> {
        // A bare name has no span of its own here: the builder takes the branch's.
        Ok(RawBranch(vec![Spanned::new(0..0, _name.to_string())]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawBranch, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = seq.next_element::<Spanned<String>>()? {
            names.push(name);
        }
        Ok(RawBranch(names))
    }
}

/// The schema of a step, for `sagasim schema` only.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum StepSchema {
    /// A service name: that service's step.
    Service(String),
    /// One alternative per workflow, drawn with the given probabilities (they sum to 1).
    Choice { choice: Vec<AlternativeSchema> },
    /// Branches run at once; the next element starts when all have completed.
    Parallel { parallel: Vec<BranchSchema> },
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum BranchSchema {
    /// One service's step.
    Service(String),
    /// Steps run in sequence.
    Sequence(Vec<String>),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct AlternativeSchema {
    /// This alternative's probability; left out on at most one alternative, which takes
    /// the rest (1 − the others).
    p: Option<f64>,
    /// Its steps; empty: the block is skipped.
    steps: Vec<StepSchema>,
}

/// How far the probabilities of a choice may sum away from 1 (decimal rounding).
const PROBABILITY_SUM_TOLERANCE: f64 = 1e-9;

/// The validated workflow: each step's service (in definition order) and the graph.
pub fn workflow(
    source: &Source<'_>,
    raw: &RawWorkflow,
    services: &[ServiceSpec],
) -> Result<(Vec<usize>, WorkflowGraph), ScenarioError> {
    let mut builder = Builder {
        source,
        services,
        steps: Vec::new(),
        places: Vec::new(),
        blocks: Vec::new(),
        choices: 0,
    };
    if raw.steps.get_ref().is_empty() {
        return Err(source.error(
            Some(raw.steps.span()),
            "workflow.steps",
            "expected at least one step",
        ));
    }
    let elements = builder.sequence(raw.steps.get_ref(), "workflow.steps", 0)?;
    let graph = WorkflowGraph::new(elements).map_err(|GraphError::TooManyPaths| {
        source.error(
            Some(raw.steps.span()),
            "workflow.steps",
            format!(
                "expected at most {MAX_PATHS} distinct paths through the choices; \
                 merge or flatten some choices"
            ),
        )
    })?;
    for path in graph.paths() {
        if path.is_empty() {
            return Err(source.error(
                Some(raw.steps.span()),
                "workflow.steps",
                "expected every path to perform at least one step, but the choices allow \
                 one with none",
            ));
        }
        check_blocks(source, &builder, path)?;
        let mut seen: Vec<(usize, u8)> = Vec::new();
        for &step in path.steps() {
            let service = builder.steps[usize::from(step)];
            if let Some(&(_, earlier)) = seen.iter().find(|(s, _)| *s == service) {
                let (span, key) = &builder.places[usize::from(step)];
                let (_, earlier_key) = &builder.places[usize::from(earlier)];
                return Err(source.error(
                    Some(span.clone()),
                    key.clone(),
                    format!(
                        "\"{}\" already performs a step on the same path ({earlier_key}); \
                         a service performs at most one step per path",
                        services[service].name
                    ),
                ));
            }
            seen.push((service, step));
        }
    }
    Ok((builder.steps, graph))
}

struct Builder<'a> {
    source: &'a Source<'a>,
    services: &'a [ServiceSpec],
    /// Each step's service, in definition order.
    steps: Vec<usize>,
    /// Each step's place in the file: span and key.
    places: Vec<(std::ops::Range<usize>, String)>,
    /// Each parallel block's place, by its first step.
    blocks: Vec<(u8, std::ops::Range<usize>, String)>,
    choices: u32,
}

impl Builder<'_> {
    fn sequence(
        &mut self,
        list: &[Spanned<RawStep>],
        key: &str,
        depth: usize,
    ) -> Result<Vec<Element>, ScenarioError> {
        let mut elements = Vec::new();
        for (index, item) in list.iter().enumerate() {
            let key = format!("{key}[{index}]");
            let element = match item.get_ref() {
                RawStep::Service(name) => self.step(name, item.span(), key)?,
                RawStep::Parallel(branches) => self.parallel(branches, item.span(), &key)?,
                RawStep::Choice(alternatives) => {
                    self.choice(alternatives, item.span(), &key, depth + 1)?
                }
            };
            elements.push(element);
        }
        Ok(elements)
    }

    fn step(
        &mut self,
        name: &str,
        span: std::ops::Range<usize>,
        key: String,
    ) -> Result<Element, ScenarioError> {
        let Some(service) = self.services.iter().position(|s| s.name == name) else {
            let names: Vec<&str> = self.services.iter().map(|s| s.name.as_str()).collect();
            return Err(self.source.error(
                Some(span),
                key,
                format!(
                    "no service named \"{name}\"; the services are: {}{}",
                    names.join(", "),
                    super::suggest::did_you_mean(name, names.iter().copied()),
                ),
            ));
        };
        if self.steps.len() >= MAX_STEPS {
            return Err(self.source.error(
                Some(span),
                key,
                format!(
                    "expected at most {MAX_STEPS} steps in the whole workflow (alternatives \
                     included)"
                ),
            ));
        }
        let step = self.steps.len() as u8;
        self.steps.push(service);
        self.places.push((span, key));
        Ok(Element::Step(step))
    }

    fn parallel(
        &mut self,
        branches: &[Spanned<RawBranch>],
        span: std::ops::Range<usize>,
        key: &str,
    ) -> Result<Element, ScenarioError> {
        if branches.is_empty() {
            return Err(self.source.error(
                Some(span),
                format!("{key}.parallel"),
                "expected at least one branch: a service name, or a list of them",
            ));
        }
        let mut built = Vec::new();
        for (index, branch) in branches.iter().enumerate() {
            let branch_key = format!("{key}.parallel[{index}]");
            let names = &branch.get_ref().0;
            if names.is_empty() {
                return Err(self.source.error(
                    Some(branch.span()),
                    branch_key,
                    "expected a service name or a non-empty list of them",
                ));
            }
            let mut steps = Vec::new();
            for (position, name) in names.iter().enumerate() {
                // A bare name is the branch itself: point at the branch.
                let (place, name_key) = if name.span().is_empty() {
                    (branch.span(), branch_key.clone())
                } else {
                    (name.span(), format!("{branch_key}[{position}]"))
                };
                match self.step(name.get_ref(), place, name_key)? {
                    Element::Step(step) => steps.push(step),
                    _ => unreachable!("a name is a step"),
                }
            }
            built.push(steps);
        }
        self.blocks.push((built[0][0], span, key.to_string()));
        Ok(Element::Parallel(built))
    }

    fn choice(
        &mut self,
        alternatives: &[Spanned<RawAlternative>],
        span: std::ops::Range<usize>,
        key: &str,
        depth: usize,
    ) -> Result<Element, ScenarioError> {
        if depth > MAX_CHOICE_DEPTH {
            return Err(self.source.error(
                Some(span),
                key,
                format!("expected choices nested at most {MAX_CHOICE_DEPTH} deep"),
            ));
        }
        if alternatives.is_empty() {
            return Err(self.source.error(
                Some(span),
                format!("{key}.choice"),
                "expected at least one alternative",
            ));
        }
        let number = self.choices;
        self.choices += 1;
        let mut built = Vec::new();
        let mut sum = 0.0;
        let mut rest: Option<usize> = None;
        for (index, alternative) in alternatives.iter().enumerate() {
            let spanned = alternative;
            let alternative = alternative.get_ref();
            let probability = match &alternative.p {
                Some(p) => {
                    let probability = *p.get_ref();
                    if !(0.0..=1.0).contains(&probability) {
                        return Err(self.source.error(
                            Some(p.span()),
                            format!("{key}.choice[{index}].p"),
                            format!("expected a probability between 0 and 1, got {probability}"),
                        ));
                    }
                    sum += probability;
                    probability
                }
                None if rest.is_none() => {
                    rest = Some(index);
                    0.0
                }
                None => {
                    return Err(self.source.error(
                        Some(spanned.span()),
                        format!("{key}.choice[{index}].p"),
                        "expected p: only one alternative may leave it out (that one takes the rest)",
                    ));
                }
            };
            let steps_key = format!("{key}.choice[{index}].steps");
            let elements = self.sequence(alternative.steps.get_ref(), &steps_key, depth)?;
            built.push(Alternative {
                probability,
                elements,
            });
        }
        let shown = (sum * 1e9).round() / 1e9;
        match rest {
            Some(index) if sum <= 1.0 + PROBABILITY_SUM_TOLERANCE => {
                built[index].probability = (1.0 - sum).max(0.0);
            }
            Some(_) => {
                return Err(self.source.error(
                    Some(span),
                    format!("{key}.choice"),
                    format!(
                        "expected the alternatives' probabilities p to sum to at most 1 when one leaves p out, got {shown}"
                    ),
                ));
            }
            None if (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE => {
                return Err(self.source.error(
                    Some(span),
                    format!("{key}.choice"),
                    format!(
                        "expected the alternatives' probabilities p to sum to 1, got {shown} (or leave p out on one alternative: it takes the rest)"
                    ),
                ));
            }
            None => {}
        }
        Ok(Element::Choice(Choice {
            number,
            alternatives: built,
        }))
    }
}

/// A parallel block needs a step before it that forks and a step after it that joins (the
/// client does neither), so on every path it is neither first nor last, nor straight after
/// another block.
fn check_blocks(
    source: &Source<'_>,
    builder: &Builder<'_>,
    path: &crate::model::Path,
) -> Result<(), ScenarioError> {
    let stages = path.stages();
    for (index, stage) in stages.iter().enumerate() {
        if stage.len() < 2 && !builder.blocks.iter().any(|b| b.0 == stage[0][0]) {
            continue;
        }
        let (_, span, key) = builder
            .blocks
            .iter()
            .find(|block| block.0 == stage[0][0])
            .expect("every block's place is known");
        let problem = if index == 0 {
            Some(
                "a parallel block cannot start the workflow: start with the step that forks it (the client does not)",
            )
        } else if index + 1 == stages.len() {
            Some(
                "a parallel block cannot end the workflow: add the step that joins its branches (the client does not)",
            )
        } else if stages[index + 1].len() > 1
            || builder
                .blocks
                .iter()
                .any(|b| b.0 == stages[index + 1][0][0])
        {
            Some("two parallel blocks in a row: add a step between them that joins the first")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(source.error(Some(span.clone()), format!("{key}.parallel"), problem));
        }
    }
    Ok(())
}
