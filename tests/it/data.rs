//! Step outputs riding on the messages that carry them (issue 10, part 2): which messages
//! carry which output in each design (exact oracles), common random numbers for output
//! sizes, and the Circulate result: through an orchestrator every intermediate output
//! crosses two links, directly one.

use crate::common;

use common::{chain_scenario, parse, run_all};
use sagasim::results::MessageCategory;
use sagasim::{Coordination, ScenarioResults};

/// Data bytes per measured workflow of the design labelled `label`.
fn data_per_workflow(results: &ScenarioResults, label: &str) -> f64 {
    common::run_of(results, label)
        .result
        .messages_by_category
        .iter()
        .find(|share| share.category == MessageCategory::Data)
        .map_or(0.0, |share| share.bytes_per_workflow)
}

/// Mean latency (ms) of the orchestrator's and choreography's completed workflows.
fn relayed_and_direct_ms(results: &ScenarioResults) -> (f64, f64) {
    let mean = |style: Coordination| {
        common::summary_of(results, style)
            .latency_mean_ms
            .unwrap_or_else(|| panic!("{style}: no latency"))
    };
    (
        mean(Coordination::Orchestrator),
        mean(Coordination::Choreography),
    )
}

/// `steps` services, each producing `output`.
fn with_outputs(steps: usize, output: &str, extra: &str) -> String {
    chain_scenario(steps, None, extra).replace(
        "compensate = \"1ms\"\n",
        &format!("compensate = \"1ms\"\noutput = {output}\n"),
    )
}

#[test]
fn each_design_carries_each_output_on_the_messages_its_rules_name() {
    // n = 4 steps of 1 MB each. A chain passes n outputs (n − 1 events and the answer);
    // the orchestrator relays every one (replies n, commands n − 1, the answer 1: 2n); the
    // front controller's chain also sends the last output to the controller with the last
    // progress (n + 1).
    let results = run_all(&parse(&with_outputs(4, "\"1MB\"", "")));
    let expected = [
        ("orchestrator", 8.0),
        ("choreography", 4.0),
        ("front-controller", 5.0),
        ("stamp-coupling", 4.0),
        ("stateless", 4.0),
    ];
    for (label, outputs) in expected {
        let data = data_per_workflow(&results, label);
        assert!((data - outputs * 1e6).abs() < 1e-6, "{label}: {data}");
        let summary = common::summary_of(&results, label);
        let messages = summary.messages_per_workflow.unwrap_or_default();
        let bytes = summary.bytes_per_workflow.unwrap_or_default();
        if label != "stamp-coupling" {
            // Bytes per workflow count the data: the messages at 1 KiB each, plus it.
            assert!(
                (bytes - (messages * 1024.0 + outputs * 1e6)).abs() < 1e-3,
                "{label}"
            );
        }
    }
    // Without outputs no message carries data, and no "data" kind appears.
    let plain = run_all(&parse(&chain_scenario(4, None, "")));
    for run in &plain.runs {
        assert!(
            run.result
                .messages_by_category
                .iter()
                .all(|share| share.category != MessageCategory::Data)
        );
    }
}

#[test]
fn an_outputs_size_is_drawn_once_per_workflow_and_step_in_every_design() {
    // Exponential sizes: common random numbers give each workflow's step the same output
    // in every design, so the orchestrator relays exactly twice what choreography passes.
    let results = run_all(&parse(&with_outputs(3, "{ exponential = \"200kB\" }", "")));
    let relayed = data_per_workflow(&results, "orchestrator");
    let direct = data_per_workflow(&results, "choreography");
    assert!(direct > 100e3 * 3.0, "{direct}");
    assert!(
        (relayed / direct - 2.0).abs() < 1e-12,
        "{relayed} / {direct}"
    );
    let stateless = data_per_workflow(&results, "stateless");
    assert!((stateless - direct).abs() < 1e-6);
}

#[test]
fn on_a_sequence_whose_transfers_dominate_the_orchestrator_takes_twice_as_long() {
    // Four steps of 10 MB each, 1 Gbps interfaces everywhere, no latency, no work, one
    // workflow every 5 s (no queueing). Choreography: each output crosses one link, 4 ×
    // 80 ms. Orchestrator: each crosses two (in to the orchestrator, out to the next step
    // or the client), 8 × 80 ms. The 1 KiB messages add 8 µs each. Ratio: 2.
    let text = with_outputs(4, "\"10MB\"", "\n[network]\ninterface = \"1Gbps\"\n")
        .replace(
            "arrivals = { constant = 10 }",
            "arrivals = { constant = 0.2 }",
        )
        .replace("work = \"1ms\"", "work = \"0ms\"")
        .replace("duration = \"20s\"", "duration = \"60s\"");
    let results = run_all(&parse(&text));
    let (relayed, direct) = relayed_and_direct_ms(&results);
    assert!((direct - 320.0).abs() < 0.1, "choreography {direct} ms");
    assert!((relayed - 640.0).abs() < 0.1, "orchestrator {relayed} ms");
    assert!(
        (relayed / direct - 2.0).abs() < 0.001,
        "ratio {}",
        relayed / direct
    );
}

