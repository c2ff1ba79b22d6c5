//! Chrome trace-event JSON of traced workflows, as Perfetto (ui.perfetto.dev) and
//! `chrome://tracing` load it: a process per component, lanes of slices for work, inbox
//! waits and backoffs, a network process for messages in flight, flow arrows from each
//! message's send to where it was taken in, and instants for timeouts, retries, losses and
//! faults. Times are microseconds with nanosecond decimals, written exactly.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::engine::SimTime;
use crate::model::{ComponentId, FaultKind, SystemSpec};
use crate::runner::WorkflowTrace;

use super::{SpanKind, spans_of};

/// Lane groups within a process: each gets as many threads as overlapping slices need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Lane {
    Workflows,
    Received,
    Work,
    Inbox,
    Backoff,
    Network,
    Faults,
    Events,
}

impl Lane {
    fn name(self) -> &'static str {
        match self {
            Lane::Workflows => "workflows",
            Lane::Received => "received",
            Lane::Work => "work",
            Lane::Inbox => "inbox",
            Lane::Backoff => "backoff",
            Lane::Network => "in flight",
            Lane::Faults => "faults",
            Lane::Events => "events",
        }
    }

    /// Thread ids: 1000 per group, so a lane's id says which group it is in.
    fn base(self) -> u32 {
        1000 * (self as u32 + 1)
    }
}

/// Assigns each slice the first free lane of its group (interval partitioning): slices on
/// one thread never overlap, so every viewer draws them as they are.
#[derive(Default)]
struct Lanes {
    /// (pid, group) → end of the last slice on each lane.
    ends: BTreeMap<(u32, Lane), Vec<SimTime>>,
}

impl Lanes {
    fn take(&mut self, pid: u32, lane: Lane, start: SimTime, end: SimTime) -> u32 {
        let ends = self.ends.entry((pid, lane)).or_default();
        let position = match ends.iter().position(|&free_at| free_at <= start) {
            Some(position) => position,
            None => {
                ends.push(start);
                ends.len() - 1
            }
        };
        ends[position] = end.max(start);
        lane.base() + u32::try_from(position).unwrap_or(999).min(999)
    }
}

