//! From the raw file to a validated `Scenario`: defaults filled in, references resolved,
//! cross-field ranges checked. Every error points at the offending value.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::engine::SimDuration;
use crate::model::{
    Arrivals, ComponentId, Delivery, DurationDistribution, LinkOverride, LinkSpec, MessageSizes,
    NetworkSpec, OrchestratorSpec, Publish, RunWindow, ServiceSpec, SystemSpec, WorkloadSpec,
    default_bucket,
};

use super::deployment::deployment;
use super::error::{ScenarioError, Source};
use super::raw::{
    RawArrivals, RawCompensate, RawDefaults, RawDelivery, RawPublish, RawScenarioFile, RawService,
};
use super::values::{BandwidthValue, DistributionValue, WorkerCount};
use super::{Scenario, designs};

/// Built-in defaults for what neither a service nor `[defaults]` sets.
const DEFAULT_WORKERS: u32 = 1;
const DEFAULT_QUEUE: u32 = 1_000_000;
const DEFAULT_BASE_BYTES: u64 = 1024;
/// Most buckets `timeseries.csv` may have.
const MAX_BUCKETS: u64 = 100_000;
const MAX_WORKERS: u32 = 1_000_000;
const MAX_REPLICATIONS: u32 = 10_000;

fn delivery(value: Option<RawDelivery>, default: Delivery) -> Delivery {
    match value {
        None => default,
        Some(RawDelivery::Broker) => Delivery::Broker,
        Some(RawDelivery::Direct) => Delivery::Direct,
    }
}

pub(super) fn network_delivery(raw: &RawScenarioFile) -> Delivery {
    delivery(
        raw.network.as_ref().and_then(|n| n.delivery),
        Delivery::Direct,
    )
}

fn network_interface(raw: &RawScenarioFile) -> Option<BandwidthValue> {
    raw.network.as_ref().and_then(|n| n.interface)
}

fn distribution(value: &Option<DistributionValue>) -> Option<DurationDistribution> {
    value.as_ref().map(|v| v.0.clone())
}

fn workers(
    source: &Source<'_>,
    key: &str,
    value: &Option<Spanned<WorkerCount>>,
    default: u32,
) -> Result<u32, ScenarioError> {
    match value {
        None => Ok(default),
        Some(spanned) if (1..=MAX_WORKERS).contains(&spanned.get_ref().get()) => {
            Ok(spanned.get_ref().get())
        }
        Some(spanned) => Err(source.error(
            Some(spanned.span()),
            key,
            format!(
                "expected at least 1 and at most {MAX_WORKERS} workers, got {}",
                spanned.get_ref().0
            ),
        )),
    }
}

/// Longest scenario or service name: it names folders and fills table cells.
const MAX_NAME_CHARS: usize = 100;

