//! Mermaid sequence diagrams of each design's message flows, for `check --format mermaid`
//! and the report: blocking calls, their answers and one-way messages get distinct arrows,
//! so a review can argue over the same picture the simulator runs.

use std::fmt::Write;

use crate::coordination::{Design, DesignFlows, FlowMessage};
use crate::model::{CallLink, Communication, ComponentId, SystemSpec};

use super::check::shown_links;

/// One `sequenceDiagram` of `messages`. Participants are declared in the order they first
/// appear; a component's work on itself is a note, not a message.
pub fn sequence_diagram(system: &SystemSpec, design: &Design, messages: &[FlowMessage]) -> String {
    let sync = design.communication == Communication::Sync;
    let mut participants: Vec<ComponentId> = Vec::new();
    for message in messages {
        for id in [message.src, message.dst] {
            if !participants.contains(&id) {
                participants.push(id);
            }
        }
    }
    let mut out = String::from("sequenceDiagram\n");
    for id in &participants {
        let _ = writeln!(
            out,
            "    participant c{} as {}",
            id.0,
            label(system.component_name(*id))
        );
    }
    for (message, link) in messages.iter().zip(shown_links(messages)) {
        let what = if message.kind.is_status() {
            message.kind.label().to_string()
        } else {
            format!("{} (step {})", message.kind.label(), message.step + 1)
        };
        if message.local {
            let _ = writeln!(out, "    Note over c{}: {what}, itself", message.src.0);
            continue;
        }
        // Solid with a filled head: a call; dotted: its answer; open head: one-way.
        let arrow = match link {
            CallLink::Call if sync => "->>",
            CallLink::Answer if sync => "-->>",
            _ => "-)",
        };
        let _ = writeln!(
            out,
            "    c{}{arrow}c{}: {what}",
            message.src.0, message.dst.0
        );
    }
    out
}

/// Markdown for `check --format mermaid`: per design, a success diagram and one with a
/// business failure, each in a fenced `mermaid` block (GitHub and GitLab render them).
pub fn render_mermaid(system: &SystemSpec, flows: &[(Design, DesignFlows)]) -> String {
    let mut out = String::new();
    for (design, flow) in flows {
        let _ = writeln!(out, "## {}\n", flow_heading(design, flow));
        out.push_str(&design_diagrams(system, design, flow, 3));
    }
    out
}

/// The heading of one design's flows: the design, and the path when the workflow has
/// several.
pub fn flow_heading(design: &Design, flow: &DesignFlows) -> String {
    let mut heading = format!("{design} ({})", design.coordinates());
    if flow.one_of_several {
        heading.push_str(&format!(", path {}", flow.path_text));
    }
    heading
}

/// A design's success and failure diagrams, with Markdown headings of `level`.
pub fn design_diagrams(
    system: &SystemSpec,
    design: &Design,
    flow: &DesignFlows,
    level: usize,
) -> String {
    let hashes = "#".repeat(level);
    let failing = system.component_name(system.step_component(flow.failed_step));
    format!(
        "{hashes} Success\n\n```mermaid\n{}```\n\n{hashes} Failure at step {} ({failing})\n\n```mermaid\n{}```\n\n",
        sequence_diagram(system, design, &flow.success),
        flow.failed_step + 1,
        sequence_diagram(system, design, &flow.failure),
    )
}

/// A participant label Mermaid accepts: no characters that end or split the declaration.
fn label(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_. ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
