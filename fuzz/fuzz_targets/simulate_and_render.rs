//! Structured: build a scenario from the input (small ranges and the extremes the
//! validation allows), and if it validates and fits a small budget, simulate it and
//! render every output in memory: CSV, JSON, Markdown, the table and the charts. A run
//! must finish within a bounded multiple of its estimate, conserve its workflows and
//! render without a panic. `SAGASIM_FUZZ_NO_CHARTS=1` leaves the charts out.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sagasim::budget::{Budget, estimate};
use sagasim::report::{
    ChartFormat, ReportInputs, render_failures, render_table, results_json, run_files, to_markdown,
};
use sagasim::scenario::Override;
use sagasim::{RunOptions, Scenario, run};

#[derive(Debug, Arbitrary)]
struct Input {
    /// A bundled scenario (index into `BUNDLED`) instead of a generated one, with at
    /// most this many workflows (1 to 64) and the input's seed: the committed seeds in
    /// fuzz/seeds/simulate_and_render start here, so that short runs begin from every
    /// feature the bundled scenarios use.
    bundled: Option<(u8, u8)>,
    seed: u64,
    steps: u8,
    variants: u8,
    constant_arrivals: bool,
    rate: u8,
    duration: u8,
    drain: u8,
    work: Vec<(u8, u8)>,
    fail: u8,
    workers: u8,
    queue: u8,
    polls: Option<u8>,
    client_timeout: Option<u8>,
    loss: u8,
    duplicate: u8,
    policy: Option<(u8, u8, bool)>,
    sync: bool,
    eventual: bool,
    broker: bool,
    faults: Vec<(u8, u8, u8, u8)>,
    replications: u8,
    bucket: Option<u8>,
    /// 0: a chain; 1: a choice after the first step; 2: a parallel block between the
    /// first and the last step.
    shape: u8,
    /// Replicas of every component (1 + low 2 bits), placed in two zones (bit 2), behind
    /// which balancer (bits 3-4); crash faults then strike one replica (bit 5) or zone a.
    replicas: u8,
    /// Load shedding (bit 0: every component refuses when full), a deadline (bit 1, its
    /// length from bits 2-4) and a breaker (bit 5, its open period from bits 6-7); the
    /// last two only with a `[policy]`.
    resilience: u8,
}

/// The bundled scenarios, in the order of the committed seeds' first bytes.
const BUNDLED: [&str; 17] = [
    include_str!("../../scenarios/advise-checkout.toml"),
    include_str!("../../scenarios/circulate-fan-in.toml"),
    include_str!("../../scenarios/circulate-fan-out.toml"),
    include_str!("../../scenarios/circulate-sequence.toml"),
    include_str!("../../scenarios/flash-sale.toml"),
    include_str!("../../scenarios/high-load.toml"),
    include_str!("../../scenarios/lossy-network.toml"),
    include_str!("../../scenarios/orchestrator-outage.toml"),
    include_str!("../../scenarios/order-placement.toml"),
    include_str!("../../scenarios/order-routes.toml"),
    include_str!("../../scenarios/payment-outage.toml"),
    include_str!("../../scenarios/saga-patterns.toml"),
    include_str!("../../scenarios/slow-provider.toml"),
    include_str!("../../scenarios/spof-revisited.toml"),
    include_str!("../../scenarios/sync-vs-async.toml"),
    include_str!("../../scenarios/ticket-workflow.toml"),
    include_str!("../../scenarios/sweeps/load.toml"),
];

const RATES: [&str; 8] = ["0.001", "0.5", "5", "50", "400", "3000", "1e6", "1e9"];
const DURATIONS: [&str; 10] = [
    "1ns", "1us", "250us", "1ms", "20ms", "1s", "10s", "1m", "36500d", "1h",
];
const BALANCERS: [&str; 4] = ["round-robin", "random", "least-outstanding", "power-of-two"];
const STYLES: [&str; 5] = [
    "orchestrator",
    "choreography",
    "front-controller",
    "stamp-coupling",
    "stateless",
];

fn pick<'a>(values: &[&'a str], index: u8) -> &'a str {
    values[usize::from(index) % values.len()]
}

fn distribution(kind: u8, size: u8) -> String {
    let d = pick(&DURATIONS[..7], size);
    match kind % 8 {
        0 => format!("\"{d}\""),
        1 => format!("{{ exponential = \"{d}\" }}"),
        2 => format!("{{ uniform = [\"0ns\", \"{d}\"] }}"),
        3 => format!("{{ normal = {{ mean = \"{d}\", sd = \"{d}\" }} }}"),
        4 => format!("{{ lognormal = {{ median = \"{d}\", p99 = \"1h\" }} }}"),
        5 => format!(
            "{{ gamma = {{ mean = \"{d}\", cv = {} }} }}",
            1e-6 + f64::from(size) / 8.0
        ),
        6 => format!(
            "{{ pareto = {{ scale = \"{d}\", shape = {} }} }}",
            0.5 + f64::from(size % 5)
        ),
        _ => format!("{{ empirical = [\"{d}\", \"1ns\", \"{d}\"] }}"),
    }
}