pub fn validate(source: &Source<'_>, raw: RawScenarioFile) -> Result<Scenario, ScenarioError> {
    let name = raw.scenario.name.get_ref().clone();
    // It names the output folder (plus "-sweep"): a file system takes 255 bytes at most.
    let name_ok = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(source.error(
            Some(raw.scenario.name.span()),
            "scenario.name",
            format!(
                "expected a name of at most {MAX_NAME_CHARS} letters, digits, `-`, `_` and `.` (it names the output folder), got \"{}\"",
                name.chars().take(60).collect::<String>()
            ),
        ));
    }
    let window = run_window(source, &raw)?;
    let defaults = raw.defaults.as_ref();
    let mut zones = Vec::new();
    let services = services(source, &raw, defaults, &mut zones)?;
    let (steps, workflow) = super::workflow::workflow(source, &raw.workflow, &services)?;
    let orchestrator = raw.orchestrator.as_ref().map(|spanned| {
        let section = spanned.get_ref();
        Ok::<_, ScenarioError>(OrchestratorSpec {
            compensates_in_parallel: matches!(section.compensate, Some(RawCompensate::Parallel)),
            workers: workers(
                source,
                "orchestrator.workers",
                &section.workers,
                defaults_workers(source, defaults)?,
            )?,
            queue: section
                .queue
                .or(defaults.and_then(|d| d.queue))
                .unwrap_or(DEFAULT_QUEUE),
            work: distribution(&section.work).unwrap_or(DurationDistribution::ZERO),
            journal: distribution(&section.journal).unwrap_or(DurationDistribution::ZERO),
            query: distribution(&section.query)
                .or_else(|| defaults.and_then(|d| distribution(&d.query)))
                .unwrap_or(DurationDistribution::ZERO),
            delivery: delivery(section.delivery, network_delivery(&raw)),
            interface_bits_per_s: section.interface.or(network_interface(&raw)).map(|b| b.0),
            deployment: deployment(source, "orchestrator", section.into(), defaults, &mut zones)?,
        })
    });
    let orchestrator = orchestrator.transpose()?;
    let network = network(source, &raw, &services)?;
    let messages = MessageSizes {
        base_bytes: raw
            .messages
            .as_ref()
            .and_then(|m| m.base)
            .map_or(DEFAULT_BASE_BYTES, |v| v.0),
        state_per_step_bytes: raw
            .messages
            .as_ref()
            .and_then(|m| m.state_per_step)
            .map_or(0, |v| v.0),
    };
    let workload = workload(source, &raw)?;
    let replications = match &raw.scenario.replications {
        None => 1,
        Some(spanned) if (1..=MAX_REPLICATIONS).contains(spanned.get_ref()) => *spanned.get_ref(),
        Some(spanned) => {
            return Err(source.error(
                Some(spanned.span()),
                "scenario.replications",
                format!(
                    "expected between 1 and {MAX_REPLICATIONS} replications, got {}",
                    spanned.get_ref()
                ),
            ));
        }
    };
    let failures = super::faults::failures(source, &raw, &services, orchestrator.as_ref(), &zones)?;
    let system = SystemSpec {
        failures,
        services,
        orchestrator,
        network,
        messages,
        workload,
        steps,
        workflow,
        window,
        zones,
    };
    let declared = designs::declared(source, &raw, &system)?;
    let designs = match &raw.scenario.variants {
        None => designs::default_designs(&system, &declared),
        Some(list) => {
            let names: Vec<&str> = list
                .get_ref()
                .iter()
                .map(|n| n.get_ref().as_str())
                .collect();
            designs::resolve(&names, &declared, &system).map_err(|(index, message)| {
                match list.get_ref().get(index) {
                    Some(item) => source.error(
                        Some(item.span()),
                        format!("scenario.variants[{index}]"),
                        message,
                    ),
                    None => source.error(Some(list.span()), "scenario.variants", message),
                }
            })?
        }
    };
    if designs.is_empty() {
        // Every predefined style was left out: say why the scenario's own style cannot run.
        let style = crate::coordination::Design::style(
            crate::coordination::Coordination::Choreography,
            &system,
        );
        let reason = designs::cannot_run(&style, &system).unwrap_or_default();
        return Err(source.error(
            Some(raw.workflow.steps.span()),
            "workflow.steps",
            format!(
                "no design can run this workflow as the scenario is set: `choreography` {reason}"
            ),
        ));
    }
    let warnings = super::faults::scenario_warnings(source, &raw, &system)?;
    Ok(Scenario {
        name,
        seed: raw.scenario.seed.unwrap_or(1),
        designs,
        declared_designs: declared,
        replications,
        system,
        warnings,
    })
}

fn defaults_workers(
    source: &Source<'_>,
    defaults: Option<&RawDefaults>,
) -> Result<u32, ScenarioError> {
    workers(
        source,
        "defaults.workers",
        &defaults.and_then(|d| d.workers.clone()),
        DEFAULT_WORKERS,
    )
}

