//! A sweep loop of your own: vary a key, run each point, keep what you need. A progress
//! callback counts the runs as they finish, from any thread.
//!
//! `cargo run --release --example custom_sweep`

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sagasim::scenario::Override;
use sagasim::{Progress, RunOptions, Scenario, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let finished = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&finished);
    let options = RunOptions {
        on_run_done: Some(Progress::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        })),
        ..RunOptions::default()
    };
    println!(
        "{:>8}  {:<14} {:>12} {:>12}",
        "fail", "design", "compensated", "p99 ms"
    );
    for fail in ["0", "0.05", "0.2"] {
        let overrides = [
            Override::parse("scenario.duration=2m")?,
            Override::parse(&format!("services.payment.fail={fail}"))?,
            Override::parse(r#"scenario.variants=["orchestrator", "choreography"]"#)?,
        ];
        let scenario = Scenario::load(Path::new("scenarios/order-placement.toml"), &overrides)?;
        for design_run in run(&scenario, &options).runs {
            let summary = &design_run.result.summary;
            println!(
                "{fail:>8}  {:<14} {:>12} {:>12.1}",
                design_run.design.label,
                summary.compensated,
                summary.latency_p99_ms.unwrap_or(f64::NAN)
            );
        }
    }
    println!("{} runs finished", finished.load(Ordering::Relaxed));
    Ok(())
}
