//! Conservation of workflows on random scenarios: every workflow started ends in exactly
//! one outcome, `started = completed + compensated + failed + stuck`, for every design (the
//! five styles, sync or async, and the eight patterns) — including overloaded systems
//! whose full inboxes drop messages and strand workflows, and sync calls that time out.

use crate::common;

use common::cases::{Cases, for_each_case};
use common::{assert_conserved, parse, run_all};
use sagasim::Coordination;

#[derive(Debug, Clone)]
struct Shape {
    steps: usize,
    fail: Vec<f64>,
    workers: Vec<u32>,
    queue: Vec<u32>,
    work_ms: Vec<u32>,
    rate: u32,
    duration_s: u32,
    drain_ms: u32,
    status_every_ms: Option<u32>,
    timeout_ms: Option<u32>,
    latency_ms: Option<u32>,
    sync: bool,
    /// `[policy]`: (timeout ms, retries).
    policy: Option<(u32, u32)>,
    /// After the first step, a choice between the other steps in order, the same steps
    /// in reverse order, and none of them.
    choice: bool,
    /// With four steps or more: the first step forks a parallel block of two branches
    /// (the second step; the steps up to the last), the last step joins them. Runs every
    /// style, sync or async, and the patterns.
    parallel: bool,
    /// Replicas: (each service's, the orchestrator's, broker delivery, the balancer, two
    /// zones with an outage of one, journaled coordinators).
    deployment: Option<(u32, u32, bool, &'static str, bool, bool)>,
    /// Load shedding, deadlines and breakers: (every component refuses when full, a
    /// deadline in ms, a breaker); the last two only with a `[policy]`.
    resilience: Option<(bool, Option<u32>, bool)>,
}

impl Shape {
    fn parallel_block(&self) -> bool {
        self.parallel && self.steps >= 4
    }
}

fn shape(cases: &mut Cases) -> Shape {
    let steps = cases.index(5) + 1;
    Shape {
        steps,
        fail: (0..steps)
            .map(|_| {
                if cases.coin() {
                    0.0
                } else {
                    cases.real(0.0, 0.6)
                }
            })
            .collect(),
        workers: (0..steps).map(|_| cases.int(1, 4)).collect(),
        queue: (0..steps).map(|_| cases.int(0, 30)).collect(),
        work_ms: (0..steps).map(|_| cases.int(1, 40)).collect(),
        rate: cases.int(1, 300),
        duration_s: cases.int(1, 8),
        drain_ms: cases.int(0, 2_000),
        status_every_ms: cases.maybe(|c| c.int(5, 500)),
        timeout_ms: cases.maybe(|c| c.int(10, 1_000)),
        latency_ms: cases.maybe(|c| c.int(0, 20)),
        sync: cases.coin(),
        policy: cases.maybe(|c| (c.int(20, 400), c.int(0, 3))),
        choice: cases.coin(),
        parallel: cases.coin(),
        deployment: cases.maybe(|c| {
            (
                c.int(1, 3),
                c.int(1, 3),
                c.coin(),
                c.pick(&["round-robin", "random", "least-outstanding", "power-of-two"]),
                c.coin(),
                c.coin(),
            )
        }),
        resilience: cases.maybe(|c| (c.coin(), c.maybe(|c| c.int(20, 800)), c.coin())),
    }
}

/// The designs a shape runs: every style, and the eight patterns.
fn variants(_shape: &Shape) -> &'static str {
    "\"orchestrator\", \"choreography\", \"front-controller\", \"stamp-coupling\", \"stateless\", \"patterns\""
}

