//! `sagasim advise`: the flags turned into candidates, the search run, the summary
//! printed and `advice.csv`, `advice.md` and `advice.png` written as one set.

use std::path::Path;

use sagasim::advise::{
    Advice, AdviseOptions, Feasibility, Restriction, VaryPoint, advice_csv, advice_markdown,
    advice_terminal, advise, chart_bounds, chart_points, design_space, restrict,
};
use sagasim::budget::Budget;
use sagasim::report::{AssertedMetric, ChartFormat, Column, Slo, advice_chart};
use sagasim::run_folder::{self, ADVICE_FILES, RunManifest};
use sagasim::scenario::{Override, Scenario, ScenarioError, cannot_run, fingerprint};
use sagasim::sweep::{Param, check_slo, points};
use sagasim::{Design, Progress};

use super::args::AdviseArgs;
use super::{
    CliError, capacity, check_jobs, check_replications, ensure_writable, limits, note, overrides,
    print, progress, without_default_out, without_neutral_flags,
};

/// Most candidates one search may have (designs × combinations of the varied values).
const MAX_CANDIDATES: usize = 2_000;

/// Keys `--vary` refuses: they would break the comparison (the seed, the replications),
/// or are searched already (communication, consistency, the designs).
const NOT_VARIED: [(&str, &str); 6] = [
    (
        "scenario.seed",
        "every candidate runs on the same seed; use --seed",
    ),
    (
        "scenario.replications",
        "every candidate runs the same replications; use --replications",
    ),
    (
        "scenario.communication",
        "every design's communication is searched already; restrict it with --only communication=…",
    ),
    (
        "scenario.consistency",
        "every design's consistency is searched already; restrict it with --only consistency=…",
    ),
    (
        "scenario.variants",
        "the designs are searched already; restrict them with --only",
    ),
    (
        "designs",
        "the designs are searched already; restrict them with --only",
    ),
];

/// What the flags ask for, checked.
struct Request {
    slo: Slo,
    designs: Vec<Design>,
    params: Vec<Param>,
    budget: Budget,
}

pub(super) fn advise_command(args: AdviseArgs, command: String) -> Result<(), CliError> {
    let request = read_flags(&args)?;
    let (vary_points, document) = load_points(&args, &request)?;
    let first = &vary_points[0].scenario;
    let default_out = Path::new("results").join(format!("{}-advice", first.name));
    let out = args.out.clone().unwrap_or_else(|| default_out.clone());
    let content = advice_content(&document, first, &request.slo, &args);
    let lock = run_folder::lock(&out).map_err(limits::folder_error)?;
    let folder = lock.folder().to_path_buf();
    run_folder::check_replaceable_with(&folder, &ADVICE_FILES, &content, args.force)
        .map_err(limits::folder_error)?;
    ensure_writable(&folder)?;
    let runs = vary_points.len() * request.designs.len() * first.replications as usize;
    progress::start(runs as u64, "runs");
    let options = AdviseOptions {
        slo: request.slo,
        designs: request.designs,
        varied_keys: request.params.iter().map(|p| p.key.clone()).collect(),
        capacity_precision: args.capacity.then_some(args.precision),
        jobs: args.jobs,
        budget: request.budget,
        on_run_done: Some(Progress::new(progress::tick)),
    };
    let advice = advise(&vary_points, &options).map_err(CliError::Input)?;
    progress::finish();
    // The summary first: if a file cannot be written, the advice is still seen.
    print(&advice_terminal(&advice))?;
    let command = without_neutral_flags(&without_default_out(&command, &out, &default_out));
    write_advice(&advice, &folder, &command, !args.no_charts, content)?;
    drop(lock);
    if advice.feasible().next().is_none() {
        let marginal = advice
            .candidates
            .iter()
            .filter(|c| c.feasibility == Feasibility::Marginal)
            .count();
        return Err(CliError::NoFeasible(format!(
            "no candidate meets every SLO ({marginal} marginal); see the nearest misses above"
        )));
    }
    Ok(())
}

