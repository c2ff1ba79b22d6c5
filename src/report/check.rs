//! `sagasim check`: the validated model and each design's message flow, as text, with
//! sync communication's blocking calls, their answers and one-way messages marked.

use std::fmt::Write;

use crate::coordination::{
    Design, DesignFlows, FlowMessage, communication_label, consistency_label,
};
use crate::model::{
    Autoscale, CallLink, Communication, ComponentId, Delivery, Deployment, FaultKind, FaultTiming,
    SystemSpec, describe_workflow,
};
use crate::scenario::{MAX_FLOW_PATHS, Scenario, delivery, size_text};

use super::Table;

/// `sagasim check`'s text: the model, then each design's message flows.
pub fn render_check(scenario: &Scenario, flows: &[(Design, DesignFlows)]) -> String {
    let system = &scenario.system;
    let window = system.window;
    let mut out = String::new();
    let _ = writeln!(out, "scenario {} (seed {})", scenario.name, scenario.seed);
    let _ = writeln!(
        out,
        "  run:       {} of arrivals, {} drain, {} warmup; buckets of {}; {} replication(s)",
        window.duration, window.drain, window.warmup, window.bucket, scenario.replications
    );
    let workload = &system.workload;
    let arrivals = workload.arrivals_text();
    let status = workload
        .status_every
        .map_or("no status queries".to_string(), |every| {
            format!("status polled every {every}")
        });
    let timeout = workload
        .timeout
        .map_or("no client timeout".to_string(), |t| {
            format!("client timeout {t}")
        });
    let cap = workload
        .max_workflows
        .map_or(String::new(), |max| format!("; at most {max} workflows"));
    let _ = writeln!(out, "  workload:  {arrivals}; {status}; {timeout}{cap}");
    let link = &system.network.default_link;
    let bandwidth = link
        .bandwidth_bits_per_s
        .map_or("unlimited".to_string(), |b| format!("{} Mbps", b / 1e6));
    let _ = writeln!(
        out,
        "  network:   latency {}, bandwidth {bandwidth}, {} link override(s)",
        link.latency,
        system.network.links.len()
    );
    let _ = writeln!(
        out,
        "  messages:  {} B base, {} B of state per completed step (stamp coupling)",
        system.messages.base_bytes, system.messages.state_per_step_bytes
    );
    out.push_str("\nservices\n");
    out.push_str(&indent(&services_table(system).to_text()));
    for service in &system.services {
        if let Some(autoscale) = &service.deployment.autoscale {
            let _ = writeln!(out, "  {}: {}", service.name, autoscale_text(autoscale));
        }
    }
    if let Some(o) = &system.orchestrator {
        let _ = writeln!(
            out,
            "\norchestrator: {} workers, queue {}, work {}, journal {}, query {}, {} delivery{}",
            o.workers,
            o.queue,
            o.work,
            o.journal,
            o.query,
            delivery(o.delivery),
            o.interface_bits_per_s
                .map_or(String::new(), |b| format!(", interface {} Mbps", b / 1e6))
        );
        if system.is_replicated() {
            let _ = writeln!(
                out,
                "  {}; a crashed replica's shard fails over after {} when journaled",
                deployment_text(system, &o.deployment, o.delivery, true),
                o.deployment.failover
            );
        }
    }
    out.push_str(&failures(system));
    let step_name = |step: u8| {
        system.services[system.steps[usize::from(step)]]
            .name
            .clone()
    };
    let paths = system.workflow.paths();
    if paths.len() == 1 {
        let _ = writeln!(out, "\nworkflow: {}", system.describe_workflow());
    } else {
        let numbered = |step: u8| format!("{}:{}", step + 1, step_name(step));
        let _ = writeln!(
            out,
            "\nworkflow: {}\n  {} paths, one per workflow, drawn at its start (the same in every design); steps numbered as listed{}",
            describe_workflow(system.workflow.elements(), &numbered),
            paths.len(),
            if paths.len() > MAX_FLOW_PATHS {
                format!("; the flows below show the first {MAX_FLOW_PATHS}")
            } else {
                String::new()
            }
        );
    }
    let mut previous: Option<&Design> = None;
    for (design, flow) in flows {
        let sync = design.communication == Communication::Sync;
        if previous != Some(design) {
            let _ = writeln!(
                out,
                "\n{design} ({}): {}",
                design.coordinates(),
                design.coordination.summary()
            );
            if sync {
                let _ = writeln!(
                    out,
                    "  ⇒ call: the sender's worker waits   ⇢ answer: the waiting caller goes on with it   → one-way"
                );
            } else {
                let _ = writeln!(out, "  async: every message is one-way; no worker waits");
            }
        }
        previous = Some(design);
        if flow.one_of_several {
            let _ = writeln!(out, "  path {}:", flow.path_text);
        }
        write_flow(&mut out, system, "success", &flow.success, sync);
        write_flow(
            &mut out,
            system,
            &format!(
                "failure at step {} ({})",
                flow.failed_step + 1,
                step_name(flow.failed_step as u8)
            ),
            &flow.failure,
            sync,
        );
        if flow.status.is_empty() {
            let _ = writeln!(out, "  status query: unsupported (counted as unanswered)");
        } else {
            write_flow(&mut out, system, "status query", &flow.status, sync);
        }
    }
    out
}

