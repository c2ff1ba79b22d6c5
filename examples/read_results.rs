//! Read results two ways: from a run in memory (the typed summary, rendered as the CSV
//! `sagasim run` writes), and from a `results.json` written earlier.
//!
//! `cargo run --release --example read_results`

use sagasim::report::{SUMMARY_COLUMNS, summary_rows, to_csv};
use sagasim::{RunOptions, Scenario, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Scenario::from_toml_str(
        r#"
        [scenario]
        name = "two-steps"
        duration = "60s"
        variants = ["orchestrator", "stateless"]
        [workload]
        arrivals = { poisson = 20 }
        status_queries = { every = "1s" }
        [orchestrator]
        workers = 2
        [[services]]
        name = "order"
        work = { exponential = "10ms" }
        [[services]]
        name = "payment"
        work = { exponential = "20ms" }
        fail = 0.1
        [workflow]
        steps = ["order", "payment"]
        "#,
    )?;
    let results = run(&scenario, &RunOptions::default());
    for design_run in &results.runs {
        let summary = &design_run.result.summary;
        let conserved = summary.completed + summary.compensated + summary.failed + summary.stuck;
        assert_eq!(
            summary.started, conserved,
            "every workflow ends in one outcome"
        );
        println!(
            "{}: {} of {} completed, status answered {:.0} %",
            design_run.design.label,
            summary.completed,
            summary.started,
            100.0 * summary.status_answered_ratio.unwrap_or(0.0)
        );
    }
    // The same rows `summary.csv` holds.
    print!("{}", to_csv(&SUMMARY_COLUMNS, &summary_rows(&results)));

    // A results.json written by `sagasim run` (the main scenario's, committed).
    let text = std::fs::read_to_string("results/order-placement/results.json")?;
    let document: serde_json::Value = serde_json::from_str(&text)?;
    println!(
        "\n{} (schema {}):",
        document["command"], document["schema_version"]
    );
    for row in document["summary"].as_array().into_iter().flatten() {
        println!("  {:<18} p99 {} ms", row["variant"], row["latency_p99_ms"]);
    }
    Ok(())
}
