//! Faults, delivery modes and recovery (DESIGN §4): crashes with and without journals,
//! brokers against direct delivery, retries, idempotency, sync communication, random
//! crashes; conservation and determinism under every kind of fault, for every variant.

use crate::common;

use common::{assert_conserved, parse, summary_of};
use sagasim::trace::{ComponentId, MessageKind, TraceRecord};
use sagasim::{Coordination, RunOptions, Scenario, ScenarioResults, run};

/// Three services, 50 workflows/s for 20 s, with `extra` appended (sections, faults) and
/// `network` lines added to `[network]`.
fn scenario(network: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "faults"
seed = 4
duration = "20s"
drain = "30s"

[workload]
arrivals = {{ poisson = 50 }}

[network]
latency = {{ exponential = "1ms" }}
{network}

[orchestrator]
workers = 8
work = "200us"
journal = "500us"

[defaults]
workers = 8
progress = "100us"
journal = "200us"

[[services]]
name = "order"
work = {{ exponential = "5ms" }}

[[services]]
name = "payment"
work = {{ exponential = "20ms" }}
fail = 0.05

[[services]]
name = "shipping"
work = {{ exponential = "10ms" }}

[workflow]
steps = ["order", "payment", "shipping"]
{extra}
"#
    )
}

fn run_traced(text: &str) -> ScenarioResults {
    run(
        &parse(text),
        &RunOptions {
            jobs: None,
            trace: true,
            on_run_done: None,
            ..RunOptions::default()
        },
    )
}

fn run_plain(text: &str) -> ScenarioResults {
    run(&parse(text), &RunOptions::default())
}

const ORCHESTRATOR_CRASH: &str =
    "\n[[faults]]\ncrash = \"orchestrator\"\nat = \"10s\"\nfor = \"2s\"\n";

/// Workflows the orchestrator had begun (sent its first command) and not finished (sent
/// the outcome) before `crash_at`.
fn in_flight_at_orchestrator(trace: &[TraceRecord], crash_at: u64) -> usize {
    let mut began = std::collections::BTreeSet::new();
    let mut finished = std::collections::BTreeSet::new();
    for record in trace {
        if let TraceRecord::Sent {
            at,
            workflow,
            src: ComponentId::ORCHESTRATOR,
            kind,
            ..
        } = record
            && at.as_nanos() < crash_at
        {
            match kind {
                MessageKind::Command => {
                    began.insert(*workflow);
                }
                MessageKind::Done | MessageKind::Compensated | MessageKind::Failed => {
                    finished.insert(*workflow);
                }
                _ => {}
            }
        }
    }
    began.difference(&finished).count()
}

#[test]
fn an_in_memory_orchestrator_crash_strands_exactly_the_workflows_in_flight_at_it() {
    let text = scenario("delivery = \"broker\"", ORCHESTRATOR_CRASH)
        .replace("journal = \"500us\"", "journal = \"0ms\"")
        .replace(
            "[scenario]\n",
            "[scenario]\nvariants = [\"orchestrator\"]\n",
        );
    let results = run_traced(&text);
    let expected = in_flight_at_orchestrator(&results.runs[0].trace, 10_000_000_000);
    let summary = summary_of(&results, Coordination::Orchestrator);
    assert!(
        expected >= 3,
        "the crash catches workflows in flight: {expected}"
    );
    assert_eq!(summary.stuck as usize, expected, "{summary:?}");
    assert_conserved(summary, "in-memory orchestrator");
    assert!(
        summary.inconsistent > 0,
        "stranded workflows keep their committed steps"
    );
}

#[test]
fn a_journaled_orchestrator_loses_no_workflow() {
    let text = scenario("delivery = \"broker\"", ORCHESTRATOR_CRASH);
    let results = run_plain(&text);
    for run in &results.runs {
        let summary = &run.result.summary;
        assert_eq!(
            (summary.stuck, summary.failed, summary.inconsistent),
            (0, 0, 0),
            "{}: {summary:?}",
            run.design
        );
        assert_conserved(summary, &run.design.label);
    }
    let orchestrator = &results.runs[0].result;
    assert_eq!(orchestrator.faults.len(), 1);
    assert!(
        orchestrator.faults[0].peak_backlog > 0,
        "messages queued for the orchestrator"
    );
    assert!(
        orchestrator.faults[0].affected_workflows > 50,
        "{:?}",
        orchestrator.faults
    );
    let choreography = &results.runs[1].result;
    assert_eq!(
        choreography.faults[0].affected_workflows, 0,
        "choreography has no orchestrator to lose"
    );
}

