//! The scenario as validated, written back in the scenario format with every default filled
//! in: what `results.json` records, so a result says exactly what produced it. Parsing it
//! again gives the same scenario (tested), and it validates against `sagasim schema`.

use serde_json::{Map, Value, json};

use crate::coordination::{Design, communication_label, consistency_label};
use crate::engine::SimDuration;
use crate::model::{
    Answer, Arrivals, ComponentId, Delivery, Deployment, DurationDistribution, Element, FaultKind,
    FaultTiming, ReplicaSet, SystemSpec,
};

use super::Scenario;

/// A duration in the largest unit that holds it exactly (`"300us"`, `"5ms"`, `"90s"`).
pub fn duration_text(duration: SimDuration) -> String {
    let nanos = duration.as_nanos();
    for (unit, size) in [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] {
        if nanos.is_multiple_of(size) {
            return format!("{}{unit}", nanos / size);
        }
    }
    format!("{nanos}ns")
}

fn distribution(value: &DurationDistribution) -> Value {
    distribution_of(value, duration_text)
}

/// A size distribution as the scenario format writes it (`{ exponential = "2048B" }`).
pub fn size_text(value: &DurationDistribution) -> String {
    match size_distribution(value) {
        Value::String(text) => text,
        other => inline_table(&other),
    }
}

/// A JSON object as an inline TOML table (strings quoted, numbers bare).
fn inline_table(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{key} = {}", inline_table(value)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline_table).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

/// A size distribution (nanoseconds counting bytes), its values in bytes.
fn size_distribution(value: &DurationDistribution) -> Value {
    distribution_of(value, |bytes| format!("{}B", bytes.as_nanos()))
}

fn distribution_of(value: &DurationDistribution, text: fn(SimDuration) -> String) -> Value {
    let d = |amount: &SimDuration| Value::String(text(*amount));
    match value {
        DurationDistribution::Constant(duration) => d(duration),
        DurationDistribution::Exponential { mean } => json!({ "exponential": d(mean) }),
        DurationDistribution::Uniform { low, high } => json!({ "uniform": [d(low), d(high)] }),
        DurationDistribution::Normal { mean, sd } => {
            json!({ "normal": { "mean": d(mean), "sd": d(sd) } })
        }
        DurationDistribution::LogNormal { median, p99, .. } => {
            json!({ "lognormal": { "median": d(median), "p99": d(p99) } })
        }
        DurationDistribution::Gamma { mean, cv } => {
            json!({ "gamma": { "mean": d(mean), "cv": cv } })
        }
        DurationDistribution::Pareto { scale, shape } => {
            json!({ "pareto": { "scale": d(scale), "shape": shape } })
        }
        DurationDistribution::Empirical(values) => {
            json!({ "empirical": values.iter().map(d).collect::<Vec<_>>() })
        }
    }
}

/// A delivery as the scenario format names it.
pub fn delivery(value: Delivery) -> &'static str {
    match value {
        Delivery::Broker => "broker",
        Delivery::Direct => "direct",
    }
}

/// A component's own interface, resolved (written only where there is one, so that a
/// scenario without interfaces reads as it always did).
fn with_interface(section: &mut Value, bits_per_s: Option<f64>) {
    if let (Some(bits), Some(object)) = (bits_per_s, section.as_object_mut()) {
        object.insert("interface".into(), bandwidth(bits).into());
    }
}

/// Bits per second in the largest unit that holds it exactly; otherwise in bps (`f64`'s
/// display is the shortest text that reads back exactly, and never an exponent).
/// A deployment's keys, where it is not one replica with the defaults (so that a scenario
/// without them writes what it always wrote).
fn with_deployment(section: &mut Value, deployment: &Deployment, zone_names: &[String]) {
    let Some(object) = section.as_object_mut() else {
        return;
    };
    if let Some(overflow) = deployment.overflow {
        object.insert("overflow".into(), overflow.label().into());
    }
    let single = Deployment {
        overflow: deployment.overflow,
        ..Deployment::single()
    };
    if *deployment == single {
        return;
    }
    object.insert("replicas".into(), deployment.replicas.into());
    object.insert("balance".into(), deployment.balance.label().into());
    object.insert("detect".into(), duration_text(deployment.detect).into());
    object.insert("failover".into(), duration_text(deployment.failover).into());
    if let Some(autoscale) = deployment.autoscale {
        object.insert(
            "autoscale".into(),
            json!({
                "min": autoscale.min,
                "max": autoscale.max,
                "target": autoscale.target,
                "every": duration_text(autoscale.every),
                "startup": duration_text(autoscale.startup),
                "cooldown": duration_text(autoscale.cooldown),
            }),
        );
    }
    if !deployment.zones.is_empty() {
        let zones: Vec<Value> = deployment
            .zones
            .iter()
            .map(|&zone| zone_names[usize::from(zone)].clone().into())
            .collect();
        object.insert("zones".into(), zones.into());
    }
}

