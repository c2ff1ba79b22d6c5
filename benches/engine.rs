//! Engine benchmarks: the cost of one event against a bare binary-heap hold loop, and whole
//! simulations measured in events and customer visits per second. Each prints the median
//! CPU time of 11 samples after a warm-up.
//!
//! Run: `cargo bench --bench engine` (all), or `cargo bench --bench engine -- mm1` (the
//! benches whose name contains `mm1`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[path = "support/cpu.rs"]
mod cpu;
use cpu::bench;

use sagasim::Design;
use sagasim::bench_support::simulate;
use sagasim::bench_support::{EventQueue, Process, SplitMix64, run_until};
use sagasim::time::{SimDuration, SimTime};
use sagasim::{Coordination, Scenario};

const SAMPLES: usize = 11;

fn main() {
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wanted("bare_heap_push_pop") {
        bare_heap_push_pop();
    }
    if wanted("engine_hold_loop") {
        engine_hold_loop();
    }
    if wanted("mm1_visits") {
        mm1_visits();
    }
    for variant in Coordination::ALL.map(Coordination::name) {
        if wanted(&format!("order_placement_events/{variant}")) {
            order_placement_events(variant);
        }
    }
}

const HOLD_EVENTS: u64 = 1_000_000;
/// Events pending at once in the hold model (a typical simulation holds a few hundred).
const PENDING: u64 = 256;

/// The classic hold model on a bare `BinaryHeap`: pop the earliest, push one a random
/// exponential time later. One iteration = one push + one pop.
fn bare_heap_push_pop() {
    bench("bare_heap_push_pop", SAMPLES, HOLD_EVENTS, "event", || {
        let mut rng = SplitMix64::new(1);
        let mut heap = BinaryHeap::new();
        for seq in 0..PENDING {
            heap.push(Reverse((rng.exponential(1e6) as u64, seq)));
        }
        for seq in PENDING..PENDING + HOLD_EVENTS {
            let Some(Reverse((now, _))) = heap.pop() else {
                break;
            };
            heap.push(Reverse((now + rng.exponential(1e6) as u64, seq)));
        }
        heap.len() as u64
    });
}

/// The same hold model through sagasim's engine: `EventQueue` + `run_until` + `Process`.
struct Hold {
    rng: SplitMix64,
    remaining: u64,
}

impl Process for Hold {
    type Event = u32;

    fn handle(&mut self, _now: SimTime, event: u32, queue: &mut EventQueue<u32>) {
        if self.remaining > 0 {
            self.remaining -= 1;
            queue.schedule_in(
                SimDuration::from_nanos_f64(self.rng.exponential(1e6)),
                event,
            );
        }
    }
}

fn engine_hold_loop() {
    bench("engine_hold_loop", SAMPLES, HOLD_EVENTS, "event", || {
        let mut hold = Hold {
            rng: SplitMix64::new(1),
            remaining: HOLD_EVENTS - PENDING,
        };
        let mut queue = EventQueue::new();
        for index in 0..PENDING {
            queue.schedule_at(SimTime(hold.rng.exponential(1e6) as u64), index as u32);
        }
        run_until(&mut hold, &mut queue, SimTime::MAX).events
    });
}

fn scenario(path: &str, overrides: &[&str]) -> Scenario {
    let overrides: Vec<_> = overrides
        .iter()
        .map(|flag| sagasim::scenario::Override::parse(flag).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    Scenario::load(std::path::Path::new(path), &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// M/M/1 at load 0.9: 100,000 customers, each one station visit. Counted in visits.
fn mm1_visits() {
    let scenario = scenario("benches/scenarios/mm1.toml", &["workload.workflows=100000"]);
    let design = Design::style(Coordination::Choreography, &scenario.system);
    bench("mm1_visits", SAMPLES, 100_000, "visit", || {
        simulate(&scenario.system, &design, 1, false)
            .result
            .summary
            .events
    });
}

/// Order placement, one minute of arrivals, each variant. Counted in engine events.
/// (Its 5-minute outage moved to 30 s, inside the shortened run.)
fn order_placement_events(name: &str) {
    let scenario = scenario(
        "scenarios/order-placement.toml",
        &[
            "scenario.duration=1m",
            "scenario.warmup=0s",
            "scenario.drain=30s",
            "faults.0.at=30s",
        ],
    );
    let variant = Coordination::from_name(name).unwrap_or_else(|| panic!("{name}"));
    let variant = Design::style(variant, &scenario.system);
    let events = simulate(&scenario.system, &variant, 7, false)
        .result
        .summary
        .events;
    bench(
        &format!("order_placement_events/{name}"),
        SAMPLES,
        events,
        "event",
        || {
            simulate(&scenario.system, &variant, 7, false)
                .result
                .summary
                .events
        },
    );
}