/// How a flow's messages relate to calls, as a reader sees them in a sync design. The
/// client holds no worker, so its messages carry no call id, but it does wait: its start is
/// a call, and the first message back from the component it called is the answer.
pub(super) fn shown_links(messages: &[FlowMessage]) -> Vec<CallLink> {
    let called = messages
        .iter()
        .find(|m| m.src == ComponentId::CLIENT)
        .map(|m| m.dst);
    let mut client_answered = false;
    messages
        .iter()
        .map(|message| match message.link {
            CallLink::OneWay if message.src == ComponentId::CLIENT => CallLink::Call,
            CallLink::OneWay
                if message.dst == ComponentId::CLIENT
                    && Some(message.src) == called
                    && !std::mem::replace(&mut client_answered, true) =>
            {
                CallLink::Answer
            }
            link => link,
        })
        .collect()
}

fn write_flow(
    out: &mut String,
    system: &SystemSpec,
    title: &str,
    messages: &[FlowMessage],
    sync: bool,
) {
    let count = messages.iter().filter(|m| !m.local).count();
    let bytes: u64 = messages.iter().map(|m| m.bytes).sum();
    let _ = writeln!(out, "  {title}: {count} messages, {bytes} bytes");
    let name = |id: ComponentId| system.component_name(id).to_string();
    let mut number = 0;
    let links = shown_links(messages);
    for (message, link) in messages.iter().zip(links) {
        let what = if message.kind.is_status() {
            message.kind.label().to_string()
        } else {
            format!("{} (step {})", message.kind.label(), message.step + 1)
        };
        if message.local {
            let _ = writeln!(
                out,
                "        {} does {what} itself, no message",
                name(message.src)
            );
        } else {
            number += 1;
            let arrow = match link {
                CallLink::Call if sync => "⇒",
                CallLink::Answer if sync => "⇢",
                _ => "→",
            };
            let route = format!("{} {arrow} {}", name(message.src), name(message.dst));
            let _ = writeln!(
                out,
                "    {number:>3}. {route:<32} {what:<28} {} B",
                message.bytes
            );
        }
    }
}

/// The services with every figure the run uses: costs, failures, delivery, idempotency,
/// and outputs and interfaces where the scenario declares any.
fn services_table(system: &SystemSpec) -> Table {
    let outputs = system.services.iter().any(|s| s.output_bytes.is_some());
    let interfaces = system
        .services
        .iter()
        .any(|s| s.interface_bits_per_s.is_some());
    let mut columns = vec![
        "name",
        "workers",
        "queue",
        "work",
        "compensate",
        "fail",
        "query",
        "progress",
        "journal",
        "delivery",
        "idempotent",
    ];
    if outputs {
        columns.push("output");
    }
    if interfaces {
        columns.push("interface");
    }
    let replicated = system.is_replicated();
    if replicated {
        columns.extend(["replicas", "zones", "reached by"]);
    }
    Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: system
            .services
            .iter()
            .map(|s| {
                let mut row = vec![
                    s.name.clone(),
                    s.workers.to_string(),
                    s.queue.to_string(),
                    s.work.to_string(),
                    s.compensate.to_string(),
                    s.fail.to_string(),
                    s.query.to_string(),
                    s.progress.to_string(),
                    s.journal.to_string(),
                    delivery(s.delivery).to_string(),
                    if s.idempotent { "yes" } else { "no" }.to_string(),
                ];
                if outputs {
                    row.push(s.output_bytes.as_ref().map_or("–".into(), size_text));
                }
                if interfaces {
                    row.push(
                        s.interface_bits_per_s
                            .map_or("–".into(), |b| format!("{} Mbps", b / 1e6)),
                    );
                }
                if replicated {
                    let d = &s.deployment;
                    row.push(match d.autoscale {
                        Some(a) => format!("{}, {}–{} auto", d.replicas, a.min, a.max),
                        None => d.replicas.to_string(),
                    });
                    row.push(zone_names(system, d).unwrap_or_else(|| "–".into()));
                    row.push(if d.most_replicas() == 1 {
                        "–".into()
                    } else if s.delivery == Delivery::Broker {
                        "broker queue".into()
                    } else {
                        format!("{}, checks {}", d.balance.label(), d.detect)
                    });
                }
                row
            })
            .collect(),
    }
}

