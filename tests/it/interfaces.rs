//! Network interfaces as shared resources (issue 10, part 3): a component's outgoing
//! messages leave one after another at its interface's rate; without `interface` nothing
//! changes.

use crate::common;

use common::{chain_scenario, parse, run_all, summary_of};
use sagasim::trace::{MessageKind, TraceRecord};
use sagasim::{Coordination, RunOptions, run};

/// Three workflows 1 ms apart (at 1, 2 and 3 ms), each with one 10 MB step command,
/// through the orchestrator's 100 Mbps interface; no latency, no work.
fn three_big_commands(interface: &str) -> String {
    let text = chain_scenario(1, None, &format!("\n[network]\n{interface}\n"));
    text.replace(
        "arrivals = { constant = 10 }",
        "arrivals = { constant = 1000 }",
    )
    .replace("duration = \"20s\"", "duration = \"3500us\"")
    .replace("base = \"1KiB\"", "base = \"10MB\"")
    .replace("work = \"1ms\"", "work = \"0ms\"")
}

fn command_arrivals_s(text: &str) -> Vec<f64> {
    let mut scenario = parse(text);
    scenario
        .designs
        .retain(|d| d.coordination == Coordination::Orchestrator);
    let results = run(
        &scenario,
        &RunOptions {
            trace: true,
            ..RunOptions::default()
        },
    );
    results.runs[0]
        .trace
        .iter()
        .filter_map(|record| match record {
            TraceRecord::Arrived {
                at,
                kind: MessageKind::Command,
                ..
            } => Some(at.as_secs_f64()),
            _ => None,
        })
        .collect()
}

#[test]
fn three_10_mb_commands_through_a_100_mbps_interface_arrive_at_0_8_1_6_and_2_4_s() {
    // Each takes 10e6 × 8 / 100e6 = 0.8 s to leave; the second and third wait for the
    // ones before (FIFO), although they were sent 1 and 2 ms after the first (at 1 ms).
    let arrivals = command_arrivals_s(&three_big_commands("interface = \"100Mbps\""));
    assert_eq!(arrivals.len(), 3, "{arrivals:?}");
    for (arrival, expected) in arrivals.iter().zip([0.8, 1.6, 2.4]) {
        assert!((arrival - 0.001 - expected).abs() < 1e-9, "{arrivals:?}");
    }
    // Without an interface they arrive as they are sent.
    let unlimited = command_arrivals_s(&three_big_commands(""));
    assert_eq!(unlimited.len(), 3, "{unlimited:?}");
    for (arrival, expected) in unlimited.iter().zip([0.001, 0.002, 0.003]) {
        assert!((arrival - expected).abs() < 1e-9, "{unlimited:?}");
    }
}

#[test]
fn a_service_overrides_the_network_interface_and_the_busiest_interface_is_the_bottleneck() {
    // Every message is 100 kB (0.8 Mbit); 10 workflows/s. The orchestrator sends two
    // commands and the client's answer per workflow: 24 Mbit/s through its own 30 Mbps
    // interface, 80 % busy, while the workers (64 everywhere, 1 ms steps) idle.
    let text = chain_scenario(2, None, "\n[network]\ninterface = \"1Gbps\"\n")
        .replace("base = \"1KiB\"", "base = \"100kB\"")
        .replace(
            "[orchestrator]\nworkers = 64\n",
            "[orchestrator]\nworkers = 64\ninterface = \"30Mbps\"\n",
        );
    let mut scenario = parse(&text);
    scenario
        .designs
        .retain(|d| d.coordination == Coordination::Orchestrator);
    let results = run_all(&scenario);
    let run = &results.runs[0];
    let orchestrator = run
        .result
        .components
        .iter()
        .find(|c| c.component == "orchestrator")
        .unwrap_or_else(|| panic!("no orchestrator row"));
    let busy = orchestrator.interface_utilization.unwrap_or_default();
    assert!((busy - 0.8).abs() < 0.02, "orchestrator interface {busy}");
    // Evenly spaced workflows and fixed sizes: the transfers never overlap.
    assert_eq!(orchestrator.interface_wait_mean_ms, Some(0.0));
    let service = run.result.components.iter().find(|c| c.component == "s1");
    let service_busy = service
        .and_then(|c| c.interface_utilization)
        .unwrap_or_default();
    // s1 sends one reply per workflow through the network's 1 Gbps: 8 Mbit/s, 0.8 %.
    assert!(
        (service_busy - 0.008).abs() < 0.001,
        "s1 interface {service_busy}"
    );
    let summary = summary_of(&results, Coordination::Orchestrator);
    assert_eq!(
        summary.bottleneck.as_deref(),
        Some("orchestrator interface")
    );
}

#[test]
fn without_interfaces_the_components_file_keeps_its_columns() {
    let results = run_all(&parse(&chain_scenario(2, None, "")));
    let files = sagasim::report::run_files(
        &results,
        &sagasim::report::ReportInputs {
            scenario: &parse(&chain_scenario(2, None, "")),
            command: String::new(),
            charts: false,
            chart_format: sagasim::report::ChartFormat::Png,
            flows: &[],
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let components = files
        .iter()
        .find(|(name, _)| *name == "components.csv")
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    assert!(components.starts_with("variant,replication,component,role,workers,utilization,held_fraction,queue_wait_p99_ms,max_queue,rejected,dead_letters,handlers,states\n"));
    assert!(!components.contains("interface"));
}

#[test]
fn interfaces_survive_the_effective_scenario_and_results_json_validates() {
    let text = chain_scenario(2, None, "\n[network]\ninterface = \"1Gbps\"\n").replace(
        "[orchestrator]\nworkers = 64\n",
        "[orchestrator]\nworkers = 64\ninterface = \"30Mbps\"\n",
    );
    let scenario = parse(&text);
    let effective = sagasim::scenario::effective_scenario(&scenario);
    let table: toml::Table = serde_json::from_value(effective).unwrap_or_else(|e| panic!("{e}"));
    let again = parse(&toml::to_string(&table).unwrap_or_default());
    assert_eq!(again, scenario);
    let results = run_all(&scenario);
    let json: serde_json::Value = serde_json::from_str(&sagasim::report::results_json(
        &results,
        &scenario,
        "sagasim run x",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let first = &json["components"][1];
    assert!(first["interface_utilization"].is_number(), "{first}");
    let problems = crate::common::json_schema::errors(&sagasim::report::results_schema(), &json);
    assert!(problems.is_empty(), "{problems:?}");
}