fn scenario_text(input: &Input) -> String {
    let steps = 1 + usize::from(input.steps % 4);
    let mut variants: Vec<&str> = STYLES
        .iter()
        .enumerate()
        .filter(|(i, _)| input.variants & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect();
    if variants.is_empty() {
        variants.push("choreography");
    }
    let names: Vec<String> = variants.iter().map(|v| format!("\"{v}\"")).collect();
    let mut text = format!(
        "[scenario]\nname = \"fuzz\"\nseed = {}\nduration = \"{}\"\ndrain = \"{}\"\nreplications = {}\nvariants = [{}]\ncommunication = \"{}\"\nconsistency = \"{}\"\n",
        input.seed,
        pick(&DURATIONS[..8], input.duration),
        pick(&DURATIONS, input.drain),
        1 + input.replications % 3,
        names.join(", "),
        if input.sync { "sync" } else { "async" },
        if input.eventual { "eventual" } else { "atomic" },
    );
    if let Some(bucket) = input.bucket {
        text.push_str(&format!(
            "bucket = \"{}\"\n",
            pick(&DURATIONS[3..8], bucket)
        ));
    }
    text.push_str(&format!(
        "[workload]\narrivals = {{ {} = {} }}\n",
        if input.constant_arrivals {
            "constant"
        } else {
            "poisson"
        },
        pick(&RATES, input.rate)
    ));
    if let Some(every) = input.polls {
        text.push_str(&format!(
            "status_queries = {{ every = \"{}\" }}\n",
            pick(&DURATIONS[..7], every)
        ));
    }
    if let Some(timeout) = input.client_timeout {
        text.push_str(&format!(
            "timeout = \"{}\"\n",
            pick(&DURATIONS[1..8], timeout)
        ));
    }
    text.push_str(&format!(
        "[network]\nlatency = {}\nloss = {}\nduplicate = {}\ndelivery = \"{}\"\n",
        distribution(input.loss, input.duplicate),
        f64::from(input.loss % 11) / 10.0,
        f64::from(input.duplicate % 11) / 10.0,
        if input.broker { "broker" } else { "direct" },
    ));
    if let Some((timeout, retries, jitter)) = input.policy {
        text.push_str(&format!(
            "[policy]\ntimeout = \"{}\"\nretries = {}\nbackoff = \"1ms\"\njitter = {jitter}\n",
            pick(&DURATIONS[1..7], timeout),
            retries % 6
        ));
        if input.resilience & 2 != 0 {
            text.push_str(&format!(
                "deadline = \"{}\"\n",
                pick(&DURATIONS[1..9], input.resilience >> 2)
            ));
        }
        if input.resilience & 32 != 0 {
            text.push_str(&format!(
                "breaker = {{ failure_rate = 0.5, window = 4, min_calls = 2, open = \"{}\", half_open = 1 }}\n",
                pick(&DURATIONS[1..8], input.resilience >> 6)
            ));
        }
    }
    let replicas = 1 + input.replicas % 4;
    let zoned = input.replicas & 4 != 0;
    let deployment = format!(
        "replicas = {replicas}\nbalance = \"{}\"\ndetect = \"{}\"\nfailover = \"{}\"\n{}{}",
        pick(&BALANCERS, input.replicas >> 3),
        pick(&DURATIONS[..7], input.replicas),
        pick(&DURATIONS[..7], input.replicas >> 2),
        if zoned { "zones = [\"a\", \"b\"]\n" } else { "" },
        if input.resilience & 1 != 0 {
            "overflow = \"reject\"\n"
        } else {
            ""
        },
    );
    text.push_str(&format!(
        "[orchestrator]\nworkers = {}\nqueue = {}\nwork = \"100us\"\njournal = \"{}\"\n{deployment}",
        1 + input.workers % 8,
        input.queue,
        if input.eventual { "0ms" } else { "1ms" },
    ));
    // Behind brokers, with the resilience keys: publish after the commit (dual write or
    // an outbox, by bit 0), through a window a crash can hit.
    let publish = if input.broker && input.resilience & 0x60 != 0 {
        format!(
            "publish = \"{}\"\npublish_delay = \"{}\"\nrelay_delay = \"{}\"\n",
            if input.resilience & 1 != 0 { "outbox" } else { "dual-write" },
            pick(&DURATIONS[..7], input.resilience >> 2),
            pick(&DURATIONS[..7], input.resilience >> 4),
        )
    } else {
        String::new()
    };
    for step in 0..steps {
        let (kind, size) = input.work.get(step).copied().unwrap_or((0, 3));
        text.push_str(&format!(
            "[[services]]\nname = \"s{step}\"\nworkers = {}\nqueue = {}\nwork = {}\nfail = {}\n{deployment}{publish}",
            1 + input.workers % 8,
            input.queue,
            distribution(kind, size),
            f64::from(input.fail % 11) / 10.0,
        ));
    }
    for (index, &(kind, target, at, length)) in input.faults.iter().take(3).enumerate() {
        let target = if target % 5 == 0 {
            "orchestrator".to_string()
        } else {
            format!("s{}", usize::from(target) % steps)
        };
        let timing = if kind % 4 == 3 {
            format!(
                "mtbf = \"{}\"\nmttr = \"{}\"\n",
                pick(&DURATIONS[..8], at),
                pick(&DURATIONS[..8], length)
            )
        } else {
            format!(
                "at = \"{}\"\nfor = \"{}\"\n",
                pick(&DURATIONS[..8], at),
                pick(&DURATIONS, length)
            )
        };
        let what = match kind % 4 {
            0 if zoned && input.replicas & 32 != 0 => "zone = \"a\"\n".to_string(),
            0 if input.replicas & 32 != 0 => format!("crash = \"{target}\"\nreplicas = 1\n"),
            0 | 3 => format!("crash = \"{target}\"\n"),
            1 if steps > 1 => format!("partition = [\"s0\", \"s{}\"]\n", steps - 1),
            1 => format!("crash = \"{target}\"\n"),
            _ => format!("slow = \"{target}\"\nfactor = {}\n", 1 + index),
        };
        text.push_str(&format!("[[faults]]\n{what}{timing}"));
    }
    let names: Vec<String> = (0..steps).map(|s| format!("\"s{s}\"")).collect();
    let workflow = match input.shape % 3 {
        1 if steps >= 2 => format!(
            "{}, {{ choice = [{{ p = 0.6, steps = [{}] }}, {{ steps = [] }}] }}",
            names[0],
            names[1..].join(", ")
        ),
        2 if steps >= 3 => {
            let branches = if steps > 3 {
                format!("{}, [{}]", names[1], names[2..steps - 1].join(", "))
            } else {
                names[1].clone()
            };
            format!(
                "{}, {{ parallel = [{branches}] }}, {}",
                names[0],
                names[steps - 1]
            )
        }
        _ => names.join(", "),
    };
    text.push_str(&format!("[workflow]\nsteps = [{workflow}]\n"));
    text
}

/// The scenario `input` describes: a bundled one with its workflows bounded and the
/// input's seed, or one generated from the input's fields.
fn scenario_of(input: &Input) -> Option<(String, Scenario)> {
    let Some((index, workflows)) = input.bundled else {
        let text = scenario_text(input);
        let scenario = Scenario::from_toml_str(&text).ok()?;
        return Some((text, scenario));
    };
    let text = BUNDLED[usize::from(index) % BUNDLED.len()];
    let overrides: Vec<Override> = [
        format!("workload.workflows={}", 1 + workflows % 64),
        format!("scenario.seed={}", input.seed),
        "scenario.replications=1".to_string(),
    ]
    .iter()
    .filter_map(|flag| Override::parse(flag).ok())
    .collect();
    let scenario = Scenario::parse("<bundled>", text, &overrides).ok()?;
    Some((text.to_string(), scenario))
}

fuzz_target!(|input: Input| {
    let Some((text, scenario)) = scenario_of(&input) else {
        return;
    };
    let budget = Budget {
        max_events: 200_000,
        max_memory_bytes: 64 << 20,
    };
    let estimated = estimate(&scenario, 1);
    if budget.check(&estimated).is_err() {
        return;
    }
    let options = RunOptions {
        jobs: Some(1),
        budget,
        ..RunOptions::default()
    };
    let results = run(&scenario, &options);
    for design_run in &results.runs {
        let summary = &design_run.result.summary;
        assert_eq!(
            summary.started,
            summary.completed + summary.compensated + summary.failed + summary.stuck,
            "conservation:\n{text}"
        );
        // The estimate is rough, but never off by orders of magnitude. (Polls that no one
        // can answer are counted, not simulated: they may far exceed it, at no cost.)
        let per_run = estimated.events / results.runs.len() as f64;
        assert!(
            input.polls.is_some() || (summary.events as f64) <= 100.0 * per_run.max(1_000.0),
            "{} events against an estimate of {per_run}:\n{text}",
            summary.events
        );
    }
    let flows = scenario.design_flows(None);
    let charts = std::env::var_os("SAGASIM_FUZZ_NO_CHARTS").is_none();
    let inputs = ReportInputs {
        scenario: &scenario,
        command: "sagasim run fuzz.toml".to_string(),
        charts,
        chart_format: ChartFormat::Png,
        flows: &flows,
    };
    let _ = render_table(&results);
    let _ = render_failures(&results);
    let _ = results_json(&results, &scenario, &inputs.command);
    let _ = to_markdown(&results);
    let _ = run_files(&results, &inputs);
});
