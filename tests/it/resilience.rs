//! Load shedding, deadlines and circuit breakers (issue 22): a full inbox that answers,
//! a deadline carried on every call, Resilience4j's count-based breaker; exact where a
//! count is claimed, and run for every design.

use crate::common;

use common::{assert_conserved, chain_scenario, parse, run_all, run_of};
use sagasim::Coordination;

const STYLES: [Coordination; 5] = [
    Coordination::Orchestrator,
    Coordination::Choreography,
    Coordination::FrontController,
    Coordination::StampCoupling,
    Coordination::Stateless,
];

/// A three-step chain whose second service has one worker, no queue and 15 s of work,
/// refusing what finds it busy: the first workflow (at 0.1 s) holds its worker until
/// 15.1 s, so every later one (98 more, one each 0.1 s until 9.9 s) is refused there.
fn always_full(communication: &str, extra: &str) -> String {
    ten_second_chain(
        communication,
        extra,
        "workers = 1\nqueue = 0\noverflow = \"reject\"\nwork = \"15s\"",
    )
}

/// `chain_scenario` of three steps, 10 s of arrivals measured from the start, in
/// `communication`, with `extra` appended and s2's workers and work replaced by `s2`.
fn ten_second_chain(communication: &str, extra: &str, s2: &str) -> String {
    chain_scenario(3, None, extra)
        .replacen(
            "name = \"s2\"\nworkers = 64\nwork = \"1ms\"",
            &format!("name = \"s2\"\n{s2}"),
            1,
        )
        .replacen(
            "duration = \"20s\"\ndrain = \"20s\"\n",
            &format!("duration = \"10s\"\ndrain = \"20s\"\nwarmup = \"0s\"\ncommunication = \"{communication}\"\n"),
            1,
        )
}

/// Messages of the sync workflow that gets through (a three-step chain, with its acks)
/// and of each refused one: start, the calls up to the full service, its refusal, and
/// the rollback of what committed before it.
fn sync_messages(coordination: Coordination) -> (u64, u64) {
    match coordination {
        // Refused: start, command s1, reply, command s2, refusal, compensate s1, reply,
        // failed.
        Coordination::Orchestrator => (8, 8),
        // Refused: start, event s1 → s2, refusal, failed (s1 undoes its own step).
        Coordination::FrontController => (8, 4),
        _ => (6, 4),
    }
}

#[test]
fn a_full_inbox_that_rejects_fails_every_sync_call_at_once() {
    let scenario = parse(&always_full("sync", ""));
    let results = run_all(&scenario);
    for coordination in STYLES {
        let run = run_of(&results, coordination);
        let summary = &run.result.summary;
        let context = format!("{coordination}: {summary:?}");
        assert_conserved(summary, &context);
        assert_eq!(summary.started, 99, "{context}");
        assert_eq!(
            (summary.completed, summary.failed, summary.stuck),
            (1, 98, 0),
            "{context}"
        );
        assert_eq!(summary.inconsistent, 0, "{context}");
        assert_eq!(summary.dead_letters, 0, "{context}");
        let resilience = run.result.resilience.as_ref().expect("resilience figures");
        assert_eq!(resilience.rejections_answered, 98, "{context}");
        let messages = summary.messages_per_workflow.unwrap() * 99.0;
        let (through, refused) = sync_messages(coordination);
        assert!(
            (messages - (through + 98 * refused) as f64).abs() < 1e-6,
            "{context}: {messages} messages, expected {through} + 98 × {refused}"
        );
        // The refused ones fail as soon as the refusal is back: 2 ms of work before it.
        assert!(summary.answer_p50_ms.unwrap() < 10.0, "{context}");
    }
}

