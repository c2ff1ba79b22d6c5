//! Valid scenarios with extreme values (issue 11): rates from 0.001 to 1e9 per second,
//! durations from 1 ns to 100 years, every distribution, queues of 0, random crashes,
//! retries, sync and eventual. Each is either refused by a small budget before it runs,
//! or runs and finishes within a bounded multiple of that budget, conserving workflows,
//! without a panic.

use crate::common::cases::{Cases, for_each_case};
use sagasim::budget::{Budget, estimate};
use sagasim::report::{render_failures, render_table, results_json};
use sagasim::{RunOptions, Scenario, run};

const RATES: [&str; 7] = ["0.001", "0.5", "20", "500", "5e4", "1e6", "1e9"];
const DURATIONS: [&str; 9] = [
    "1ns", "1us", "300us", "2ms", "50ms", "1s", "10s", "1h", "36500d",
];

fn duration(index: usize) -> &'static str {
    DURATIONS[index % DURATIONS.len()]
}

fn distribution(kind: usize, size: usize) -> String {
    let d = duration(size % 7);
    match kind % 7 {
        0 => format!("\"{d}\""),
        1 => format!("{{ exponential = \"{d}\" }}"),
        2 => format!("{{ uniform = [\"1ns\", \"{d}\"] }}"),
        3 => format!("{{ lognormal = {{ median = \"{d}\", p99 = \"1h\" }} }}"),
        4 => format!("{{ gamma = {{ mean = \"{d}\", cv = 0.000001 }} }}"),
        5 => format!("{{ pareto = {{ scale = \"{d}\", shape = 0.5 }} }}"),
        _ => format!("{{ empirical = [\"1ns\", \"{d}\", \"100d\"] }}"),
    }
}

fn extreme_scenario(cases: &mut Cases) -> String {
    let rate = cases.index(RATES.len());
    let length = cases.index(8);
    let steps = cases.index(3) + 1;
    let work: Vec<(usize, usize)> = (0..3).map(|_| (cases.index(7), cases.index(7))).collect();
    let queue = cases.pick(&[0u32, 1, 10_000, u32::MAX]);
    let workers = cases.pick(&[1u32, 64]);
    let polls = cases.maybe(|c| c.index(7));
    let fault = cases.maybe(|c| (c.index(3), c.index(8), c.index(9)));
    let retries = cases.maybe(|c| c.int(0, 4));
    let sync = cases.coin();
    let eventual = cases.coin();
    let loss = cases.pick(&[0.0, 0.5, 1.0]);
    {
        let mut text = format!(
            "[scenario]\nname = \"extreme\"\nduration = \"{}\"\nvariants = [\"orchestrator\", \"stateless\"]\n\
             communication = \"{}\"\nconsistency = \"{}\"\n\
             [workload]\narrivals = {{ poisson = {} }}\n",
            duration(length),
            if sync { "sync" } else { "async" },
            if eventual { "eventual" } else { "atomic" },
            RATES[rate],
        );
        if let Some(every) = polls {
            text.push_str(&format!(
                "status_queries = {{ every = \"{}\" }}\n",
                duration(every)
            ));
        }
        text.push_str(&format!("[network]\nloss = {loss}\n"));
        if let Some(retries) = retries {
            text.push_str(&format!(
                "[policy]\ntimeout = \"10ms\"\nretries = {retries}\n"
            ));
        }
        text.push_str(&format!(
            "[orchestrator]\nworkers = {workers}\nqueue = {queue}\n"
        ));
        for (step, (kind, size)) in work.iter().take(steps).enumerate() {
            text.push_str(&format!(
                "[[services]]\nname = \"s{step}\"\nworkers = {workers}\nqueue = {queue}\nwork = {}\nfail = 0.1\n",
                distribution(*kind, *size)
            ));
        }
        if let Some((kind, at, length)) = fault {
            text.push_str(&match kind {
                0 => format!(
                    "[[faults]]\ncrash = \"s0\"\nat = \"{}\"\nfor = \"{}\"\n",
                    duration(at),
                    duration(length)
                ),
                1 => format!(
                    "[[faults]]\ncrash = \"orchestrator\"\nmtbf = \"{}\"\nmttr = \"{}\"\n",
                    duration(at),
                    duration(length)
                ),
                _ => format!(
                    "[[faults]]\nslow = \"s0\"\nfactor = 1000.0\nat = \"{}\"\nfor = \"{}\"\n",
                    duration(at),
                    duration(length)
                ),
            });
        }
        let names: Vec<String> = (0..steps).map(|s| format!("\"s{s}\"")).collect();
        text.push_str(&format!("[workflow]\nsteps = [{}]\n", names.join(", ")));
        text
    }
}

#[test]
fn valid_extreme_scenarios_finish_within_their_budget_or_are_refused() {
    for_each_case(48, |_, cases| {
        let text = extreme_scenario(cases);
        let scenario = match Scenario::from_toml_str(&text) {
            Ok(scenario) => scenario,
            // Some combinations are refused by validation (a warmup past the duration):
            // that is a message, not a run.
            Err(error) => {
                assert!(!error.to_string().is_empty());
                return;
            }
        };
        let budget = Budget {
            max_events: 100_000,
            max_memory_bytes: 32 << 20,
        };
        let estimated = estimate(&scenario, 1);
        if let Err(refusal) = budget.check(&estimated) {
            assert!(refusal.to_string().contains("refused before simulating"));
            return;
        }
        let results = run(
            &scenario,
            &RunOptions {
                jobs: Some(1),
                budget,
                ..RunOptions::default()
            },
        );
        for design_run in &results.runs {
            let summary = &design_run.result.summary;
            assert_eq!(
                summary.started,
                summary.completed + summary.compensated + summary.failed + summary.stuck
            );
            // Within its budget: no run may take orders of magnitude more events than the
            // budget allowed (polls nobody answers are counted, not simulated: free).
            assert!(
                design_run.result.summary.events <= 100 * budget.max_events
                    || text.contains("status_queries"),
                "{} events:\n{}",
                summary.events,
                text
            );
        }
        let _ = (
            render_table(&results),
            render_failures(&results),
            results_json(&results, &scenario, "sagasim run x.toml"),
        );
    });
}