fn bandwidth(bits_per_s: f64) -> String {
    for (unit, size) in [("Tbps", 1e12), ("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)] {
        let count = bits_per_s / size;
        if count.fract() == 0.0 && count * size == bits_per_s && count < 1e15 {
            return format!("{count}{unit}");
        }
    }
    format!("{bits_per_s}bps")
}

/// The scenario file (as JSON) that validates to `scenario`, with every default explicit.
pub fn effective_scenario(scenario: &Scenario) -> Value {
    let system = &scenario.system;
    let name = |id: ComponentId| system.component_name(id).to_string();
    let zone_names = &system.zones;
    let window = system.window;
    let failures = &system.failures;
    let mut out = Map::new();
    out.insert(
        "scenario".into(),
        json!({
            "name": scenario.name,
            "seed": scenario.seed,
            "duration": duration_text(window.duration),
            "drain": duration_text(window.drain),
            "warmup": duration_text(window.warmup),
            "bucket": duration_text(window.bucket),
            "variants": scenario.designs.iter().map(|d| d.label.clone()).collect::<Vec<_>>(),
            "communication": communication_label(failures.communication),
            "consistency": consistency_label(failures.consistency),
            "replications": scenario.replications,
        }),
    );
    if failures.answer != Answer::Return {
        // Written where it is not the default, so that other scenarios read as before.
        if let Some(section) = out.get_mut("scenario").and_then(Value::as_object_mut) {
            section.insert("answer".into(), failures.answer.label().into());
        }
    }
    let mut workload = Map::new();
    workload.insert(
        "arrivals".into(),
        match system.workload.arrivals {
            Arrivals::Poisson { per_second } => json!({ "poisson": per_second }),
            Arrivals::Constant { per_second } => json!({ "constant": per_second }),
        },
    );
    if let Some(profile) = &system.workload.profile {
        // A file's rows written out as points: the effective scenario stands alone.
        let points: Vec<Value> = profile
            .points()
            .iter()
            .map(|&(at, rate)| {
                json!({ "at": duration_text(SimDuration::from_nanos_f64(at * 1e9)), "rate": rate })
            })
            .collect();
        workload.insert("profile".into(), Value::Array(points));
    }
    if let Some(every) = system.workload.status_every {
        workload.insert(
            "status_queries".into(),
            json!({ "every": duration_text(every) }),
        );
    }
    if let Some(timeout) = system.workload.timeout {
        workload.insert("timeout".into(), duration_text(timeout).into());
    }
    if let Some(max) = system.workload.max_workflows {
        workload.insert("workflows".into(), max.into());
    }
    out.insert("workload".into(), Value::Object(workload));
    let mut network = Map::new();
    network.insert(
        "latency".into(),
        distribution(&system.network.default_link.latency),
    );
    if let Some(bits) = system.network.default_link.bandwidth_bits_per_s {
        network.insert("bandwidth".into(), bandwidth(bits).into());
    }
    let links: Vec<Value> = system
        .network
        .links
        .iter()
        .map(|link| {
            let mut entry = Map::new();
            entry.insert("src".into(), name(link.src).into());
            entry.insert("dst".into(), name(link.dst).into());
            if let Some(latency) = &link.latency {
                entry.insert("latency".into(), distribution(latency));
            }
            if let Some(Some(bits)) = link.bandwidth_bits_per_s {
                entry.insert("bandwidth".into(), bandwidth(bits).into());
            }
            Value::Object(entry)
        })
        .collect();
    network.insert("links".into(), links.into());
    network.insert("delivery".into(), delivery(failures.client_delivery).into());
    network.insert("loss".into(), failures.loss.into());
    network.insert("duplicate".into(), failures.duplicate.into());
    out.insert("network".into(), Value::Object(network));
    out.insert(
        "messages".into(),
        json!({
            "base": format!("{}B", system.messages.base_bytes),
            "state_per_step": format!("{}B", system.messages.state_per_step_bytes),
        }),
    );
    if let Some(orchestrator) = &system.orchestrator {
        let mut section = json!({
            "workers": orchestrator.workers,
            "queue": orchestrator.queue,
            "work": distribution(&orchestrator.work),
            "journal": distribution(&orchestrator.journal),
            "query": distribution(&orchestrator.query),
            "delivery": delivery(orchestrator.delivery),
        });
        with_interface(&mut section, orchestrator.interface_bits_per_s);
        with_deployment(&mut section, &orchestrator.deployment, zone_names);
        if orchestrator.compensates_in_parallel
            && let Some(object) = section.as_object_mut()
        {
            // Written where it is not the default, so that other scenarios read as before.
            object.insert("compensate".into(), "parallel".into());
        }
        out.insert("orchestrator".into(), section);
    }
    let services: Vec<Value> = system
        .services
        .iter()
        .map(|service| {
            let mut section = json!({
                "name": service.name,
                "workers": service.workers,
                "queue": service.queue,
                "work": distribution(&service.work),
                "compensate": distribution(&service.compensate),
                "fail": service.fail,
                "query": distribution(&service.query),
                "progress": distribution(&service.progress),
                "journal": distribution(&service.journal),
                "idempotent": service.idempotent,
                "delivery": delivery(service.delivery),
            });
            with_interface(&mut section, service.interface_bits_per_s);
            with_deployment(&mut section, &service.deployment, zone_names);
            if let (Some(output), Some(object)) = (&service.output_bytes, section.as_object_mut()) {
                object.insert("output".into(), size_distribution(output));
            }
            section
        })
        .collect();
    out.insert("services".into(), services.into());
    out.insert(
        "workflow".into(),
        json!({ "steps": steps_json(system.workflow.elements(), system) }),
    );
    if let Some(policy) = failures.policy {
        out.insert(
            "policy".into(),
            json!({
                "timeout": duration_text(policy.timeout),
                "retries": policy.retries,
                "backoff": duration_text(policy.backoff),
                "multiplier": policy.multiplier,
                "max_backoff": duration_text(policy.max_backoff),
                "jitter": policy.jitter,
            }),
        );
        let written = out.get_mut("policy").and_then(Value::as_object_mut);
        if let Some(section) = written {
            if let Some(deadline) = policy.deadline {
                section.insert("deadline".into(), duration_text(deadline).into());
            }
            if let Some(breaker) = policy.breaker {
                section.insert(
                    "breaker".into(),
                    json!({
                        "failure_rate": breaker.failure_rate,
                        "window": breaker.window,
                        "min_calls": breaker.min_calls,
                        "open": duration_text(breaker.open),
                        "half_open": breaker.half_open,
                    }),
                );
            }
        }
    }
    let faults: Vec<Value> = failures
        .faults
        .iter()
        .map(|fault| {
            let mut entry = Map::new();
            match fault.kind {
                FaultKind::Crash(id, replicas) => {
                    entry.insert("crash".into(), name(id).into());
                    if let ReplicaSet::Lowest(k) = replicas {
                        entry.insert("replicas".into(), k.into());
                    }
                }
                FaultKind::Zone(zone) => {
                    entry.insert("zone".into(), zone_names[usize::from(zone)].clone().into());
                }
                FaultKind::Partition(a, b) => {
                    entry.insert("partition".into(), json!([name(a), name(b)]));
                }
                FaultKind::Slow(id, factor) => {
                    entry.insert("slow".into(), name(id).into());
                    entry.insert("factor".into(), factor.into());
                }
            }
            match fault.timing {
                FaultTiming::Scripted { at, duration } => {
                    entry.insert("at".into(), duration_text(at).into());
                    entry.insert("for".into(), duration_text(duration).into());
                }
                FaultTiming::Random { mtbf, mttr } => {
                    entry.insert("mtbf".into(), duration_text(mtbf).into());
                    entry.insert("mttr".into(), duration_text(mttr).into());
                }
            }
            Value::Object(entry)
        })
        .collect();
    out.insert("faults".into(), faults.into());
    let designs: Vec<Value> = scenario.declared_designs.iter().map(declared).collect();
    out.insert("designs".into(), designs.into());
    Value::Object(out)
}

fn declared(design: &Design) -> Value {
    json!({
        "name": design.label,
        "coordination": design.coordination.name(),
        "communication": communication_label(design.communication),
        "consistency": consistency_label(design.consistency),
    })
}

/// A list of workflow steps as the scenario format writes it: service names,
/// `{ parallel = [...] }` and `{ choice = [{ p, steps }] }` tables.
fn steps_json(elements: &[Element], system: &SystemSpec) -> Value {
    elements
        .iter()
        .map(|element| match element {
            Element::Step(step) => Value::String(
                system.services[system.steps[usize::from(*step)]]
                    .name
                    .clone(),
            ),
            Element::Parallel(branches) => json!({
                "parallel": branches
                    .iter()
                    .map(|branch| {
                        let names: Vec<Value> = branch
                            .iter()
                            .map(|&step| {
                                Value::String(
                                    system.services[system.steps[usize::from(step)]].name.clone(),
                                )
                            })
                            .collect();
                        match names.as_slice() {
                            [one] => one.clone(),
                            _ => Value::Array(names),
                        }
                    })
                    .collect::<Vec<_>>()
            }),
            Element::Choice(choice) => json!({
                "choice": choice
                    .alternatives
                    .iter()
                    .map(|alternative| json!({
                        "p": alternative.probability,
                        "steps": steps_json(&alternative.elements, system),
                    }))
                    .collect::<Vec<_>>()
            }),
        })
        .collect()
}