const PAYMENT_CRASH: &str = "\n[[faults]]\ncrash = \"payment\"\nat = \"8s\"\nfor = \"3s\"\n";

#[test]
fn with_a_broker_a_participant_crash_loses_nothing_and_the_system_recovers() {
    let results = run_plain(&scenario("delivery = \"broker\"", PAYMENT_CRASH));
    for run in &results.runs {
        let summary = &run.result.summary;
        let context = format!("{}: {summary:?}", run.design);
        assert_eq!(
            (summary.stuck, summary.failed, summary.dead_letters),
            (0, 0, 0),
            "{context}"
        );
        assert_eq!(
            summary.completed + summary.compensated,
            summary.started,
            "{context}"
        );
        let fault = &run.result.faults[0];
        assert!(
            fault.recovery_s.is_some(),
            "{context}: recovers within the run: {fault:?}"
        );
        assert!(
            fault.peak_backlog > 50,
            "{context}: messages waited for payment: {fault:?}"
        );
        assert!(fault.affected_workflows > 100, "{context}: {fault:?}");
    }
}

#[test]
fn with_direct_delivery_choreography_strands_while_waiting_coordinators_recover() {
    let policy = "\n[policy]\ntimeout = \"500ms\"\nretries = 10\nbackoff = \"200ms\"\nmax_backoff = \"1s\"\n";
    let results = run_plain(&scenario(
        "delivery = \"direct\"",
        &format!("{PAYMENT_CRASH}{policy}"),
    ));
    for run in &results.runs {
        let summary = &run.result.summary;
        let context = format!("{}: {summary:?}", run.design);
        assert_conserved(summary, &context);
        match run.design.coordination {
            Coordination::Orchestrator | Coordination::FrontController => {
                assert_eq!(summary.stuck, 0, "{context}: every workflow ends cleanly");
                assert!(
                    summary.retries_per_workflow.unwrap_or(0.0) > 0.0,
                    "{context}: it retried"
                );
                assert!(
                    summary.dead_letters > 0,
                    "{context}: messages to the down service were lost"
                );
            }
            _ => {
                assert!(
                    summary.stuck > 50,
                    "{context}: nobody waits, so lost events strand workflows"
                );
                assert_eq!(
                    summary.stuck, summary.inconsistent,
                    "{context}: each keeps its first step"
                );
            }
        }
    }
}

#[test]
fn exhausted_retries_compensate_and_fail() {
    // Payment is down for longer than the orchestrator is willing to wait.
    let policy = "\n[policy]\ntimeout = \"200ms\"\nretries = 2\nbackoff = \"100ms\"\n";
    let text = scenario("delivery = \"direct\"", &format!("{PAYMENT_CRASH}{policy}")).replace(
        "[scenario]\n",
        "[scenario]\nvariants = [\"orchestrator\", \"front-controller\"]\n",
    );
    let results = run_plain(&text);
    for run in &results.runs {
        let summary = &run.result.summary;
        assert!(summary.failed > 50, "{}: {summary:?}", run.design);
        assert_eq!(summary.stuck, 0, "{}: {summary:?}", run.design);
        assert_conserved(summary, &run.design.label);
    }
}

#[test]
fn duplicate_effects_appear_only_where_services_are_not_idempotent() {
    let duplicates = "delivery = \"direct\"\nduplicate = 0.05";
    let plain = run_plain(&scenario(duplicates, ""));
    let idempotent =
        run_plain(&scenario(duplicates, "").replace("\nwork = {", "\nidempotent = true\nwork = {"));
    for variant in Coordination::ALL {
        let without = summary_of(&plain, variant);
        let with = summary_of(&idempotent, variant);
        assert!(
            without.duplicate_effects > 0,
            "{variant}: duplicates hit non-idempotent services"
        );
        assert_eq!(
            with.duplicate_effects, 0,
            "{variant}: idempotent services absorb them"
        );
        assert_conserved(without, variant.name());
        assert_conserved(with, variant.name());
    }
}

