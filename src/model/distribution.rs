//! Duration distributions: the families a scenario can name, their sampling and their means.

use std::fmt;

use crate::engine::{SimDuration, SplitMix64};

/// A distribution of durations, parameterised in nanoseconds. Validated on construction by
/// the scenario layer: every parameter is finite and in range.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDistribution {
    /// Always the same duration.
    Constant(SimDuration),
    /// Exponential with this mean.
    Exponential {
        /// The mean.
        mean: SimDuration,
    },
    /// Uniform between two bounds.
    Uniform {
        /// The lower bound.
        low: SimDuration,
        /// The upper bound.
        high: SimDuration,
    },
    /// Normal, truncated at zero (negative draws become 0).
    Normal {
        /// The mean.
        mean: SimDuration,
        /// The standard deviation.
        sd: SimDuration,
    },
    /// Log-normal given by its median and 99th percentile; `mu` and `sigma` (of the
    /// underlying normal, in ln-nanoseconds) are derived once, by `lognormal`, not per draw.
    LogNormal {
        /// The median.
        median: SimDuration,
        /// The 99th percentile.
        p99: SimDuration,
        /// Mean of the underlying normal, ln-nanoseconds.
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// Gamma given by its mean and coefficient of variation.
    Gamma {
        /// The mean.
        mean: SimDuration,
        /// Standard deviation ÷ mean.
        cv: f64,
    },
    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    Pareto {
        /// The minimum.
        scale: SimDuration,
        /// The tail index.
        shape: f64,
    },
    /// Resampled uniformly from the listed values.
    Empirical(Vec<SimDuration>),
}

/// z such that P(Z <= z) = 0.99 for a standard normal.
const NORMAL_Z99: f64 = 2.326_347_874_040_841;

impl DurationDistribution {
    /// No time at all.
    pub const ZERO: DurationDistribution = DurationDistribution::Constant(SimDuration::ZERO);

    /// The log-normal with this median and 99th percentile (0 < median <= p99).
    pub fn lognormal(median: SimDuration, p99: SimDuration) -> Self {
        let mu = median.as_nanos_f64().ln();
        let sigma = ((p99.as_nanos_f64().ln() - mu) / NORMAL_Z99).max(0.0);
        DurationDistribution::LogNormal {
            median,
            p99,
            mu,
            sigma,
        }
    }

    /// Draw one duration. Constant distributions consume no randomness.
    pub fn sample(&self, rng: &mut SplitMix64) -> SimDuration {
        use DurationDistribution::*;
        match self {
            Constant(value) => *value,
            Exponential { mean } => {
                SimDuration::from_nanos_f64(rng.exponential(mean.as_nanos_f64()))
            }
            Uniform { low, high } => {
                let span = high.as_nanos() - low.as_nanos();
                SimDuration::from_nanos(low.as_nanos() + rng.below(span.saturating_add(1)))
            }
            Normal { mean, sd } => SimDuration::from_nanos_f64(
                mean.as_nanos_f64() + sd.as_nanos_f64() * rng.standard_normal(),
            ),
            LogNormal { mu, sigma, .. } => {
                SimDuration::from_nanos_f64((mu + sigma * rng.standard_normal()).exp())
            }
            Gamma { mean, cv } => {
                let shape = 1.0 / (cv * cv);
                let scale = mean.as_nanos_f64() / shape;
                SimDuration::from_nanos_f64(rng.gamma(shape) * scale)
            }
            Pareto { scale, shape } => SimDuration::from_nanos_f64(
                scale.as_nanos_f64() / rng.next_open01().powf(1.0 / shape),
            ),
            Empirical(values) => values[rng.below(values.len() as u64) as usize],
        }
    }

    /// The distribution's mean in nanoseconds (infinite for a Pareto with shape <= 1).
    /// The normal's mean ignores the truncation at zero.
    pub fn mean_nanos(&self) -> f64 {
        use DurationDistribution::*;
        match self {
            Constant(value) => value.as_nanos_f64(),
            Exponential { mean } | Normal { mean, .. } | Gamma { mean, .. } => mean.as_nanos_f64(),
            Uniform { low, high } => (low.as_nanos_f64() + high.as_nanos_f64()) / 2.0,
            LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Pareto { scale, shape } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale.as_nanos_f64() / (shape - 1.0)
                }
            }
            Empirical(values) => {
                values.iter().map(|v| v.as_nanos_f64()).sum::<f64>() / values.len() as f64
            }
        }
    }

    /// Whether every draw is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, DurationDistribution::Constant(value) if value.is_zero())
    }
}

