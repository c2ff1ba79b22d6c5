//! The message flow of one workflow under a design, found by simulating it: one workflow,
//! no network delay, 1 ms of work per step, so every message appears in causal order.

use crate::engine::SimDuration;
use crate::model::{
    Arrivals, CallLink, ComponentId, DurationDistribution, FailureModel, LinkSpec, MessageKind,
    NetworkSpec, RunWindow, SystemSpec, TraceRecord,
};

use super::{Design, simulate};

/// One message of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMessage {
    /// The sender.
    pub src: ComponentId,
    /// The receiver.
    pub dst: ComponentId,
    /// What it asks for or reports.
    pub kind: MessageKind,
    /// 0-based step the message concerns.
    pub step: u8,
    /// Its size.
    pub bytes: u64,
    /// A component giving itself work: no message crosses the network.
    pub local: bool,
    /// Sync communication: whether the sender waits (a call), or the message answers one.
    pub link: CallLink,
}

/// The flows `check` prints for a design, on one path through the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesignFlows {
    /// The path's steps, in order (every step of a chain).
    pub path: Vec<u8>,
    /// The path as text, its parallel blocks bracketed: `order → [payment ‖ inventory] → shipping`.
    pub path_text: String,
    /// Whether the workflow has other paths (choices).
    pub one_of_several: bool,
    /// A workflow that completes.
    pub success: Vec<FlowMessage>,
    /// A business failure at step `failed_step` (by default the path's last, which
    /// exercises the longest compensation).
    pub failure: Vec<FlowMessage>,
    /// The failing step of `failure` (its index in the workflow's list of steps).
    pub failed_step: usize,
    /// One status query made while the first step runs (empty if unsupported).
    pub status: Vec<FlowMessage>,
}

/// The flows of one workflow of `design` that takes path `path`: on success, with a
/// business failure at the step at 0-based `failed_position` on the path (the last one
/// when `None` or past the end), and for one status query.
pub fn message_flows(
    system: &SystemSpec,
    design: &Design,
    path: u16,
    failed_position: Option<usize>,
) -> DesignFlows {
    let mut system = system.clone();
    system.workflow = system.workflow.forced_to(path);
    let steps = system.workflow.path(path).steps().to_vec();
    let last = steps.len() - 1;
    let failed_position = failed_position.map_or(last, |position| position.min(last));
    let failed_step = usize::from(steps[failed_position]);
    let success = flow(&system, design, None);
    let failure = flow(&system, design, Some(failed_step));
    let name = |step: u8| {
        system
            .component_name(system.step_component(usize::from(step)))
            .to_string()
    };
    let path_text = system.workflow.path(path).describe(&name);
    DesignFlows {
        path: steps,
        path_text,
        one_of_several: system.workflow.paths().len() > 1,
        success: success
            .iter()
            .filter(|m| !m.0.kind.is_status())
            .map(|m| m.0.clone())
            .collect(),
        failure: failure
            .iter()
            .filter(|m| !m.0.kind.is_status())
            .map(|m| m.0.clone())
            .collect(),
        failed_step,
        status: success
            .into_iter()
            .filter(|m| m.0.kind.is_status() && m.1 == 0)
            .map(|m| m.0)
            .collect(),
    }
}

/// The distinct reactions (a component handling a kind of message for a step) that a
/// design must implement to run every flow of the workflow: success, a business failure
/// at every step of every path (the first `paths`), and a status query. The flow set
/// `check` derives, where a run's `handlers` count only what its draws exercised.
pub fn designed_handlers(system: &SystemSpec, design: &Design, paths: usize) -> u32 {
    let mut reactions = std::collections::BTreeSet::new();
    for path in 0..system.workflow.paths().len().min(paths) {
        let mut forced = system.clone();
        forced.workflow = forced.workflow.forced_to(path as u16);
        let steps = forced.workflow.path(path as u16).steps().to_vec();
        let failures = steps.into_iter().map(|step| Some(usize::from(step)));
        for fail_at in std::iter::once(None).chain(failures) {
            for (message, _) in flow(&forced, design, fail_at) {
                if message.kind != MessageKind::Ack {
                    reactions.insert((message.dst, message.kind, message.step));
                }
            }
        }
    }
    reactions.len() as u32
}

/// Messages (with their payload) of one workflow that fails at `fail_at`, if given.
fn flow(system: &SystemSpec, design: &Design, fail_at: Option<usize>) -> Vec<(FlowMessage, u32)> {
    let mut spec = system.clone();
    let one_ms = DurationDistribution::Constant(SimDuration::from_millis(1));
    for (index, service) in spec.services.iter_mut().enumerate() {
        // As designed: no inbox too small to hold the workflow's messages.
        service.queue = u32::MAX;
        service.work = one_ms.clone();
        service.compensate = one_ms.clone();
        service.query = DurationDistribution::ZERO;
        service.progress = DurationDistribution::ZERO;
        service.journal = DurationDistribution::ZERO;
        service.fail = if fail_at.is_some_and(|step| spec.steps[step] == index) {
            1.0
        } else {
            0.0
        };
    }
    if let Some(orchestrator) = &mut spec.orchestrator {
        orchestrator.queue = u32::MAX;
        orchestrator.work = DurationDistribution::ZERO;
        orchestrator.journal = DurationDistribution::ZERO;
        orchestrator.query = DurationDistribution::ZERO;
    }
    spec.network = NetworkSpec {
        default_link: LinkSpec {
            latency: DurationDistribution::ZERO,
            bandwidth_bits_per_s: None,
        },
        links: Vec::new(),
    };
    // The flow of one workflow as designed: no faults, no loss, no retries (the design
    // brings its own communication and consistency).
    spec.failures = FailureModel::default();
    spec.workload.arrivals = Arrivals::Constant { per_second: 1.0 };
    spec.workload.profile = None;
    spec.workload.max_workflows = Some(1);
    spec.workload.status_every = Some(SimDuration::from_nanos(500_000));
    spec.workload.timeout = None;
    spec.window = RunWindow {
        duration: SimDuration::from_secs(2),
        drain: SimDuration::from_secs(3600),
        warmup: SimDuration::ZERO,
        bucket: SimDuration::from_secs(60),
    };
    let output = simulate(&spec, design, 0, true);
    output
        .trace
        .iter()
        .filter_map(|record| Some((flow_message(record)?, sent_payload(record))))
        .collect()
}

/// The message a `Sent` record describes (`None` for any other record).
pub fn flow_message(record: &TraceRecord) -> Option<FlowMessage> {
    match *record {
        TraceRecord::Sent {
            src,
            dst,
            kind,
            step,
            bytes,
            local,
            link,
            ..
        } => Some(FlowMessage {
            src,
            dst,
            kind,
            step,
            bytes,
            local,
            link,
        }),
        _ => None,
    }
}

fn sent_payload(record: &TraceRecord) -> u32 {
    match *record {
        TraceRecord::Sent { payload, .. } => payload,
        _ => 0,
    }
}