/// A sync orchestrated scenario with constant costs, offered `offered` workflows/s.
fn sync_scenario(offered: f64, communication: &str) -> String {
    format!(
        r#"
[scenario]
name = "little"
seed = 8
duration = "60s"
drain = "10s"
warmup = "10s"
communication = "{communication}"
variants = ["orchestrator"]

[workload]
arrivals = {{ poisson = {offered} }}

[network]
latency = "2ms"

[orchestrator]
workers = 2
work = "200us"
journal = "300us"
queue = 100000000

[defaults]
workers = 64

[[services]]
name = "a"
work = "5ms"
[[services]]
name = "b"
work = "10ms"
[[services]]
name = "c"
work = "5ms"

[workflow]
steps = ["a", "b", "c"]
"#
    )
}

/// (throughput per second, orchestrator utilization).
fn throughput_and_utilization(text: &str) -> (f64, f64) {
    let results = run_plain(text);
    let summary = summary_of(&results, Coordination::Orchestrator);
    (
        summary.throughput_per_s.unwrap_or(0.0),
        summary.coordinator_utilization.unwrap_or(0.0),
    )
}

#[test]
fn a_sync_orchestrator_is_bounded_by_workers_over_time_held_but_async_is_not() {
    // Constant costs: per step the orchestrator's worker is held from the command until the
    // reply is back (latency + work + latency); it also spends work + journal handling the
    // start and each of the three replies.
    let workers = 2.0;
    let held_s = ([5.0, 10.0, 5.0].iter().map(|w| w + 2.0 * 2.0).sum::<f64>() + 4.0 * 0.5) / 1000.0;
    let bound = workers / held_s;

    // Below the bound, Little's law: busy workers = throughput × worker time per workflow.
    // Tolerance 3 %: the window holds about 2,500 workflows, and the few in progress at its
    // edges are the only ones whose worker time is not fully inside it.
    let offered = (bound * 0.85).round();
    let (throughput, utilization) = throughput_and_utilization(&sync_scenario(offered, "sync"));
    let busy = utilization * workers;
    assert!(
        (busy - throughput * held_s).abs() <= 0.03 * busy,
        "Little's law: {busy:.3} busy vs {throughput:.2}/s × {held_s} s"
    );
    assert!(
        (throughput - offered).abs() <= 0.05 * offered,
        "below the bound it keeps up: {throughput:.2}/s"
    );

    // Above it, throughput stays at workers / held time (2 %: the workers never idle, so
    // only the window's edges differ); async frees the worker at each send and keeps up
    // with the same load (5 % for Poisson noise).
    let offered = (bound * 1.6).round();
    let (throughput, _) = throughput_and_utilization(&sync_scenario(offered, "sync"));
    assert!(
        (throughput - bound).abs() <= bound * 0.02,
        "sync throughput {throughput:.1}/s, bound {bound:.1}/s"
    );
    let (throughput, _) = throughput_and_utilization(&sync_scenario(offered, "async"));
    assert!(
        (throughput - offered).abs() <= offered * 0.05,
        "async keeps up with {offered}/s: {throughput:.1}/s"
    );
}

#[test]
fn sync_choreography_sends_an_ack_per_call() {
    let text = common::chain_scenario(4, None, "")
        .replace("seed = 3\n", "seed = 3\ncommunication = \"sync\"\n");
    let results = run_plain(&text);
    // n+1 messages plus an ack for each of the n-1 service-to-service events.
    assert_eq!(
        summary_of(&results, Coordination::Choreography).messages_per_workflow,
        Some(8.0)
    );
    // The orchestrator's replies are its answers: no acks.
    assert_eq!(
        summary_of(&results, Coordination::Orchestrator).messages_per_workflow,
        Some(10.0)
    );
}

