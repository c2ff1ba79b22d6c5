//! Resource budgets. Before anything is simulated, an estimate of a run's events and peak
//! memory from the scenario alone (arrivals, events per workflow, status polls, fault
//! transitions, replications, components, results held), refused beyond a budget with
//! the cause and the key to change. During a run, the bound on workflows held that stops
//! an overloaded simulation (`Budget::max_workflows_held`). A scenario that validates
//! then finishes, or is refused or stopped with a message: it never exhausts the machine.

use crate::model::{Arrivals, ComponentId, SystemSpec};
use crate::scenario::{Scenario, Shape};

mod parts;

use parts::{empirical_samples, fault_costs};

/// Events all the runs of one command may take by default: about a quarter of an hour of
/// one core at the engine's 10 M events per second.
pub const DEFAULT_MAX_EVENTS: u64 = 10_000_000_000;
/// Peak memory by default: 4 GiB, a sixth of the 24 GiB machines the project runs on.
pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 4 << 30;

/// What one held workflow costs: 226 B measured as peak RSS growth per stuck workflow
/// (README, "Overload"), rounded up for the messages and events that wait with it.
pub const BYTES_PER_HELD_WORKFLOW: u64 = 1024;
/// One run's held workflows may take this fraction of the memory budget (1 / 4): runs go
/// on in parallel, one per core. The bound must not depend on the thread count, or the
/// figures of a stopped run would.
const HELD_SHARE: u64 = 4;

/// Polls in a row without news before the client backs off, and the most doublings
/// (as in `model::world::client`): the polls a workflow can draw per piece of news.
const POLLS_BEFORE_BACKOFF: f64 = 16.0;

/// Bytes a finished run keeps until the report is written, per time bucket (the bucket,
/// its CSV cells and text), per reading (a scaling.csv row), per component (its rows and
/// histograms) and per fault window (its faults.csv row, recovery and timeline marks).
/// The last two measured as peak RSS growth per item per run (issue 26: 20,000 services
/// and 30,000 scripted windows, one and four replications of five designs).
const BYTES_PER_BUCKET_KEPT: f64 = 700.0;
const BYTES_PER_ROW_KEPT: f64 = 600.0;
const BYTES_PER_COMPONENT_KEPT: f64 = 3_400.0;
const BYTES_PER_FAULT_WINDOW_KEPT: f64 = 2_200.0;
/// Bytes a running simulation needs per component (station, inbox, histograms) and per
/// fault window (occurrence, window, tracker entries, two queued events).
const BYTES_PER_COMPONENT: f64 = 4096.0;
const BYTES_PER_FAULT_WINDOW: f64 = 256.0;
/// Bytes an empirical sample costs the command: its parse (which the allocator keeps for
/// the runs), the sample and its text in the effective scenario the report prints.
const BYTES_PER_SAMPLE: f64 = 330.0;
/// A step of scanning the active slowdowns or partitions, in events' worth of work.
const SCAN_STEP_EVENTS: f64 = 0.1;
/// What parsing a scenario file holds at its peak, per byte of text, per table and per
/// value (the parser's tree with its spans, the deserialised and validated copies):
/// measured as the peak RSS of `check` and of a run refused after parsing, on files of
/// 1 M empirical samples, 30,000 fault tables and 20,000 service tables.
const PARSE_BYTES_PER_BYTE: f64 = 2.0;
const PARSE_BYTES_PER_TABLE: f64 = 1_600.0;
const PARSE_BYTES_PER_VALUE: f64 = 330.0;

/// How much one command may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Events over all the runs of the command (`--max-events`).
    pub max_events: u64,
    /// Peak memory in bytes (`--max-memory`).
    pub max_memory_bytes: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_events: DEFAULT_MAX_EVENTS,
            max_memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
        }
    }
}

/// A budget exceeded, in words that name the cause, the key to change and the flag.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BudgetError(pub String);

/// One contribution to an estimate, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// How much of it: events, or bytes.
    pub amount: f64,
    /// What it is and the scenario key (or flag) that sets it.
    pub cause: String,
}

/// What a command's runs are expected to take.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Estimate {
    /// Events the run would simulate.
    pub events: f64,
    /// Peak memory it would hold, bytes.
    pub memory_bytes: f64,
    /// What the events come from, largest first.
    pub event_costs: Vec<Cost>,
    /// What the memory goes to, largest first.
    pub memory_costs: Vec<Cost>,
}

impl Estimate {
    fn add_events(&mut self, amount: f64, cause: String) {
        self.events += amount;
        self.event_costs.push(Cost { amount, cause });
    }

    fn add_memory(&mut self, amount: f64, cause: String) {
        self.memory_bytes += amount;
        self.memory_costs.push(Cost { amount, cause });
    }
}

