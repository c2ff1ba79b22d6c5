//! The failures a scenario injects, validated: communication and consistency, loss and
//! duplicates, the `[policy]`, every `[[faults]]` entry with its targets and timing, and
//! the warnings about what validates but is probably a mistake (a fault only the drain
//! sees, a service no step uses).

use toml::Spanned;

use crate::engine::SimDuration;
use crate::model::{
    Answer, BreakerSettings, Communication, Consistency, FailureModel, FaultKind, FaultSpec,
    FaultTiming, MAX_BREAKER_WINDOW, OrchestratorSpec, Policy, ReplicaSet, ServiceSpec, SystemSpec,
};

use super::error::{ScenarioError, Source};
use super::raw::{
    RawAnswer, RawBreaker, RawCommunication, RawConsistency, RawFault, RawScenarioFile,
};
use super::validate::{component, network_delivery};

/// What validates but is probably not what the author meant: a fault that starts after
/// arrivals stop (only the drain sees it), a service that no step uses. A fault that
/// starts after the run's end (duration + drain) would never happen: an error.
pub(super) fn scenario_warnings(
    source: &Source<'_>,
    raw: &RawScenarioFile,
    system: &SystemSpec,
) -> Result<Vec<String>, ScenarioError> {
    let mut warnings = Vec::new();
    let arrivals_end = system.window.duration;
    let run_end = system.window.duration + system.window.drain;
    for (index, fault) in raw.faults.iter().enumerate() {
        let Some(at) = &fault.get_ref().at else {
            continue;
        };
        let start = at.get_ref().0;
        if start >= run_end {
            return Err(source.error(
                Some(at.span()),
                format!("faults[{index}].at"),
                format!(
                    "expected a start before the run ends at {run_end} (duration {arrivals_end} \
                     + drain {}): a fault at {start} would never be simulated",
                    system.window.drain
                ),
            ));
        }
        if start >= arrivals_end {
            warnings.push(format!(
                "{}: faults[{index}] starts at {start}, after arrivals stop at {arrivals_end}: \
                 only the drain sees it, and no figure of the measured window shows it",
                source.path
            ));
        }
    }
    let used: std::collections::BTreeSet<usize> = system.steps.iter().copied().collect();
    let unused: Vec<String> = system
        .services
        .iter()
        .enumerate()
        .filter(|(index, _)| !used.contains(index))
        .map(|(index, service)| format!("services[{index}] (`{}`)", service.name))
        .collect();
    // A handful one by one; a generated file's thousands in one line, not a flood.
    if unused.len() <= 5 {
        for service in unused {
            warnings.push(format!(
                "{}: {service} is declared but no step of the workflow uses it",
                source.path
            ));
        }
    } else {
        warnings.push(format!(
            "{}: {} services are declared but no step of the workflow uses them: {}, …",
            source.path,
            unused.len(),
            unused[..3].join(", ")
        ));
    }
    Ok(warnings)
}

/// `[policy] breaker` validated, with Resilience4j's defaults for what it leaves out.
fn breaker_settings(
    source: &Source<'_>,
    spanned: &Spanned<RawBreaker>,
) -> Result<BreakerSettings, ScenarioError> {
    let raw = spanned.get_ref();
    let failure_rate = match &raw.failure_rate {
        None => 0.5,
        Some(rate) if *rate.get_ref() > 0.0 && *rate.get_ref() <= 1.0 => *rate.get_ref(),
        Some(rate) => {
            return Err(source.error(
                Some(rate.span()),
                "policy.breaker.failure_rate",
                format!("expected a failure rate in (0, 1], got {}", rate.get_ref()),
            ));
        }
    };
    let window = match &raw.window {
        None => 100,
        Some(window) if (1..=MAX_BREAKER_WINDOW).contains(window.get_ref()) => *window.get_ref(),
        Some(window) => {
            return Err(source.error(
                Some(window.span()),
                "policy.breaker.window",
                format!(
                    "expected a window of 1 to {MAX_BREAKER_WINDOW} calls, got {}",
                    window.get_ref()
                ),
            ));
        }
    };
    let min_calls = match &raw.min_calls {
        None => window,
        Some(calls) if (1..=window).contains(calls.get_ref()) => *calls.get_ref(),
        Some(calls) => {
            return Err(source.error(
                Some(calls.span()),
                "policy.breaker.min_calls",
                format!(
                    "expected between 1 and the window's {window} calls, got {}",
                    calls.get_ref()
                ),
            ));
        }
    };
    let half_open = match &raw.half_open {
        None => 10,
        Some(calls) if (1..=MAX_BREAKER_WINDOW).contains(calls.get_ref()) => *calls.get_ref(),
        Some(calls) => {
            return Err(source.error(
                Some(calls.span()),
                "policy.breaker.half_open",
                format!(
                    "expected 1 to {MAX_BREAKER_WINDOW} trial calls, got {}",
                    calls.get_ref()
                ),
            ));
        }
    };
    let open = raw.open.map_or(SimDuration::from_secs(60), |d| d.0);
    if open.is_zero() {
        return Err(source.error(
            Some(spanned.span()),
            "policy.breaker.open",
            "expected an open period greater than 0",
        ));
    }
    Ok(BreakerSettings {
        failure_rate,
        window,
        min_calls,
        open,
        half_open,
    })
}

