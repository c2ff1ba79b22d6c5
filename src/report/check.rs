//! `sagasim check`: the validated model and each design's message flow, as text, with
//! sync communication's blocking calls, their answers and one-way messages marked.

use std::fmt::Write;

use crate::coordination::{Design, DesignFlows, FlowMessage};
use crate::model::{Arrivals, CallLink, Communication, ComponentId, SystemSpec, describe_workflow};
use crate::scenario::{MAX_FLOW_PATHS, Scenario};

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
    let arrivals = match workload.arrivals {
        Arrivals::Poisson { per_second } => format!("poisson, {per_second}/s"),
        Arrivals::Constant { per_second } => format!("constant, {per_second}/s"),
    };
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
    let services = Table {
        columns: [
            "name",
            "workers",
            "queue",
            "work",
            "compensate",
            "fail",
            "query",
            "progress",
            "journal",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        rows: system
            .services
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.workers.to_string(),
                    s.queue.to_string(),
                    s.work.to_string(),
                    s.compensate.to_string(),
                    s.fail.to_string(),
                    s.query.to_string(),
                    s.progress.to_string(),
                    s.journal.to_string(),
                ]
            })
            .collect(),
    };
    out.push_str(&indent(&services.to_text()));
    if let Some(o) = &system.orchestrator {
        let _ = writeln!(
            out,
            "\norchestrator: {} workers, queue {}, work {}, journal {}, query {}",
            o.workers, o.queue, o.work, o.journal, o.query
        );
    }
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

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}\n")).collect()
}
