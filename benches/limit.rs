//! The practical limit for the M/M/1 benchmark (DESIGN §8): the same queue (load 0.9,
//! 1,000,000 customers, integer nanoseconds, the same ziggurat exponential sampler)
//! simulated by hand-specialised Rust, against sagasim's simulation loop on
//! `benches/scenarios/mm1.toml`. All three are timed in CPU time of this thread.
//!
//! Run: `cargo bench --bench limit` (all three) or `cargo bench --bench limit -- sagasim`
//! (sagasim's loop alone, for pairing with SimPy's loop in `benches/compare-simpy.sh`).
//! Prints one JSON line.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;

use sagasim::bench_support::SplitMix64;
use sagasim::bench_support::simulate;
use sagasim::{Coordination, Design, Scenario};

const CUSTOMERS: u64 = 1_000_000;
const ARRIVAL_MEAN_NANOS: f64 = 1e9 / 0.9;
const SERVICE_MEAN_NANOS: f64 = 1e9;

#[path = "support/cpu.rs"]
mod cpu;
use cpu::timed;

fn nanos(value: f64) -> u64 {
    (value + 0.5) as u64
}

/// Event-by-event M/M/1 on a binary heap of `(time, sequence)` keys, the arrival or
/// departure encoded in the sequence's low bit, a FIFO of arrival times as the queue.
/// Returns the mean time in system in nanoseconds.
fn heap_mm1(customers: u64) -> f64 {
    let mut arrivals = SplitMix64::new(1);
    let mut service = SplitMix64::new(2);
    let mut heap = BinaryHeap::with_capacity(1024);
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let mut busy = false;
    let mut sequence = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<(u64, u64)>>, at: u64, departure: bool| {
        heap.push(Reverse((at, sequence << 1 | u64::from(departure))));
        sequence += 1;
    };
    push(
        &mut heap,
        nanos(arrivals.exponential(ARRIVAL_MEAN_NANOS)),
        false,
    );
    let (mut started, mut sojourn_sum, mut in_service_since) = (1u64, 0u128, 0u64);
    while let Some(Reverse((now, key))) = heap.pop() {
        if key & 1 == 0 {
            if started < customers {
                started += 1;
                let next = now + nanos(arrivals.exponential(ARRIVAL_MEAN_NANOS));
                push(&mut heap, next, false);
            }
            if busy {
                waiting.push_back(now);
            } else {
                busy = true;
                in_service_since = now;
                let done = now + nanos(service.exponential(SERVICE_MEAN_NANOS));
                push(&mut heap, done, true);
            }
        } else {
            sojourn_sum += u128::from(now - in_service_since);
            match waiting.pop_front() {
                Some(arrived) => {
                    in_service_since = arrived;
                    let done = now + nanos(service.exponential(SERVICE_MEAN_NANOS));
                    push(&mut heap, done, true);
                }
                None => busy = false,
            }
        }
    }
    sojourn_sum as f64 / customers as f64
}

/// Lindley's recursion, W(n+1) = max(0, W(n) + S(n) − A(n+1)): the same queue with no
/// event list at all. Returns the mean time in system in nanoseconds.
fn lindley_mm1(customers: u64) -> f64 {
    let mut arrivals = SplitMix64::new(1);
    let mut service = SplitMix64::new(2);
    let (mut wait, mut sojourn_sum) = (0i64, 0u128);
    for _ in 0..customers {
        let serve = nanos(service.exponential(SERVICE_MEAN_NANOS)) as i64;
        sojourn_sum += (wait + serve) as u128;
        let gap = nanos(arrivals.exponential(ARRIVAL_MEAN_NANOS)) as i64;
        wait = (wait + serve - gap).max(0);
    }
    sojourn_sum as f64 / customers as f64
}

/// sagasim's loop on the benchmark scenario: world set-up, events, metrics; no parsing,
/// no files. Returns the events handled and the CPU seconds the loop took.
fn sagasim_mm1() -> (u64, f64) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scenarios/mm1.toml");
    let scenario = Scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
    let design = Design::style(Coordination::Choreography, &scenario.system);
    timed(|| {
        simulate(&scenario.system, &design, 1, false)
            .result
            .summary
            .events
    })
}

fn main() {
    let only_sagasim = std::env::args().any(|argument| argument == "sagasim");
    let (events, sagasim_seconds) = black_box(sagasim_mm1());
    let per_visit = |seconds: f64| seconds * 1e9 / CUSTOMERS as f64;
    if only_sagasim {
        println!(
            "{{\"loop_cpu_s\": {sagasim_seconds:.4}, \"events\": {events}, \"sagasim_ns_per_visit\": {:.1}}}",
            per_visit(sagasim_seconds)
        );
        return;
    }
    let (heap_mean, heap_seconds) = timed(|| black_box(heap_mm1(CUSTOMERS)));
    let (lindley_mean, lindley_seconds) = timed(|| black_box(lindley_mm1(CUSTOMERS)));
    // Both hand-written models must simulate the queue they claim to (W = 10 s).
    for mean in [heap_mean, lindley_mean] {
        assert!(
            (mean / 1e9 - 10.0).abs() < 1.0,
            "mean time in system {mean}"
        );
    }
    println!(
        "{{\"loop_cpu_s\": {sagasim_seconds:.4}, \"events\": {events}, \
         \"sagasim_ns_per_visit\": {:.1}, \"heap_ns_per_visit\": {:.1}, \
         \"lindley_ns_per_visit\": {:.1}, \"share_of_heap_limit\": {:.3}}}",
        per_visit(sagasim_seconds),
        per_visit(heap_seconds),
        per_visit(lindley_seconds),
        heap_seconds / sagasim_seconds,
    );
}