#[test]
fn random_crashes_with_the_same_seed_are_reproducible() {
    let text = scenario(
        "delivery = \"broker\"",
        "\n[[faults]]\ncrash = \"shipping\"\nmtbf = \"4s\"\nmttr = \"500ms\"\n",
    );
    let first = run_plain(&text);
    let again = run_plain(&text);
    let other = run_plain(&text.replace("seed = 4", "seed = 5"));
    for ((a, b), c) in first.runs.iter().zip(&again.runs).zip(&other.runs) {
        assert!(
            a.result.faults.len() >= 2,
            "several random crashes: {:?}",
            a.result.faults
        );
        assert_eq!(a.result, b.result, "{}: same seed, same run", a.design);
        assert_ne!(
            a.result.faults, c.result.faults,
            "{}: another seed, other crashes",
            a.design
        );
    }
}

#[test]
fn eventual_consistency_answers_after_the_first_step() {
    let text = common::chain_scenario(4, None, "");
    let atomic = run_plain(&text);
    let eventual = run_plain(&text.replace("seed = 3\n", "seed = 3\nconsistency = \"eventual\"\n"));
    for variant in Coordination::ALL {
        let atomic = summary_of(&atomic, variant);
        let eventual = summary_of(&eventual, variant);
        assert!(
            eventual.latency_p50_ms < atomic.latency_p50_ms,
            "{variant}: answered earlier"
        );
        // Consistency itself takes as long: the rest finishes in the background.
        assert_eq!(
            eventual.time_to_consistency_p50_ms, atomic.time_to_consistency_p50_ms,
            "{variant}"
        );
        assert_eq!(
            eventual.messages_per_workflow,
            atomic.messages_per_workflow.map(|m| m + 1.0),
            "{variant}: one more message, the acceptance"
        );
    }
}

/// Every kind of fault × delivery × policy × communication, on the chain and on a
/// workflow whose payment runs in parallel with an invoice step.
fn fault_grid() -> Vec<String> {
    let faults = [
        "\n[[faults]]\ncrash = \"payment\"\nat = \"5s\"\nfor = \"2s\"\n",
        "\n[[faults]]\ncrash = \"orchestrator\"\nat = \"5s\"\nfor = \"2s\"\n",
        "\n[[faults]]\ncrash = \"order\"\nat = \"5s\"\nfor = \"2s\"\n",
        "\n[[faults]]\npartition = [\"order\", \"payment\"]\nat = \"5s\"\nfor = \"2s\"\n",
        "\n[[faults]]\npartition = [\"orchestrator\", \"shipping\"]\nat = \"5s\"\nfor = \"2s\"\n",
        "\n[[faults]]\nslow = \"payment\"\nfactor = 5.0\nat = \"5s\"\nfor = \"2s\"\n",
        "\n[[faults]]\ncrash = \"shipping\"\nmtbf = \"3s\"\nmttr = \"300ms\"\n",
        "",
    ];
    let mut grid = Vec::new();
    for fault in faults {
        for delivery in ["broker", "direct"] {
            for policy in [
                "",
                "\n[policy]\ntimeout = \"300ms\"\nretries = 2\nbackoff = \"50ms\"\njitter = true\n",
            ] {
                for communication in ["async", "sync"] {
                    let network =
                        format!("delivery = \"{delivery}\"\nloss = 0.01\nduplicate = 0.01");
                    let text = scenario(&network, &format!("{fault}{policy}"))
                        .replace(
                            "duration = \"20s\"",
                            &format!("duration = \"10s\"\ncommunication = \"{communication}\""),
                        )
                        .replace(
                            "[workload]\n",
                            "[workload]\ntimeout = \"5s\"\nstatus_queries = { every = \"50ms\" }\n",
                        );
                    let block = text
                        .replace(
                            "[workflow]\n",
                            "[[services]]\nname = \"invoice\"\nwork = { exponential = \"8ms\" }\n\n[workflow]\n",
                        )
                        .replace(
                            "steps = [\"order\", \"payment\", \"shipping\"]",
                            "steps = [\"order\", { parallel = [\"payment\", \"invoice\"] }, \"shipping\"]",
                        );
                    assert!(block.contains("parallel"), "{block}");
                    grid.push(text);
                    grid.push(block);
                }
            }
        }
    }
    grid
}

