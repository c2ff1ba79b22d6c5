//! `report.md`: the comparison for an architecture review or an ADR, in GitHub-flavoured
//! Markdown: key parameters, the comparison table, the charts, what stands out (computed
//! from the numbers), failures, and the command that reproduces it all.

use std::fmt::Write;

use crate::coordination::{Design, DesignFlows};
use crate::model::{Arrivals, Delivery, FaultKind, FaultTiming, SystemSpec};
use crate::runner::ScenarioResults;
use crate::scenario::Scenario;

use super::mermaid::design_diagrams;
use super::{Cell, Column, Table, differences, fault_rows, format_number, summary_rows};

/// What the report needs besides the results.
pub struct ReportInputs<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// The command line that reproduces the run.
    pub command: String,
    /// Whether the PNG charts were written next to the report.
    pub charts: bool,
    /// Each design's message flows, drawn as sequence diagrams (none: no such section).
    pub flows: &'a [(Design, DesignFlows)],
}

/// Per design, the row the report speaks for: the mean with replications, else the run.
fn main_rows(results: &ScenarioResults) -> Vec<(&Design, Vec<Cell>)> {
    let label = if results.replications > 1 {
        "mean"
    } else {
        "1"
    };
    let rows = summary_rows(results);
    results
        .designs
        .iter()
        .filter_map(|design| {
            rows.iter()
                .find(|row| row[0].render() == design.label && row[1].render() == label)
                .map(|row| (design, row.clone()))
        })
        .collect()
}

fn value(row: &[Cell], column: Column) -> Option<f64> {
    row[column.index()].as_f64()
}

/// `report.md`: the comparison, the charts, what stands out, failures, each design's
/// message flows, and the command that reproduces it.
pub fn render_report(results: &ScenarioResults, inputs: &ReportInputs<'_>) -> String {
    let scenario = inputs.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "# sagasim report: {}\n", scenario.name);
    let _ = writeln!(
        out,
        "{} designs run on the same workload (seed {}, {} replication{}), by sagasim {}.\n",
        results.designs.len(),
        results.seed,
        results.replications,
        if results.replications == 1 { "" } else { "s" },
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "Reproduce:\n\n```sh\n{}\n```\n", inputs.command);
    out.push_str("## Scenario\n\n");
    out.push_str(&parameters(scenario).to_markdown());
    out.push_str("\n## Comparison\n\n");
    out.push_str(&comparison(results).to_markdown());
    if results.replications > 1 {
        out.push_str(
            "\nMeans over the replications; ± is the half-width of the 95 % Student-t interval.\n",
        );
    }
    if inputs.charts {
        out.push_str("\n## Charts\n\n");
        out.push_str("![Latency by percentile, one line per variant](latency.png)\n\n");
        out.push_str(
            "![Completed workflows per second and workflows in flight over time](timeline.png)\n\n",
        );
        out.push_str("![Messages and bytes per workflow by kind of message](messages.png)\n\n");
        if results.replications > 1 {
            out.push_str("The charts show the first replication.\n\n");
        }
    }
    out.push_str("\n## What stands out\n\n");
    for line in standing_out(results) {
        let _ = writeln!(out, "- {line}");
    }
    if results.replications > 1 {
        out.push_str("\n## Paired differences\n\n");
        out.push_str(
            "Every variant ran on the same random numbers in each replication, so differences are \
             taken replication by replication; ± is the 95 % interval of their mean \
             (all pairs and metrics: `differences.csv`).\n\n",
        );
        for line in paired_sentences(results) {
            let _ = writeln!(out, "- {line}");
        }
    }
    let failures = failures(results);
    if !failures.is_empty() {
        out.push_str("\n## Failures\n\n");
        out.push_str(&failures);
    }
    if !inputs.flows.is_empty() {
        out.push_str(
            "\n## Message flows\n\nOne workflow of each design, on success and with a business \
             failure at the last step (`sagasim check` prints the same). In sync designs a solid \
             arrow is a blocking call, a dotted one its answer, an open one a one-way message.\n\n",
        );
        for (design, flow) in inputs.flows {
            let _ = write!(
                out,
                "<details>\n<summary>{design} ({})</summary>\n\n{}</details>\n\n",
                design.coordinates(),
                design_diagrams(&scenario.system, design, flow, 4)
            );
        }
    }
    out
}