#[test]
fn an_async_sender_treats_a_refused_request_as_a_failure_of_its_role() {
    let results = run_all(&parse(&always_full("async", "")));
    for coordination in STYLES {
        let summary = &run_of(&results, coordination).result.summary;
        let context = format!("{coordination}: {summary:?}");
        assert_eq!(
            (summary.completed, summary.failed, summary.stuck),
            (1, 98, 0),
            "{context}"
        );
        assert_eq!(summary.inconsistent, 0, "{context}");
        // One-way: the orchestrator's 2n + 2, a chain's n + 1, the front controller's 2n.
        let (through, refused) = match coordination {
            Coordination::Orchestrator => (8, 8),
            Coordination::FrontController => (6, 4),
            _ => (4, 4),
        };
        let messages = summary.messages_per_workflow.unwrap() * 99.0;
        assert!(
            (messages - f64::from(through + 98 * refused)).abs() < 1e-6,
            "{context}: {messages} messages, expected {through} + 98 × {refused}"
        );
    }
}

/// Under `[policy]` a refusal is a failed attempt: the sender backs off (100 ms, then
/// 200 ms) and tries again, and fails after the last retry, 300 ms after the first.
#[test]
fn a_refused_request_is_retried_with_backoff_under_policy() {
    let policy = "[policy]\ntimeout = \"1s\"\nretries = 2\nbackoff = \"100ms\"\n";
    for communication in ["sync", "async"] {
        let results = run_all(&parse(&always_full(communication, policy)));
        for coordination in STYLES {
            let summary = &run_of(&results, coordination).result.summary;
            let context = format!("{communication} {coordination}: {summary:?}");
            assert_conserved(summary, &context);
            assert_eq!(summary.stuck, 0, "{context}");
            // The first workflow's 15 s at s2 outlasts three 1 s waits: it fails too, but
            // in async chains, where nobody waits on s2, it completes.
            let async_chain = communication == "async"
                && !matches!(
                    coordination,
                    Coordination::Orchestrator | Coordination::FrontController
                );
            let failed = if async_chain { 98 } else { 99 };
            assert_eq!(summary.failed, failed, "{context}");
            let answer = summary.answer_p50_ms.unwrap();
            assert!((300.0..=306.0).contains(&answer), "{context}");
            let retries = summary.retries_per_workflow.unwrap();
            assert!((1.95..=2.05).contains(&retries), "{context}");
        }
    }
}

/// A three-step chain whose second step takes 500 ms, under a 200 ms deadline: constant
/// times, no latency, many workers.
fn slow_second_step(communication: &str) -> String {
    let policy =
        "[policy]\ntimeout = \"1s\"\nretries = 3\nbackoff = \"10ms\"\ndeadline = \"200ms\"\n";
    ten_second_chain(communication, policy, "workers = 64\nwork = \"500ms\"")
}

#[test]
fn work_slower_than_the_deadline_has_no_effect_and_every_workflow_fails_at_it() {
    for communication in ["async", "sync"] {
        let results = run_all(&parse(&slow_second_step(communication)));
        for coordination in STYLES {
            let run = run_of(&results, coordination);
            let summary = &run.result.summary;
            let context = format!("{communication} {coordination}: {summary:?}");
            assert_conserved(summary, &context);
            assert_eq!(summary.started, 99, "{context}");
            assert_eq!(summary.failed, 99, "{context}");
            // s2's work was cancelled at the deadline: s3 never ran, s1 was undone.
            assert_eq!(summary.inconsistent, 0, "{context}");
            assert_eq!(summary.duplicate_effects, 0, "{context}");
            let p50 = summary.answer_p50_ms.unwrap();
            let p99 = summary.answer_p99_ms.unwrap();
            assert!(
                (p50 - 200.0).abs() < 0.2 && (p99 - 200.0).abs() < 0.2,
                "{context}"
            );
            let resilience = run.result.resilience.as_ref().expect("resilience figures");
            assert_eq!(resilience.deadline_exceeded, 99, "{context}");
            // s2 worked from 1 ms to the deadline for each workflow: 199 ms wasted.
            let wasted = resilience.wasted_worker_s;
            assert!(
                (wasted - 99.0 * 0.199).abs() < 1e-6,
                "{context}: {wasted} s wasted"
            );
        }
    }
}

