//! Queueing theory for the tests: Erlang C, and the check that replication means agree
//! with a theoretical mean (inside the 99.9 % Student-t interval of ten replications and
//! within 3 %; `queueing_theory.rs` explains the tolerance).

/// t for a two-sided 99.9 % interval with 9 degrees of freedom (ten replications).
pub const T_999_DF9: f64 = 4.781;
/// Largest relative error allowed on top of the interval.
pub const MAX_RELATIVE_ERROR: f64 = 0.03;

/// Erlang C: probability that an arrival waits in M/M/c with offered load `load` = λ/μ.
pub fn erlang_c(servers: u32, load: f64) -> f64 {
    let rho = load / f64::from(servers);
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..servers {
        if k > 0 {
            term *= load / f64::from(k);
        }
        sum += term;
    }
    let last = term * load / f64::from(servers) / (1.0 - rho);
    last / (sum + last)
}

/// The replication `means` agree with `theory_ms`; prints both (the docs' tables come
/// from `--nocapture`).
pub fn assert_mean_matches(context: &str, means: &[f64], theory_ms: f64) {
    assert_eq!(means.len(), 10, "{context}: ten replications");
    let n = means.len() as f64;
    let mean = means.iter().sum::<f64>() / n;
    let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half_width = T_999_DF9 * sd / n.sqrt();
    let relative = (mean - theory_ms).abs() / theory_ms;
    eprintln!(
        "{context}: {mean:.1} ms ± {half_width:.1} against {theory_ms:.1} ms ({:+.2} %)",
        100.0 * (mean - theory_ms) / theory_ms
    );
    assert!(
        (mean - theory_ms).abs() <= half_width && relative <= MAX_RELATIVE_ERROR,
        "{context}: mean sojourn {mean:.1} ms ± {half_width:.1} (99.9 %), theory {theory_ms:.1} ms, relative error {relative:.4}"
    );
}