#[test]
fn conservation_and_determinism_hold_under_every_fault_for_every_variant() {
    for text in fault_grid() {
        let scenario: Scenario = parse(&text);
        let parallel = run(
            &scenario,
            &RunOptions {
                jobs: Some(2),
                trace: false,
                on_run_done: None,
                ..RunOptions::default()
            },
        );
        let serial = run(
            &scenario,
            &RunOptions {
                jobs: Some(1),
                trace: false,
                on_run_done: None,
                ..RunOptions::default()
            },
        );
        for (a, b) in parallel.runs.iter().zip(&serial.runs) {
            assert_conserved(&a.result.summary, &format!("{} on\n{text}", a.design));
            assert_eq!(
                a.result, b.result,
                "{}: thread count changed the result on\n{text}",
                a.design
            );
        }
    }
}

#[test]
fn with_a_policy_the_client_re_asks_lost_status_queries() {
    // 5 % of messages are lost; polling every 20 ms. Without a policy a lost query or
    // answer stays unanswered; with one, the client re-asks after the timeout.
    let lossy = "delivery = \"direct\"\nloss = 0.05";
    let polled = |extra: &str| {
        scenario(lossy, extra)
            .replace(
                "[workload]\n",
                "[workload]\nstatus_queries = { every = \"20ms\" }\n",
            )
            .replace(
                "[scenario]\n",
                "[scenario]\nvariants = [\"orchestrator\", \"stateless\"]\n",
            )
    };
    let without = run_plain(&polled(""));
    let with = run_plain(&polled(
        "\n[policy]\ntimeout = \"30ms\"\nretries = 3\nbackoff = \"1ms\"\n",
    ));
    for variant in [Coordination::Orchestrator, Coordination::Stateless] {
        let before = summary_of(&without, variant)
            .status_answered_ratio
            .unwrap_or(0.0);
        let after = summary_of(&with, variant)
            .status_answered_ratio
            .unwrap_or(0.0);
        assert!(
            before < 0.95,
            "{variant}: losses leave queries unanswered ({before})"
        );
        assert!(
            after > before,
            "{variant}: re-asking answers more ({before} → {after})"
        );
        let per_query = summary_of(&with, variant)
            .status_messages_per_query
            .unwrap_or(0.0);
        let plain = summary_of(&without, variant)
            .status_messages_per_query
            .unwrap_or(0.0);
        assert!(
            per_query > plain,
            "{variant}: re-asking costs messages ({plain} → {per_query})"
        );
    }
}

#[test]
fn duplicated_answers_are_counted_once() {
    // Every message is duplicated one time in five: a stateless status answer or a stamp
    // compensation report that arrives twice must not count twice.
    let text = scenario("delivery = \"direct\"\nduplicate = 0.2", "")
        .replace(
            "[workload]\n",
            "[workload]\nstatus_queries = { every = \"5ms\" }\n",
        )
        .replace("fail = 0.05", "fail = 0.3\nidempotent = true");
    let results = run_plain(&text);
    let stateless = summary_of(&results, Coordination::Stateless);
    let staleness = stateless.status_staleness_steps_mean.unwrap_or(-1.0);
    assert!(
        staleness >= 0.0,
        "an answer never reports more steps than completed: {staleness}"
    );
    for run in &results.runs {
        assert_conserved(&run.result.summary, &run.design.label);
    }
    let stamp = summary_of(&results, Coordination::StampCoupling);
    assert_eq!(
        stamp.inconsistent, 0,
        "compensated only once every step reported: {stamp:?}"
    );
}

#[test]
fn with_a_broker_answers_to_the_client_are_not_lost_either() {
    let results = run_plain(&scenario("delivery = \"broker\"\nloss = 0.05", ""));
    for run in &results.runs {
        let summary = &run.result.summary;
        assert_eq!(
            (summary.stuck, summary.dead_letters),
            (0, 0),
            "{}: {summary:?}",
            run.design
        );
    }
}