/// A sync choreography of three 1 ms steps, one workflow each 100 ms from 0.1 s to 9.9 s,
/// whose second service is down from 0 s for `down_for` (direct delivery: a call to it is
/// lost and times out after 50 ms, with no retry). s1's breaker for s2 judges by the last
/// 10 calls, opens from 5 finished at a failure rate of 0.5, stays open 1 s and lets 2
/// trial calls through.
fn breaker_scenario(down_for: &str) -> String {
    let extra = format!(
        "[policy]\ntimeout = \"50ms\"\nretries = 0\n\
         breaker = {{ failure_rate = 0.5, window = 10, min_calls = 5, open = \"1s\", half_open = 2 }}\n\n\
         [[faults]]\ncrash = \"s2\"\nat = \"0s\"\nfor = \"{down_for}\"\n"
    );
    chain_scenario(3, None, &extra).replacen(
        "duration = \"20s\"\ndrain = \"20s\"\n",
        "duration = \"10s\"\ndrain = \"20s\"\nwarmup = \"0s\"\ncommunication = \"sync\"\n\
         variants = [\"choreography\"]\n",
        1,
    )
}

/// s1 calls s2 at 0.1 k + 1 ms and hears nothing: the fifth failure (at 0.551 s) opens
/// the breaker. Then, each period: 1 s open, the first two calls after it go through as
/// trials (at 1.601 and 1.701 s: both fail, so it opens again at 1.751 s), and so on at
/// 2.8, 4.0, 5.2, 6.4, 7.6 and 8.8 s: 8 openings, 5 + 7 × 2 = 19 calls reach s2, and the
/// other 80 fail at once.
#[test]
fn a_breaker_opens_after_min_calls_and_lets_only_its_trials_through() {
    let results = run_all(&parse(&breaker_scenario("100s")));
    let run = run_of(&results, Coordination::Choreography);
    let summary = &run.result.summary;
    let context = format!("{summary:?}");
    assert_eq!((summary.started, summary.failed), (99, 99), "{context}");
    let resilience = run.result.resilience.as_ref().expect("resilience figures");
    assert_eq!(resilience.breakers.len(), 1, "{resilience:?}");
    let breaker = &resilience.breakers[0];
    assert_eq!(
        (breaker.caller.as_str(), breaker.callee.as_str()),
        ("s1", "s2")
    );
    assert_eq!(breaker.openings, 8, "{breaker:?}");
    assert_eq!(breaker.fast_failures, 80, "{breaker:?}");
    let s2 = run
        .result
        .components
        .iter()
        .find(|c| c.component == "s2")
        .unwrap();
    assert_eq!(s2.dead_letters, 19, "only the calls let through reach s2");
    // One window, from the first opening to the run's end (never closed).
    assert_eq!(breaker.windows.len(), 1, "{breaker:?}");
    assert!((breaker.windows[0].0 - 0.551).abs() < 1e-9, "{breaker:?}");
}

/// s2 is back at 3 s. The trials at 2.801 and 2.901 s still fail; the next period's, at
/// 4.001 and 4.101 s, succeed, and the second one's answer closes the breaker.
#[test]
fn a_breaker_closes_at_the_first_half_open_period_after_recovery() {
    let results = run_all(&parse(&breaker_scenario("3s")));
    let run = run_of(&results, Coordination::Choreography);
    let resilience = run.result.resilience.as_ref().expect("resilience figures");
    let breaker = &resilience.breakers[0];
    assert_eq!(breaker.openings, 3, "{breaker:?}");
    assert_eq!(breaker.windows.len(), 1, "{breaker:?}");
    let (opened, closed) = breaker.windows[0];
    assert!((opened - 0.551).abs() < 1e-9, "{breaker:?}");
    assert!((4.101..4.11).contains(&closed), "{breaker:?}");
    // Open from 0.551 s to about 4.1 s: 20 fast failures before 2.8 s, 10 to 4.0 s (the
    // calls at 1.8 … 2.7 s, 3.0 … 3.9 s), 5 + 2 × 2 calls through, then every call.
    let summary = &run.result.summary;
    assert_eq!(summary.failed, 9 + breaker.fast_failures, "{summary:?}");
}