fn micros(at: SimTime) -> String {
    let nanos = at.as_nanos();
    format!("{}.{:03}", nanos / 1000, nanos % 1000)
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// The trace of `trace`'s workflows as Chrome trace-event JSON.
pub fn render_perfetto(system: &SystemSpec, trace: &WorkflowTrace) -> String {
    let name = |id: ComponentId| system.component_name(id).to_string();
    let spans = spans_of(&trace.records, &name);
    let network_pid = u32::try_from(system.component_count()).unwrap_or(u32::MAX - 1) + 1;
    let pid_of = |id: ComponentId| u32::from(id.0) + 1;
    let mut lanes = Lanes::default();
    let mut events: Vec<(SimTime, String)> = Vec::new();
    // Flow ends, by message copy: (pid, tid, ts) of the slice the message starts from and
    // of the one it ends in.
    let mut flow_starts: BTreeMap<(u64, u32, u32), (u32, u32, SimTime)> = BTreeMap::new();
    let mut flow_ends: BTreeMap<(u64, u32, u32), (u32, u32, SimTime)> = BTreeMap::new();
    let mut sorted: Vec<&super::Span> = spans.spans.iter().collect();
    sorted.sort_by_key(|span| (span.start, span.end));
    for span in sorted {
        let (pid, lane, category) = match span.kind {
            SpanKind::Work(_) => (pid_of(span.component), Lane::Work, "work"),
            SpanKind::Queue => (pid_of(span.component), Lane::Inbox, "queue"),
            SpanKind::Held => (pid_of(span.component), Lane::Inbox, "broker"),
            SpanKind::Backoff => (pid_of(span.component), Lane::Backoff, "backoff"),
            SpanKind::Network => (network_pid, Lane::Network, "network"),
            SpanKind::Workflow => (pid_of(span.component), Lane::Workflows, "workflow"),
            SpanKind::Received => (pid_of(span.component), Lane::Received, "received"),
        };
        let tid = lanes.take(pid, lane, span.start, span.end);
        let category = if span.status { "status" } else { category };
        events.push((
            span.start,
            format!(
                "{{\"ph\":\"X\",\"name\":{},\"cat\":\"{category}\",\"pid\":{pid},\"tid\":{tid},\"ts\":{},\"dur\":{},\"args\":{{\"workflow\":{}}}}}",
                quoted(&span.label),
                micros(span.start),
                micros(SimTime::ZERO + span.end.since(span.start)),
                span.workflow
            ),
        ));
        if let Some((index, copy)) = span.message {
            let key = (span.workflow, index, copy);
            match span.kind {
                SpanKind::Network => {
                    flow_starts.insert(key, (pid, tid, span.start));
                }
                SpanKind::Queue | SpanKind::Work(_) | SpanKind::Received => {
                    flow_ends.entry(key).or_insert((pid, tid, span.start));
                }
                _ => {}
            }
        }
    }
    for (id, (key, (pid, tid, at))) in flow_starts.iter().enumerate() {
        let Some(&(end_pid, end_tid, end_at)) = flow_ends.get(key) else {
            continue;
        };
        let id = id + 1;
        events.push((
            *at,
            format!(
                "{{\"ph\":\"s\",\"name\":\"message\",\"cat\":\"message\",\"id\":{id},\"pid\":{pid},\"tid\":{tid},\"ts\":{}}}",
                micros(*at)
            ),
        ));
        events.push((
            end_at,
            format!(
                "{{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"message\",\"cat\":\"message\",\"id\":{id},\"pid\":{end_pid},\"tid\":{end_tid},\"ts\":{}}}",
                micros(end_at)
            ),
        ));
    }
    for mark in &spans.marks {
        let pid = pid_of(mark.component);
        let tid = Lane::Events.base();
        lanes
            .ends
            .entry((pid, Lane::Events))
            .or_insert_with(|| vec![SimTime::ZERO]);
        events.push((
            mark.at,
            format!(
                "{{\"ph\":\"i\",\"s\":\"t\",\"name\":{},\"cat\":\"event\",\"pid\":{pid},\"tid\":{tid},\"ts\":{},\"args\":{{\"workflow\":{}}}}}",
                quoted(&mark.label),
                micros(mark.at),
                mark.workflow
            ),
        ));
    }
    for fault in &trace.faults {
        let (pid, label) = match fault.kind {
            FaultKind::Crash(id, replicas) => (
                pid_of(id),
                format!("crash: {}{} down", name(id), replicas.suffix()),
            ),
            FaultKind::Zone(zone) => (network_pid, format!("zone {zone} down")),
            FaultKind::Slow(id, factor) => (pid_of(id), format!("slow: {} ×{factor}", name(id))),
            FaultKind::Partition(a, b) => {
                (network_pid, format!("partition: {} | {}", name(a), name(b)))
            }
        };
        let tid = lanes.take(pid, Lane::Faults, fault.start, fault.end);
        events.push((
            fault.start,
            format!(
                "{{\"ph\":\"X\",\"name\":{},\"cat\":\"fault\",\"pid\":{pid},\"tid\":{tid},\"ts\":{},\"dur\":{}}}",
                quoted(&label),
                micros(fault.start),
                micros(SimTime::ZERO + fault.end.since(fault.start))
            ),
        ));
    }
    events.sort_by_key(|(at, _)| *at);
    let mut out = String::from("{\"displayTimeUnit\":\"ms\",\"otherData\":{");
    let _ = writeln!(
        out,
        "\"design\":{},\"seed\":{},\"workflows\":{}}},\"traceEvents\":[",
        quoted(&trace.design.label),
        trace.seed,
        quoted(
            &trace
                .workflows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )
    );
    let mut metadata = Vec::new();
    let mut named_pids = std::collections::BTreeSet::new();
    for &(pid, lane) in lanes.ends.keys() {
        if named_pids.insert(pid) {
            let process = if pid == network_pid {
                "network".to_string()
            } else {
                name(ComponentId(u16::try_from(pid - 1).unwrap_or(0)))
            };
            metadata.push(format!(
                "{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{pid},\"tid\":0,\"args\":{{\"name\":{}}}}}",
                quoted(&process)
            ));
            metadata.push(format!(
                "{{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":{pid},\"tid\":0,\"args\":{{\"sort_index\":{pid}}}}}"
            ));
        }
        let count = lanes.ends[&(pid, lane)].len();
        for position in 0..count {
            let thread = if position == 0 {
                lane.name().to_string()
            } else {
                format!("{} {}", lane.name(), position + 1)
            };
            let tid = lane.base() + u32::try_from(position).unwrap_or(999).min(999);
            metadata.push(format!(
                "{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":{}}}}}",
                quoted(&thread)
            ));
        }
    }
    let lines: Vec<String> = metadata
        .into_iter()
        .chain(events.into_iter().map(|(_, event)| event))
        .collect();
    out.push_str(&lines.join(",\n"));
    out.push_str("\n]}\n");
    out
}