fn parameters(scenario: &Scenario) -> Table {
    let system = &scenario.system;
    let window = system.window;
    let mut rows: Vec<(String, String)> = vec![
        (
            "run".into(),
            format!(
                "{} of arrivals, then {} to drain; first {} not measured",
                window.duration, window.drain, window.warmup
            ),
        ),
        (
            "arrivals".into(),
            match system.workload.arrivals {
                Arrivals::Poisson { per_second } => {
                    format!("Poisson, {} workflows/s", format_number(per_second))
                }
                Arrivals::Constant { per_second } => {
                    format!("constant, {} workflows/s", format_number(per_second))
                }
            },
        ),
        (
            "workflow".into(),
            system
                .steps
                .iter()
                .map(|&s| system.services[s].name.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
        ),
    ];
    for service in &system.services {
        let mut text = format!("{} workers, work {}", service.workers, service.work);
        if service.fail > 0.0 {
            let _ = write!(text, ", fails {} %", format_number(service.fail * 100.0));
        }
        if service.idempotent {
            text.push_str(", idempotent");
        }
        rows.push((format!("service `{}`", service.name), text));
    }
    if let (Some(o), true) = (
        &system.orchestrator,
        scenario
            .designs
            .iter()
            .any(|d| d.coordination.uses_orchestrator()),
    ) {
        rows.push((
            "orchestrator".into(),
            format!(
                "{} workers, work {}, journal {}",
                o.workers, o.work, o.journal
            ),
        ));
    }
    let link = &system.network.default_link;
    let bandwidth = link
        .bandwidth_bits_per_s
        .map_or("unlimited bandwidth".to_string(), |b| {
            format!("{} Mbps", format_number(b / 1e6))
        });
    let delivery = match system
        .orchestrator
        .as_ref()
        .map(|o| o.delivery)
        .or(system.services.first().map(|s| s.delivery))
    {
        Some(Delivery::Broker) => "broker",
        _ => "direct",
    };
    rows.push((
        "network".into(),
        format!("latency {}, {bandwidth}, {delivery} delivery", link.latency),
    ));
    rows.push((
        "messages".into(),
        format!(
            "{} B each; stamp coupling adds {} B per completed step",
            system.messages.base_bytes, system.messages.state_per_step_bytes
        ),
    ));
    if let Some(every) = system.workload.status_every {
        rows.push((
            "status queries".into(),
            format!("every {every} per workflow in flight"),
        ));
    }
    if let Some(timeout) = system.workload.timeout {
        rows.push(("client timeout".into(), timeout.to_string()));
    }
    let failures = &system.failures;
    if let Some(policy) = failures.policy {
        rows.push((
            "policy".into(),
            format!(
                "timeout {}, {} retries, backoff {} × {} up to {}{}",
                policy.timeout,
                policy.retries,
                policy.backoff,
                format_number(policy.multiplier),
                policy.max_backoff,
                if policy.jitter { ", full jitter" } else { "" }
            ),
        ));
    }
    // Each design runs at its own point of the coupling space.
    for design in &scenario.designs {
        rows.push((format!("design `{}`", design.label), design.coordinates()));
    }
    if failures.loss > 0.0 || failures.duplicate > 0.0 {
        rows.push((
            "message loss, duplication".into(),
            format!(
                "{} %, {} %",
                format_number(failures.loss * 100.0),
                format_number(failures.duplicate * 100.0)
            ),
        ));
    }
    for fault in &failures.faults {
        rows.push((
            "fault".into(),
            describe_fault(system, fault.kind, fault.timing),
        ));
    }
    Table {
        columns: vec!["parameter".into(), "value".into()],
        rows: rows.into_iter().map(|(k, v)| vec![k, v]).collect(),
    }
}

fn describe_fault(system: &SystemSpec, kind: FaultKind, timing: FaultTiming) -> String {
    let what = match kind {
        FaultKind::Crash(id) => format!("crash of `{}`", system.component_name(id)),
        FaultKind::Partition(a, b) => format!(
            "partition between `{}` and `{}`",
            system.component_name(a),
            system.component_name(b)
        ),
        FaultKind::Slow(id, factor) => format!(
            "`{}` {}× slower",
            system.component_name(id),
            format_number(factor)
        ),
    };
    match timing {
        FaultTiming::Scripted { at, duration } => format!("{what} at {at} for {duration}"),
        FaultTiming::Random { mtbf, mttr } => {
            format!("{what}, random: mean {mtbf} up, {mttr} down")
        }
    }
}

/// Key columns: (header, summary column, decimals).
const COMPARISON: [(&str, Column, usize); 14] = [
    ("completed", Column::Completed, 0),
    ("compensated", Column::Compensated, 0),
    ("failed", Column::Failed, 0),
    ("stuck", Column::Stuck, 0),
    ("throughput /s", Column::ThroughputPerS, 2),
    ("p50 ms", Column::LatencyP50Ms, 1),
    ("p99 ms", Column::LatencyP99Ms, 1),
    ("messages /wf", Column::MessagesPerWorkflow, 2),
    ("KiB /wf", Column::BytesPerWorkflow, 1),
    ("status answered", Column::StatusAnsweredRatio, 2),
    ("status p99 ms", Column::StatusLatencyP99Ms, 1),
    ("staleness (steps)", Column::StatusStalenessStepsMean, 2),
    ("coordinator busy", Column::CoordinatorUtilization, 2),
    ("bottleneck", Column::Bottleneck, 0),
];

fn comparison(results: &ScenarioResults) -> Table {
    let rows = summary_rows(results);
    let replicated = results.replications > 1;
    let mut table = Table {
        columns: std::iter::once("variant".to_string())
            .chain(COMPARISON.iter().map(|c| c.0.to_string()))
            .collect(),
        rows: Vec::new(),
    };
    for (design, row) in main_rows(results) {
        let interval = rows
            .iter()
            .find(|r| r[0].render() == design.label && r[1].render() == "ci95");
        let mut line = vec![format!("**{design}**")];
        for (_, name, decimals) in COMPARISON {
            let cell = &row[name.index()];
            let mut text = match (cell.as_f64(), name) {
                (None, _) => match cell {
                    Cell::Text(t) if !t.is_empty() => t.clone(),
                    _ => "–".to_string(),
                },
                (Some(v), Column::BytesPerWorkflow) => format!("{:.decimals$}", v / 1024.0),
                (Some(v), _) => format!("{v:.decimals$}"),
            };
            if let (true, Some(interval), true) = (
                replicated,
                interval,
                matches!(
                    name,
                    Column::ThroughputPerS | Column::LatencyP50Ms | Column::LatencyP99Ms
                ),
            ) && let Some(half) = interval[name.index()].as_f64()
            {
                let _ = write!(text, " ± {half:.decimals$}");
            }
            line.push(text);
        }
        table.rows.push(line);
    }
    table
}

/// Sentences about the best variant on each key metric, bottlenecks and status support.
pub fn standing_out(results: &ScenarioResults) -> Vec<String> {
    let rows = main_rows(results);
    let mut lines = Vec::new();
    let metrics: [(Column, &str, bool, &str); 6] = [
        (Column::LatencyP50Ms, "median latency", false, "ms"),
        (Column::LatencyP99Ms, "p99 latency", false, "ms"),
        (Column::ThroughputPerS, "throughput", true, "workflows/s"),
        (
            Column::MessagesPerWorkflow,
            "messages per workflow",
            false,
            "",
        ),
        (Column::BytesPerWorkflow, "bytes per workflow", false, "B"),
        (
            Column::StatusLatencyP99Ms,
            "p99 status-query latency",
            false,
            "ms",
        ),
    ];
    for (name, label, higher_is_better, unit) in metrics {
        let mut values: Vec<(&Design, f64)> = rows
            .iter()
            .filter_map(|(d, row)| value(row, name).map(|x| (*d, x)))
            .collect();
        if values.len() < 2 {
            continue;
        }
        // Stable sorts: ties keep the scenario's design order.
        if higher_is_better {
            values.sort_by(|a, b| b.1.total_cmp(&a.1));
        } else {
            values.sort_by(|a, b| a.1.total_cmp(&b.1));
        }
        let (best, best_value) = values[0];
        let (worst, worst_value) = values[values.len() - 1];
        let same = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0);
        let tied: Vec<String> = values[1..]
            .iter()
            .filter(|(_, v)| same(*v, best_value))
            .map(|(v, _)| v.to_string())
            .collect();
        let tie = if tied.is_empty() {
            String::new()
        } else {
            format!(", tied with {}", tied.join(" and "))
        };
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        if same(best_value, worst_value) {
            lines.push(format!(
                "**{label}**: the same for every variant ({}{unit}).",
                round(best_value)
            ));
            continue;
        }
        let ratio = if higher_is_better {
            best_value / worst_value
        } else {
            worst_value / best_value.max(1e-12)
        };
        let difference = (best_value - worst_value).abs();
        lines.push(format!(
            "**{label}**: best is {best} ({}{unit}){tie}; {worst} is the furthest from it ({}{unit}, {} apart, {}×).",
            round(best_value),
            round(worst_value),
            round(difference),
            format_number((ratio * 100.0).round() / 100.0),
        ));
    }
    let unanswered: Vec<String> = rows
        .iter()
        .filter(|(_, row)| value(row, Column::StatusAnsweredRatio) == Some(0.0))
        .map(|(v, _)| v.to_string())
        .collect();
    if !unanswered.is_empty()
        && rows
            .iter()
            .any(|(_, row)| value(row, Column::StatusAnsweredRatio).is_some())
    {
        lines.push(format!(
            "**cannot answer status queries**: {} (no component owns the workflow's state).",
            unanswered.join(", ")
        ));
    }
    let all_rows = summary_rows(results);
    for (variant, row) in &rows {
        // With replications the mean row names a bottleneck only if they all agree; else
        // speak for the first replication.
        let first = all_rows
            .iter()
            .find(|r| r[0].render() == variant.label && r[1].render() == "1");
        let row = if row[Column::Bottleneck.index()].render().is_empty() {
            first.unwrap_or(row)
        } else {
            row
        };
        let bottleneck = row[Column::Bottleneck.index()].render();
        if let (Some(busy), false) = (value(row, Column::MaxUtilization), bottleneck.is_empty()) {
            lines.push(format!(
                "**bottleneck of {variant}**: {bottleneck}, busy {:.1} % of the time.",
                busy * 100.0
            ));
        }
    }
    for (variant, row) in &rows {
        let stuck = value(row, Column::Stuck).unwrap_or(0.0);
        let inconsistent = value(row, Column::Inconsistent).unwrap_or(0.0);
        if stuck > 0.0 || inconsistent > 0.0 {
            lines.push(format!("**{variant} loses workflows**: {stuck:.0} stuck, {inconsistent:.0} left inconsistent."));
        }
    }
    lines
}

