//! The workflow's definition as a graph: its steps in order, the choices between
//! alternative paths, and every path a workflow can take. Paths are resolved once, when
//! the scenario is validated; a workflow draws its path when it starts (from a stream
//! keyed by its number, so every design sees the same path for the same workflow) and
//! the coordination rules then walk that path.

use std::fmt;

use crate::engine::{KeyedStreams, SplitMix64, StreamPurpose};

/// Most distinct paths a workflow graph may have (every one is resolved in advance).
pub const MAX_PATHS: usize = 1_024;
/// Deepest nesting of choices inside choices.
pub const MAX_CHOICE_DEPTH: usize = 8;

/// One element of a sequence of steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A step, by its index in the workflow's list of steps (`SystemSpec::steps`).
    Step(u8),
    /// One alternative per workflow.
    Choice(Choice),
    /// Branches run at once (each a sequence of steps); the next element starts when
    /// every branch has completed.
    Parallel(Vec<Vec<u8>>),
}

/// `{ choice = [...] }`: one alternative per workflow, drawn with the given probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The choice's number in the definition (depth first): the key of its random stream.
    pub number: u32,
    pub alternatives: Vec<Alternative>,
}

/// One alternative of a choice: its probability and its steps (none: the block is skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub probability: f64,
    pub elements: Vec<Element>,
}

/// A stage of a path: one step, or a parallel block's branches (each a sequence).
pub type Stage = Vec<Vec<u8>>;

/// One path through the graph: the stages a workflow goes through, in order, and the
/// steps it performs (stage by stage, branch by branch).
#[derive(Clone, PartialEq)]
pub struct Path {
    steps: Vec<u8>,
    stages: Vec<Stage>,
    /// The set of steps on the path (bit = step index).
    mask: u64,
    /// Each step's position on the path (`u8::MAX` for a step not on it).
    position: [u8; 64],
    /// The step after and before each step on the path, in order (`u8::MAX`: none): a
    /// chain's hot lookups, one load each.
    next: [u8; 64],
    previous: [u8; 64],
    /// Each step's stage.
    stage_of: [u8; 64],
    /// The steps done whenever a step is: earlier stages and the step's branch up to it.
    done_with: [u64; 64],
    /// Whether any stage is a parallel block.
    parallel: bool,
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.steps).finish()
    }
}

impl Path {
    fn new(stages: Vec<Stage>) -> Self {
        let mut steps = Vec::new();
        let mut position = [u8::MAX; 64];
        let mut stage_of = [u8::MAX; 64];
        let mut done_with = [0u64; 64];
        let mut mask = 0u64;
        for (stage_index, stage) in stages.iter().enumerate() {
            let before = mask;
            for branch in stage {
                let mut done = before;
                for &step in branch {
                    position[usize::from(step)] = steps.len() as u8;
                    stage_of[usize::from(step)] = stage_index as u8;
                    done |= 1u64 << step;
                    done_with[usize::from(step)] = done;
                    steps.push(step);
                }
                mask |= done;
            }
        }
        let parallel = stages.iter().any(|stage| stage.len() > 1);
        let mut next = [u8::MAX; 64];
        let mut previous = [u8::MAX; 64];
        for pair in steps.windows(2) {
            next[usize::from(pair[0])] = pair[1];
            previous[usize::from(pair[1])] = pair[0];
        }
        Path {
            steps,
            stages,
            mask,
            position,
            next,
            previous,
            stage_of,
            done_with,
            parallel,
        }
    }

    /// The path as a line of text, with step names from `name`: `a → [b ‖ c → d] → e`.
    pub fn describe(&self, name: &dyn Fn(u8) -> String) -> String {
        let stages: Vec<String> = self
            .stages
            .iter()
            .map(|stage| match stage.as_slice() {
                [branch] => describe_branch(branch, name),
                branches => describe_block(branches, name),
            })
            .collect();
        stages.join(" → ")
    }

