//! Exact message and byte counts per workflow for every variant, on the success path and on
//! a business failure at every step k (DESIGN §3.1), plus status-query fan-out.

use crate::common;

use common::{chain_scenario, parallel_scenario, parse, run_all, summary_of, with_workload};
use sagasim::Coordination;

const BASE: f64 = 1024.0;
const STATE_PER_STEP: f64 = 2048.0;

/// Messages per workflow: `fail_at` is the 1-based failing step, `None` for success.
fn expected_messages(variant: Coordination, n: usize, fail_at: Option<usize>) -> usize {
    match (variant, fail_at) {
        (Coordination::Orchestrator, None) => 2 * n + 2,
        (Coordination::Orchestrator, Some(k)) => 4 * k,
        (Coordination::Choreography | Coordination::Stateless, None) => n + 1,
        (Coordination::Choreography | Coordination::Stateless, Some(k)) => 2 * k,
        (Coordination::FrontController, None) => 2 * n,
        (Coordination::FrontController, Some(1)) => 2,
        (Coordination::FrontController, Some(k)) => 4 * k - 4,
        (Coordination::StampCoupling, None) => n + 1,
        (Coordination::StampCoupling, Some(1)) => 2,
        (Coordination::StampCoupling, Some(k)) => 3 * k - 2,
    }
}

/// Bytes per workflow: every message is `base`, except stamp coupling's, which carry
/// `base + (steps completed per the stamp) × state_per_step`.
fn expected_bytes(variant: Coordination, n: usize, fail_at: Option<usize>) -> f64 {
    if variant != Coordination::StampCoupling {
        return expected_messages(variant, n, fail_at) as f64 * BASE;
    }
    let stamp = |steps: usize| BASE + steps as f64 * STATE_PER_STEP;
    match fail_at {
        // start carries 0 steps, the event to step i+1 carries i, done carries n.
        None => (0..=n).map(stamp).sum(),
        Some(1) => 2.0 * BASE,
        // start and events up to step k, then k-1 compensations and k-1 reports, each with
        // the stamp of the k-1 committed steps.
        Some(k) => (0..k).map(stamp).sum::<f64>() + 2.0 * (k - 1) as f64 * stamp(k - 1),
    }
}

#[test]
fn success_and_every_failure_step_match_the_oracles_for_every_variant() {
    for n in 1..=4 {
        for fail_at in std::iter::once(None).chain((1..=n).map(Some)) {
            let scenario = parse(&chain_scenario(n, fail_at, ""));
            let results = run_all(&scenario);
            for variant in Coordination::ALL {
                let summary = summary_of(&results, variant);
                let context = format!("{variant}, n = {n}, failure at {fail_at:?}");
                // Constant arrivals at 0.1 s, 0.2 s, … up to (not including) 20 s.
                assert_eq!(summary.started, 199, "{context}");
                let (completed, compensated) = if fail_at.is_some() {
                    (0, 199)
                } else {
                    (199, 0)
                };
                assert_eq!(
                    (summary.completed, summary.compensated),
                    (completed, compensated),
                    "{context}"
                );
                let messages = expected_messages(variant, n, fail_at) as f64;
                assert_eq!(summary.messages_per_workflow, Some(messages), "{context}");
                assert_eq!(
                    summary.bytes_per_workflow,
                    Some(expected_bytes(variant, n, fail_at)),
                    "{context}"
                );
            }
        }
    }
}

#[test]
fn status_queries_cost_what_each_variant_promises() {
    // Steps of 1 ms and a poll every 0.5 ms: every workflow is polled while in flight.
    let n = 4;
    let text = with_workload(
        &chain_scenario(n, None, ""),
        "status_queries = { every = \"500us\" }",
    );
    let scenario = parse(&text);
    let results = run_all(&scenario);
    for variant in Coordination::ALL {
        let summary = summary_of(&results, variant);
        let (answered, per_query) = match variant {
            Coordination::Orchestrator | Coordination::FrontController => (1.0, 2.0),
            Coordination::Stateless => (1.0, 2.0 * n as f64),
            Coordination::Choreography | Coordination::StampCoupling => (0.0, 0.0),
        };
        assert_eq!(summary.status_answered_ratio, Some(answered), "{variant}");
        assert_eq!(
            summary.status_messages_per_query,
            Some(per_query),
            "{variant}"
        );
        let has_latency = summary.status_latency_p99_ms.is_some();
        assert_eq!(
            has_latency,
            answered > 0.0,
            "{variant}: status latency only where answered"
        );
        // Workflow messages are unchanged by status traffic.
        assert_eq!(
            summary.messages_per_workflow,
            Some(expected_messages(variant, n, None) as f64),
            "{variant}"
        );
    }
}