fn run_window(source: &Source<'_>, raw: &RawScenarioFile) -> Result<RunWindow, ScenarioError> {
    let scenario = &raw.scenario;
    let duration = scenario.duration.get_ref().0;
    if duration.is_zero() {
        return Err(source.error(
            Some(scenario.duration.span()),
            "scenario.duration",
            "expected a duration greater than 0",
        ));
    }
    let drain = scenario
        .drain
        .map_or(SimDuration::from_nanos(duration.as_nanos() / 10), |d| d.0);
    let warmup = match &scenario.warmup {
        None => SimDuration::ZERO,
        Some(spanned) if spanned.get_ref().0 < duration => spanned.get_ref().0,
        // Of the two, the error points at the one a --set flag changed: that is the value
        // the user just typed.
        Some(spanned)
            if source.is_flag(&scenario.duration.span()) && !source.is_flag(&spanned.span()) =>
        {
            return Err(source.error(
                Some(scenario.duration.span()),
                "scenario.duration",
                format!(
                    "expected a duration longer than the scenario's warmup ({}), got {duration}; \
                     shorten the warmup too (--set scenario.warmup=…)",
                    spanned.get_ref().0
                ),
            ));
        }
        Some(spanned) => {
            return Err(source.error(
                Some(spanned.span()),
                "scenario.warmup",
                format!(
                    "expected a warmup shorter than the duration ({duration}), got {}",
                    spanned.get_ref().0
                ),
            ));
        }
    };
    let span = duration + drain;
    let bucket = match &scenario.bucket {
        None => default_bucket(span),
        Some(spanned) => {
            let width = spanned.get_ref().0;
            if width.is_zero() || span.as_nanos().div_ceil(width.as_nanos()) > MAX_BUCKETS {
                return Err(source.error(
                    Some(spanned.span()),
                    "scenario.bucket",
                    format!("expected a bucket width that gives at most {MAX_BUCKETS} buckets over duration + drain ({span}), got {width}"),
                ));
            }
            width
        }
    };
    Ok(RunWindow {
        duration,
        drain,
        warmup,
        bucket,
    })
}

