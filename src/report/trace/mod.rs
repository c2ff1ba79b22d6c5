//! A traced workflow's time, taken apart: the records of `sagasim trace` turned into spans
//! (work, inbox wait, network, broker hold, retry backoff) and into where the client's wait
//! went. The Perfetto, text and Mermaid renderings all read these spans.

mod perfetto;
mod timeline;

pub use perfetto::render_perfetto;
pub use timeline::{render_trace_mermaid, render_trace_text};

use std::collections::BTreeMap;

use crate::engine::{SimDuration, SimTime};
use crate::metrics::Outcome;
use crate::model::{Arrival, ComponentId, MessageKind, Task, TraceRecord};

/// What a span of a workflow's time was spent on, in the order that attribution prefers
/// when spans overlap (a worker busy on the workflow counts before a message in flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SpanKind {
    /// A worker doing this task.
    Work(Task),
    /// A message in flight.
    Network,
    /// A message waiting in an inbox.
    Queue,
    /// A broker held the message: its destination was down or cut off.
    Held,
    /// A caller backing off before it retries.
    Backoff,
    /// The whole workflow, from the client's start to its outcome.
    Workflow,
    /// The client taking in a message (no duration; a flow arrow's end).
    Received,
}

/// Where the client's wait went, as `trace` attributes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delay {
    /// Workers doing the workflow's work.
    Work,
    /// Messages in flight.
    Network,
    /// Messages waiting in inboxes.
    Queue,
    /// Messages a broker held for a down or cut-off component.
    Held,
    /// Callers backing off before a retry.
    Backoff,
    /// Nothing of the workflow moved: a caller waited for a timeout on a lost message.
    Waiting,
}

impl Delay {
    /// Every kind of delay, in attribution order.
    pub const ALL: [Delay; 6] = [
        Delay::Work,
        Delay::Network,
        Delay::Queue,
        Delay::Held,
        Delay::Backoff,
        Delay::Waiting,
    ];

    /// As the text trace writes it.
    pub fn label(self) -> &'static str {
        match self {
            Delay::Work => "work",
            Delay::Network => "network",
            Delay::Queue => "inbox wait",
            Delay::Held => "held by broker (down or partitioned)",
            Delay::Backoff => "retry backoff",
            Delay::Waiting => "waiting on a timeout",
        }
    }

    fn of(kind: SpanKind) -> Option<Delay> {
        match kind {
            SpanKind::Work(_) => Some(Delay::Work),
            SpanKind::Network => Some(Delay::Network),
            SpanKind::Queue => Some(Delay::Queue),
            SpanKind::Held => Some(Delay::Held),
            SpanKind::Backoff => Some(Delay::Backoff),
            SpanKind::Workflow | SpanKind::Received => None,
        }
    }
}

/// One interval of a workflow's time at one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The workflow's number.
    pub workflow: u64,
    /// What the time was spent on.
    pub kind: SpanKind,
    /// Where it happens: the component working, waiting or backing off; for a network
    /// span, the sender.
    pub component: ComponentId,
    /// When it began.
    pub start: SimTime,
    /// When it ended.
    pub end: SimTime,
    /// What a viewer shows.
    pub label: String,
    /// Status-query traffic: drawn, but not part of the workflow's own path.
    pub status: bool,
    /// The message it carries or handles, as (index, copy): ties a flow arrow's ends.
    pub message: Option<(u32, u32)>,
}

/// A moment worth marking: a timeout, a retry, a loss, a crash, a step's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub workflow: u64,
    pub at: SimTime,
    pub component: ComponentId,
    pub label: String,
}

/// A traced workflow's spans and marks.
#[derive(Debug, Clone, Default)]
pub struct WorkflowSpans {
    /// Every span.
    pub spans: Vec<Span>,
    /// Every mark.
    pub marks: Vec<Mark>,
}

/// Where one message copy is now.
#[derive(Debug, Clone, Copy)]
enum CopyState {
    Network { since: SimTime },
    Held { since: SimTime, at: ComponentId },
    Queued { since: SimTime, at: ComponentId },
    Working { span: usize },
    Gone,
}

/// One copy of a message (a duplicate delivery shares its index).
#[derive(Debug, Clone, Copy)]
struct MessageCopy {
    state: CopyState,
    number: u32,
    kind: MessageKind,
    src: ComponentId,
    dst: ComponentId,
}

