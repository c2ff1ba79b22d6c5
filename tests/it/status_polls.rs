//! Status polls where nobody can answer them (choreography, stamp coupling) are counted, not
//! simulated. The count must be what simulating them gives: every poll before the outcome,
//! plus the one poll that then fires, finds the outcome and stops.

use crate::common;

use common::{chain_scenario, parse, run_all, summary_of, with_workload};
use sagasim::Coordination;

#[test]
fn unanswerable_polls_add_the_events_simulating_them_would() {
    // About 2,000 workflows of exactly 1 ms (one step, constant work, no network), polled every
    // 300 us from a uniform phase in (0, 300 us]: each is polled 4 times before its outcome
    // when the phase is under 100 us (one in three), otherwise 3 times, and each then has
    // one more poll that finds the outcome. Expected: 4 + 1/3 poll events per workflow.
    let base = chain_scenario(1, None, "").replace("constant = 10", "constant = 100");
    let polled = with_workload(&base, "status_queries = { every = \"300us\" }");
    for variant in [Coordination::Choreography, Coordination::StampCoupling] {
        let quiet = summary_of(&run_all(&parse(&base)), variant).clone();
        let busy = summary_of(&run_all(&parse(&polled)), variant).clone();
        assert!(
            quiet.started > 1_990,
            "{variant}: {} workflows",
            quiet.started
        );
        assert_eq!(
            busy.latency_max_ms,
            Some(1.0),
            "{variant}: polls cost nothing"
        );
        let per_workflow = (busy.events - quiet.events) as f64 / quiet.started as f64;
        // The share of 4-poll workflows has a standard error of 0.0105 with 2,000 of them.
        assert!(
            (per_workflow - (4.0 + 1.0 / 3.0)).abs() < 0.05,
            "{variant}: {per_workflow} poll events per workflow"
        );
        assert_eq!(busy.status_answered_ratio, Some(0.0), "{variant}");
    }
}

#[test]
fn polls_of_a_workflow_that_makes_no_progress_back_off() {
    // 200 workflows stuck for the whole 40 s run (one step of 1 h), polled every 100 ms
    // and answered "no step done" by the orchestrator each time. Polling at that rate
    // would issue about 300 queries per workflow; backing off after 16 polls without news
    // (waits of 200 ms, 400 ms, ...) issues about 18 + 7.
    let base = chain_scenario(1, None, "").replace("work = \"1ms\"", "work = \"1h\"");
    let polled = with_workload(&base, "status_queries = { every = \"100ms\" }");
    let quiet = summary_of(&run_all(&parse(&base)), Coordination::Orchestrator).clone();
    let busy = summary_of(&run_all(&parse(&polled)), Coordination::Orchestrator).clone();
    assert_eq!(busy.stuck, 199, "every workflow is still in its first step");
    assert_eq!(busy.status_answered_ratio, Some(1.0));
    let messages = busy.status_messages_per_query.unwrap_or_default();
    // Each query is two events: the poll, and the orchestrator's work (messages on links
    // with no latency are delivered at once, not through the queue).
    let queries = (busy.events - quiet.events) as f64 / busy.started as f64 / 2.0;
    assert_eq!(messages, 2.0);
    assert!(
        (18.0..35.0).contains(&queries),
        "{queries} queries per stuck workflow"
    );
    // Choreography cannot answer, so its polls are counted, not simulated (one event each):
    // the count must follow the same back-off, one poll fewer (the orchestrator's first
    // answer is news and restarts its count once).
    let quiet = summary_of(&run_all(&parse(&base)), Coordination::Choreography).clone();
    let busy = summary_of(&run_all(&parse(&polled)), Coordination::Choreography).clone();
    let polls = (busy.events - quiet.events) as f64 / busy.started as f64;
    assert!(
        (queries - polls - 1.0).abs() < 0.5,
        "choreography {polls} polls, orchestrator {queries} queries per stuck workflow"
    );
}
