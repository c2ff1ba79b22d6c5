//! The flags that take expressions: `--set KEY=VALUE` (parsed, then applied to a small
//! scenario), `--param KEY=VALUES` (and `--vary`, the same syntax), `--slo EXPR`,
//! `--assert DESIGN.EXPR` and `advise --only KEY=VALUES`. Each either parses or says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sagasim::Scenario;
use sagasim::scenario::Override;
use sagasim::sweep::{Param, Slo};

const BASE: &str = r#"
[scenario]
name = "fuzz"
duration = "1s"
variants = ["orchestrator", "choreography"]
[workload]
arrivals = { poisson = 5 }
[orchestrator]
workers = 2
[[services]]
name = "order"
work = "1ms"
[[services]]
name = "payment"
work = "2ms"
[[network.links]]
src = "orchestrator"
dst = "payment"
latency = "1ms"
[workflow]
steps = ["order", "payment"]
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // One input feeds them all: the text as a whole, and its lines.
    let _ = Slo::parse(text);
    let _ = Param::parse(text);
    let _ = sagasim::report::Assertion::parse(text);
    let _ = sagasim::advise::Restriction::parse(text);
    let overrides: Vec<Override> = text
        .lines()
        .filter_map(|line| Override::parse(line).ok())
        .take(4)
        .collect();
    if let Ok(scenario) = Scenario::parse("<fuzz>", BASE, &overrides) {
        let estimate = sagasim::budget::estimate(&scenario, 1);
        let _ = sagasim::budget::Budget::default().check(&estimate);
    }
});