/// The SLO, the designs, the varied keys and the budget, each refused with the flag
/// named when it cannot be used.
fn read_flags(args: &AdviseArgs) -> Result<Request, CliError> {
    let typed = args.slo.join(",");
    let slo =
        Slo::parse_all(&args.slo).map_err(|e| CliError::Input(format!("--slo {typed}: {e}")))?;
    if args.capacity {
        check_slo(&slo)
            .map_err(|e| CliError::Input(format!("--slo {typed} with --capacity: {e}")))?;
        capacity::check_precision(args.precision)?;
    }
    let only: Vec<Restriction> = args
        .only
        .iter()
        .map(|flag| {
            Restriction::parse(flag).map_err(|e| CliError::Input(format!("--only {flag}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let params = args
        .vary
        .iter()
        .map(|flag| parse_vary(flag))
        .collect::<Result<Vec<Param>, _>>()?;
    check_jobs(args.jobs)?;
    Ok(Request {
        slo,
        designs: restrict(design_space(), &only).map_err(CliError::Input)?,
        params,
        budget: limits::budget(&args.budget)?,
    })
}

/// One `--vary KEY=VALUES`: a sweep parameter on a key that can be varied, without a
/// value twice.
fn parse_vary(flag: &str) -> Result<Param, CliError> {
    let param = Param::parse(flag).map_err(|e| CliError::Input(format!("--vary {flag}: {e}")))?;
    if let Some((_, why)) = NOT_VARIED.iter().find(|(key, _)| *key == param.key) {
        return Err(CliError::Input(format!(
            "--vary {flag}: {} cannot be varied: {why}",
            param.key
        )));
    }
    let mut seen: Vec<&String> = Vec::new();
    for value in &param.values {
        if seen.contains(&value) {
            return Err(CliError::Input(format!(
                "--vary {flag}: `{value}` is listed twice; each value makes one candidate per design"
            )));
        }
        seen.push(value);
    }
    Ok(param)
}

/// Every combination of the varied values, each with its scenario (seed and
/// replications from the flags), checked against the budget; and the effective document
/// of the scenario without them.
fn load_points(args: &AdviseArgs, request: &Request) -> Result<(Vec<VaryPoint>, String), CliError> {
    let replications = check_replications(args.replications)?;
    let sets = overrides(&args.scenario)?;
    let file = limits::check_file(&args.scenario, &request.budget, replications, Some(1))?;
    let (base, document) = Scenario::parse_with_fingerprint(&file.shown, &file.text, &sets)?;
    check_scenario(&base, &args.scenario.file, request)?;
    let grid = points(&request.params);
    if grid.len().saturating_mul(request.designs.len()) > MAX_CANDIDATES {
        return Err(CliError::Input(format!(
            "--vary: {} combinations × {} designs is more than {MAX_CANDIDATES} candidates; vary fewer values, or restrict the designs with --only",
            grid.len(),
            request.designs.len()
        )));
    }
    let mut vary_points = Vec::with_capacity(grid.len());
    for values in grid {
        let mut scenario =
            if request.params.is_empty() {
                base.clone()
            } else {
                let mut point_sets = sets.clone();
                point_sets.extend(request.params.iter().zip(&values).map(|(param, value)| {
                    Override {
                        key: param.key.clone(),
                        value: value.clone(),
                    }
                }));
                Scenario::parse(&file.shown, &file.text, &point_sets)
                    .map_err(|error| as_vary_error(error, &request.params, &values))?
            };
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        if let Some(replications) = replications {
            scenario.replications = replications;
        }
        scenario.designs = request.designs.clone();
        limits::check_estimate(&scenario, args.jobs, &request.budget)?;
        vary_points.push(VaryPoint { values, scenario });
    }
    Ok((vary_points, document))
}

/// What the search needs of the scenario: an `[orchestrator]` for the orchestrated
/// designs, status queries for a status bound.
fn check_scenario(base: &Scenario, file: &Path, request: &Request) -> Result<(), CliError> {
    if base.system.orchestrator.is_none()
        && request
            .designs
            .iter()
            .any(|d| d.coordination.uses_orchestrator())
    {
        return Err(CliError::Input(format!(
            "{}: has no [orchestrator] section, which the orchestrated designs need; add one (workers, work, journal), or search without them with --only coordination=choreography,front-controller,stamp-coupling,stateless",
            file.display()
        )));
    }
    if let Some((design, reason)) = request
        .designs
        .iter()
        .find_map(|d| Some((d, cannot_run(d, &base.system)?)))
    {
        let hint = "--only coordination=orchestrator,choreography,stamp-coupling,stateless";
        return Err(CliError::Input(format!(
            "{}: `{}` {reason}; search without it with {hint}",
            file.display(),
            design.label,
        )));
    }
    let status_bound = request
        .slo
        .bounds
        .iter()
        .find(|b| b.metric == AssertedMetric::Value(Column::StatusAnsweredRatio));
    if let Some(bound) = status_bound
        && base.system.workload.status_every.is_none()
    {
        return Err(CliError::Input(format!(
            "--slo {}: {} polls no status, so no design answers any query; add `status_queries = {{ every = \"500ms\" }}` to [workload] (or --set 'workload.status_queries={{ every = \"500ms\" }}')",
            bound.text,
            file.display()
        )));
    }
    Ok(())
}

/// A scenario error that a varied value caused names `--vary`, not `--set`.
fn as_vary_error(error: ScenarioError, params: &[Param], values: &[String]) -> CliError {
    let text = error.to_string();
    for (param, value) in params.iter().zip(values) {
        let set = format!("--set {}={value}", param.key);
        if text.starts_with(&set) {
            let flag = format!("--vary {}={}", param.key, param.values.join(","));
            return CliError::Input(format!("{flag} (at {value}){}", &text[set.len()..]));
        }
    }
    CliError::Scenario(error)
}

/// Render every file in memory, then swap them in as a set; print what was written.
fn write_advice(
    advice: &Advice,
    out: &Path,
    command: &str,
    charts: bool,
    content: String,
) -> Result<(), CliError> {
    let mut files: Vec<(&str, Vec<u8>)> = vec![("advice.csv", advice_csv(advice).into_bytes())];
    let chart = if charts {
        let bytes = advice_chart(
            &advice.scenario,
            &chart_points(advice),
            &chart_bounds(advice),
            ChartFormat::Png,
        )
        .map_err(|e| CliError::Other(e.into()))?;
        files.push(("advice.png", bytes));
        Some("advice.png")
    } else {
        None
    };
    files.push((
        "advice.md",
        advice_markdown(advice, command, chart).into_bytes(),
    ));
    let manifest = RunManifest {
        scenario: advice.scenario.clone(),
        content,
        truncated: advice.candidates.iter().any(|c| c.truncated),
    };
    files.push((run_folder::MANIFEST, manifest.to_json()));
    run_folder::replace(out, &files).map_err(limits::folder_error)?;
    for (name, _) in &files {
        note(format_args!("wrote {}", out.join(name).display()));
    }
    Ok(())
}

/// The identity of an advice's configuration: the effective scenario document and every
/// flag that changes the figures.
fn advice_content(document: &str, first: &Scenario, slo: &Slo, args: &AdviseArgs) -> String {
    let settings = format!(
        "slo={}\nonly={:?}\nvary={:?}\ncapacity={}/{}\nseed={}\nreplications={}\n",
        slo.text,
        args.only,
        args.vary,
        args.capacity,
        args.precision,
        first.seed,
        first.replications
    );
    fingerprint(&[document.as_bytes(), b"\n", settings.as_bytes()])
}
