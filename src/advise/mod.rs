//! Inverse design (`sagasim advise`): run every candidate design (coordination ×
//! communication × consistency, times any varied scenario keys) on the same random
//! numbers, judge each against the SLOs with their noise in mind (`judge`), and take the
//! Pareto front of the feasible ones (`pareto`).

mod findings;
mod judge;
mod output;
mod pareto;

use crate::budget::Budget;
use crate::coordination::{
    Coordination, Design, PATTERNS, communication_from_label, communication_label,
    consistency_from_label, consistency_label,
};
use crate::model::{Communication, Consistency};
use crate::report::{Slo, exclusions};
use crate::runner::{DesignRun, Progress, RunOptions, ScenarioResults, map_in_parallel, run};
use crate::scenario::Scenario;
use crate::sweep::{CapacityResult, capacity};

pub use crate::report::{Order, Standing};
pub use judge::{BoundCheck, Feasibility, IntervalBasis, check_bounds, interval_of};
pub use output::{
    ADVICE_COLUMNS, advice_csv, advice_markdown, advice_terminal, chart_bounds, chart_points,
};
pub use pareto::{OBJECTIVES, Objective, compare_candidates, pareto_front};

/// The exit code of `advise` when no candidate meets every SLO.
pub const NO_FEASIBLE_EXIT_CODE: i32 = 5;

/// A design dimension `--only` may restrict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restriction {
    /// `coordination=orchestrator,choreography`.
    Coordination(Vec<Coordination>),
    /// `communication=async`.
    Communication(Vec<Communication>),
    /// `consistency=atomic`.
    Consistency(Vec<Consistency>),
    /// `design=epic,anthology`: candidates by label.
    Design(Vec<String>),
}

const ONLY_FORM: &str = "expected KEY=VALUES with KEY one of coordination, communication, consistency or design, like consistency=atomic or coordination=orchestrator,choreography";

impl Restriction {
    /// Read `KEY=VALUES`.
    pub fn parse(text: &str) -> Result<Restriction, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("{ONLY_FORM}; got `{text}`"))?;
        let values: Vec<&str> = values.split(',').map(str::trim).collect();
        if values.iter().any(|v| v.is_empty()) {
            return Err(format!("{ONLY_FORM}; `{text}` has an empty value"));
        }
        let each = |read: &dyn Fn(&str) -> Option<()>, allowed: &str| match values
            .iter()
            .find(|v| read(v).is_none())
        {
            Some(bad) => Err(format!("{key}: unknown value `{bad}`; expected {allowed}")),
            None => Ok(()),
        };
        match key.trim() {
            "coordination" => {
                let names: Vec<&str> = Coordination::ALL.iter().map(|c| c.name()).collect();
                each(
                    &|v| Coordination::from_name(v).map(|_| ()),
                    &names.join(", "),
                )?;
                Ok(Restriction::Coordination(
                    values
                        .iter()
                        .filter_map(|v| Coordination::from_name(v))
                        .collect(),
                ))
            }
            "communication" => {
                each(
                    &|v| communication_from_label(v).map(|_| ()),
                    "async or sync",
                )?;
                Ok(Restriction::Communication(
                    values
                        .iter()
                        .filter_map(|v| communication_from_label(v))
                        .collect(),
                ))
            }
            "consistency" => {
                each(
                    &|v| consistency_from_label(v).map(|_| ()),
                    "atomic or eventual",
                )?;
                Ok(Restriction::Consistency(
                    values
                        .iter()
                        .filter_map(|v| consistency_from_label(v))
                        .collect(),
                ))
            }
            "design" => Ok(Restriction::Design(
                values.iter().map(|v| v.to_string()).collect(),
            )),
            other => Err(format!("{ONLY_FORM}; unknown key `{other}`")),
        }
    }

    fn admits(&self, design: &Design) -> bool {
        match self {
            Restriction::Coordination(allowed) => allowed.contains(&design.coordination),
            Restriction::Communication(allowed) => allowed.contains(&design.communication),
            Restriction::Consistency(allowed) => allowed.contains(&design.consistency),
            Restriction::Design(labels) => labels.contains(&design.label),
        }
    }
}