/// `[orchestrator] compensate = "parallel"`: when s5, the step after a parallel block (s2;
/// s3 → s4), fails, the orchestrator undoes the branches at once (s4 then s3, beside s2),
/// then s1: three round trips of 10 + 1 + 10 ms instead of four, at the same message count.
#[test]
fn an_orchestrator_undoes_a_blocks_branches_at_once() {
    for communication in ["async", "sync"] {
        let sequential = common::parallel_scenario(Some(5)).replacen(
            "seed = 3\n",
            &format!("seed = 3\nwarmup = \"0s\"\ncommunication = \"{communication}\"\n"),
            1,
        ) + "\n[network]\nlatency = \"10ms\"\n";
        let parallel = sequential.replacen(
            "[orchestrator]\n",
            "[orchestrator]\ncompensate = \"parallel\"\n",
            1,
        );
        let one_by_one = run_all(&parse(&sequential));
        let at_once = run_all(&parse(&parallel));
        let s = &run_of(&one_by_one, Coordination::Orchestrator)
            .result
            .summary;
        let p = &run_of(&at_once, Coordination::Orchestrator).result.summary;
        let context = format!("{communication}: sequential {s:?}\nparallel {p:?}");
        assert_eq!(
            (s.compensated, p.compensated),
            (s.started, p.started),
            "{context}"
        );
        assert_eq!((s.inconsistent, p.inconsistent), (0, 0), "{context}");
        assert_eq!(
            s.messages_per_workflow, p.messages_per_workflow,
            "{context}"
        );
        // Every workflow takes the same time (constant costs): the medians differ by one
        // round trip, within the histogram's resolution.
        let (s_answer, p_answer) = (s.answer_p50_ms.unwrap(), p.answer_p50_ms.unwrap());
        assert!((s_answer - p_answer - 21.0).abs() < 0.1, "{context}");
    }
}

/// A choreography's join writes its branches' reports down (`journal`) and applies no
/// progress: on a block whose branch fails (s2 of s1, {s2; s3 → s4}, s5), a `progress`
/// of 50 ms changes nothing in a choreography, where it still costs the front
/// controller, whose first service owns the workflow.
#[test]
fn a_join_pays_its_journal_for_a_report_not_progress() {
    let base =
        common::parallel_scenario(Some(2)).replacen("seed = 3\n", "seed = 3\nwarmup = \"0s\"\n", 1);
    let slow_progress = base.replacen(
        "[orchestrator]\n",
        "[defaults]\nprogress = \"50ms\"\n\n[orchestrator]\n",
        1,
    );
    let fast = run_all(&parse(&base));
    let slow = run_all(&parse(&slow_progress));
    let choreography = |results| &run_of(results, Coordination::Choreography).result.summary;
    let (f, s) = (choreography(&fast), choreography(&slow));
    assert_eq!(f.compensated, f.started, "{f:?}");
    assert_eq!(f.answer_p50_ms, s.answer_p50_ms, "fast {f:?}\nslow {s:?}");
    let controller = |results| {
        &run_of(results, Coordination::FrontController)
            .result
            .summary
    };
    let (f, s) = (controller(&fast), controller(&slow));
    assert!(
        s.answer_p50_ms.unwrap() > f.answer_p50_ms.unwrap() + 49.0,
        "fast {f:?}\nslow {s:?}"
    );
}

