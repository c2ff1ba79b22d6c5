//! The scenario file as serde reads it: one struct per TOML table, unknown keys rejected,
//! spans kept where a later check (references, cross-field ranges) must point at a value.
//! These types also generate the JSON Schema (`sagasim schema`).

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::values::{
    BandwidthValue, DistributionValue, DurationValue, Positive, Probability, ProfileRate, Rate,
    SizeDistributionValue, SizeValue, WorkerCount,
};
pub use super::workflow::RawWorkflow;

/// A sagasim scenario: services, network, workload, workflow, and the variants to compare.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "sagasim scenario")]
pub struct RawScenarioFile {
    pub scenario: RawScenario,
    pub workload: RawWorkload,
    pub network: Option<RawNetwork>,
    pub messages: Option<RawMessages>,
    #[schemars(with = "Option<RawOrchestrator>")]
    pub orchestrator: Option<Spanned<RawOrchestrator>>,
    pub defaults: Option<RawDefaults>,
    #[schemars(with = "Vec<RawService>")]
    pub services: Spanned<Vec<RawService>>,
    pub workflow: RawWorkflow,
    pub policy: Option<RawPolicy>,
    #[serde(default)]
    #[schemars(with = "Vec<RawFault>")]
    pub faults: Vec<Spanned<RawFault>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawDesign>")]
    pub designs: Vec<Spanned<RawDesign>>,
}

/// `[[designs]]`: a design of the scenario's own, run by its name like the predefined
/// ones. Either `coordination` (the scenario's communication and consistency apply unless
/// given), or a `pattern` with any of the three overridden.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDesign {
    /// The label the reports use; not a predefined style or pattern name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// A saga pattern to start from: `epic`, `phone-tag`, `fairy-tale`, `time-travel`,
    /// `fantasy-fiction`, `horror-story`, `parallel` or `anthology`.
    #[schemars(with = "Option<String>")]
    pub pattern: Option<Spanned<String>>,
    /// A coordination style: `orchestrator`, `choreography`, `front-controller`,
    /// `stamp-coupling` or `stateless`.
    #[schemars(with = "Option<String>")]
    pub coordination: Option<Spanned<String>>,
    pub communication: Option<RawCommunication>,
    pub consistency: Option<RawConsistency>,
}

/// How a service's messages leave after its step commits.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPublish {
    Atomic,
    DualWrite,
    Outbox,
}

/// How an orchestrator undoes a parallel block's branches.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawCompensate {
    Sequential,
    Parallel,
}

/// How a sync chain answers its client.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawAnswer {
    Return,
    Callback,
}

/// `"broker"` (a durable queue in front of the component) or `"direct"`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawDelivery {
    Broker,
    Direct,
}

/// `autoscale = { min = 2, max = 20, target = 0.6, every = "15s", startup = "30s", cooldown = "5m" }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscale {
    /// Fewest replicas (default 1).
    #[schemars(with = "Option<u32>")]
    pub min: Option<Spanned<u32>>,
    /// Most replicas (default 10).
    #[schemars(with = "Option<u32>")]
    pub max: Option<Spanned<u32>>,
    /// The utilisation aimed at, in (0, 1] (default 0.6).
    #[schemars(with = "Option<f64>")]
    pub target: Option<Spanned<f64>>,
    /// How often it decides (default "15s").
    #[schemars(with = "Option<DurationValue>")]
    pub every: Option<Spanned<DurationValue>>,
    /// A new replica serves this long after it is started (default "30s").
    pub startup: Option<DurationValue>,
    /// No scale-down sooner than this after the last scale-up (default "5m").
    pub cooldown: Option<DurationValue>,
}