fn round(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn failures(results: &ScenarioResults) -> String {
    let interesting = [
        Column::Failed,
        Column::Stuck,
        Column::Inconsistent,
        Column::DuplicateEffects,
        Column::RetriesPerWorkflow,
        Column::DeadLetters,
    ];
    let rows = main_rows(results);
    let faults = fault_rows(results);
    let any = rows.iter().any(|(_, row)| {
        interesting
            .iter()
            .any(|&c| value(row, c).is_some_and(|v| v > 0.0))
    });
    if !any && faults.is_empty() {
        return String::new();
    }
    let mut out = Table {
        columns: std::iter::once("variant".to_string())
            .chain(interesting.iter().map(|c| c.name().replace('_', " ")))
            .collect(),
        rows: rows
            .iter()
            .map(|(variant, row)| {
                std::iter::once(format!("**{variant}**"))
                    .chain(interesting.iter().map(|c| row[c.index()].render()))
                    .collect()
            })
            .collect(),
    }
    .to_markdown();
    if !faults.is_empty() {
        out.push_str("\nFaults (first replication): `recovery_s` is the time from the fault's end until throughput and p99 are back within 10 % of their values before it.\n\n");
        let table = Table {
            columns: [
                "variant",
                "fault",
                "target",
                "start s",
                "end s",
                "recovery s",
                "peak backlog",
                "affected workflows",
            ]
            .iter()
            .map(|c| c.to_string())
            .collect(),
            rows: faults
                .iter()
                .filter(|row| row[1] == Cell::Count(1))
                .map(|row| {
                    let recovery = row[6].as_f64().map_or("never".to_string(), format_number);
                    vec![
                        row[0].render(),
                        row[2].render(),
                        row[3].render(),
                        row[4].render(),
                        row[5].render(),
                        recovery,
                        row[7].render(),
                        row[8].render(),
                    ]
                })
                .collect(),
        };
        out.push_str(&table.to_markdown());
    }
    out
}

/// "choreography's p99 latency is 41 ± 6 ms lower than orchestrator's", for the key
/// latency and throughput metrics, every variant against the first.
pub fn paired_sentences(results: &ScenarioResults) -> Vec<String> {
    let Some(first) = results.designs.first() else {
        return Vec::new();
    };
    let described = [
        (Column::LatencyP50Ms, "median latency", "ms"),
        (Column::LatencyP99Ms, "p99 latency", "ms"),
        (Column::ThroughputPerS, "throughput", "workflows/s"),
    ];
    let mut lines = Vec::new();
    for difference in differences(results).into_iter().filter(|d| d.a == *first) {
        let Some(&(_, label, unit)) = described.iter().find(|m| m.0 == difference.metric) else {
            continue;
        };
        if difference.mean == 0.0 && difference.ci95.unwrap_or(0.0) == 0.0 {
            lines.push(format!(
                "{}'s {label} is the same as {}'s in every replication.",
                difference.b, difference.a
            ));
            continue;
        }
        // difference.mean = a − b: positive means b is below a.
        let direction = if difference.mean > 0.0 {
            "lower"
        } else {
            "higher"
        };
        let half = difference.ci95.unwrap_or(0.0);
        let significant = if difference.mean.abs() > half {
            ""
        } else {
            " (not distinguishable from no difference)"
        };
        lines.push(format!(
            "{}'s {label} is {} ± {} {unit} {direction} than {}'s{significant}.",
            difference.b,
            round(difference.mean.abs()),
            round(half),
            difference.a
        ));
    }
    lines
}