    /// The stages, in order.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// Whether the path holds a parallel block.
    #[inline(always)]
    pub fn has_parallel(&self) -> bool {
        self.parallel
    }

    /// The stage `step` belongs to.
    pub fn stage_of(&self, step: u8) -> usize {
        usize::from(self.stage_of[usize::from(step)])
    }

    /// Whether `step` runs in a parallel block.
    pub fn in_parallel(&self, step: u8) -> bool {
        self.stages[self.stage_of(step)].len() > 1
    }

    /// The steps done whenever `step` is (itself, earlier stages, its branch up to it).
    pub fn done_with(&self, step: u8) -> u64 {
        self.done_with[usize::from(step)]
    }

    /// The branch of a parallel block that `step` is on.
    fn branch_of(&self, step: u8) -> &[u8] {
        self.stages[self.stage_of(step)]
            .iter()
            .find(|branch| branch.contains(&step))
            .expect("a step is on one branch of its stage")
    }

    /// The step after `step` on its own branch (a single step's stage is a branch of one).
    pub fn next_in_branch(&self, step: u8) -> Option<u8> {
        let branch = self.branch_of(step);
        let at = branch.iter().position(|&s| s == step)?;
        branch.get(at + 1).copied()
    }

    /// The step before `step` on its own branch.
    pub fn previous_in_branch(&self, step: u8) -> Option<u8> {
        let branch = self.branch_of(step);
        let at = branch.iter().position(|&s| s == step)?;
        at.checked_sub(1).map(|before| branch[before])
    }

    /// The last step of `step`'s branch.
    pub fn tail_of(&self, step: u8) -> u8 {
        *self.branch_of(step).last().expect("a branch has a step")
    }

    /// The steps that start when stage `stage` begins: the first step of each branch.
    pub fn heads(&self, stage: usize) -> impl Iterator<Item = u8> + '_ {
        self.stages
            .get(stage)
            .into_iter()
            .flatten()
            .map(|branch| branch[0])
    }

    /// The last steps of the branches of stage `stage`, as a set.
    pub fn tails_mask(&self, stage: usize) -> u64 {
        self.stages[stage]
            .iter()
            .map(|branch| 1u64 << branch[branch.len() - 1])
            .fold(0, |mask, bit| mask | bit)
    }

    /// The steps whose outputs `step` consumes: the step before it on its branch; for
    /// the first step of a stage, the previous stage's (every branch's last step after a
    /// parallel block); none for the workflow's first stage.
    pub fn inputs_of(&self, step: u8) -> u64 {
        if let Some(previous) = self.previous_in_branch(step) {
            return 1u64 << previous;
        }
        match self.stage_of(step).checked_sub(1) {
            Some(stage) => self.tails_mask(stage),
            None => 0,
        }
    }

    /// The outputs the client receives at the end: the last stage's.
    pub fn outputs_at_end(&self) -> u64 {
        self.tails_mask(self.stages.len() - 1)
    }

    /// The step that joins the parallel block `step` runs in: the next stage's (validated
    /// to be a single step).
    pub fn join_after(&self, step: u8) -> u8 {
        self.heads(self.stage_of(step) + 1)
            .next()
            .expect("validated: a step joins every block")
    }

    /// Whether `step` joins a parallel block: the stage before it is one.
    pub fn is_join(&self, step: u8) -> bool {
        let stage = self.stage_of(step);
        stage > 0 && self.stages[stage - 1].len() > 1
    }

    /// The steps, in order (stage by stage, branch by branch).
    #[inline]
    pub fn steps(&self) -> &[u8] {
        &self.steps
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    #[inline]
    pub fn first(&self) -> Option<u8> {
        self.steps.first().copied()
    }

    #[inline]
    pub fn last(&self) -> Option<u8> {
        self.steps.last().copied()
    }

    /// The set of its steps (bit = step index).
    #[inline]
    pub fn mask(&self) -> u64 {
        self.mask
    }

    pub fn contains(&self, step: u8) -> bool {
        self.mask & (1u64 << step) != 0
    }

    /// `step`'s 0-based position on the path.
    #[inline(always)]
    pub fn position(&self, step: u8) -> u8 {
        let position = self.position[usize::from(step)];
        assert!(position != u8::MAX, "step {step} is not on the path");
        position
    }

    /// The step at 0-based `position`.
    #[inline]
    pub fn at(&self, position: u8) -> u8 {
        self.steps[usize::from(position)]
    }

    /// The step after `step` in the path's order, if any.
    #[inline(always)]
    pub fn next(&self, step: u8) -> Option<u8> {
        let next = self.next[usize::from(step & 63)];
        (next != u8::MAX).then_some(next)
    }

    /// The step before `step` in the path's order, if any.
    #[inline(always)]
    pub fn previous(&self, step: u8) -> Option<u8> {
        let previous = self.previous[usize::from(step & 63)];
        (previous != u8::MAX).then_some(previous)
    }
}