fn scenario_text(shape: &Shape) -> String {
    let mut text = format!(
        "[scenario]\nname = \"random\"\nseed = 5\nduration = \"{}s\"\ndrain = \"{}ms\"\ncommunication = \"{}\"\n\
         variants = [{}]\n\n\
         [workload]\narrivals = {{ poisson = {} }}\n",
        shape.duration_s,
        shape.drain_ms,
        if shape.sync { "sync" } else { "async" },
        variants(shape),
        shape.rate
    );
    if let Some(every) = shape.status_every_ms {
        text.push_str(&format!("status_queries = {{ every = \"{every}ms\" }}\n"));
    }
    if let Some(timeout) = shape.timeout_ms {
        text.push_str(&format!("timeout = \"{timeout}ms\"\n"));
    }
    if let Some(latency) = shape.latency_ms {
        text.push_str(&format!(
            "\n[network]\nlatency = {{ exponential = \"{latency}ms\" }}\n"
        ));
    }
    if let Some((timeout, retries)) = shape.policy {
        text.push_str(&format!(
            "\n[policy]\ntimeout = \"{timeout}ms\"\nretries = {retries}\nbackoff = \"5ms\"\n"
        ));
        if let Some((_, deadline, breaker)) = shape.resilience {
            if let Some(deadline) = deadline {
                text.push_str(&format!("deadline = \"{deadline}ms\"\n"));
            }
            if breaker {
                text.push_str(
                    "breaker = { failure_rate = 0.5, window = 10, min_calls = 5, open = \"200ms\", half_open = 2 }\n",
                );
            }
        }
    }
    text.push_str(
        "\n[orchestrator]\nworkers = 2\nwork = \"200us\"\njournal = \"500us\"\nqueue = 50\n",
    );
    if shape.resilience.is_some() {
        // With the resilience keys, a block's branches are also undone at once.
        text.push_str("compensate = \"parallel\"\n");
    }
    if let Some((services, orchestrator, broker, balance, zones, journaled)) = shape.deployment {
        text = text.replace(
            "journal = \"500us\"",
            if journaled {
                "journal = \"500us\""
            } else {
                "journal = \"0ms\""
            },
        );
        text.push_str(&format!("replicas = {orchestrator}\n"));
        let zones_line = if zones {
            "zones = [\"a\", \"b\"]\n"
        } else {
            ""
        };
        text.push_str(zones_line);
        text.push_str(&format!(
            "\n[defaults]\nreplicas = {services}\nbalance = \"{balance}\"\ndetect = \"50ms\"\nfailover = \"100ms\"\njournal = \"{}\"\n{zones_line}",
            if journaled { "100us" } else { "0ms" }
        ));
        if broker && text.contains("\n[network]\n") {
            text = text.replacen("\n[network]\n", "\n[network]\ndelivery = \"broker\"\n", 1);
        } else if broker {
            text.push_str("\n[network]\ndelivery = \"broker\"\n");
        }
    }
    for step in 0..shape.steps {
        text.push_str(&format!(
            "\n[[services]]\nname = \"s{step}\"\nworkers = {}\nqueue = {}\nwork = {{ exponential = \"{}ms\" }}\nfail = {}\nquery = \"100us\"\nprogress = \"100us\"\n",
            shape.workers[step], shape.queue[step], shape.work_ms[step], shape.fail[step]
        ));
        if matches!(shape.resilience, Some((true, _, _))) {
            text.push_str("overflow = \"reject\"\n");
        }
        if let (Some((reject, _, _)), Some((_, _, true, _, _, _))) =
            (shape.resilience, shape.deployment)
        {
            // Behind brokers: publish after the commit, through a window a crash can hit.
            let publish = if reject { "outbox" } else { "dual-write" };
            text.push_str(&format!(
                "publish = \"{publish}\"\npublish_delay = \"2ms\"\nrelay_delay = \"2ms\"\n"
            ));
        }
    }
    let names: Vec<String> = (0..shape.steps).map(|s| format!("\"s{s}\"")).collect();
    let steps = if shape.parallel_block() {
        let last = names.len() - 1;
        format!(
            "{}, {{ parallel = [{}, [{}]] }}, {}",
            names[0],
            names[1],
            names[2..last].join(", "),
            names[last]
        )
    } else if shape.choice && shape.steps >= 2 {
        let forward = names[1..].join(", ");
        let backward: Vec<&str> = names[1..].iter().rev().map(String::as_str).collect();
        format!(
            "{}, {{ choice = [{{ p = 0.5, steps = [{forward}] }}, {{ p = 0.3, steps = [{}] }}, {{ p = 0.2, steps = [] }}] }}",
            names[0],
            backward.join(", ")
        )
    } else {
        names.join(", ")
    };
    text.push_str(&format!("\n[workflow]\nsteps = [{steps}]\n"));
    if let Some((_, _, _, _, zones, _)) = shape.deployment {
        // A zone outage, or one replica of the first service down, for a third of the run.
        let fault = if zones {
            "zone = \"a\""
        } else {
            "crash = \"s0\"\nreplicas = 1"
        };
        let third = shape.duration_s * 1000 / 3;
        text.push_str(&format!(
            "\n[[faults]]\n{fault}\nat = \"{third}ms\"\nfor = \"{third}ms\"\n"
        ));
    }
    text
}