pub(super) fn failures(
    source: &Source<'_>,
    raw: &RawScenarioFile,
    services: &[ServiceSpec],
    orchestrator: Option<&OrchestratorSpec>,
    zones: &[String],
) -> Result<FailureModel, ScenarioError> {
    let network = raw.network.as_ref();
    let policy = raw.policy.as_ref().map(|policy| {
        let timeout = policy.timeout.get_ref().0;
        if timeout.is_zero() {
            return Err(source.error(
                Some(policy.timeout.span()),
                "policy.timeout",
                "expected a timeout greater than 0",
            ));
        }
        let backoff = policy
            .backoff
            .as_ref()
            .map_or(SimDuration::from_millis(100), |b| b.get_ref().0);
        let max_backoff = policy
            .max_backoff
            .as_ref()
            .map_or(SimDuration::from_secs(5), |b| b.get_ref().0);
        if max_backoff < backoff {
            let (span, key) = match (&policy.max_backoff, &policy.backoff) {
                (Some(max), _) => (Some(max.span()), "policy.max_backoff"),
                (None, Some(backoff)) => (Some(backoff.span()), "policy.backoff"),
                (None, None) => (None, "policy.max_backoff"),
            };
            return Err(source.error(
                span,
                key,
                format!(
                    "expected a largest backoff of at least `policy.backoff` ({}), got {}",
                    backoff, max_backoff
                ),
            ));
        }
        Ok(Policy {
            timeout,
            retries: match &policy.retries {
                Some(retries) if *retries.get_ref() > 1_000 => {
                    return Err(source.error(
                        Some(retries.span()),
                        "policy.retries",
                        format!("expected at most 1000 retries, got {}", retries.get_ref()),
                    ));
                }
                other => other.as_ref().map_or(3, |retries| *retries.get_ref()),
            },
            backoff,
            multiplier: policy.multiplier.map_or(2.0, |m| m.0),
            max_backoff,
            jitter: policy.jitter.unwrap_or(false),
            deadline: match &policy.deadline {
                None => None,
                Some(deadline) if deadline.get_ref().0.is_zero() => {
                    return Err(source.error(
                        Some(deadline.span()),
                        "policy.deadline",
                        "expected a deadline greater than 0",
                    ));
                }
                Some(deadline) => Some(deadline.get_ref().0),
            },
            breaker: policy
                .breaker
                .as_ref()
                .map(|breaker| breaker_settings(source, breaker))
                .transpose()?,
        })
    });
    let mut faults = Vec::new();
    for (index, fault) in raw.faults.iter().enumerate() {
        faults.push(fault_spec(
            source,
            index,
            fault,
            services,
            orchestrator,
            zones,
        )?);
    }
    Ok(FailureModel {
        faults,
        loss: network.and_then(|n| n.loss).map_or(0.0, |p| p.0),
        duplicate: network.and_then(|n| n.duplicate).map_or(0.0, |p| p.0),
        policy: policy.transpose()?,
        communication: match raw.scenario.communication {
            Some(RawCommunication::Sync) => Communication::Sync,
            _ => Communication::Async,
        },
        consistency: match raw.scenario.consistency {
            Some(RawConsistency::Eventual) => Consistency::Eventual,
            _ => Consistency::Atomic,
        },
        answer: match raw.scenario.answer {
            Some(RawAnswer::Callback) => Answer::Callback,
            _ => Answer::Return,
        },
        client_delivery: network_delivery(raw),
    })
}