/// The workflow as defined, with its paths.
#[derive(Clone, PartialEq)]
pub struct WorkflowGraph {
    elements: Vec<Element>,
    /// Every path, sorted by its step set.
    paths: Vec<Path>,
    /// Every workflow takes this path (`check`'s flows of one path).
    forced: Option<u16>,
}

impl fmt::Debug for WorkflowGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkflowGraph")
            .field("elements", &self.elements)
            .field("forced", &self.forced)
            .finish()
    }
}

/// Why a graph cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    TooManyPaths,
}

impl WorkflowGraph {
    /// The straight chain of `steps` steps.
    pub fn chain(steps: usize) -> Self {
        let elements = (0..steps).map(|step| Element::Step(step as u8)).collect();
        Self::new(elements).expect("a chain has one path")
    }

    /// The graph of `elements`, with all its paths resolved.
    pub fn new(elements: Vec<Element>) -> Result<Self, GraphError> {
        let mut paths = Vec::new();
        for stages in expand(&elements)? {
            paths.push(Path::new(stages));
        }
        paths.sort_by_key(|path| path.mask);
        paths.dedup_by_key(|path| path.mask);
        Ok(WorkflowGraph {
            elements,
            paths,
            forced: None,
        })
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    #[inline(always)]
    pub fn path(&self, index: u16) -> &Path {
        &self.paths[usize::from(index)]
    }

    /// Whether the graph has one path (a chain: no choice).
    #[inline(always)]
    pub fn is_chain(&self) -> bool {
        self.paths.len() == 1
    }

    /// The same graph, every workflow taking path `index`.
    pub fn forced_to(&self, index: u16) -> Self {
        WorkflowGraph {
            forced: Some(index),
            ..self.clone()
        }
    }

    /// Whether every path starts with the same step (the front controller needs one).
    pub fn first_step_is_fixed(&self) -> bool {
        matches!(self.elements.first(), Some(Element::Step(_)))
    }

    /// Whether some path holds a parallel block.
    pub fn has_parallel(&self) -> bool {
        self.paths.iter().any(Path::has_parallel)
    }

    /// The path workflow `number` takes: each choice on it draws its alternative from
    /// the choice's own stream for this workflow, so designs agree.
    pub fn draw_path(&self, streams: &KeyedStreams, number: u64) -> u16 {
        if let Some(forced) = self.forced {
            return forced;
        }
        if self.paths.len() == 1 {
            return 0;
        }
        let mut mask = 0u64;
        draw(&self.elements, streams, number, &mut mask);
        let index = self
            .paths
            .binary_search_by_key(&mask, |path| path.mask)
            .expect("every drawn path was resolved in advance");
        index as u16
    }
}

fn draw(elements: &[Element], streams: &KeyedStreams, number: u64, mask: &mut u64) {
    for element in elements {
        match element {
            Element::Step(step) => *mask |= 1u64 << step,
            Element::Parallel(branches) => {
                for &step in branches.iter().flatten() {
                    *mask |= 1u64 << step;
                }
            }
            Element::Choice(choice) => {
                let mut rng: SplitMix64 =
                    streams.stream(StreamPurpose::Choice, number, u64::from(choice.number));
                let alternative = pick(&choice.alternatives, rng.next_open01());
                draw(&alternative.elements, streams, number, mask);
            }
        }
    }
}

/// The alternative whose share of (0, 1) holds `u`; the last one that can be drawn takes
/// any rounding gap (an alternative of probability 0 never is).
fn pick(alternatives: &[Alternative], u: f64) -> &Alternative {
    let mut cumulative = 0.0;
    for alternative in alternatives {
        cumulative += alternative.probability;
        if u < cumulative {
            return alternative;
        }
    }
    alternatives
        .iter()
        .rev()
        .find(|alternative| alternative.probability > 0.0)
        .or(alternatives.last())
        .expect("a choice has alternatives")
}

/// Every sequence of stages `elements` can take.
fn expand(elements: &[Element]) -> Result<Vec<Vec<Stage>>, GraphError> {
    let mut paths: Vec<Vec<Stage>> = vec![Vec::new()];
    for element in elements {
        match element {
            Element::Step(step) => paths
                .iter_mut()
                .for_each(|path| path.push(vec![vec![*step]])),
            Element::Parallel(branches) => paths
                .iter_mut()
                .for_each(|path| path.push(branches.clone())),
            Element::Choice(choice) => {
                let mut tails = Vec::new();
                for alternative in &choice.alternatives {
                    tails.extend(expand(&alternative.elements)?);
                }
                // Alternatives that run the same steps (two that skip the block) make one
                // path, not two.
                tails.sort();
                tails.dedup();
                if paths.len().saturating_mul(tails.len()) > MAX_PATHS {
                    return Err(GraphError::TooManyPaths);
                }
                paths = paths
                    .iter()
                    .flat_map(|head| {
                        tails.iter().map(move |tail| {
                            let mut path = head.clone();
                            path.extend_from_slice(tail);
                            path
                        })
                    })
                    .collect();
            }
        }
    }
    Ok(paths)
}

/// The graph as a line of text, with step names from `name`: `order → (70% fraud →
/// payment | 30% payment) → [inventory ‖ shipping] → invoice`; an empty alternative shows
/// as `skip`, a parallel block's branches are separated by `‖`.
pub fn describe(elements: &[Element], name: &dyn Fn(u8) -> String) -> String {
    let parts: Vec<String> = elements
        .iter()
        .map(|element| match element {
            Element::Step(step) => name(*step),
            Element::Parallel(branches) => describe_block(branches, name),
            Element::Choice(choice) => {
                let alternatives: Vec<String> = choice
                    .alternatives
                    .iter()
                    .map(|alternative| {
                        let steps = if alternative.elements.is_empty() {
                            "skip".to_string()
                        } else {
                            describe(&alternative.elements, name)
                        };
                        format!("{}% {steps}", percent(alternative.probability))
                    })
                    .collect();
                format!("({})", alternatives.join(" | "))
            }
        })
        .collect();
    parts.join(" → ")
}

/// A branch as text: its steps in order.
fn describe_branch(branch: &[u8], name: &dyn Fn(u8) -> String) -> String {
    let steps: Vec<String> = branch.iter().map(|&step| name(step)).collect();
    steps.join(" → ")
}

/// A parallel block as text: its branches, bracketed, separated by `‖`.
fn describe_block(branches: &[Vec<u8>], name: &dyn Fn(u8) -> String) -> String {
    let branches: Vec<String> = branches
        .iter()
        .map(|branch| describe_branch(branch, name))
        .collect();
    format!("[{}]", branches.join(" ‖ "))
}

fn percent(probability: f64) -> String {
    let value = probability * 100.0;
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round())
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
#[path = "workflow_graph_tests.rs"]
mod tests;
