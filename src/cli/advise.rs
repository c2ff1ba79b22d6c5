//! `sagasim advise`: the flags turned into candidates, the search run, the summary
//! printed and `advice.csv`, `advice.md` and `advice.png` written as one set.

use std::path::Path;

use sagasim::Progress;
use sagasim::advise::{
    AdviseOptions, Feasibility, Restriction, VaryPoint, advice_csv, advice_markdown,
    advice_terminal, advise, chart_points, design_space, restrict,
};
use sagasim::report::{ChartFormat, Slo, advice_chart};
use sagasim::run_folder::{self, ADVICE_FILES, RunManifest};
use sagasim::scenario::{Override, Scenario, fingerprint};
use sagasim::sweep::{Param, check_slo, points};

use super::args::AdviseArgs;
use super::{
    CliError, capacity, check_jobs, check_replications, ensure_writable, limits, note, overrides,
    print, progress, without_default_out, without_force,
};

/// Most candidates one search may have (designs × combinations of the varied values).
const MAX_CANDIDATES: usize = 2_000;

pub(super) fn advise_command(args: AdviseArgs, command: String) -> Result<(), CliError> {
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
    let params: Vec<Param> = args
        .vary
        .iter()
        .map(|flag| Param::parse(flag).map_err(|e| CliError::Input(format!("--vary {flag}: {e}"))))
        .collect::<Result<_, _>>()?;
    let replications = check_replications(args.replications)?;
    check_jobs(args.jobs)?;
    let budget = limits::budget(&args.budget)?;
    let designs = restrict(design_space(), &only).map_err(CliError::Input)?;
    let sets = overrides(&args.scenario)?;
    let (base, document) = Scenario::load_with_fingerprint(&args.scenario.file, &sets)?;
    if base.system.orchestrator.is_none()
        && designs.iter().any(|d| d.coordination.uses_orchestrator())
    {
        return Err(CliError::Input(format!(
            "{}: has no [orchestrator] section, which the orchestrated designs need; add one (workers, work, journal), or search without them with --only coordination=choreography,front-controller,stamp-coupling,stateless",
            args.scenario.file.display()
        )));
    }
    let grid = points(&params);
    if grid.len().saturating_mul(designs.len()) > MAX_CANDIDATES {
        return Err(CliError::Input(format!(
            "--vary: {} combinations × {} designs is more than {MAX_CANDIDATES} candidates; vary fewer values, or restrict the designs with --only",
            grid.len(),
            designs.len()
        )));
    }
    let mut vary_points = Vec::with_capacity(grid.len());
    for values in grid {
        let mut point_sets = sets.clone();
        point_sets.extend(params.iter().zip(&values).map(|(param, value)| Override {
            key: param.key.clone(),
            value: value.clone(),
        }));
        let mut scenario = if params.is_empty() {
            base.clone()
        } else {
            Scenario::load(&args.scenario.file, &point_sets)?
        };
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        if let Some(replications) = replications {
            scenario.replications = replications;
        }
        scenario.designs = designs.clone();
        limits::check_estimate(&scenario, args.jobs, &budget)?;
        vary_points.push(VaryPoint { values, scenario });
    }
    let first = &vary_points[0].scenario;
    let default_out = Path::new("results").join(format!("{}-advice", first.name));
    let out = args.out.clone().unwrap_or_else(|| default_out.clone());
    let content = advice_content(&document, first, &slo, &args);
    let lock = run_folder::lock(&out).map_err(limits::folder_error)?;
    run_folder::check_replaceable_with(&out, &ADVICE_FILES, &content, args.force)
        .map_err(limits::folder_error)?;
    ensure_writable(&out)?;
    let runs = vary_points.len() * designs.len() * first.replications as usize;
    progress::start(runs as u64, "runs");
    let options = AdviseOptions {
        slo,
        designs,
        varied_keys: params.iter().map(|p| p.key.clone()).collect(),
        capacity_precision: args.capacity.then_some(args.precision),
        jobs: args.jobs,
        budget,
        on_run_done: Some(Progress::new(progress::tick)),
    };
    let advice = advise(&vary_points, &options);
    progress::finish();
    print(&advice_terminal(&advice))?;
    let command = without_force(&without_default_out(&command, &out, &default_out));
    let mut files: Vec<(&str, Vec<u8>)> = vec![("advice.csv", advice_csv(&advice).into_bytes())];
    let chart = if args.no_charts {
        None
    } else {
        let bytes = advice_chart(&advice.scenario, &chart_points(&advice), ChartFormat::Png)
            .map_err(|e| CliError::Other(e.into()))?;
        files.push(("advice.png", bytes));
        Some("advice.png")
    };
    files.push((
        "advice.md",
        advice_markdown(&advice, &command, chart).into_bytes(),
    ));
    let manifest = RunManifest {
        scenario: advice.scenario.clone(),
        content,
        truncated: false,
    };
    files.push((run_folder::MANIFEST, manifest.to_json()));
    run_folder::replace(&out, &files).map_err(limits::folder_error)?;
    drop(lock);
    for (name, _) in &files {
        note(format_args!("wrote {}", out.join(name).display()));
    }
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
