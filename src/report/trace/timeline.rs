//! The text and Mermaid renderings of traced workflows: a timeline of every event with
//! times relative to the workflow's start, then where the client's wait went.

use std::fmt::Write;

use crate::coordination::{FlowMessage, flow_message};
use crate::engine::{SimDuration, SimTime};
use crate::model::{Arrival, ComponentId, SystemSpec, Task, TraceRecord};
use crate::runner::WorkflowTrace;

use super::super::sequence_diagram;
use super::{attribute, outcome_label, spans_of};

fn millis(duration: SimDuration) -> String {
    format!("{:.3}", duration.as_millis_f64())
}

/// A timeline per traced workflow, then its time attributed (work, network, inbox, broker,
/// backoff, waiting), summing to its latency.
pub fn render_trace_text(system: &SystemSpec, trace: &WorkflowTrace) -> String {
    let name = |id: ComponentId| system.component_name(id).to_string();
    let spans = spans_of(&trace.records, &name);
    let mut out = String::new();
    for &workflow in &trace.workflows {
        let records: Vec<&TraceRecord> = trace
            .records
            .iter()
            .filter(|r| r.workflow() == workflow)
            .collect();
        let Some(first) = records.first() else {
            let _ = writeln!(out, "workflow {workflow}: not started in this run\n");
            continue;
        };
        let start = first.at();
        let outcome = records.iter().find_map(|r| match r {
            TraceRecord::Ended { outcome, .. } => Some(*outcome),
            _ => None,
        });
        let _ = writeln!(
            out,
            "workflow {workflow} under {} (seed {}): {}, started at {} s",
            trace.design.label,
            trace.seed,
            outcome.map_or("no outcome", outcome_label),
            format_args!("{:.6}", start.since(SimTime::ZERO).as_nanos_f64() / 1e9),
        );
        let _ = writeln!(out, "  {:>12}  {:<16} event", "+ms", "at");
        for record in &records {
            let (component, text) = describe(system, record);
            let _ = writeln!(
                out,
                "  {:>12}  {:<16} {text}",
                millis(record.at().since(start)),
                name(component)
            );
        }
        if let Some((total, parts)) = attribute(&spans, workflow) {
            let _ = writeln!(out, "  where the time went ({} ms):", millis(total));
            for (delay, spent) in parts {
                if spent.is_zero() {
                    continue;
                }
                let share = 100.0 * spent.as_nanos_f64() / total.as_nanos_f64().max(1.0);
                let _ = writeln!(
                    out,
                    "    {:<38} {:>12} ms  {share:5.1} %",
                    delay.label(),
                    millis(spent)
                );
            }
        }
        out.push('\n');
    }
    out
}

/// One line of the timeline: where it happened and what.
fn describe(system: &SystemSpec, record: &TraceRecord) -> (ComponentId, String) {
    let name = |id: ComponentId| system.component_name(id).to_string();
    if let Some(message) = flow_message(record) {
        let what = if message.kind.is_status() {
            message.kind.label().to_string()
        } else {
            format!(
                "{} (step {})",
                message.kind.label(),
                u32::from(message.step) + 1
            )
        };
        return if message.local {
            (message.src, format!("gives itself: {what}"))
        } else {
            let (to, bytes) = (name(message.dst), message.bytes);
            (message.src, format!("sends {what} → {to} ({bytes} B)"))
        };
    }
    match *record {
        TraceRecord::Sent { .. } => unreachable!("handled above"),
        TraceRecord::Arrived {
            component,
            kind,
            fate,
            ..
        } => {
            let what = match fate {
                Arrival::Accepted => "arrives",
                Arrival::Held => "held by the broker",
                Arrival::Lost => "lost",
            };
            (component, format!("{} {what}", kind.label()))
        }
        TraceRecord::WorkStarted {
            component,
            task,
            step,
            duration,
            ..
        } => (
            component,
            match task {
                Task::Query => format!("works: {} for {} ms", task.label(), millis(duration)),
                _ => format!(
                    "works: {} (step {}) for {} ms",
                    task.label(),
                    u32::from(step) + 1,
                    millis(duration)
                ),
            },
        ),
        TraceRecord::WorkLost { component, .. } => (component, "crash: work lost".to_string()),
        TraceRecord::StepFinished {
            step, committed, ..
        } => (
            system.step_component(usize::from(step)),
            format!(
                "step {} {}",
                u32::from(step) + 1,
                if committed { "committed" } else { "failed" }
            ),
        ),
        TraceRecord::Rejected { component, .. } => (component, "rejected: inbox full".to_string()),
        TraceRecord::TimedOut { component, .. } => {
            (component, "timed out waiting for an answer".to_string())
        }
        TraceRecord::Retried { component, .. } => (component, "retries".to_string()),
        TraceRecord::Ended { outcome, .. } => (
            ComponentId::CLIENT,
            format!("workflow {}", outcome_label(outcome)),
        ),
    }
}

/// A Mermaid `sequenceDiagram` per traced workflow: the messages it actually sent, in
/// order, with the design's arrows for calls, answers and one-way messages.
pub fn render_trace_mermaid(system: &SystemSpec, trace: &WorkflowTrace) -> String {
    let mut out = String::new();
    for &workflow in &trace.workflows {
        let messages: Vec<FlowMessage> = trace
            .records
            .iter()
            .filter(|r| r.workflow() == workflow)
            .filter_map(flow_message)
            .collect();
        let _ = writeln!(
            out,
            "## workflow {workflow} under {}\n\n```mermaid\n{}```\n",
            trace.design.label,
            sequence_diagram(system, &trace.design, &messages)
        );
    }
    out
}