fn fault_spec(
    source: &Source<'_>,
    index: usize,
    spanned: &Spanned<RawFault>,
    services: &[ServiceSpec],
    orchestrator: Option<&OrchestratorSpec>,
    zones: &[String],
) -> Result<FaultSpec, ScenarioError> {
    let fault = spanned.get_ref();
    let key = |field: &str| format!("faults[{index}].{field}");
    let whole = || {
        source.error(
            Some(spanned.span()),
            format!("faults[{index}]"),
            "expected exactly one of `crash`, `partition`, `slow` or `zone`",
        )
    };
    let target =
        |field: &str, name: &Spanned<String>| component(source, services, &key(field), name, false);
    let kind = match (&fault.crash, &fault.partition, &fault.slow, &fault.zone) {
        (Some(name), None, None, None) => {
            let id = target("crash", name)?;
            let replicas = match &fault.replicas {
                None => ReplicaSet::All,
                Some(count) => {
                    let deployed = match id.service_index() {
                        Some(service) => services[service].deployment.replicas,
                        None => orchestrator.map_or(1, |o| o.deployment.replicas),
                    };
                    let k = *count.get_ref();
                    if k == 0 || k > deployed {
                        return Err(source.error(
                            Some(count.span()),
                            key("replicas"),
                            format!(
                                "expected between 1 and the {deployed} replica{} `{}` runs, got {k}",
                                if deployed == 1 { "" } else { "s" },
                                name.get_ref()
                            ),
                        ));
                    }
                    if k == deployed {
                        ReplicaSet::All
                    } else {
                        ReplicaSet::Lowest(k)
                    }
                }
            };
            FaultKind::Crash(id, replicas)
        }
        (None, None, None, Some(zone)) => {
            let Some(position) = zones.iter().position(|z| z == zone.get_ref()) else {
                let known = if zones.is_empty() {
                    "no component is placed in a zone (give one `zones = [...]`)".to_string()
                } else {
                    format!(
                        "the zones are {}",
                        zones
                            .iter()
                            .map(|z| format!("\"{z}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(source.error(
                    Some(zone.span()),
                    key("zone"),
                    format!("unknown zone \"{}\": {known}", zone.get_ref()),
                ));
            };
            FaultKind::Zone(u16::try_from(position).expect("at most 64 zones"))
        }
        (None, Some(pair), None, None) => {
            let names = pair.get_ref();
            if names.len() != 2 {
                return Err(source.error(
                    Some(pair.span()),
                    key("partition"),
                    format!("expected two component names, got {}", names.len()),
                ));
            }
            let (a, b) = (
                target("partition[0]", &names[0])?,
                target("partition[1]", &names[1])?,
            );
            if a == b {
                return Err(source.error(
                    Some(names[1].span()),
                    key("partition[1]"),
                    "a partition separates two different components",
                ));
            }
            FaultKind::Partition(a, b)
        }
        (None, None, Some(name), None) => {
            let factor = fault.factor.as_ref().ok_or_else(|| {
                source.error(
                    Some(spanned.span()),
                    key("factor"),
                    "a `slow` fault needs a `factor` of at least 1 (2 doubles the work)",
                )
            })?;
            let value = *factor.get_ref();
            if !(1.0..=1e6).contains(&value) {
                return Err(source.error(
                    Some(factor.span()),
                    key("factor"),
                    format!(
                        "expected a factor from 1 to 1e6 (a `slow` fault multiplies its target's work: 2 doubles it; below 1 it would speed it up), got {value}"
                    ),
                ));
            }
            FaultKind::Slow(target("slow", name)?, value)
        }
        _ => return Err(whole()),
    };
    if let (Some(count), false) = (&fault.replicas, matches!(kind, FaultKind::Crash(..))) {
        return Err(source.error(
            Some(count.span()),
            key("replicas"),
            "`replicas` belongs to a `crash` fault",
        ));
    }
    if let (Some(factor), false) = (&fault.factor, matches!(kind, FaultKind::Slow(..))) {
        return Err(source.error(
            Some(factor.span()),
            key("factor"),
            "`factor` belongs to a `slow` fault",
        ));
    }
    let timing = match (&fault.at, &fault.duration, &fault.mtbf, &fault.mttr) {
        (Some(at), Some(duration), None, None) => {
            if duration.get_ref().0.is_zero() {
                return Err(source.error(
                    Some(duration.span()),
                    key("for"),
                    "expected a duration greater than 0",
                ));
            }
            FaultTiming::Scripted {
                at: at.get_ref().0,
                duration: duration.get_ref().0,
            }
        }
        (None, None, Some(mtbf), Some(mttr)) => {
            if !matches!(
                kind,
                FaultKind::Crash(_, ReplicaSet::All) | FaultKind::Zone(_)
            ) {
                return Err(source.error(
                    Some(mtbf.span()),
                    key("mtbf"),
                    "random timing (`mtbf`, `mttr`) is for crashes of a whole component \
                     (each replica then fails on its own) or of a zone; give `at` and `for`",
                ));
            }
            for (field, value) in [("mtbf", mtbf), ("mttr", mttr)] {
                if value.get_ref().0.is_zero() {
                    return Err(source.error(
                        Some(value.span()),
                        key(field),
                        "expected a duration greater than 0",
                    ));
                }
            }
            FaultTiming::Random {
                mtbf: mtbf.get_ref().0,
                mttr: mttr.get_ref().0,
            }
        }
        _ => {
            return Err(source.error(
                Some(spanned.span()),
                format!("faults[{index}]"),
                "expected either `at` and `for` (a scripted fault) or `mtbf` and `mttr` (random crashes)",
            ));
        }
    };
    Ok(FaultSpec { kind, timing })
}
