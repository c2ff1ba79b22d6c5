//! Run a bundled scenario from code, with an override, and print each design's tail.
//!
//! `cargo run --release --example run_scenario`

use std::path::Path;

use sagasim::scenario::Override;
use sagasim::{RunOptions, Scenario, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The same syntax as `--set`: a dotted key and a TOML value.
    let overrides = [
        Override::parse("scenario.duration=3m")?,
        Override::parse("services.payment.fail=0.05")?,
    ];
    let scenario = Scenario::load(Path::new("scenarios/order-placement.toml"), &overrides)?;
    let results = run(&scenario, &RunOptions::default());
    println!(
        "{:<18} {:>10} {:>12} {:>10}",
        "design", "completed", "p99 ms", "msgs/wf"
    );
    for design_run in &results.runs {
        let summary = &design_run.result.summary;
        println!(
            "{:<18} {:>10} {:>12.1} {:>10.2}",
            design_run.design.label,
            summary.completed,
            summary.latency_p99_ms.unwrap_or(f64::NAN),
            summary.messages_per_workflow.unwrap_or(f64::NAN),
        );
    }
    Ok(())
}