/// Take `records` (of any number of workflows, in the order they happened) apart into
/// spans and marks. `name` names components.
pub fn spans_of(records: &[TraceRecord], name: &dyn Fn(ComponentId) -> String) -> WorkflowSpans {
    let mut out = WorkflowSpans::default();
    let mut copies: BTreeMap<(u64, u32), Vec<MessageCopy>> = BTreeMap::new();
    let mut backoffs: BTreeMap<(u64, ComponentId), SimTime> = BTreeMap::new();
    let mut starts: BTreeMap<u64, SimTime> = BTreeMap::new();
    for record in records {
        let workflow = record.workflow();
        starts.entry(workflow).or_insert(record.at());
        match *record {
            TraceRecord::Sent {
                at,
                index,
                src,
                dst,
                kind,
                local,
                ..
            } => {
                let list = copies.entry((workflow, index)).or_default();
                let number = u32::try_from(list.len()).unwrap_or(u32::MAX);
                let state = if local {
                    CopyState::Queued { since: at, at: dst }
                } else {
                    CopyState::Network { since: at }
                };
                list.push(MessageCopy {
                    state,
                    number,
                    kind,
                    src,
                    dst,
                });
            }
            TraceRecord::Arrived {
                at,
                index,
                kind,
                component,
                fate,
                ..
            } => {
                let list = copies.entry((workflow, index)).or_default();
                let position = list.iter().position(|c| {
                    matches!(c.state, CopyState::Network { .. } | CopyState::Held { .. })
                });
                let Some(position) = position else {
                    // A broker's redelivery of a message whose worker crashed (a fresh
                    // index): it waits from the crash on.
                    if fate == Arrival::Held {
                        list.push(MessageCopy {
                            state: CopyState::Held {
                                since: at,
                                at: component,
                            },
                            number: u32::try_from(list.len()).unwrap_or(u32::MAX),
                            kind,
                            src: component,
                            dst: component,
                        });
                    }
                    continue;
                };
                let copy = &mut list[position];
                let message = Some((index, copy.number));
                let status = copy.kind.is_status();
                let what = copy.kind.label();
                match copy.state {
                    CopyState::Network { since } => out.spans.push(Span {
                        workflow,
                        kind: SpanKind::Network,
                        component: copy.src,
                        start: since,
                        end: at,
                        label: format!("{what} → {}", name(copy.dst)),
                        status,
                        message,
                    }),
                    CopyState::Held { since, at: held_at } => out.spans.push(Span {
                        workflow,
                        kind: SpanKind::Held,
                        component: held_at,
                        start: since,
                        end: at,
                        label: format!("{what} held by the broker"),
                        status,
                        message: None,
                    }),
                    _ => {}
                }
                copy.state = match fate {
                    Arrival::Accepted if component == ComponentId::CLIENT => {
                        out.spans.push(Span {
                            workflow,
                            kind: SpanKind::Received,
                            component,
                            start: at,
                            end: at,
                            label: what.to_string(),
                            status,
                            message,
                        });
                        CopyState::Gone
                    }
                    Arrival::Accepted => CopyState::Queued {
                        since: at,
                        at: component,
                    },
                    Arrival::Held => CopyState::Held {
                        since: at,
                        at: component,
                    },
                    Arrival::Lost => {
                        out.marks.push(Mark {
                            workflow,
                            at,
                            component,
                            label: format!("{what} lost"),
                        });
                        CopyState::Gone
                    }
                };
            }
            TraceRecord::WorkStarted {
                at,
                index,
                component,
                task,
                step,
                duration,
                ..
            } => {
                let list = copies.entry((workflow, index)).or_default();
                let position = list
                    .iter()
                    .position(|c| matches!(c.state, CopyState::Queued { .. }));
                let (status, copy_number) = match position {
                    Some(position) => {
                        let copy = &mut list[position];
                        if let CopyState::Queued { since, .. } = copy.state
                            && since < at
                        {
                            out.spans.push(Span {
                                workflow,
                                kind: SpanKind::Queue,
                                component,
                                start: since,
                                end: at,
                                label: format!("{} in the inbox", copy.kind.label()),
                                status: copy.kind.is_status(),
                                message: Some((index, copy.number)),
                            });
                        }
                        copy.state = CopyState::Working {
                            span: out.spans.len(),
                        };
                        (copy.kind.is_status(), copy.number)
                    }
                    None => (task == Task::Query, u32::MAX),
                };
                out.spans.push(Span {
                    workflow,
                    kind: SpanKind::Work(task),
                    component,
                    start: at,
                    end: at + duration,
                    label: work_label(task, step),
                    status,
                    message: Some((index, copy_number)),
                });
            }
            TraceRecord::WorkLost {
                at,
                index,
                component,
                ..
            } => {
                if let Some(list) = copies.get_mut(&(workflow, index))
                    && let Some(copy) = list.iter_mut().find(|c| {
                        matches!(
                            c.state,
                            CopyState::Working { .. } | CopyState::Queued { .. }
                        )
                    })
                {
                    match copy.state {
                        CopyState::Working { span } if out.spans[span].end > at => {
                            out.spans[span].end = at;
                        }
                        CopyState::Queued {
                            since,
                            at: queued_at,
                        } if since < at => {
                            out.spans.push(Span {
                                workflow,
                                kind: SpanKind::Queue,
                                component: queued_at,
                                start: since,
                                end: at,
                                label: format!("{} in the inbox", copy.kind.label()),
                                status: copy.kind.is_status(),
                                message: None,
                            });
                        }
                        _ => {}
                    }
                    copy.state = CopyState::Gone;
                }
                out.marks.push(Mark {
                    workflow,
                    at,
                    component,
                    label: "crash: work lost".to_string(),
                });
            }
            // A step's result shows in the timeline; it starts or ends no span.
            TraceRecord::StepFinished { .. } => {}
            TraceRecord::Rejected { at, component, .. } => out.marks.push(Mark {
                workflow,
                at,
                component,
                label: "rejected: inbox full".to_string(),
            }),
            TraceRecord::TimedOut { at, component, .. } => {
                backoffs.insert((workflow, component), at);
                out.marks.push(Mark {
                    workflow,
                    at,
                    component,
                    label: "timeout".to_string(),
                });
            }
            TraceRecord::Retried { at, component, .. } => {
                if let Some(since) = backoffs.remove(&(workflow, component)) {
                    out.spans.push(Span {
                        workflow,
                        kind: SpanKind::Backoff,
                        component,
                        start: since,
                        end: at,
                        label: "backoff".to_string(),
                        status: false,
                        message: None,
                    });
                }
                out.marks.push(Mark {
                    workflow,
                    at,
                    component,
                    label: "retry".to_string(),
                });
            }
            TraceRecord::Ended { at, outcome, .. } => {
                let start = starts.get(&workflow).copied().unwrap_or(at);
                out.spans.push(Span {
                    workflow,
                    kind: SpanKind::Workflow,
                    component: ComponentId::CLIENT,
                    start,
                    end: at,
                    label: format!("workflow {workflow}: {}", outcome_label(outcome)),
                    status: false,
                    message: None,
                });
            }
        }
    }
    out
}