#[test]
fn coupling_is_measured_from_the_messages_sent() {
    let n = 4;
    let results = run_all(&parse(&chain_scenario(n, None, "")));
    // (distinct src→dst edges, most peers of one sender) on the success path.
    let expected = [
        // client→O, O→each Si, each Si→O, O→client
        (Coordination::Orchestrator, (2 * n as u64 + 2, n as u64 + 1)),
        // client→S1, Si→Si+1, Sn→client
        (Coordination::Choreography, (n as u64 + 1, 1)),
        // the chain, plus S2..Sn→S1 (Sn's progress replaces its done), S1→client
        (Coordination::FrontController, (2 * n as u64, 2)),
        (Coordination::StampCoupling, (n as u64 + 1, 1)),
        (Coordination::Stateless, (n as u64 + 1, 1)),
    ];
    for (variant, (edges, peers)) in expected {
        let summary = summary_of(&results, variant);
        assert_eq!(
            (summary.coupling_edges, summary.coupling_max_peers),
            (edges, peers),
            "{variant}"
        );
    }
}

/// A workflow of services s1..s5 with two choices: `s1`, then s2 → s3 with probability
/// `p` or s3 alone (the same service on the other path is another step), then s4 or
/// nothing (the path skips the block) with probability `q` and 1 − q, then s5.
fn choice_scenario(p: f64, q: f64, fail_at: Option<usize>) -> String {
    let text = chain_scenario(5, fail_at, "");
    let workflow = format!(
        "steps = [\n  \"s1\",\n  {{ choice = [{{ p = {p}, steps = [\"s2\", \"s3\"] }}, {{ p = {}, steps = [\"s3\"] }}] }},\n  {{ choice = [{{ p = {q}, steps = [\"s4\"] }}, {{ p = {}, steps = [] }}] }},\n  \"s5\",\n]\n",
        1.0 - p,
        1.0 - q
    );
    let start = text.find("steps = [").expect("a workflow");
    let end = start + text[start..].find('\n').expect("one line");
    format!("{}{workflow}{}", &text[..start], &text[end + 1..])
}