impl Budget {
    /// The most workflows one run may hold before it is stopped as overloaded.
    pub fn max_workflows_held(&self) -> usize {
        let held = self.max_memory_bytes / BYTES_PER_HELD_WORKFLOW / HELD_SHARE;
        usize::try_from(held.max(1)).unwrap_or(usize::MAX)
    }

    /// Refuse an estimate beyond the budget, naming its largest cause.
    pub fn check(&self, estimate: &Estimate) -> Result<(), BudgetError> {
        self.check_before(estimate, "simulating")
    }

    /// `check`, saying what the refusal comes before (`parsing the scenario`).
    pub fn check_before(&self, estimate: &Estimate, before: &str) -> Result<(), BudgetError> {
        // NaN (an estimate that could not be made) counts as beyond the budget.
        let within = |amount: f64, limit: u64| {
            amount
                .partial_cmp(&(limit as f64))
                .is_some_and(|o| o.is_le())
        };
        if !within(estimate.events, self.max_events) {
            return Err(BudgetError(format!(
                "refused before {before}: about {} events, beyond the budget of {} (--max-events); {}. Lower it, or raise the budget with --max-events {}",
                scientific(estimate.events),
                scientific(self.max_events as f64),
                largest(&estimate.event_costs),
                scientific(estimate.events.min(1e18) * 1.5),
            )));
        }
        if !within(estimate.memory_bytes, self.max_memory_bytes) {
            return Err(BudgetError(format!(
                "refused before {before}: about {} of memory, beyond the budget of {} (--max-memory); {}. Lower it, or raise the budget with --max-memory {}",
                bytes(estimate.memory_bytes),
                bytes(self.max_memory_bytes as f64),
                largest(&estimate.memory_costs),
                bytes((estimate.memory_bytes * 1.5).min(1e18)).replace(' ', ""),
            )));
        }
        Ok(())
    }
}

/// Parse a `--max-memory` value: bytes with a unit (`512MiB`, `8GiB`, `4GB`).
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let bytes = crate::scenario::parse_size(text)
        .map_err(|error| format!("expected a size like 8GiB or 512MiB: {error}"))?;
    if bytes < 1 << 20 {
        return Err(format!("expected at least 1MiB, got `{text}`"));
    }
    Ok(bytes)
}

/// Parse a `--max-events` value: a whole number, plain or like `2e10`.
pub fn parse_events(text: &str) -> Result<u64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of events like 2e10, got `{text}`"))?;
    if !(1.0..=1e19).contains(&value) {
        return Err(format!(
            "expected a number of events from 1 to 1e19, got `{text}`"
        ));
    }
    Ok(value as u64)
}

/// The least a scenario file will take, from its text alone (`scenario::scan`), before it
/// is parsed: parsing it, and what its largest arrays of tables keep in each of `runs`
/// runs (the flags' replications and designs where given, else the file's, else a lower
/// bound). Checked before parsing, so that a file too large for the budget is refused
/// while it costs no more than its text.
pub fn estimate_file(shape: &Shape, runs: f64) -> Estimate {
    let mut estimate = Estimate::default();
    let parse = shape.bytes as f64 * PARSE_BYTES_PER_BYTE
        + shape.tables as f64 * PARSE_BYTES_PER_TABLE
        + shape.values as f64 * PARSE_BYTES_PER_VALUE;
    let cause = match &shape.largest {
        Some((key, count)) if *count as f64 * 2.0 > shape.values as f64 => format!(
            "parsing the scenario: `{key}` holds {} of its {} values",
            scientific(*count as f64),
            scientific(shape.values as f64)
        ),
        _ => format!(
            "parsing the scenario: {} tables and {} values in {}",
            scientific(shape.tables as f64),
            scientific(shape.values as f64),
            bytes(shape.bytes as f64)
        ),
    };
    estimate.add_memory(parse, cause);
    let runs = runs.max(1.0);
    for (name, kept, what) in [
        (
            "services",
            BYTES_PER_COMPONENT_KEPT,
            "services, each with its rows and histograms",
        ),
        (
            "faults",
            BYTES_PER_FAULT_WINDOW_KEPT,
            "fault windows, each with its rows and marks",
        ),
    ] {
        let count = shape.entries(name) as f64;
        if count > 0.0 {
            estimate.add_memory(
                count * kept * runs,
                format!(
                    "`{name}`: {} {what}, kept by each of {} runs (replications × designs)",
                    scientific(count),
                    scientific(runs)
                ),
            );
        }
    }
    estimate
}