/// How a load balancer picks a replica for direct delivery.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawBalance {
    RoundRobin,
    Random,
    LeastOutstanding,
    PowerOfTwo,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawCommunication {
    Async,
    Sync,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawConsistency {
    Atomic,
    Eventual,
}

/// `[policy]`: timeouts and retries, applied by whoever waits for a reply.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// How long to wait for a reply before retrying.
    #[schemars(with = "DurationValue")]
    pub timeout: Spanned<DurationValue>,
    /// Retries after the first attempt (default 3).
    #[schemars(with = "Option<u32>")]
    pub retries: Option<Spanned<u32>>,
    /// Backoff before the first retry (default 100ms).
    #[schemars(with = "Option<DurationValue>")]
    pub backoff: Option<Spanned<DurationValue>>,
    /// Growth of the backoff per retry (default 2.0).
    pub multiplier: Option<Positive>,
    /// Largest backoff (default 5s).
    #[schemars(with = "Option<DurationValue>")]
    pub max_backoff: Option<Spanned<DurationValue>>,
    /// Full jitter: wait uniformly between 0 and the backoff (default false).
    pub jitter: Option<bool>,
    /// The client's budget for a workflow, carried on every call and command.
    #[schemars(with = "Option<DurationValue>")]
    pub deadline: Option<Spanned<DurationValue>>,
    /// A circuit breaker per caller → callee (Resilience4j's count-based states).
    #[schemars(with = "Option<RawBreaker>")]
    pub breaker: Option<Spanned<RawBreaker>>,
}

/// `[policy] breaker`: a count-based circuit breaker, with Resilience4j's defaults.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBreaker {
    /// It opens when this share of the window's calls failed, in (0, 1] (default 0.5).
    #[schemars(with = "Option<f64>")]
    pub failure_rate: Option<Spanned<f64>>,
    /// The last calls it judges by (default 100).
    #[schemars(with = "Option<u32>")]
    pub window: Option<Spanned<u32>>,
    /// Calls finished before it may open, at most `window` (default: `window`).
    #[schemars(with = "Option<u32>")]
    pub min_calls: Option<Spanned<u32>>,
    /// How long it stays open (default "60s").
    pub open: Option<DurationValue>,
    /// Trial calls when half-open (default 10).
    #[schemars(with = "Option<u32>")]
    pub half_open: Option<Spanned<u32>>,
}

/// What a full inbox does with one more message.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawOverflow {
    /// Drop it (a dead letter; the default).
    Drop,
    /// Refuse it at once: the sender sees a failed call (HTTP 503, reject-publish).
    Reject,
}

/// `[[faults]]`: one of `crash`, `partition` or `slow`, scripted (`at`, `for`) or, for
/// crashes, random (`mtbf`, `mttr`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// A service name, or "orchestrator".
    #[schemars(with = "Option<String>")]
    pub crash: Option<Spanned<String>>,
    /// Two component names: no message passes between them.
    #[schemars(with = "Option<Vec<String>>")]
    pub partition: Option<Spanned<Vec<Spanned<String>>>>,
    /// A component whose every cost is multiplied by `factor`.
    #[schemars(with = "Option<String>")]
    pub slow: Option<Spanned<String>>,
    /// From 1 to 1e6: 2 doubles every cost.
    #[schemars(with = "Option<f64>", range(min = 1.0, max = 1e6))]
    pub factor: Option<Spanned<f64>>,
    #[schemars(with = "Option<DurationValue>")]
    pub at: Option<Spanned<DurationValue>>,
    #[serde(rename = "for")]
    #[schemars(with = "Option<DurationValue>")]
    pub duration: Option<Spanned<DurationValue>>,
    /// Random crashes: mean time between failures.
    #[schemars(with = "Option<DurationValue>")]
    pub mtbf: Option<Spanned<DurationValue>>,
    /// Random crashes: mean time to repair.
    #[schemars(with = "Option<DurationValue>")]
    pub mttr: Option<Spanned<DurationValue>>,
    /// A crash of this many of the component's replicas, the lowest-indexed (default:
    /// every replica).
    #[schemars(with = "Option<u32>")]
    pub replicas: Option<Spanned<u32>>,
    /// A zone outage: every replica placed in this zone, of every component, crashes.
    #[schemars(with = "Option<String>")]
    pub zone: Option<Spanned<String>>,
}