/// Every path a choice can take costs, message for message and byte for byte, what the
/// chain of that path's steps costs, in every design, on success and with a business
/// failure at every step of the path: the alternatives route the flow (forward and back)
/// along the path drawn, never along the definition's order.
#[test]
fn every_path_through_choices_matches_the_chain_oracles_for_every_variant() {
    for (p, q) in [(1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
        let path: Vec<usize> = [1]
            .into_iter()
            .chain(if p == 1.0 { vec![2, 3] } else { vec![3] })
            .chain(if q == 1.0 { Some(4) } else { None })
            .chain([5])
            .collect();
        let n = path.len();
        for fail_at in std::iter::once(None).chain(path.iter().map(|&s| Some(s))) {
            let results = run_all(&parse(&choice_scenario(p, q, fail_at)));
            let position =
                fail_at.map(|service| 1 + path.iter().position(|&s| s == service).unwrap());
            for variant in Coordination::ALL {
                let summary = summary_of(&results, variant);
                let context = format!("{variant}, path {path:?}, failure at service {fail_at:?}");
                assert_eq!(summary.started, 199, "{context}");
                let expected = if fail_at.is_some() {
                    (0, 199)
                } else {
                    (199, 0)
                };
                assert_eq!(
                    (summary.completed, summary.compensated),
                    expected,
                    "{context}"
                );
                assert_eq!(
                    summary.messages_per_workflow,
                    Some(expected_messages(variant, n, position) as f64),
                    "{context}"
                );
                assert_eq!(
                    summary.bytes_per_workflow,
                    Some(expected_bytes(variant, n, position)),
                    "{context}"
                );
            }
        }
    }
}

/// Drawn paths: each workflow takes an alternative with its probability, and the same
/// workflow takes the same path in every design (common random numbers), so the share of
/// long paths read back from each design's message count is identical across designs.
#[test]
fn choices_are_drawn_at_their_rates_and_alike_in_every_design() {
    let results = run_all(&parse(&choice_scenario(0.5, 1.0, None)));
    // Paths of 5 steps (share s) and 4 steps: messages = f(4) + (f(5) − f(4)) · s.
    let shares: Vec<f64> = Coordination::ALL
        .into_iter()
        .map(|variant| {
            let messages = summary_of(&results, variant).messages_per_workflow.unwrap();
            let short = expected_messages(variant, 4, None) as f64;
            let long = expected_messages(variant, 5, None) as f64;
            (messages - short) / (long - short)
        })
        .collect();
    for share in &shares {
        assert!((share - shares[0]).abs() < 1e-9, "{shares:?}");
    }
    // 199 workflows at p = 0.5: sd 0.035; 4 sd either way.
    assert!((shares[0] - 0.5).abs() < 0.14, "{shares:?}");
    assert!(
        shares[0] > 0.0 && shares[0] < 1.0,
        "both paths drawn: {shares:?}"
    );
}

/// The stateless client cannot know which path a workflow took: it asks every service
/// of the definition, and a service the path skipped answers that it did nothing.
#[test]
fn a_stateless_status_query_asks_every_service_of_the_definition() {
    let text = with_workload(
        &choice_scenario(0.0, 0.0, None),
        "status_queries = { every = \"500us\" }",
    );
    let results = run_all(&parse(&text));
    let summary = summary_of(&results, Coordination::Stateless);
    assert_eq!(summary.status_messages_per_query, Some(2.0 * 5.0));
    assert_eq!(summary.status_answered_ratio, Some(1.0));
    let orchestrated = summary_of(&results, Coordination::Orchestrator);
    assert_eq!(orchestrated.status_messages_per_query, Some(2.0));
}

/// One alternative may leave `p` out and take the rest, so one `--set` (or one sweep axis)
/// moves the share between two routes; an override that breaks the sum is refused at the
/// flag.
#[test]
fn an_alternative_without_p_takes_the_rest_and_one_override_moves_the_share() {
    use sagasim::scenario::Override;
    let text = choice_scenario(0.5, 1.0, None).replacen(
        "{ p = 0.5, steps = [\"s3\"] }",
        "{ steps = [\"s3\"] }",
        1,
    );
    assert!(text.contains("{ steps = [\"s3\"] }"), "{text}");
    for (p, long_share) in [("1", 1.0), ("0", 0.0)] {
        let flag = Override::parse(&format!("workflow.steps.1.choice.0.p={p}")).unwrap();
        let scenario = sagasim::Scenario::parse("<test>", &text, &[flag]).unwrap();
        let results = run_all(&scenario);
        for variant in Coordination::ALL {
            let n = if long_share == 1.0 { 5 } else { 4 };
            assert_eq!(
                summary_of(&results, variant).messages_per_workflow,
                Some(expected_messages(variant, n, None) as f64),
                "{variant}, p = {p}"
            );
        }
    }
    let both = choice_scenario(0.5, 1.0, None);
    let flag = Override::parse("workflow.steps.1.choice.0.p=0.9").unwrap();
    let error = sagasim::Scenario::parse("<test>", &both, &[flag])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("workflow.steps[1].choice")
            && error.contains("expected the alternatives' probabilities p to sum to 1, got 1.4"),
        "{error}"
    );
}

/// Exact messages (and bytes) per workflow on a parallel block, in every design, on
/// success and with a business failure at each step (all steps take 1 ms, so the block's
/// timing is fixed: s2 and s3 finish together, s4 a millisecond later).
///
/// Orchestrator: a command and a reply per step it starts, the start and the outcome, and
/// a compensation and its reply per committed step. After a failure in the block it starts
/// no new step but waits for those under way: s2 failing leaves s3 committed (undone),
/// s4 never started; s3 failing leaves s2 committed.
///
/// Choreography and stateless: s1 publishes to both branches, each branch's last step
/// reports to the join s5 (its event, or its first step's failure report after the branch
/// rolled itself back); when a branch failed, s5 orders every completed branch undone
/// from its last step, gathers their reports and passes the rollback to s1.
///
/// Front controller: the chain's events plus a progress per step after s1; a failure goes
/// to s1, which waits until every branch has reached its last step or failed, then undoes
/// what it knows committed one step at a time, latest first, and itself last.
///
/// Stamp coupling: a failing step of the block reports to the join with its stamp; the
/// join, holding every branch's stamp, orders all committed steps undone at once and each
/// reports to the client. Stamps: an event carries the steps done before its target (a
/// join's event, its branch's), a failure report those before the failed step.
#[test]
fn parallel_blocks_match_their_oracles_in_every_design() {
    // (failing service, orchestrator, choreography and stateless, front controller,
    //  stamp coupling: messages and the stamps' steps summed over its messages)
    let cases: [(Option<usize>, usize, usize, usize, usize, usize); 6] = [
        // 2n + 2; n + 1 + (branches − 1); 2n + (branches − 1); stamps 0+1+1+2+2+3+5.
        (None, 12, 7, 11, 7, 14),
        (Some(1), 4, 2, 2, 2, 0),
        // s2 fails: s3 → s4 completes, is undone back to s3, s3 reports, s5 → s1 → C.
        (Some(2), 12, 11, 13, 12, 26),
        // s3 fails: s2 completes and is undone; s4 never runs.
        (Some(3), 12, 9, 9, 9, 13),
        // s4 fails: s3 undone inside its branch, then as for s3.
        (Some(4), 16, 11, 13, 12, 26),
        // s5 fails: both branches undone (s2; s4 → s3), two reports, s5 → s1 → C.
        (Some(5), 20, 13, 17, 14, 41),
    ];
    for (fail_at, orchestrated, choreographed, controlled, stamped, stamps) in cases {
        let results = run_all(&parse(&parallel_scenario(fail_at)));
        assert_eq!(results.designs.len(), 5, "every style runs parallel blocks");
        for (variant, expected) in [
            (Coordination::Orchestrator, orchestrated),
            (Coordination::Choreography, choreographed),
            (Coordination::Stateless, choreographed),
            (Coordination::FrontController, controlled),
            (Coordination::StampCoupling, stamped),
        ] {
            let summary = summary_of(&results, variant);
            let context = format!("{variant}, failure at s{fail_at:?}");
            assert_eq!(summary.started, 199, "{context}");
            let ended = if fail_at.is_some() {
                (0, 199)
            } else {
                (199, 0)
            };
            assert_eq!((summary.completed, summary.compensated), ended, "{context}");
            assert_eq!(summary.inconsistent, 0, "{context}");
            assert_eq!(
                summary.messages_per_workflow,
                Some(expected as f64),
                "{context}"
            );
            let bytes = if variant == Coordination::StampCoupling {
                expected as f64 * BASE + stamps as f64 * STATE_PER_STEP
            } else {
                expected as f64 * BASE
            };
            assert_eq!(summary.bytes_per_workflow, Some(bytes), "{context}");
        }
    }
}