#[test]
fn check_shows_the_designed_flow_whatever_faults_the_scenario_injects() {
    let output = common::ok(&[
        "check",
        "scenarios/lossy-network.toml",
        "--set",
        "network.loss=0.5",
        "--set",
        "network.duplicate=0.5",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("  success: 10 messages"), "{text}");
    assert!(
        text.contains("  failure at step 4 (shipping): 16 messages"),
        "{text}"
    );
}

/// `[policy]` on a parallel block: the orchestrator keeps one timer for the block, re-sends
/// every command still awaited, and when retries run out undoes what it knows committed
/// and the commands it gave up on (they may have been applied). s3 takes 250 ms against a
/// 100 ms timeout and one retry, so every workflow ends `failed`, message for message:
/// start; s1's command and reply; the block's two commands and s2's reply; s3's command
/// again (111 ms); at 211 ms it gives up and compensates s3 (its reply, 250 ms of work
/// later, misses the timeout: once more, then it moves on), s2 and s1, each with a
/// reply; s3's two late replies and two compensation replies; the outcome. 18 in all.
///
/// The front controller waits for the progress of the steps that can run next (s2 and
/// s3 after s1), with one timer: at 101 ms s3's progress is late, it re-sends s3's event
/// at 111 ms, and at 211 ms it gives up as the orchestrator does: it undoes s3 (twice,
/// the first reply being late), then s2, then itself, and tells the client `failed`.
/// Nobody can recall a choreography's events: s3's two runs each drive s4 and the join
/// s5. Their progress reaches a controller that has given up, and it orders each
/// application undone (issue 22; before, they stayed committed and every workflow ended
/// `inconsistent`): none ends inconsistent, with four duplicate effects (s3, s4, s5 and
/// s3's compensation run twice). Messages: start, two events, s2's event and progress,
/// the re-sent event, s3's compensation, s3's, s4's and s5's events and progress twice
/// (10), the second compensation of s3, s2's compensation and reply, `failed`, s3's two
/// compensation replies: 23; and the late undoing: s4's and s5's, twice each, with their
/// replies: 31. The choreographies wait on nobody and complete.
#[test]
fn a_parallel_blocks_retries_and_give_up_under_a_policy() {
    let text = common::chain_scenario(
        5,
        None,
        "\n[policy]\ntimeout = \"100ms\"\nretries = 1\nbackoff = \"10ms\"\n",
    )
    .replace(
        "name = \"s3\"\nworkers = 64\nwork = \"1ms\"\ncompensate = \"1ms\"",
        "name = \"s3\"\nworkers = 64\nwork = \"250ms\"\ncompensate = \"250ms\"",
    )
    .replace(
        "steps = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\"]",
        "steps = [\"s1\", { parallel = [\"s2\", [\"s3\", \"s4\"]] }, \"s5\"]",
    );
    assert!(
        text.contains("250ms") && text.contains("parallel"),
        "{text}"
    );
    let results = common::run_all(&common::parse(&text));
    assert_eq!(
        results.designs.len(),
        5,
        "every style runs a policy on a block"
    );
    let orchestrated = common::summary_of(&results, "orchestrator");
    assert_eq!((orchestrated.started, orchestrated.failed), (199, 199));
    assert_eq!(orchestrated.messages_per_workflow, Some(18.0));
    assert_eq!(orchestrated.inconsistent, 0);
    let controlled = common::summary_of(&results, "front-controller");
    assert_eq!((controlled.failed, controlled.inconsistent), (199, 0));
    assert_eq!(controlled.messages_per_workflow, Some(31.0));
    assert_eq!(controlled.duplicate_effects, 4 * 199);
    for label in ["choreography", "stamp-coupling", "stateless"] {
        let summary = common::summary_of(&results, label);
        assert_eq!(summary.completed, 199, "{label}");
    }
}

/// A branch's first step is down for the whole run, with direct delivery and a
/// `[policy]` (100 ms, one retry): every design gives up and rolls back what committed,
/// async and sync, leaving nothing stuck or inconsistent. Sync choreographies, exactly:
/// the fork's calls into both branches, s2's event to the join and its ack, the retry
/// into s3, then the fork reports the branch it gave up on to the join; the join orders
/// s2 undone, gathers its report and passes the rollback to s1, which tells the client
/// `failed` (11 messages). Stamp coupling's join undoes s1 and s2 at once, each reporting
/// to the client (11).
#[test]
fn a_branch_given_up_on_is_rolled_back_in_every_design() {
    for communication in ["async", "sync"] {
        let text = common::parallel_scenario(None).replace(
            "seed = 3\n",
            &format!("seed = 3\ncommunication = \"{communication}\"\n"),
        ) + "\n[policy]\ntimeout = \"100ms\"\nretries = 1\nbackoff = \"10ms\"\n\n\
               [[faults]]\ncrash = \"s3\"\nat = \"0s\"\nfor = \"1h\"\n";
        let results = common::run_all(&common::parse(&text));
        assert_eq!(results.designs.len(), 5, "{communication}");
        for run in &results.runs {
            let summary = &run.result.summary;
            let context = format!("{communication} {}", run.design);
            common::assert_conserved(summary, &context);
            let choreographed = matches!(
                run.design.coordination,
                Coordination::Choreography | Coordination::Stateless | Coordination::StampCoupling
            );
            if communication == "async" && choreographed {
                // Nobody waits in an async choreography: the join waits for ever.
                assert_eq!(summary.stuck, 199, "{context}");
                continue;
            }
            assert_eq!(
                (summary.failed, summary.stuck, summary.inconsistent),
                (199, 0, 0),
                "{context}"
            );
            if communication == "sync" && choreographed {
                assert_eq!(summary.messages_per_workflow, Some(11.0), "{context}");
            }
        }
    }
}

/// A join step that crashes behind a broker while working: the message it held goes back
/// to the broker and is redelivered, and the join takes it (it is not a repeat of a
/// branch already counted). Nothing ends stuck or inconsistent, in any design.
#[test]
fn a_join_that_crashes_mid_work_takes_the_redelivered_message() {
    let text = common::chain_scenario(
        5,
        None,
        "\n[[faults]]\ncrash = \"s4\"\nmtbf = \"1s\"\nmttr = \"100ms\"\n",
    )
    .replace(
        "name = \"s4\"\nworkers = 64\nwork = \"1ms\"",
        "name = \"s4\"\nworkers = 64\ndelivery = \"broker\"\nwork = \"50ms\"",
    )
    .replace(
        "steps = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\"]",
        "steps = [\"s1\", { parallel = [\"s2\", \"s3\"] }, \"s4\", \"s5\"]",
    );
    assert!(
        text.contains("broker") && text.contains("parallel"),
        "{text}"
    );
    let results = common::run_all(&common::parse(&text));
    let crashes = &common::run_of(&results, "choreography").result.faults;
    assert!(!crashes.is_empty(), "the join crashed");
    for run in &results.runs {
        let summary = &run.result.summary;
        common::assert_conserved(summary, &run.design.label);
        assert_eq!(
            (summary.stuck, summary.inconsistent),
            (0, 0),
            "{}",
            run.design
        );
    }
}

/// Regression (review): after a branch fails, the front controller (with `[policy]`)
/// keeps waiting on the branches still running until the block settles: s2 fails, and
/// s4's progress to S1 never arrives (a partition). It re-sends s4's event, gives up and
/// ends every workflow `failed`; before the fix it waited on nothing and all were stuck.
#[test]
fn the_front_controller_keeps_waiting_on_running_branches_after_a_failure() {
    let text = &common::scenario_file("front-controller-block-partition");
    for communication in ["async", "sync"] {
        let text = text.replace(
            "seed = 5\n",
            &format!("seed = 5\ncommunication = \"{communication}\"\n"),
        );
        let results = common::run_all(&common::parse(&text));
        let summary = summary_of(&results, Coordination::FrontController);
        assert_eq!((summary.failed, summary.stuck), (99, 0), "{communication}");
    }
}

/// Regression (review): when the join's progress is late the front controller re-sends
/// one event to the join standing for every branch, so the join runs once more (one
/// duplicate effect per workflow, as a re-sent step on a chain), not once per branch.
/// The join takes 50 ms against a 30 ms timeout.
#[test]
fn a_late_join_is_re_sent_once_not_once_per_branch() {
    let text = &common::scenario_file("front-controller-slow-join");
    let results = common::run_all(&common::parse(text));
    let summary = summary_of(&results, Coordination::FrontController);
    assert_eq!((summary.completed, summary.inconsistent), (99, 0));
    assert_eq!(summary.duplicate_effects, 99);
}