/// The slow provider with all three mechanisms gives byte-identical files whatever the
/// thread count: summary, resilience and breakers.
#[test]
fn resilience_results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let files: Vec<Vec<Vec<u8>>> = ["1", "2"]
        .iter()
        .map(|jobs| {
            let out = dir.path().join(format!("jobs{jobs}"));
            let out_arg = out.to_string_lossy().to_string();
            common::ok(&[
                "run",
                "scenarios/slow-provider.toml",
                "--set",
                "scenario.duration=3m",
                "--set",
                "policy.deadline=2s",
                "--set",
                "policy.breaker={ failure_rate = 0.5, window = 20, min_calls = 10, open = \"5s\", half_open = 3 }",
                "--set",
                "defaults.overflow=reject",
                "--replications",
                "2",
                "--no-charts",
                "--jobs",
                jobs,
                "--out",
                &out_arg,
            ]);
            ["summary.csv", "resilience.csv", "breakers.csv"]
                .iter()
                .map(|file| std::fs::read(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}")))
                .collect()
        })
        .collect();
    assert!(
        files[0] == files[1],
        "the files differ between --jobs 1 and 2"
    );
    let breakers = String::from_utf8_lossy(&files[0][2]);
    assert!(
        breakers.lines().count() > 2,
        "breakers were asked: {breakers}"
    );
}

/// A three-step choreography behind brokers, one workflow each 100 ms from 0.1 s; s1
/// (1 ms of work) publishes its event `publish`, with a 250 ms window, and crashes at
/// 5.03 s for 1 s. s1 committed at 4.801, 4.901 and 5.001 s and had not published yet:
/// a dual write loses exactly those three events (their workflows stay stuck, s1
/// committed). The outbox loses none: the relay publishes the three after the restart,
/// and again the two it had published at 4.851 and 4.951 s but not yet marked (their
/// marks were due at 5.101 and 5.201 s): exactly two duplicates, which s2, not
/// idempotent, applies twice, and so s3 after it: four duplicate effects.
#[test]
fn a_crash_in_the_commit_window_loses_a_dual_write_and_duplicates_an_outbox() {
    let text = |publish: &str| {
        common::chain_scenario(3, None, "")
            .replacen(
                "seed = 3\n",
                "seed = 3\nwarmup = \"0s\"\nvariants = [\"choreography\"]\n",
                1,
            )
            .replacen(
                "[workload]",
                "[network]\ndelivery = \"broker\"\n\n[workload]",
                1,
            )
            .replacen(
                "name = \"s1\"\n",
                &format!(
                    "name = \"s1\"\npublish = \"{publish}\"\npublish_delay = \"250ms\"\nrelay_delay = \"250ms\"\n"
                ),
                1,
            )
            + "\n[[faults]]\ncrash = \"s1\"\nat = \"5030ms\"\nfor = \"1s\"\n"
    };
    let dual = run_all(&parse(&text("dual-write")));
    let run = run_of(&dual, Coordination::Choreography);
    let (summary, figures) = (&run.result.summary, run.result.resilience.as_ref().unwrap());
    assert_eq!(figures.lost_after_commit, 3, "{figures:?}");
    assert_eq!(figures.duplicates_from_relay, 0, "{figures:?}");
    assert_eq!((summary.stuck, summary.inconsistent), (3, 3), "{summary:?}");
    assert_eq!(summary.completed, summary.started - 3, "{summary:?}");
    let outbox = run_all(&parse(&text("outbox")));
    let run = run_of(&outbox, Coordination::Choreography);
    let (summary, figures) = (&run.result.summary, run.result.resilience.as_ref().unwrap());
    assert_eq!(figures.lost_after_commit, 0, "{figures:?}");
    assert_eq!(figures.duplicates_from_relay, 2, "{figures:?}");
    assert_eq!(summary.completed, summary.started, "{summary:?}");
    assert_eq!(summary.duplicate_effects, 4, "{summary:?}");
    // Atomic publishing has no window: the same crash loses nothing, duplicates nothing.
    let atomic = run_all(&parse(&text("atomic")));
    let summary = &run_of(&atomic, Coordination::Choreography).result.summary;
    assert_eq!(summary.completed, summary.started, "{summary:?}");
    assert_eq!(summary.duplicate_effects, 0, "{summary:?}");
}