impl fmt::Display for DurationDistribution {
    /// The scenario-file spelling, so `check` prints what users write.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DurationDistribution::*;
        match self {
            Constant(value) => write!(f, "\"{value}\""),
            Exponential { mean } => write!(f, "{{ exponential = \"{mean}\" }}"),
            Uniform { low, high } => write!(f, "{{ uniform = [\"{low}\", \"{high}\"] }}"),
            Normal { mean, sd } => {
                write!(f, "{{ normal = {{ mean = \"{mean}\", sd = \"{sd}\" }} }}")
            }
            LogNormal { median, p99, .. } => {
                write!(
                    f,
                    "{{ lognormal = {{ median = \"{median}\", p99 = \"{p99}\" }} }}"
                )
            }
            Gamma { mean, cv } => write!(f, "{{ gamma = {{ mean = \"{mean}\", cv = {cv} }} }}"),
            Pareto { scale, shape } => {
                write!(
                    f,
                    "{{ pareto = {{ scale = \"{scale}\", shape = {shape} }} }}"
                )
            }
            Empirical(values) => {
                let items: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                write!(f, "{{ empirical = [{}] }}", items.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DurationDistribution::*;

    fn ms(value: u64) -> SimDuration {
        SimDuration::from_millis(value)
    }

    fn sample_mean(dist: &DurationDistribution, draws: usize) -> f64 {
        let mut rng = SplitMix64::new(11);
        (0..draws)
            .map(|_| dist.sample(&mut rng).as_nanos_f64())
            .sum::<f64>()
            / draws as f64
    }

    #[test]
    fn every_family_samples_around_its_mean() {
        let families = [
            Constant(ms(5)),
            Exponential { mean: ms(5) },
            Uniform {
                low: ms(1),
                high: ms(9),
            },
            Normal {
                mean: ms(10),
                sd: ms(2),
            },
            DurationDistribution::lognormal(ms(20), ms(200)),
            Gamma {
                mean: ms(10),
                cv: 0.5,
            },
            Pareto {
                scale: ms(2),
                shape: 3.5,
            },
            Empirical(vec![ms(3), ms(4), ms(4), ms(40)]),
        ];
        for dist in families {
            let expected = dist.mean_nanos();
            let measured = sample_mean(&dist, 200_000);
            let error = (measured - expected).abs() / expected;
            assert!(error < 0.03, "{dist}: mean {measured} vs {expected}");
        }
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let dist = DurationDistribution::lognormal(ms(20), ms(200));
        let mut rng = SplitMix64::new(5);
        let mut draws: Vec<u64> = (0..100_000)
            .map(|_| dist.sample(&mut rng).as_nanos())
            .collect();
        draws.sort_unstable();
        let median = draws[50_000] as f64 / 1e6;
        let p99 = draws[99_000] as f64 / 1e6;
        assert!((median - 20.0).abs() < 0.6, "median {median}");
        assert!((p99 - 200.0).abs() < 12.0, "p99 {p99}");
    }

    #[test]
    fn normal_is_truncated_at_zero() {
        let dist = Normal {
            mean: ms(1),
            sd: ms(5),
        };
        let mut rng = SplitMix64::new(9);
        let zeros = (0..10_000)
            .filter(|_| dist.sample(&mut rng).is_zero())
            .count();
        assert!(
            zeros > 3_000,
            "about 42 % of draws are negative before truncation: {zeros}"
        );
    }

    #[test]
    fn renders_in_scenario_syntax() {
        assert_eq!(
            Exponential { mean: ms(5) }.to_string(),
            "{ exponential = \"5ms\" }"
        );
        assert_eq!(
            Constant(SimDuration::from_nanos(300_000)).to_string(),
            "\"300us\""
        );
    }
}
