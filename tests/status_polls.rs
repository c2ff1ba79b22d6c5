//! Status polls where nobody can answer them (choreography, stamp coupling) are counted, not
//! simulated. The count must be what simulating them gives: every poll before the outcome,
//! plus the one poll that then fires, finds the outcome and stops.

mod common;

use common::{chain_scenario, parse, run_all, summary_of, with_workload};
use sagasim::Variant;

#[test]
fn unanswerable_polls_add_the_events_simulating_them_would() {
    // About 2,000 workflows of exactly 1 ms (one step, constant work, no network), polled every
    // 300 us from a uniform phase in (0, 300 us]: each is polled 4 times before its outcome
    // when the phase is under 100 us (one in three), otherwise 3 times, and each then has
    // one more poll that finds the outcome. Expected: 4 + 1/3 poll events per workflow.
    let base = chain_scenario(1, None, "").replace("constant = 10", "constant = 100");
    let polled = with_workload(&base, "status_queries = { every = \"300us\" }");
    for variant in [Variant::Choreography, Variant::StampCoupling] {
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