/// A failure after the join: every design rolls the whole block back, and nothing is
/// left committed or stuck. s1, [s2 ‖ s3], s4, then s5 always fails. Orchestrator: four
/// steps commanded and replied, s5's command and failure, four compensations with their
/// replies, start and outcome (20). Choreography: start, the fork's two events, the two
/// branch events to the join s4, s4 → s5; s5 → s4; s4 orders both branches undone, each
/// reports back, s4 → s1 → C (13). Front controller: the nine messages of the chain and
/// its progress, s5's failure to s1, three compensations with replies (s4, s3, s2), the
/// outcome (17). Stamp coupling: six events, then four compensations at once and four
/// reports (14).
#[test]
fn a_failure_after_a_join_rolls_the_whole_block_back() {
    let text = chain_scenario(5, Some(5), "").replacen(
        "steps = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\"]",
        "steps = [\"s1\", { parallel = [\"s2\", \"s3\"] }, \"s4\", \"s5\"]",
        1,
    );
    let results = run_all(&parse(&text));
    for (variant, expected) in [
        (Coordination::Orchestrator, 20.0),
        (Coordination::Choreography, 13.0),
        (Coordination::Stateless, 13.0),
        (Coordination::FrontController, 17.0),
        (Coordination::StampCoupling, 14.0),
    ] {
        let summary = summary_of(&results, variant);
        assert_eq!(
            (summary.compensated, summary.stuck, summary.inconsistent),
            (199, 0, 0),
            "{variant}"
        );
        assert_eq!(summary.messages_per_workflow, Some(expected), "{variant}");
    }
}

/// A rollback passing a one-branch block goes back through its steps in order: on
/// `s1 → [s2 ‖ s3] → s4 → [s5 → s6] → s7` with s7 failing, the choreography undoes s6,
/// then s5 (the block's last step first), then the two-branch block from the join s4.
/// Start and seven events, s7 → s6 → s5 → s4, s4's two orders and their two reports,
/// s4 → s1 → C: 17, nothing left committed.
#[test]
fn a_rollback_walks_back_through_a_one_branch_block_from_its_last_step() {
    let text = chain_scenario(7, Some(7), "").replacen(
        "steps = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\", \"s6\", \"s7\"]",
        "steps = [\"s1\", { parallel = [\"s2\", \"s3\"] }, \"s4\", { parallel = [[\"s5\", \"s6\"]] }, \"s7\"]",
        1,
    );
    assert!(text.contains("[[\"s5\", \"s6\"]]"), "{text}");
    let results = run_all(&parse(&text));
    for variant in [Coordination::Choreography, Coordination::Stateless] {
        let summary = summary_of(&results, variant);
        assert_eq!(
            (summary.compensated, summary.inconsistent),
            (199, 0),
            "{variant}"
        );
        assert_eq!(summary.messages_per_workflow, Some(17.0), "{variant}");
    }
}