/// `[scenario]`: naming, seeding and the run window.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Names the output folder `results/<name>/`: letters, digits, `-`, `_` and `.`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Every random draw derives from this; the same seed gives the same bytes out.
    pub seed: Option<u64>,
    /// Arrivals stop after this much simulated time.
    #[schemars(with = "DurationValue")]
    pub duration: Spanned<DurationValue>,
    /// In-flight workflows get this long to finish after arrivals stop (default: 10 % of
    /// `duration`); what is left is `stuck`.
    pub drain: Option<DurationValue>,
    /// Workflows started before this are simulated but not measured (default 0).
    #[schemars(with = "Option<DurationValue>")]
    pub warmup: Option<Spanned<DurationValue>>,
    /// Width of a `timeseries.csv` bucket (default: a round value giving 400–1,000 buckets).
    #[schemars(with = "Option<DurationValue>")]
    pub bucket: Option<Spanned<DurationValue>>,
    /// Designs to run, by name: the five coordination styles, the eight saga patterns,
    /// `patterns` for all eight, and the scenario's own `[[designs]]` (default: the five
    /// styles, then the scenario's own designs).
    #[schemars(with = "Option<Vec<String>>")]
    pub variants: Option<Spanned<Vec<Spanned<String>>>>,
    /// `"async"` (default) or `"sync"`: whether a caller's worker waits for the callee.
    pub communication: Option<RawCommunication>,
    /// `"atomic"` (default) or `"eventual"`: when the client gets its answer.
    pub consistency: Option<RawConsistency>,
    /// Sync chains: `"return"` (default: the client's call returns through the first
    /// service as the calls unwind) or `"callback"` (the last service answers it).
    pub answer: Option<RawAnswer>,
    /// Independent replications with derived seeds (default 1).
    #[schemars(with = "Option<u32>")]
    pub replications: Option<Spanned<u32>>,
}

/// `[workload]`: what the clients do.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    #[schemars(with = "RawArrivals")]
    pub arrivals: Spanned<RawArrivals>,
    pub status_queries: Option<RawStatusQueries>,
    /// The client gives up on a workflow after this long (absent: waits forever).
    #[schemars(with = "Option<DurationValue>")]
    pub timeout: Option<Spanned<DurationValue>>,
    /// Start at most this many workflows (absent: as many as `duration` allows).
    #[schemars(with = "Option<u64>")]
    pub workflows: Option<Spanned<u64>>,
    /// The arrival rate over time, piecewise linear, replacing `arrivals`' rate (its
    /// family stays): `[{ at = "0s", rate = 20 }, { at = "2m", rate = 400 }]`, or
    /// `{ file = "rates.csv" }` with `seconds,rate` rows, relative to the scenario file.
    #[schemars(with = "Option<ProfileSchema>")]
    pub profile: Option<Spanned<RawProfile>>,
}

/// `[workload] profile`: points, or a file of them.
#[derive(Debug)]
pub enum RawProfile {
    Points(Vec<RawProfilePoint>),
    File(RawProfileFile),
}

/// A point of a load profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProfilePoint {
    /// From the start of the run.
    #[schemars(with = "DurationValue")]
    pub at: Spanned<DurationValue>,
    /// Workflows per second at that time.
    #[schemars(with = "ProfileRate")]
    pub rate: Spanned<ProfileRate>,
}

/// `{ file = "rates.csv" }`: `seconds,rate` rows, a recorded rate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProfileFile {
    /// Relative to the scenario file.
    #[schemars(with = "String")]
    pub file: Spanned<String>,
}

/// The schema of `profile` (the reader takes either form without serde's untagged
/// guessing, so that an error inside a point names that point).
#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(untagged)]
enum ProfileSchema {
    Points(Vec<RawProfilePoint>),
    File(RawProfileFile),
}

impl<'de> Deserialize<'de> for RawProfile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ProfileVisitor;
        impl<'de> serde::de::Visitor<'de> for ProfileVisitor {
            type Value = RawProfile;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a list of points like [{ at = \"0s\", rate = 20 }, { at = \"2m\", rate = 400 }], or { file = \"rates.csv\" }",
                )
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawProfile, A::Error> {
                let mut points = Vec::new();
                while let Some(point) = seq.next_element::<RawProfilePoint>()? {
                    points.push(point);
                }
                Ok(RawProfile::Points(points))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawProfile, A::Error> {
                RawProfileFile::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawProfile::File)
            }
        }
        deserializer.deserialize_any(ProfileVisitor)
    }
}