#[test]
fn every_workflow_ends_in_exactly_one_outcome() {
    for_each_case(40, |_, cases| {
        let shape = shape(cases);
        let text = scenario_text(&shape);
        let results = run_all(&parse(&text));
        assert_eq!(results.runs.len(), Coordination::ALL.len() + 8);
        for run in &results.runs {
            let summary = &run.result.summary;
            assert_conserved(summary, &format!("{} on\n{text}", run.design));
            // Per-component books close too, and nobody is blocked longer than busy.
            let components = &run.result.components;
            let lost: u64 = components.iter().map(|c| c.dead_letters).sum();
            assert_eq!(lost, summary.dead_letters);
            let rejected: u64 = components.iter().map(|c| c.rejected).sum();
            assert_eq!(rejected, summary.rejected_messages);
            for component in components {
                let busy = component.utilization.unwrap_or(0.0);
                let held = component.held_fraction.unwrap_or(0.0);
                assert!(
                    busy <= 1.0 + 1e-9 && held <= busy + 1e-9,
                    "{}: {component:?}",
                    run.design
                );
            }
            // The time series closes the same books: started minus ended is in flight.
            let series = &run.result.timeseries;
            let started: u64 = series.iter().map(|b| b.started).sum();
            let ended: u64 = series
                .iter()
                .map(|b| b.completed + b.compensated + b.failed)
                .sum();
            assert_eq!(series.last().map(|b| b.in_flight), Some(started - ended));
        }
    });
}

/// Two steps, no failures, no polling, no timeout, no network delay.
fn two_steps() -> Shape {
    Shape {
        steps: 2,
        fail: vec![0.0, 0.0],
        workers: vec![1, 1],
        queue: vec![10_000, 10_000],
        work_ms: vec![20, 20],
        rate: 45,
        duration_s: 20,
        drain_ms: 2_000,
        status_every_ms: None,
        timeout_ms: None,
        latency_ms: None,
        sync: false,
        policy: None,
        choice: false,
        parallel: false,
        resilience: None,
        deployment: None,
    }
}

#[test]
fn overload_strands_workflows_and_they_are_counted_as_stuck() {
    // 200 workflows/s into one worker that needs 10 ms each, with room for 5 waiting: most
    // starts are rejected at the full inbox and nobody notices, so they end stuck.
    let shape = Shape {
        steps: 2,
        fail: vec![0.0, 0.0],
        workers: vec![1, 4],
        queue: vec![5, 100],
        work_ms: vec![10, 1],
        rate: 200,
        duration_s: 5,
        drain_ms: 1_000,
        status_every_ms: None,
        timeout_ms: None,
        latency_ms: None,
        sync: false,
        policy: None,
        choice: false,
        parallel: false,
        resilience: None,
        deployment: None,
    };
    let results = run_all(&parse(&scenario_text(&shape)));
    for run in &results.runs {
        let summary = &run.result.summary;
        assert_conserved(summary, &run.design.label);
        assert!(
            summary.stuck > summary.started / 3,
            "{}: {summary:?}",
            run.design
        );
        assert!(summary.rejected_messages > 0, "{}", run.design);
    }
}

#[test]
fn a_client_timeout_turns_slow_workflows_into_failures() {
    let shape = Shape {
        timeout_ms: Some(100),
        ..two_steps()
    };
    let results = run_all(&parse(&scenario_text(&shape)));
    for run in &results.runs {
        let summary = &run.result.summary;
        assert_conserved(summary, &run.design.label);
        assert!(
            summary.failed > 0 && summary.completed > 0,
            "{}: {summary:?}",
            run.design
        );
        let max = summary.latency_max_ms.unwrap_or(f64::INFINITY);
        assert!(
            max <= 100.0,
            "{}: a completed workflow took {max} ms, past the timeout",
            run.design
        );
    }
}

/// Found by 2,500 random shapes (case 942): a zone outage downs two of three journaled
/// orchestrator replicas and the service, whose broker holds messages meanwhile. When the
/// zone comes back, the first replica's restart listed its workflows to resume, and the
/// service's restart then delivered the held messages, which ended some of them (their
/// client had given up): resuming one panicked on a freed workflow. A restart now holds
/// the workflows it will resume.
#[test]
fn a_zone_restart_resumes_only_workflows_it_still_holds() {
    let results = run_all(&parse(&common::scenario_file("zone-restart-release")));
    for run in &results.runs {
        assert_conserved(&run.result.summary, &run.design.to_string());
    }
}