/// The estimate for running every design of `scenario` in every replication, with up to
/// `parallel_runs` runs at once.
pub fn estimate(scenario: &Scenario, parallel_runs: usize) -> Estimate {
    let runs = scenario.designs.len().max(1) as f64 * f64::from(scenario.replications.max(1));
    let parallel = (parallel_runs.max(1) as f64).min(runs);
    let per_run = estimate_run(&scenario.system);
    let mut total = Estimate::default();
    let times = |cost: &Cost, factor: f64, scope: &str| Cost {
        amount: cost.amount * factor,
        cause: if factor > 1.0 {
            format!("{} ({scope})", cost.cause)
        } else {
            cost.cause.clone()
        },
    };
    let runs_scope = format!(
        "in each of {runs} runs: {} designs × {} replications, set by `scenario.replications` or --replications",
        scenario.designs.len(),
        scenario.replications
    );
    for cost in &per_run.event_costs {
        let cost = times(cost, runs, &runs_scope);
        total.add_events(cost.amount, cost.cause);
    }
    for cost in &per_run.working_costs {
        let scope = format!("in each of {parallel} runs at once");
        let cost = times(cost, parallel, &scope);
        total.add_memory(cost.amount, cost.cause);
    }
    for cost in &per_run.kept_costs {
        let cost = times(cost, runs, &runs_scope);
        total.add_memory(cost.amount, cost.cause);
    }
    for cost in &per_run.command_costs {
        total.add_memory(cost.amount, cost.cause.clone());
    }
    total
}

/// What one run of a system takes: its events, the memory it works in, and the memory
/// its finished result keeps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunEstimate {
    /// Events one run would simulate.
    pub events: f64,
    /// What the events come from.
    pub event_costs: Vec<Cost>,
    /// Memory held while a run simulates.
    pub working_costs: Vec<Cost>,
    /// Memory kept after it (results).
    pub kept_costs: Vec<Cost>,
    /// Memory held once for the whole command, however many runs (the scenario's own
    /// data, such as its empirical samples).
    pub command_costs: Vec<Cost>,
}

impl RunEstimate {
    /// Count `amount` events to `cause`.
    fn add_events(&mut self, amount: f64, cause: String) {
        self.events += amount;
        self.event_costs.push(Cost { amount, cause });
    }
}