#[test]
fn failures_carry_no_data_and_a_sync_front_controller_returns_the_result_up_its_calls() {
    // Step 3 of 4 always fails: only the outputs handed on before it travel (events from
    // steps 1 and 2; for the orchestrator, their replies and the commands after them);
    // failure and compensation messages carry none.
    let text = chain_scenario(4, Some(3), "").replace(
        "compensate = \"1ms\"\n",
        "compensate = \"1ms\"\noutput = \"1MB\"\n",
    );
    let results = run_all(&parse(&text));
    for (label, outputs) in [
        ("orchestrator", 4.0),
        ("choreography", 2.0),
        ("stateless", 2.0),
    ] {
        let data = data_per_workflow(&results, label);
        assert!((data - outputs * 1e6).abs() < 1e-6, "{label}: {data}");
    }
    // Sync: the front controller answers when its own call returns, so the last output
    // comes back up the chain of returns (n − 1 of them), not with the last progress:
    // events n − 1, returns n − 1, the answer 1.
    let sync = with_outputs(4, "\"1MB\"", "")
        .replace("[scenario]\n", "[scenario]\ncommunication = \"sync\"\n");
    let results = run_all(&parse(&sync));
    let data = data_per_workflow(&results, "front-controller");
    assert!(
        (data - 7.0 * 1e6).abs() < 1e-6,
        "sync front controller: {data}"
    );
}

#[test]
fn a_pareto_without_a_finite_mean_is_refused_naming_the_key() {
    // Shape ≤ 1: an infinite mean (draws beyond u64::MAX bytes were once accepted, and
    // only the saturating counters kept the figures from wrapping).
    let text = with_outputs(2, "{ pareto = { scale = \"1MB\", shape = 0.001 } }", "");
    let error = match sagasim::Scenario::from_toml_str(&text) {
        Ok(_) => panic!("a pareto of shape 0.001 was accepted"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("services[0].output"), "{error}");
    assert!(
        error.contains("pareto needs a shape greater than 1"),
        "{error}"
    );
    assert!(error.contains("its mean is infinite"), "{error}");
    assert!(
        error.contains("shape ≤ 2 its variance is infinite"),
        "{error}"
    );
    // Just above 1 it runs: the mean exists.
    let text = with_outputs(2, "{ pareto = { scale = \"1MB\", shape = 1.5 } }", "");
    let results = run_all(&parse(&text));
    assert!(data_per_workflow(&results, "choreography") >= 2e6);
}

#[test]
fn on_a_fan_in_whose_transfers_dominate_relaying_costs_one_transfer_per_branch_more() {
    // Four parallel branches each produce 10 MB that s6 joins; 1 Gbps interfaces, no
    // latency, no work, no queueing. Choreography: the four outputs travel at once on
    // four interfaces, 80 ms. Orchestrator: they reach it at once (80 ms), then leave it
    // one after another in s6's command (4 × 80 ms): 400 ms. Ratio k + 1 = 5.
    let mut text = chain_scenario(6, None, "\n[network]\ninterface = \"1Gbps\"\n")
        .replace(
            "arrivals = { constant = 10 }",
            "arrivals = { constant = 0.2 }",
        )
        .replace("work = \"1ms\"", "work = \"0ms\"")
        .replace("duration = \"20s\"", "duration = \"60s\"")
        .replace(
            "steps = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\", \"s6\"]",
            "steps = [\"s1\", { parallel = [\"s2\", \"s3\", \"s4\", \"s5\"] }, \"s6\"]",
        );
    for branch in 2..=5 {
        text = text.replace(
            &format!("name = \"s{branch}\"\n"),
            &format!("name = \"s{branch}\"\noutput = \"10MB\"\n"),
        );
    }
    assert!(text.contains("parallel") && text.matches("10MB").count() == 4);
    let results = run_all(&parse(&text));
    let (relayed, direct) = relayed_and_direct_ms(&results);
    assert!((direct - 80.0).abs() < 0.1, "choreography {direct} ms");
    assert!((relayed - 400.0).abs() < 0.1, "orchestrator {relayed} ms");
    // Every branch's output is carried once directly, twice through the orchestrator.
    let data = |label: &str| data_per_workflow(&results, label);
    for label in [
        "choreography",
        "front-controller",
        "stamp-coupling",
        "stateless",
    ] {
        // Each branch's event to the join carries that branch's output only.
        assert!(
            (data(label) - 40e6).abs() < 1e-6,
            "{label}: {}",
            data(label)
        );
    }
    assert!((data("orchestrator") - 80e6).abs() < 1e-6);
}

/// Sync communication moves the same data as async on a parallel block: acks carry none,
/// the orchestrator's replies and commands carry what they carry in async, the chains'
/// events and the join's inputs likewise, and the front controller's last output reaches
/// it with the last progress (it answers the client on that, not on its calls' return).
/// s1 → [s2 ‖ s3 → s4] → s5, each output 1 MB: exact figures, both ways.
#[test]
fn sync_blocks_move_the_same_data_as_async() {
    let text = common::parallel_scenario(None).replace(
        "compensate = \"1ms\"\n",
        "compensate = \"1ms\"\noutput = \"1MB\"\n",
    );
    let sync = text.replace("seed = 3\n", "seed = 3\ncommunication = \"sync\"\n");
    let asynchronous = run_all(&parse(&text));
    let synchronous = run_all(&parse(&sync));
    // Orchestrator: s1..s5's replies (5) and the commands' inputs: s2 and s3 get s1's,
    // s4 s3's, s5 s2's and s4's (5), the answer s5's (1). Chains: the fork's two events
    // (s1's), s3 → s4 (s3's), the two events into the join (s2's, s4's), done (s5's).
    // Front controller: the chain's events, and s5's output on its progress and `done`.
    for (style, megabytes) in [
        (Coordination::Orchestrator, 11.0),
        (Coordination::Choreography, 6.0),
        (Coordination::Stateless, 6.0),
        (Coordination::StampCoupling, 6.0),
        (Coordination::FrontController, 7.0),
    ] {
        let label = style.to_string();
        assert_eq!(
            data_per_workflow(&asynchronous, &label),
            megabytes * 1e6,
            "async {style}"
        );
        assert_eq!(
            data_per_workflow(&synchronous, &label),
            megabytes * 1e6,
            "sync {style}"
        );
    }
}
