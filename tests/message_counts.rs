//! Exact message and byte counts per workflow for every variant, on the success path and on
//! a business failure at every step k (DESIGN §3.1), plus status-query fan-out.

mod common;

use common::{chain_scenario, parse, run_all, summary_of, with_workload};
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
