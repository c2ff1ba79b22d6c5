//! What the parts of a system that grow with its file cost a run: fault windows (their
//! transitions, the slowdown scans, the rows they keep) and empirical samples.

use crate::model::{DurationDistribution, FaultKind, FaultTiming, ReplicaSet, SystemSpec};

use super::{
    BYTES_PER_FAULT_WINDOW, BYTES_PER_FAULT_WINDOW_KEPT, Cost, PARSE_BYTES_PER_TABLE,
    PARSE_BYTES_PER_VALUE, RunEstimate, SCAN_STEP_EVENTS, scientific,
};

/// The events and memory of the fault windows: each transition visits every workflow its
/// target holds, a slowdown's start and end rescan the slowdowns active on its component
/// (counted as if all were on one: an upper bound), and each window keeps its rows.
/// Partitions cost nothing more: they are kept by pair, found in log time.
pub(super) fn fault_costs(
    spec: &SystemSpec,
    run_nanos: f64,
    in_flight: f64,
    estimate: &mut RunEstimate,
) {
    // Slowdown windows, and the mean number active at once.
    let mut scanned = (0.0f64, 0.0f64);
    let mut scripted = (0.0f64, 0usize);
    for (index, fault) in spec.failures.faults.iter().enumerate() {
        let (windows, down_nanos) = match fault.timing {
            FaultTiming::Random { mtbf, mttr } => {
                let cycle = mtbf.as_nanos_f64() + mttr.as_nanos_f64().max(1.0);
                // A replicated component's replicas each crash on their own.
                let replicas = match fault.kind {
                    FaultKind::Crash(id, ReplicaSet::All) => f64::from(spec.most_replicas(id)),
                    _ => 1.0,
                };
                let windows = replicas * run_nanos / cycle.max(1.0);
                let cause = format!(
                    "about {} fault transitions: `faults[{index}].mtbf` is {mtbf} and `faults[{index}].mttr` {mttr}",
                    scientific((2.0 * windows).round())
                );
                window_costs(windows, in_flight, cause, estimate);
                (windows, windows * mttr.as_nanos_f64())
            }
            FaultTiming::Scripted { duration, .. } => {
                scripted.0 += 1.0;
                scripted.1 = index;
                (1.0, duration.as_nanos_f64().min(run_nanos))
            }
        };
        if let FaultKind::Slow(..) = fault.kind {
            scanned.0 += windows;
            scanned.1 += down_nanos / run_nanos.max(1.0);
        }
    }
    if scripted.0 > 0.0 {
        let cause = format!(
            "{} scripted fault windows (`faults`, the last `faults[{}]`)",
            scientific(scripted.0),
            scripted.1
        );
        // Their parse: a table of a few values each, held until the runs reuse it.
        estimate.command_costs.push(Cost {
            amount: scripted.0 * (PARSE_BYTES_PER_TABLE + 4.0 * PARSE_BYTES_PER_VALUE),
            cause: cause.clone(),
        });
        window_costs(scripted.0, in_flight, cause, estimate);
    }
    let (windows, active) = scanned;
    {
        let scans = windows * active;
        // A step of the scan is a comparison, about a tenth of an event's work (40,000
        // overlapping slowdowns: 7.3e8 steps took 3.6 CPU-s, as 3.6e7 events would).
        let events = scans * SCAN_STEP_EVENTS;
        if events >= 1e5 {
            estimate.add_events(
                events,
                format!(
                    "about {} steps scanning the {} active at once, as each of {} slowdowns starts and ends (`faults`)",
                    scientific(scans.round()),
                    scientific(active.round()),
                    scientific(windows.round())
                ),
            );
        }
    }
}

/// What `windows` fault windows cost one run: two transitions each, visiting every
/// workflow in flight, and the memory they work in and keep.
fn window_costs(windows: f64, in_flight: f64, cause: String, estimate: &mut RunEstimate) {
    estimate.add_events(2.0 * windows * (1.0 + in_flight), cause.clone());
    estimate.working_costs.push(Cost {
        amount: windows * BYTES_PER_FAULT_WINDOW,
        cause: cause.clone(),
    });
    estimate.kept_costs.push(Cost {
        amount: windows * BYTES_PER_FAULT_WINDOW_KEPT,
        cause,
    });
}

/// Empirical samples in every distribution of the system, and the key holding the most.
pub(super) fn empirical_samples(spec: &SystemSpec) -> (f64, String) {
    let count = |d: &DurationDistribution| match d {
        DurationDistribution::Empirical(values) => values.len(),
        _ => 0,
    };
    let mut found: Vec<(usize, String)> = Vec::new();
    for service in &spec.services {
        let name = &service.name;
        for (key, distribution) in [
            ("work", Some(&service.work)),
            ("compensate", Some(&service.compensate)),
            ("query", Some(&service.query)),
            ("progress", Some(&service.progress)),
            ("journal", Some(&service.journal)),
            ("output", service.output_bytes.as_ref()),
        ] {
            if let Some(d) = distribution {
                found.push((count(d), format!("services.{name}.{key}")));
            }
        }
    }
    if let Some(o) = &spec.orchestrator {
        for (key, d) in [
            ("work", &o.work),
            ("journal", &o.journal),
            ("query", &o.query),
        ] {
            found.push((count(d), format!("orchestrator.{key}")));
        }
    }
    found.push((
        count(&spec.network.default_link.latency),
        "network.latency".to_string(),
    ));
    for (index, link) in spec.network.links.iter().enumerate() {
        if let Some(d) = &link.latency {
            found.push((count(d), format!("network.links[{index}].latency")));
        }
    }
    let total: usize = found.iter().map(|(n, _)| n).sum();
    let largest = found
        .into_iter()
        .max_by_key(|(n, _)| *n)
        .map_or_else(String::new, |(_, key)| key);
    (total as f64, largest)
}