/// Estimate one run of `spec`. Deliberately simple and on the generous side: it is there
/// to catch runs that are orders of magnitude too large, not to predict CPU time.
pub fn estimate_run(spec: &SystemSpec) -> RunEstimate {
    let window = spec.window;
    let run_nanos = (window.duration + window.drain).as_nanos_f64();
    let steps = spec.steps.len() as f64;
    // With a profile: its integral for the count, its peak for what is held at once.
    let rate = spec.workload.peak_rate();
    let offered = spec
        .workload
        .expected_arrivals(window.duration.as_secs_f64());
    let workflows = spec
        .workload
        .max_workflows
        .map_or(offered, |max| offered.min(max as f64));
    let lifetime_nanos = spec
        .workload
        .timeout
        .map_or(run_nanos, |timeout| timeout.as_nanos_f64().min(run_nanos))
        .min(lifetime_nanos(spec));
    let mut estimate = RunEstimate::default();
    let arrivals = match (&spec.workload.profile, spec.workload.arrivals) {
        (Some(_), _) => "workload.profile",
        (None, Arrivals::Poisson { .. }) => "workload.arrivals.poisson",
        (None, Arrivals::Constant { .. }) => "workload.arrivals.constant",
    };
    // Each message is delivered and worked on; orchestration doubles the messages.
    let events_per_workflow = 6.0 * steps + 8.0;
    let events = workflows * events_per_workflow;
    estimate.events += events;
    estimate.event_costs.push(Cost {
        amount: events,
        cause: format!(
            "about {} workflows at about {events_per_workflow} events each: `{arrivals}` is {}/s{} over `scenario.duration` {}",
            scientific(workflows.round()),
            scientific(rate),
            if spec.workload.profile.is_some() { " at its peak" } else { "" },
            window.duration
        ),
    });
    if let Some(every) = spec.workload.status_every {
        let intervals = (lifetime_nanos / every.as_nanos_f64().max(1.0)).max(1.0);
        // Polls back off after a run without news: a few per piece of news, then doubling.
        let per_workflow = intervals.min((steps + 2.0) * (POLLS_BEFORE_BACKOFF + intervals.log2()));
        let events = workflows * per_workflow * (4.0 + 3.0 * steps);
        estimate.events += events;
        estimate.event_costs.push(Cost {
            amount: events,
            cause: format!(
                "about {} status polls per workflow: `workload.status_queries.every` is {every}",
                scientific(per_workflow.round())
            ),
        });
    }
    let in_flight = (rate * lifetime_nanos / 1e9).min(workflows).max(1.0);
    fault_costs(spec, run_nanos, in_flight, &mut estimate);
    let (samples, largest) = empirical_samples(spec);
    if samples > 0.0 {
        estimate.command_costs.push(Cost {
            amount: samples * BYTES_PER_SAMPLE,
            cause: format!(
                "{} empirical samples, mostly `{largest}`",
                scientific(samples)
            ),
        });
    }
    let components = spec.component_count() as f64;
    let stations: u32 = (0..spec.component_count())
        .map(|index| spec.most_replicas(ComponentId(index as u16)))
        .sum();
    estimate.working_costs.push(Cost {
        amount: f64::from(stations) * BYTES_PER_COMPONENT,
        cause: if stations as usize > spec.component_count() {
            format!(
                "{} services and their replicas, {stations} in all, each with its inbox and histograms",
                spec.services.len()
            )
        } else {
            format!(
                "{} services, each with its inbox and histograms",
                spec.services.len()
            )
        },
    });
    // Readings of replicas and utilisation: every autoscaler interval, or every bucket
    // under a load profile; each a scaling.csv row kept.
    let readings: f64 = (0..spec.component_count())
        .filter_map(|index| spec.deployment(ComponentId(index as u16)))
        .map(|deployment| match deployment.autoscale {
            Some(autoscale) => run_nanos / autoscale.every.as_nanos_f64().max(1.0),
            None if spec.workload.profile.is_some() => {
                run_nanos / window.bucket.as_nanos_f64().max(1.0)
            }
            None => 0.0,
        })
        .sum();
    if readings > 0.0 {
        let cause = format!(
            "about {} readings of replicas and utilisation for scaling.csv",
            scientific(readings.round())
        );
        estimate.add_events(readings, cause.clone());
        estimate.kept_costs.push(Cost {
            amount: readings * BYTES_PER_ROW_KEPT,
            cause,
        });
    }
    estimate.kept_costs.push(Cost {
        amount: components * BYTES_PER_COMPONENT_KEPT,
        cause: format!(
            "{} services, each with its components.csv row and histograms (`services`)",
            spec.services.len()
        ),
    });
    let buckets = ((window.duration + window.drain).as_nanos_f64()
        / window.bucket.as_nanos_f64().max(1.0))
    .ceil();
    estimate.kept_costs.push(Cost {
        amount: buckets * BYTES_PER_BUCKET_KEPT,
        cause: format!(
            "{buckets} time buckets kept per run for timeseries.csv (`scenario.bucket` is {})",
            window.bucket
        ),
    });
    estimate.working_costs.push(Cost {
        amount: in_flight * BYTES_PER_HELD_WORKFLOW as f64,
        cause: format!(
            "about {} workflows in flight: `{arrivals}` is {}/s",
            scientific(in_flight.round()),
            scientific(rate)
        ),
    });
    estimate
}

/// How long a workflow lives when nothing waits: its steps' work, its messages' latency
/// and transfer, the orchestrator's handling. Infinite means (a Pareto shape ≤ 1) count
/// as the whole run, which the caller caps it at.
fn lifetime_nanos(spec: &SystemSpec) -> f64 {
    let steps = spec.steps.len() as f64;
    let work: f64 = spec
        .steps
        .iter()
        .map(|&service| spec.services[service].work.mean_nanos())
        .sum();
    let link = &spec.network.default_link;
    let transfer = link.bandwidth_bits_per_s.map_or(0.0, |bits_per_s| {
        spec.messages.base_bytes as f64 * 8.0 * 1e9 / bits_per_s
    });
    let messages = 2.0 * steps + 2.0;
    let orchestrator = spec.orchestrator.as_ref().map_or(0.0, |o| {
        (steps + 1.0) * (o.work.mean_nanos() + o.journal.mean_nanos())
    });
    let total = work + messages * (link.latency.mean_nanos() + transfer) + orchestrator;
    if total.is_nan() { f64::INFINITY } else { total }
}

/// The cost that weighs most, said plainly.
fn largest(costs: &[Cost]) -> String {
    costs
        .iter()
        .max_by(|a, b| a.amount.total_cmp(&b.amount))
        .map_or_else(String::new, |cost| format!("mostly {}", cost.cause))
}

/// `2.1e10`, or the plain number below ten thousand (three decimals at most), or below
/// ten million when whole (`30000` tables, not `3.0e4`).
fn scientific(value: f64) -> String {
    if !value.is_finite() {
        "unboundedly many".to_string()
    } else if value.abs() < 1e4 || (value.abs() < 1e7 && value.fract() == 0.0) {
        trim(value)
    } else {
        format!("{value:.1e}")
    }
}

/// At most three decimals, trailing zeros trimmed.
fn trim(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `3.2 GiB`.
fn bytes(value: f64) -> String {
    crate::scenario::bytes_text(value)
}