/// Every design of the coupling space, in coordination, communication (async first),
/// then consistency (atomic first) order. A point that is one of the book's patterns
/// carries the pattern's name; the others are named `style-communication-consistency`.
pub fn design_space() -> Vec<Design> {
    let mut designs = Vec::new();
    for coordination in Coordination::ALL {
        for communication in [Communication::Async, Communication::Sync] {
            for consistency in [Consistency::Atomic, Consistency::Eventual] {
                let pattern = PATTERNS.iter().position(|p| {
                    p.coordination == coordination
                        && p.communication == communication
                        && p.consistency == consistency
                });
                designs.push(match pattern {
                    Some(index) => Design::pattern(index),
                    None => Design {
                        label: format!(
                            "{coordination}-{}-{}",
                            communication_label(communication),
                            consistency_label(consistency)
                        ),
                        coordination,
                        communication,
                        consistency,
                        palette_slot: coordination as usize,
                    },
                });
            }
        }
    }
    designs
}

/// The designs of the space every restriction admits; an error when a `design=` label
/// names no design, or nothing is left.
pub fn restrict(designs: Vec<Design>, only: &[Restriction]) -> Result<Vec<Design>, String> {
    for restriction in only {
        if let Restriction::Design(labels) = restriction
            && let Some(unknown) = labels
                .iter()
                .find(|l| !designs.iter().any(|d| d.label == **l))
        {
            let names: Vec<&str> = designs.iter().map(|d| d.label.as_str()).collect();
            return Err(format!(
                "--only design={unknown}: no such design; expected one of {}",
                names.join(", ")
            ));
        }
    }
    let kept: Vec<Design> = designs
        .into_iter()
        .filter(|design| only.iter().all(|r| r.admits(design)))
        .collect();
    if kept.is_empty() {
        return Err("--only: the restrictions leave no design to search".to_string());
    }
    Ok(kept)
}

/// One combination of the `--vary` keys' values, with the scenario it makes.
#[derive(Debug, Clone)]
pub struct VaryPoint {
    /// The value of each varied key, in `--vary` order.
    pub values: Vec<String>,
    /// The scenario with those values applied.
    pub scenario: Scenario,
}

/// What `advise` searches and how.
#[derive(Debug, Clone)]
pub struct AdviseOptions {
    /// The bounds every candidate must meet.
    pub slo: Slo,
    /// The designs to try (`design_space`, restricted).
    pub designs: Vec<Design>,
    /// The varied keys, in `--vary` order (empty: none).
    pub varied_keys: Vec<String>,
    /// With `Some(precision)`, each feasible or marginal candidate's capacity under the
    /// SLO is searched too (`sweep::capacity`).
    pub capacity_precision: Option<f64>,
    /// Worker threads; output does not depend on it.
    pub jobs: Option<usize>,
    /// What each run may hold.
    pub budget: Budget,
    /// Called once per run finished.
    pub on_run_done: Option<Progress>,
}

/// One candidate: a design at one point of the varied keys.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The design as the space names it.
    pub design: Design,
    /// The varied keys' values (empty without `--vary`).
    pub values: Vec<String>,
    /// Unique among the candidates: the design's label, then each `key=value`.
    pub label: String,
    /// Each SLO bound's value, interval and verdict, in SLO order.
    pub checks: Vec<BoundCheck>,
    /// Every bound holds (yes), one is broken (no), or the noise cannot tell (marginal).
    pub feasibility: Feasibility,
    /// On the Pareto front of the feasible candidates.
    pub pareto: bool,
    /// The capacity search's result, with `--capacity`.
    pub capacity: Option<CapacityResult>,
    /// Why the candidate may not be recommended whatever the SLOs say (a collapse,
    /// saturation, most workflows failing, or more than 1 % lost: `report::exclusions`);
    /// it is then infeasible.
    pub excluded: Option<String>,
    /// One of its runs was stopped by overload (more workflows held than the memory
    /// budget allows): its figures end there, and it is infeasible for that reason.
    pub truncated: bool,
}