/// `{ poisson = 50 }` or `{ constant = 50 }`, in workflows per second.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum RawArrivals {
    Poisson(Rate),
    Constant(Rate),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStatusQueries {
    /// Each in-flight workflow is polled for its status this often.
    #[schemars(with = "DurationValue")]
    pub every: Spanned<DurationValue>,
}

/// `[network]`: latency and bandwidth of every link, with per-link overrides.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub latency: Option<DistributionValue>,
    /// Transfer time = size / bandwidth, added to latency; absent = unlimited.
    pub bandwidth: Option<BandwidthValue>,
    #[serde(default)]
    pub links: Vec<RawLink>,
    /// `"broker"` or `"direct"` (default); a service may override it.
    pub delivery: Option<RawDelivery>,
    /// Probability that a message is lost in transit (direct delivery).
    pub loss: Option<Probability>,
    /// Probability that a message is delivered twice.
    pub duplicate: Option<Probability>,
    /// Capacity of each component's network interface: its outgoing messages are sent
    /// one after another at this rate (absent = unlimited). A service or the orchestrator
    /// may override it.
    pub interface: Option<BandwidthValue>,
}

/// One directed link override, `src` → `dst`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    #[schemars(with = "String")]
    pub src: Spanned<String>,
    #[schemars(with = "String")]
    pub dst: Spanned<String>,
    pub latency: Option<DistributionValue>,
    pub bandwidth: Option<BandwidthValue>,
}

/// `[messages]`: sizes on the wire.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMessages {
    /// Every message (default 1KiB).
    pub base: Option<SizeValue>,
    /// Stamp coupling: each completed step adds this much state (default 0B).
    pub state_per_step: Option<SizeValue>,
}

/// `[orchestrator]`: needed when the `orchestrator` variant runs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOrchestrator {
    #[schemars(with = "Option<WorkerCount>")]
    pub workers: Option<Spanned<WorkerCount>>,
    /// How it undoes a parallel block's branches: `"sequential"` (default: one step at a
    /// time, latest first) or `"parallel"` (every branch at once, each in reverse order).
    pub compensate: Option<RawCompensate>,
    pub queue: Option<u32>,
    /// Handling one message: decide and send the next command (default 0ms).
    pub work: Option<DistributionValue>,
    /// Durable write per state transition; "0ms" means in-memory state (default 0ms).
    pub journal: Option<DistributionValue>,
    /// Answering one status query (default: `[defaults] query`).
    pub query: Option<DistributionValue>,
    pub delivery: Option<RawDelivery>,
    /// Its network interface's capacity (default: `[network] interface`).
    pub interface: Option<BandwidthValue>,
    /// Replicas of it (default 1), each with its own `workers`, `queue` and interface.
    #[schemars(with = "Option<u32>")]
    pub replicas: Option<Spanned<u32>>,
    /// How a direct sender's load balancer picks a replica (default "round-robin").
    pub balance: Option<RawBalance>,
    /// The balancer's health-check interval: a dead replica keeps receiving until the
    /// next check (default "5s"; "0s": at once).
    pub detect: Option<DurationValue>,
    /// Zones its replicas are placed in, round-robin (a `zone` fault downs them all).
    #[schemars(with = "Option<Vec<String>>")]
    pub zones: Option<Spanned<Vec<Spanned<String>>>>,
    /// A coordinator's crashed shard is taken over by a live replica after this long,
    /// when its state is journaled (default "10s").
    pub failover: Option<DurationValue>,
    /// Scale the replicas on utilisation, as the horizontal autoscaler does (`replicas`
    /// is then the starting count).
    #[schemars(with = "Option<RawAutoscale>")]
    pub autoscale: Option<Spanned<RawAutoscale>>,
    /// What a full inbox does with one more message: "drop" (default) or "reject".
    pub overflow: Option<RawOverflow>,
}