fn work_label(task: Task, step: u8) -> String {
    match task {
        Task::Query => task.label().to_string(),
        _ => format!("{} (step {})", task.label(), u32::from(step) + 1),
    }
}

pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Completed => "completed",
        Outcome::Compensated => "compensated",
        Outcome::Failed => "failed",
        Outcome::Stuck => "stuck",
    }
}

/// Where workflow `workflow`'s time went, from its start to its outcome: each instant goes
/// to the first kind of span active then (work, network, inbox, broker, backoff), and to
/// waiting when none is. The parts sum to the workflow's time exactly. Status traffic is
/// left out: it runs beside the workflow, not on its path.
pub fn attribute(
    spans: &WorkflowSpans,
    workflow: u64,
) -> Option<(SimDuration, Vec<(Delay, SimDuration)>)> {
    let whole = spans
        .spans
        .iter()
        .find(|s| s.workflow == workflow && s.kind == SpanKind::Workflow)?;
    let (start, end) = (whole.start, whole.end);
    let mut boundaries: Vec<(SimTime, bool, Delay)> = Vec::new();
    for span in &spans.spans {
        let Some(delay) = Delay::of(span.kind) else {
            continue;
        };
        if span.workflow != workflow || span.status {
            continue;
        }
        let (from, to) = (span.start.max(start), span.end.min(end));
        if from < to {
            boundaries.push((from, true, delay));
            boundaries.push((to, false, delay));
        }
    }
    boundaries.sort();
    let mut active = [0u32; 6];
    let mut totals = [0u64; 6];
    let mut last = start;
    for (at, opens, delay) in boundaries {
        let current = active
            .iter()
            .position(|&count| count > 0)
            .unwrap_or(Delay::Waiting as usize);
        totals[current] += at.since(last).as_nanos();
        last = at;
        let slot = &mut active[delay as usize];
        if opens {
            *slot += 1;
        } else {
            *slot -= 1;
        }
    }
    totals[Delay::Waiting as usize] += end.since(last).as_nanos();
    let parts = Delay::ALL
        .iter()
        .map(|&delay| (delay, SimDuration::from_nanos(totals[delay as usize])))
        .collect();
    Some((end.since(start), parts))
}