/// What `advise` found.
#[derive(Debug, Clone)]
pub struct Advice {
    /// The scenario's name.
    pub scenario: String,
    /// Its seed and replications (the same for every candidate).
    pub seed: u64,
    /// Replications per candidate.
    pub replications: u32,
    /// The SLO.
    pub slo: Slo,
    /// The varied keys.
    pub varied_keys: Vec<String>,
    /// The candidates, design-major within each vary point.
    pub candidates: Vec<Candidate>,
    /// Every run, each under its candidate's unique label: what significance tests read.
    pub results: ScenarioResults,
}

impl Advice {
    /// The feasible candidates.
    pub fn feasible(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates
            .iter()
            .filter(|c| c.feasibility == Feasibility::Yes)
    }

    /// The runs of `candidate`.
    pub fn runs_of<'a>(&'a self, candidate: &'a Candidate) -> impl Iterator<Item = &'a DesignRun> {
        self.results
            .runs
            .iter()
            .filter(move |run| run.design.label == candidate.label)
    }
}

/// The candidate label of `design` at a point with `values` of `keys`.
fn candidate_label(design: &Design, keys: &[String], values: &[String]) -> String {
    std::iter::once(design.label.clone())
        .chain(keys.iter().zip(values).map(|(k, v)| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run every design at every point, judge and rank. Points run one after another, their
/// designs × replications in parallel; every run of every candidate uses the scenario's
/// seed (and its replications' derived seeds), so candidates are compared on common
/// random numbers and the output is the same for any `jobs`. An error without points or
/// designs.
pub fn advise(points: &[VaryPoint], options: &AdviseOptions) -> Result<Advice, String> {
    let Some(first) = points.first().map(|p| &p.scenario) else {
        return Err("advise: no scenario to search".to_string());
    };
    if options.designs.is_empty() {
        return Err("advise: no design to search".to_string());
    }
    let mut runs = Vec::new();
    let mut designs = Vec::new();
    let mut candidates = Vec::new();
    for point in points {
        for (candidate, point_runs) in run_point(point, options, designs.len()) {
            designs.push(point_runs[0].design.clone());
            runs.extend(point_runs);
            candidates.push(candidate);
        }
    }
    let results = ScenarioResults {
        scenario: first.name.clone(),
        seed: first.seed,
        replications: first.replications,
        designs,
        runs,
    };
    if let Some(precision) = options.capacity_precision {
        search_capacities(points, options, precision, &mut candidates);
    }
    let feasible: Vec<bool> = candidates
        .iter()
        .map(|c| c.feasibility == Feasibility::Yes)
        .collect();
    let front = pareto_front(&feasible, |a, b, objective| {
        compare_candidates(&results, &candidates, a, b, objective)
    });
    for (candidate, on_front) in candidates.iter_mut().zip(front) {
        candidate.pareto = on_front;
    }
    Ok(Advice {
        scenario: first.name.clone(),
        seed: first.seed,
        replications: first.replications,
        slo: options.slo.clone(),
        varied_keys: options.varied_keys.clone(),
        candidates,
        results,
    })
}

/// Every design at one point: its candidates, judged, each with its runs relabelled
/// with the candidate's unique label (and palette slots from `first_slot` on).
fn run_point(
    point: &VaryPoint,
    options: &AdviseOptions,
    first_slot: usize,
) -> Vec<(Candidate, Vec<DesignRun>)> {
    let mut scenario = point.scenario.clone();
    scenario.designs = options.designs.clone();
    let results = run(
        &scenario,
        &RunOptions {
            jobs: options.jobs,
            trace: false,
            on_run_done: options.on_run_done.clone(),
            budget: options.budget,
        },
    );
    options
        .designs
        .iter()
        .enumerate()
        .map(|(index, design)| {
            let label = candidate_label(design, &options.varied_keys, &point.values);
            let unique = Design {
                label: label.clone(),
                palette_slot: first_slot + index,
                ..design.clone()
            };
            let runs: Vec<DesignRun> = results
                .runs
                .iter()
                .filter(|run| run.design == *design)
                .map(|run| DesignRun {
                    design: unique.clone(),
                    ..run.clone()
                })
                .collect();
            let checks = check_bounds(&options.slo, &runs);
            let alone = ScenarioResults {
                scenario: results.scenario.clone(),
                seed: results.seed,
                replications: results.replications,
                designs: vec![unique.clone()],
                runs: runs.clone(),
            };
            let truncated = alone.stopped_runs().next().is_some();
            let excluded = match crate::report::describe_stopped(&alone) {
                Some(stopped) => Some(format!(
                    "its run was stopped by overload ({stopped}, beyond the memory budget: --max-memory), so its figures end there"
                )),
                None => exclusions(&alone).into_iter().next().map(|(_, why)| why),
            };
            let feasibility = if excluded.is_some() {
                Feasibility::No
            } else {
                Feasibility::of(&checks)
            };
            let candidate = Candidate {
                design: design.clone(),
                values: point.values.clone(),
                label,
                feasibility,
                checks,
                pareto: false,
                capacity: None,
                excluded,
                truncated,
            };
            (candidate, runs)
        })
        .collect()
}

/// The capacity of every candidate that is not ruled out, in parallel, each search on
/// its own point's scenario.
fn search_capacities(
    points: &[VaryPoint],
    options: &AdviseOptions,
    precision: f64,
    candidates: &mut [Candidate],
) {
    let per_point = options.designs.len();
    let indexed: Vec<(usize, &Candidate)> = candidates.iter().enumerate().collect();
    let found = map_in_parallel(&indexed, options.jobs, |&(index, candidate)| {
        (candidate.feasibility != Feasibility::No).then(|| {
            let scenario = &points[index / per_point].scenario;
            capacity(
                scenario,
                &options.slo,
                precision,
                &candidate.design,
                &options.budget,
            )
        })
    });
    for (candidate, result) in candidates.iter_mut().zip(found) {
        candidate.capacity = result;
    }
}

/// `communication` and `consistency` as the CSV writes them.
pub fn coordinates(design: &Design) -> [&'static str; 3] {
    [
        design.coordination.name(),
        communication_label(design.communication),
        consistency_label(design.consistency),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_space_holds_twenty_designs_and_the_eight_patterns_by_name() {
        let space = design_space();
        assert_eq!(space.len(), 20);
        let labels: Vec<&str> = space.iter().map(|d| d.label.as_str()).collect();
        for pattern in PATTERNS {
            assert!(labels.contains(&pattern.name), "{}", pattern.name);
        }
        assert!(labels.contains(&"stateless-sync-eventual"));
        assert!(labels.contains(&"choreography-sync-atomic"));
        let mut unique = labels.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 20);
    }

    #[test]
    fn restrictions_keep_what_they_name_and_refuse_what_they_cannot_read() {
        let only = [Restriction::parse("consistency=atomic").unwrap_or_else(|e| panic!("{e}"))];
        let kept = restrict(design_space(), &only).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kept.len(), 10);
        assert!(kept.iter().all(|d| d.consistency == Consistency::Atomic));
        let only = [
            Restriction::parse("coordination=orchestrator").unwrap_or_else(|e| panic!("{e}")),
            Restriction::parse("communication=sync").unwrap_or_else(|e| panic!("{e}")),
        ];
        let kept: Vec<String> = restrict(design_space(), &only)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|d| d.label)
            .collect();
        assert_eq!(kept, ["epic", "fairy-tale"]);
        for bad in [
            "consistency",
            "consistency=strong",
            "colour=red",
            "coordination=,x",
        ] {
            assert!(Restriction::parse(bad).is_err(), "{bad}");
        }
        let only = [Restriction::parse("design=epik").unwrap_or_else(|e| panic!("{e}"))];
        assert!(restrict(design_space(), &only).is_err());
    }
}
