//! `sagasim trace`: pick workflows of one design's run and render every event of them.

use sagasim::report::{render_perfetto, render_trace_mermaid, render_trace_text};
use sagasim::scenario::Scenario;
use sagasim::trace::{Outcome, TraceSelection, WorkflowChoice, trace_workflows};

use super::args::{OutcomeArg, TraceArgs, TraceFormat};
use super::{CliError, limits, print, warn, write_atomically};

/// Most workflows one trace follows: each keeps every record it makes.
const MAX_TRACED: usize = 1000;

pub(super) fn trace_command(scenario: &mut Scenario, choices: &TraceArgs) -> Result<(), CliError> {
    scenario
        .set_designs(&[choices.variant.as_str()])
        .map_err(|message| CliError::Input(format!("--variant: {message}")))?;
    // A group name (`patterns`) names several designs: trace one, not silently the first.
    if scenario.designs.len() != 1 {
        let names: Vec<&str> = scenario.designs.iter().map(|d| d.label.as_str()).collect();
        return Err(CliError::Input(format!(
            "--variant: `{}` names {} designs; trace one of them: {}",
            choices.variant,
            names.len(),
            names.join(", ")
        )));
    }
    let design = scenario.designs[0].clone();
    let choice = workflow_choice(choices)?;
    // One design, its first replication, run twice in turn: refused beyond the budget
    // before simulating, and stopped by overload like any run.
    scenario.replications = 1;
    let budget = limits::budget(&choices.budget)?;
    limits::check_estimate(scenario, Some(1), &budget)?;
    let trace = trace_workflows(scenario, &design, choice, Some(budget.max_workflows_held()));
    if let Some(stopped) = trace.stopped {
        warn(format_args!(
            "overloaded: the run was stopped at {:.3} s with {} workflows held (a quarter of --max-memory at 1 KiB each); the trace ends there",
            stopped.at.as_secs_f64(),
            stopped.workflows_held
        ));
    }
    if trace.records.is_empty() {
        let what = match choice {
            WorkflowChoice::Number(number) => {
                format!("workflow {number} did not start in this run")
            }
            WorkflowChoice::Select(_) => "no measured workflow matches the selection".to_string(),
        };
        return Err(CliError::Input(format!(
            "trace: {what} ({} under {})",
            scenario.name, design.label
        )));
    }
    let system = design.system(&scenario.system);
    let text = match choices.format {
        TraceFormat::Perfetto => render_perfetto(&system, &trace),
        TraceFormat::Text => render_trace_text(&system, &trace),
        TraceFormat::Mermaid => render_trace_mermaid(&system, &trace),
    };
    match &choices.out {
        Some(path) => {
            write_atomically(path, text.as_bytes())?;
            super::note(format_args!(
                "wrote {} (workflows {})",
                path.display(),
                list(&trace.workflows)
            ));
            Ok(())
        }
        None => print(&text),
    }
}

fn list(workflows: &[u64]) -> String {
    workflows
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn workflow_choice(choices: &TraceArgs) -> Result<WorkflowChoice, CliError> {
    if let Some(number) = choices.workflow {
        return Ok(WorkflowChoice::Number(number));
    }
    // Without --outcome, --slowest looks at every outcome (failed and stuck ones are the
    // slowest); --outcome alone lists the first completed ones by default.
    let outcome = choices.outcome.map(|outcome| match outcome {
        OutcomeArg::Completed => Outcome::Completed,
        OutcomeArg::Compensated => Outcome::Compensated,
        OutcomeArg::Failed => Outcome::Failed,
        OutcomeArg::Stuck => Outcome::Stuck,
    });
    let count = |flag: &str, value: usize| {
        if (1..=MAX_TRACED).contains(&value) {
            Ok(value)
        } else {
            Err(CliError::Input(format!(
                "{flag}: expected from 1 to {MAX_TRACED} workflows, got {value}"
            )))
        }
    };
    Ok(WorkflowChoice::Select(
        match (choices.slowest, choices.outcome) {
            (Some(slowest), _) => TraceSelection::Slowest {
                outcome,
                count: count("--slowest", slowest)?,
            },
            (None, Some(_)) => TraceSelection::First {
                outcome: outcome.unwrap_or(Outcome::Completed),
                count: count("--limit", choices.limit.unwrap_or(1))?,
            },
            (None, None) => TraceSelection::Slowest { outcome, count: 1 },
        },
    ))
}