/// A deployment in words: "3 replicas in zones a, b, c, pooled by the broker" or "2
/// replicas, round-robin (health checks every 5s)"; a coordinator's shard workflows.
fn deployment_text(
    system: &SystemSpec,
    deployment: &Deployment,
    delivery: Delivery,
    coordinator: bool,
) -> String {
    let count = deployment.replicas;
    let mut text = format!("{count} replica{}", if count == 1 { "" } else { "s" });
    if let Some(autoscale) = deployment.autoscale {
        let _ = write!(text, " at the start, {}", autoscale_text(&autoscale));
    }
    if let Some(zones) = zone_names(system, deployment) {
        let _ = write!(text, " in zones {zones}");
    }
    if count > 1 {
        if coordinator {
            text.push_str(", sharding workflows by id");
        } else if delivery == Delivery::Broker {
            text.push_str(", competing consumers of one broker queue");
        } else {
            let _ = write!(
                text,
                ", {} (health checks every {})",
                deployment.balance.label(),
                deployment.detect
            );
        }
    }
    text
}

/// An autoscaler in words: "scaled between 2 and 20 to 60 % utilisation every 15s
/// (startup 30s, cooldown 5m)".
fn autoscale_text(autoscale: &Autoscale) -> String {
    format!(
        "scaled between {} and {} to {} % utilisation every {} (startup {}, cooldown {})",
        autoscale.min,
        autoscale.max,
        autoscale.target * 100.0,
        autoscale.every,
        autoscale.startup,
        autoscale.cooldown
    )
}

/// The zones a deployment places its replicas in, as "a, b, c".
fn zone_names(system: &SystemSpec, deployment: &Deployment) -> Option<String> {
    (!deployment.zones.is_empty()).then(|| {
        deployment
            .zones
            .iter()
            .map(|&zone| system.zones[usize::from(zone)].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Communication, consistency, loss, the `[policy]` and every fault with its window: what
/// the run will inject, as it was understood.
fn failures(system: &SystemSpec) -> String {
    let model = &system.failures;
    let mut out = String::from("\nfailures\n");
    let _ = writeln!(
        out,
        "  {} communication, {} consistency; the client's messages by {} delivery",
        communication_label(model.communication),
        consistency_label(model.consistency),
        delivery(model.client_delivery)
    );
    let _ = writeln!(
        out,
        "  network: {} of messages lost, {} delivered twice",
        share(model.loss),
        share(model.duplicate)
    );
    let _ = match &model.policy {
        Some(p) => writeln!(
            out,
            "  policy: timeout {}, {} retries, backoff {} × {} up to {}{}",
            p.timeout,
            p.retries,
            p.backoff,
            p.multiplier,
            p.max_backoff,
            if p.jitter {
                ", full jitter"
            } else {
                ", no jitter"
            }
        ),
        None => writeln!(out, "  policy: none (nobody times out or retries)"),
    };
    if model.faults.is_empty() {
        out.push_str("  faults: none\n");
        return out;
    }
    out.push_str("  faults:\n");
    for (index, fault) in model.faults.iter().enumerate() {
        let what = match fault.kind {
            FaultKind::Crash(..) | FaultKind::Zone(_) => {
                let (_, target) = system.fault_target(&fault.kind);
                format!("crash {target}")
            }
            FaultKind::Partition(a, b) => format!(
                "partition {} | {}",
                system.component_name(a),
                system.component_name(b)
            ),
            FaultKind::Slow(id, factor) => {
                format!("slow {} × {factor}", system.component_name(id))
            }
        };
        let when = match fault.timing {
            FaultTiming::Scripted { at, duration } => {
                let late = if at >= system.window.duration {
                    " (after arrivals stop: only the drain sees it)"
                } else {
                    ""
                };
                format!("from {at} to {} ({duration}){late}", at + duration)
            }
            FaultTiming::Random { mtbf, mttr } => format!(
                "at random for the whole run: up ~ Exp(mean {mtbf}), down ~ Exp(mean {mttr})"
            ),
        };
        let _ = writeln!(out, "    faults[{index}]: {what}, {when}");
    }
    out
}

/// A probability as a percentage ("0 %", "0.1 %").
fn share(probability: f64) -> String {
    if probability == 0.0 {
        "0 %".to_string()
    } else {
        format!("{} %", probability * 100.0)
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}\n")).collect()
}
