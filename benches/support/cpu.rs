//! CPU time of the calling thread, and a median-of-samples timer for the benches (no
//! benchmark crate: one took 11 crates into every test build).

/// CPU time of this thread in seconds: the first field of `/proc/thread-self/schedstat`
/// (nanoseconds on a CPU), falling back to wall time where that file does not exist.
pub fn cpu_seconds() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let from_proc = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok());
    match from_proc {
        Some(nanos) => nanos as f64 / 1e9,
        None => START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64(),
    }
}

pub fn timed<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let start = cpu_seconds();
    let value = work();
    (value, cpu_seconds() - start)
}

/// Run `work` once to warm up, then `samples` times; print the median CPU time per item
/// and items per second, with the fastest and slowest sample, as one line.
#[allow(dead_code)]
pub fn bench(name: &str, samples: usize, items: u64, unit: &str, mut work: impl FnMut() -> u64) {
    std::hint::black_box(work());
    let mut seconds: Vec<f64> = (0..samples)
        .map(|_| timed(|| std::hint::black_box(work())).1)
        .collect();
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    let per_item_ns = median * 1e9 / items as f64;
    println!(
        "{name:<40} median {per_item_ns:>8.1} ns/{unit}  {:>7.2} M {unit}s/s  \
         (samples {samples}, {:.3}–{:.3} s)",
        items as f64 / median / 1e6,
        seconds[0],
        seconds[seconds.len() - 1],
    );
}