/// `[defaults]`: what every service has unless it says otherwise.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    #[schemars(with = "Option<WorkerCount>")]
    pub workers: Option<Spanned<WorkerCount>>,
    /// Messages waiting beyond this are rejected.
    pub queue: Option<u32>,
    /// How services' messages leave after a commit (see `[[services]] publish`).
    #[schemars(with = "Option<RawPublish>")]
    pub publish: Option<Spanned<RawPublish>>,
    pub publish_delay: Option<DurationValue>,
    pub relay_delay: Option<DurationValue>,
    pub query: Option<DistributionValue>,
    pub progress: Option<DistributionValue>,
    pub journal: Option<DistributionValue>,
    /// The data each service's step produces, unless it says otherwise.
    pub output: Option<SizeDistributionValue>,
    /// Replicas of it (default 1), each with its own `workers`, `queue` and interface.
    #[schemars(with = "Option<u32>")]
    pub replicas: Option<Spanned<u32>>,
    /// How a direct sender's load balancer picks a replica (default "round-robin").
    pub balance: Option<RawBalance>,
    /// The balancer's health-check interval: a dead replica keeps receiving until the
    /// next check (default "5s"; "0s": at once).
    pub detect: Option<DurationValue>,
    /// Zones its replicas are placed in, round-robin (a `zone` fault downs them all).
    #[schemars(with = "Option<Vec<String>>")]
    pub zones: Option<Spanned<Vec<Spanned<String>>>>,
    /// A coordinator's crashed shard is taken over by a live replica after this long,
    /// when its state is journaled (default "10s").
    pub failover: Option<DurationValue>,
    /// Scale the replicas on utilisation, as the horizontal autoscaler does (`replicas`
    /// is then the starting count).
    #[schemars(with = "Option<RawAutoscale>")]
    pub autoscale: Option<Spanned<RawAutoscale>>,
    /// What a full inbox does with one more message: "drop" (default) or "reject".
    pub overflow: Option<RawOverflow>,
}

/// `[[services]]`: one participant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    #[schemars(with = "Option<WorkerCount>")]
    pub workers: Option<Spanned<WorkerCount>>,
    pub queue: Option<u32>,
    /// Doing this service's step.
    pub work: DistributionValue,
    /// Undoing it (default: the same as `work`).
    pub compensate: Option<DistributionValue>,
    /// Probability that the step fails for a business reason (default 0).
    pub fail: Option<Probability>,
    pub query: Option<DistributionValue>,
    pub progress: Option<DistributionValue>,
    pub journal: Option<DistributionValue>,
    /// A redelivered or duplicated request has no second effect (default false).
    pub idempotent: Option<bool>,
    /// How its messages leave after its step commits: `"atomic"` (default: with the
    /// commit), `"dual-write"` (published after it) or `"outbox"` (a relay publishes the
    /// row committed with it). Needs broker delivery.
    #[schemars(with = "Option<RawPublish>")]
    pub publish: Option<Spanned<RawPublish>>,
    /// Dual write: the commit-to-publish window (default "1ms").
    pub publish_delay: Option<DurationValue>,
    /// Outbox: the relay's delay to publish a row, and to mark it sent (default "1ms").
    pub relay_delay: Option<DurationValue>,
    pub delivery: Option<RawDelivery>,
    /// Its network interface's capacity (default: `[network] interface`).
    pub interface: Option<BandwidthValue>,
    /// The data its step produces, a size or a size distribution (default: none). The
    /// next step consumes it, or the client after the last step.
    pub output: Option<SizeDistributionValue>,
    /// Replicas of it (default 1), each with its own `workers`, `queue` and interface.
    #[schemars(with = "Option<u32>")]
    pub replicas: Option<Spanned<u32>>,
    /// How a direct sender's load balancer picks a replica (default "round-robin").
    pub balance: Option<RawBalance>,
    /// The balancer's health-check interval: a dead replica keeps receiving until the
    /// next check (default "5s"; "0s": at once).
    pub detect: Option<DurationValue>,
    /// Zones its replicas are placed in, round-robin (a `zone` fault downs them all).
    #[schemars(with = "Option<Vec<String>>")]
    pub zones: Option<Spanned<Vec<Spanned<String>>>>,
    /// A coordinator's crashed shard is taken over by a live replica after this long,
    /// when its state is journaled (default "10s").
    pub failover: Option<DurationValue>,
    /// Scale the replicas on utilisation, as the horizontal autoscaler does (`replicas`
    /// is then the starting count).
    #[schemars(with = "Option<RawAutoscale>")]
    pub autoscale: Option<Spanned<RawAutoscale>>,
    /// What a full inbox does with one more message: "drop" (default) or "reject".
    pub overflow: Option<RawOverflow>,
}
