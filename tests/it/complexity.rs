//! Complexity, measured (issue 10, part 4): the distinct reactions each component had to
//! implement and the workflow states it had to keep, exact for every design on a chain
//! that always succeeds, for the orchestrator and choreography on one whose third step
//! always fails, and alike in sync and async.

use crate::common;

use common::{chain_scenario, parse, run_all};
use sagasim::ScenarioResults;

/// (handlers, states) per component of the design labelled `label`: the orchestrator when
/// the design has one, then the services in order (the client implements nothing here).
fn counts(results: &ScenarioResults, label: &str) -> Vec<(String, u32, u32)> {
    common::run_of(results, label)
        .result
        .components
        .iter()
        .filter(|c| c.component != "client")
        .map(|c| (c.component.clone(), c.handlers, c.states))
        .collect()
}

fn handlers(results: &ScenarioResults, label: &str) -> Vec<u32> {
    counts(results, label).iter().map(|c| c.1).collect()
}

#[test]
fn on_success_each_service_reacts_once_and_the_coordinator_holds_a_state_per_step() {
    let results = run_all(&parse(&chain_scenario(4, None, "")));
    // orchestrator: start and four replies; each service: its command.
    assert_eq!(handlers(&results, "orchestrator"), [5, 1, 1, 1, 1]);
    let states: Vec<u32> = counts(&results, "orchestrator")
        .iter()
        .map(|c| c.2)
        .collect();
    assert_eq!(states, [4, 0, 0, 0, 0], "a wait for each step's reply");
    // A chain: each service reacts to its event (the first to the start).
    for label in ["choreography", "stamp-coupling", "stateless"] {
        assert_eq!(handlers(&results, label), [1, 1, 1, 1], "{label}");
        assert!(
            counts(&results, label).iter().all(|c| c.2 == 0),
            "{label} keeps no state"
        );
    }
    // The front controller also applies the progress of steps 2–4, and waits on each.
    assert_eq!(handlers(&results, "front-controller"), [4, 1, 1, 1]);
    let states: Vec<u32> = counts(&results, "front-controller")
        .iter()
        .map(|c| c.2)
        .collect();
    assert_eq!(states, [3, 0, 0, 0]);
}

#[test]
fn error_paths_spread_over_a_choreographys_services_and_gather_at_the_orchestrator() {
    // Step 3 always fails: steps 2 and 1 are compensated.
    let results = run_all(&parse(&chain_scenario(4, Some(3), "")));
    // The orchestrator adds the failure and two compensation replies (6 in all); the two
    // compensated services add one reaction each.
    assert_eq!(handlers(&results, "orchestrator"), [6, 2, 2, 1, 0]);
    // Choreography: the backward chain gives services 1 and 2 a compensation handler of
    // their own; nobody holds the whole error path.
    assert_eq!(handlers(&results, "choreography"), [2, 2, 1, 0]);
    let most = |label: &str| handlers(&results, label).into_iter().max().unwrap_or(0);
    assert_eq!((most("orchestrator"), most("choreography")), (6, 2));
}

#[test]
fn the_return_of_a_blocking_call_is_not_a_reaction_of_its_own() {
    let sync = chain_scenario(4, None, "")
        .replace("[scenario]\n", "[scenario]\ncommunication = \"sync\"\n");
    let results = run_all(&parse(&sync));
    for label in ["choreography", "stamp-coupling", "stateless"] {
        assert_eq!(handlers(&results, label), [1, 1, 1, 1], "{label}");
    }
    assert_eq!(handlers(&results, "orchestrator"), [5, 1, 1, 1, 1]);
}

/// Alternative paths: a service that performs a step on two alternatives implements a
/// reaction for each, while the orchestrator gathers every route's reactions and waits.
#[test]
fn each_alternative_adds_its_own_reactions_where_it_runs() {
    // s1, then s2 → s3 or s3 alone (a 50/50 choice, both drawn among 199 workflows), then s4.
    let text = chain_scenario(4, None, "").replacen(
        "steps = [\"s1\", \"s2\", \"s3\", \"s4\"]",
        "steps = [\"s1\", { choice = [{ p = 0.5, steps = [\"s2\", \"s3\"] }, { steps = [\"s3\"] }] }, \"s4\"]",
        1,
    );
    assert!(text.contains("choice"), "{text}");
    let results = run_all(&parse(&text));
    // Steps: 1 s1, 2 s2, 3 s3 (after s2), 4 s3 (alone), 5 s4. The orchestrator: the
    // start and a reply for each of the five steps, and a wait on each.
    assert_eq!(handlers(&results, "orchestrator"), [6, 1, 1, 2, 1]);
    let states: Vec<u32> = counts(&results, "orchestrator")
        .iter()
        .map(|c| c.2)
        .collect();
    assert_eq!(states, [5, 0, 0, 0, 0]);
    // The chains: s3 handles the event of either route, two reactions.
    for label in ["choreography", "stamp-coupling", "stateless"] {
        assert_eq!(handlers(&results, label), [1, 1, 2, 1], "{label}");
    }
    // The front controller s1 applies the progress of steps 2–5 and waits on each.
    assert_eq!(handlers(&results, "front-controller"), [5, 1, 2, 1]);
    let states: Vec<u32> = counts(&results, "front-controller")
        .iter()
        .map(|c| c.2)
        .collect();
    assert_eq!(states, [4, 0, 0, 0]);
}