fn services(
    source: &Source<'_>,
    file: &RawScenarioFile,
    defaults: Option<&RawDefaults>,
    zones: &mut Vec<String>,
) -> Result<Vec<ServiceSpec>, ScenarioError> {
    let spanned = &file.services;
    let default_delivery = network_delivery(file);
    let default_interface = network_interface(file);
    let raw = spanned.get_ref();
    let default_workers = defaults_workers(source, defaults)?;
    let default_of = |pick: fn(&RawDefaults) -> &Option<DistributionValue>| {
        defaults
            .and_then(|d| distribution(pick(d)))
            .unwrap_or(DurationDistribution::ZERO)
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut services = Vec::new();
    for (index, service) in raw.iter().enumerate() {
        let name = service.name.get_ref().as_str();
        let key = format!("services[{index}].name");
        if name.is_empty() || name == "client" || name == "orchestrator" {
            return Err(source.error(
                Some(service.name.span()),
                &key,
                format!("expected a service name other than \"\", \"client\" and \"orchestrator\" (reserved), got \"{name}\""),
            ));
        }
        // Names become CSV cells, table cells and chart labels: keep them to one plain line.
        if name
            .chars()
            .any(|c| c.is_control() || matches!(c, ',' | '"'))
            || name.chars().count() > MAX_NAME_CHARS
        {
            return Err(source.error(
                Some(service.name.span()),
                &key,
                format!(
                    "expected a service name of at most {MAX_NAME_CHARS} characters without commas, quotes or line breaks, got {:?}",
                    name.chars().take(60).collect::<String>()
                ),
            ));
        }
        if let Some(first) = seen.insert(name, index) {
            return Err(source.error(
                Some(service.name.span()),
                &key,
                format!("service \"{name}\" is already defined as services[{first}]"),
            ));
        }
        let work = service.work.0.clone();
        services.push(ServiceSpec {
            name: name.to_string(),
            workers: workers(
                source,
                &format!("services[{index}].workers"),
                &service.workers,
                default_workers,
            )?,
            queue: service
                .queue
                .or(defaults.and_then(|d| d.queue))
                .unwrap_or(DEFAULT_QUEUE),
            compensate: distribution(&service.compensate).unwrap_or_else(|| work.clone()),
            work,
            fail: service.fail.map_or(0.0, |p| p.0),
            query: distribution(&service.query).unwrap_or_else(|| default_of(|d| &d.query)),
            progress: distribution(&service.progress)
                .unwrap_or_else(|| default_of(|d| &d.progress)),
            journal: distribution(&service.journal).unwrap_or_else(|| default_of(|d| &d.journal)),
            idempotent: service.idempotent.unwrap_or(false),
            publish: publish(source, index, service, defaults, default_delivery)?,
            publish_window: match service
                .publish
                .as_ref()
                .or(defaults.and_then(|d| d.publish.as_ref()))
                .map(|p| *p.get_ref())
            {
                Some(RawPublish::DualWrite) => service
                    .publish_delay
                    .or(defaults.and_then(|d| d.publish_delay))
                    .map_or(SimDuration::from_millis(1), |d| d.0),
                Some(RawPublish::Outbox) => service
                    .relay_delay
                    .or(defaults.and_then(|d| d.relay_delay))
                    .map_or(SimDuration::from_millis(1), |d| d.0),
                _ => SimDuration::ZERO,
            },
            delivery: delivery(service.delivery, default_delivery),
            interface_bits_per_s: service.interface.or(default_interface).map(|b| b.0),
            output_bytes: service
                .output
                .as_ref()
                .or(defaults.and_then(|d| d.output.as_ref()))
                .map(|o| o.0.clone()),
            deployment: deployment(
                source,
                &format!("services[{index}]"),
                service.into(),
                defaults,
                zones,
            )?,
        });
    }
    if services.is_empty() {
        // At the array itself: the file's, or the `--set` flag that emptied it.
        return Err(source.error(
            Some(spanned.span()),
            "services",
            "expected at least one [[services]] table",
        ));
    }
    if services.len() > usize::from(u16::MAX) - 2 {
        return Err(source.error(None, "services", "expected at most 65,533 services"));
    }
    Ok(services)
}

/// A service's `publish`, which needs a broker: with direct delivery there is nothing to
/// publish to, and nothing to relay an outbox row to.
fn publish(
    source: &Source<'_>,
    index: usize,
    service: &RawService,
    defaults: Option<&RawDefaults>,
    default_delivery: Delivery,
) -> Result<Publish, ScenarioError> {
    let (key, value) = match (&service.publish, defaults.and_then(|d| d.publish.as_ref())) {
        (Some(value), _) => (format!("services[{index}].publish"), value),
        (None, Some(value)) => ("defaults.publish".to_string(), value),
        (None, None) => return Ok(Publish::Atomic),
    };
    let publish = match value.get_ref() {
        RawPublish::Atomic => return Ok(Publish::Atomic),
        RawPublish::DualWrite => Publish::DualWrite,
        RawPublish::Outbox => Publish::Outbox,
    };
    if delivery(service.delivery, default_delivery) != Delivery::Broker {
        return Err(source.error(
            Some(value.span()),
            key,
            format!(
                "expected broker delivery for publish = \"{}\": with direct delivery there is no broker to publish or relay to (set `delivery = \"broker\"`)",
                publish.label()
            ),
        ));
    }
    Ok(publish)
}

fn service_index(services: &[ServiceSpec], name: &str) -> Option<usize> {
    services.iter().position(|service| service.name == name)
}

fn names(services: &[ServiceSpec]) -> String {
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    names.join(", ")
}

/// The component `name` refers to; `client` only where it may stand (`with_client`), so
/// the message lists exactly what is allowed.
pub(super) fn component(
    source: &Source<'_>,
    services: &[ServiceSpec],
    key: &str,
    name: &Spanned<String>,
    with_client: bool,
) -> Result<ComponentId, ScenarioError> {
    match name.get_ref().as_str() {
        "client" if with_client => Ok(ComponentId::CLIENT),
        "orchestrator" => Ok(ComponentId::ORCHESTRATOR),
        other => service_index(services, other)
            .map(ComponentId::service)
            .ok_or_else(|| {
                let expected = if with_client {
                    "\"client\", \"orchestrator\" or a service"
                } else {
                    "\"orchestrator\" or a service (the client cannot fail)"
                };
                source.error(
                    Some(name.span()),
                    key,
                    format!(
                        "no component named \"{other}\"; expected {expected}: {}{}",
                        names(services),
                        super::suggest::did_you_mean(
                            other,
                            ["orchestrator", "client"]
                                .into_iter()
                                .filter(|name| with_client || *name != "client")
                                .chain(services.iter().map(|s| s.name.as_str()))
                        ),
                    ),
                )
            }),
    }
}

fn network(
    source: &Source<'_>,
    raw: &RawScenarioFile,
    services: &[ServiceSpec],
) -> Result<NetworkSpec, ScenarioError> {
    let Some(network) = &raw.network else {
        return Ok(NetworkSpec {
            default_link: LinkSpec {
                latency: DurationDistribution::ZERO,
                bandwidth_bits_per_s: None,
            },
            links: Vec::new(),
        });
    };
    let mut links = Vec::new();
    for (index, link) in network.links.iter().enumerate() {
        let src = component(
            source,
            services,
            &format!("network.links[{index}].src"),
            &link.src,
            true,
        )?;
        let dst = component(
            source,
            services,
            &format!("network.links[{index}].dst"),
            &link.dst,
            true,
        )?;
        if src == dst {
            return Err(source.error(
                Some(link.dst.span()),
                format!("network.links[{index}].dst"),
                "a link joins two different components",
            ));
        }
        links.push(LinkOverride {
            src,
            dst,
            latency: distribution(&link.latency),
            bandwidth_bits_per_s: link.bandwidth.map(|b| Some(b.0)),
        });
    }
    Ok(NetworkSpec {
        default_link: LinkSpec {
            latency: distribution(&network.latency).unwrap_or(DurationDistribution::ZERO),
            bandwidth_bits_per_s: network.bandwidth.map(|b| b.0),
        },
        links,
    })
}

fn workload(source: &Source<'_>, raw: &RawScenarioFile) -> Result<WorkloadSpec, ScenarioError> {
    let workload = &raw.workload;
    let (arrivals, kind, per_second) = match *workload.arrivals.get_ref() {
        RawArrivals::Poisson(rate) => (Arrivals::Poisson { per_second: rate.0 }, "poisson", rate.0),
        RawArrivals::Constant(rate) => (
            Arrivals::Constant { per_second: rate.0 },
            "constant",
            rate.0,
        ),
    };
    super::profile::check_rate_starts_a_workflow(source, raw, kind, per_second)?;
    let positive = |key: &str, value: &Option<Spanned<super::values::DurationValue>>| match value {
        Some(spanned) if spanned.get_ref().0.is_zero() => Err(source.error(
            Some(spanned.span()),
            key,
            "expected a duration greater than 0",
        )),
        other => Ok(other.as_ref().map(|spanned| spanned.get_ref().0)),
    };
    let status_every = positive(
        "workload.status_queries.every",
        &workload.status_queries.as_ref().map(|q| q.every.clone()),
    )?;
    let timeout = positive("workload.timeout", &workload.timeout)?;
    let max_workflows = match &workload.workflows {
        Some(spanned) if *spanned.get_ref() == 0 => {
            return Err(source.error(
                Some(spanned.span()),
                "workload.workflows",
                "expected at least 1 workflow",
            ));
        }
        other => other.as_ref().map(|spanned| *spanned.get_ref()),
    };
    let profile = match &workload.profile {
        None => None,
        Some(spanned) => Some(super::profile::rate_profile(source, spanned)?),
    };
    Ok(WorkloadSpec {
        arrivals,
        profile,
        status_every,
        timeout,
        max_workflows,
    })
}
