//! The scenario's key parameters as the report's "Scenario" table.

use std::fmt::Write;

use crate::model::{Arrivals, Delivery, FaultKind, FaultTiming, SystemSpec};
use crate::scenario::Scenario;

use super::{Table, format_number};

pub fn parameters(scenario: &Scenario) -> Table {
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
            match (&system.workload.profile, system.workload.arrivals) {
                (Some(_), _) => system.workload.arrivals_text(),
                (None, Arrivals::Poisson { per_second }) => {
                    format!("Poisson, {} workflows/s", format_number(per_second))
                }
                (None, Arrivals::Constant { per_second }) => {
                    format!("constant, {} workflows/s", format_number(per_second))
                }
            },
        ),
        ("workflow".into(), system.describe_workflow()),
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
        FaultKind::Crash(id, replicas) => format!(
            "crash of `{}`{}",
            system.component_name(id),
            replicas.suffix()
        ),
        FaultKind::Zone(_) => format!("outage of {}", system.fault_target(&kind).1),
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
