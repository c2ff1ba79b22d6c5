//! Integer simulated time: nanoseconds in a `u64`, which covers about 584 years.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time, in nanoseconds since the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable instant.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Time elapsed since `earlier`; zero if `earlier` is later (never negative).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time.
    pub const ZERO: SimDuration = SimDuration(0);
    /// Nanoseconds in a millisecond.
    pub const NANOS_PER_MILLI: u64 = 1_000_000;
    /// Nanoseconds in a second.
    pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

    /// A duration of `nanos` nanoseconds.
    pub fn from_nanos(nanos: u64) -> Self {
        SimDuration(nanos)
    }

    /// A duration of `millis` milliseconds.
    pub fn from_millis(millis: u64) -> Self {
        SimDuration(millis.saturating_mul(Self::NANOS_PER_MILLI))
    }

    /// A duration of `secs` seconds.
    pub fn from_secs(secs: u64) -> Self {
        SimDuration(secs.saturating_mul(Self::NANOS_PER_SECOND))
    }

    /// Round a non-negative number of nanoseconds to the nearest integer; NaN and negatives
    /// become zero, values past `u64::MAX` saturate.
    pub fn from_nanos_f64(nanos: f64) -> Self {
        if nanos.is_nan() || nanos <= 0.0 {
            SimDuration(0)
        } else if nanos >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            // Round half up; the same as `round()` for positive values, without a libm call.
            SimDuration((nanos + 0.5) as u64)
        }
    }

    /// In nanoseconds.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// In nanoseconds, as a float.
    pub fn as_nanos_f64(self) -> f64 {
        self.0 as f64
    }

    /// In milliseconds.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// In seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Whether it is no time at all.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl fmt::Display for SimDuration {
    /// The largest unit that renders the value exactly with at most three decimals
    /// (`1.5s`, `300us`, `2m`), so printed scenarios read like the files users write.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 6] = [
            ("h", 3_600_000_000_000),
            ("m", 60_000_000_000),
            ("s", 1_000_000_000),
            ("ms", 1_000_000),
            ("us", 1_000),
            ("ns", 1),
        ];
        if self.0 == 0 {
            return write!(f, "0s");
        }
        for (unit, size) in UNITS {
            if self.0 >= size && (u128::from(self.0) * 1000) % u128::from(size) == 0 {
                return write!(f, "{}{}", trim_float(self.0 as f64 / size as f64), unit);
            }
        }
        write!(f, "{}ns", self.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.as_secs_f64())
    }
}

/// Format a float without trailing zeros (`1.5`, `2`, `0.25`).
pub fn trim_float(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_render_in_their_natural_unit() {
        assert_eq!(SimDuration::from_millis(1500).to_string(), "1.5s");
        assert_eq!(SimDuration::from_nanos(300_000).to_string(), "300us");
        assert_eq!(SimDuration::from_secs(120).to_string(), "2m");
        assert_eq!(SimDuration::from_nanos(250).to_string(), "250ns");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
    }

    #[test]
    fn float_nanos_round_and_clamp() {
        assert_eq!(SimDuration::from_nanos_f64(2.5).as_nanos(), 3);
        assert_eq!(SimDuration::from_nanos_f64(-4.0).as_nanos(), 0);
        assert_eq!(SimDuration::from_nanos_f64(f64::NAN).as_nanos(), 0);
        assert_eq!(SimDuration::from_nanos_f64(1e300).as_nanos(), u64::MAX);
    }
}
