//! A load profile: the arrival rate as a piecewise-linear function of time, held at the
//! first point's rate before it and at the last point's after it. Its integral gives the
//! expected arrivals (and, inverted, a constant stream's arrival times); its peak bounds a
//! Poisson stream drawn by thinning.

/// Points (seconds from the start, workflows per second), times strictly increasing,
/// rates finite and at least 0 (checked when the scenario is read).
#[derive(Debug, Clone, PartialEq)]
pub struct RateProfile {
    points: Vec<(f64, f64)>,
}

impl RateProfile {
    /// `points` must be non-empty, with strictly increasing times and finite rates ≥ 0.
    pub fn new(points: Vec<(f64, f64)>) -> Self {
        debug_assert!(!points.is_empty());
        RateProfile { points }
    }

    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// The highest rate anywhere.
    pub fn peak(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(0.0, f64::max)
    }

    /// The rate at `seconds`.
    pub fn rate_at(&self, seconds: f64) -> f64 {
        let first = self.points[0];
        if seconds <= first.0 {
            return first.1;
        }
        for pair in self.points.windows(2) {
            let ((t0, r0), (t1, r1)) = (pair[0], pair[1]);
            if seconds <= t1 {
                return r0 + (r1 - r0) * (seconds - t0) / (t1 - t0);
            }
        }
        self.points[self.points.len() - 1].1
    }

    /// The pieces of the rate from 0 on: (start, end, rate at start, rate at end); the
    /// last one is open-ended (`end` infinite, the rate held).
    fn pieces(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        let first = self.points[0];
        let last = self.points[self.points.len() - 1];
        std::iter::once((0.0, first.0.max(0.0), first.1, first.1))
            .chain(
                self.points
                    .windows(2)
                    .map(|p| (p[0].0, p[1].0, p[0].1, p[1].1)),
            )
            .chain(std::iter::once((
                last.0.max(0.0),
                f64::INFINITY,
                last.1,
                last.1,
            )))
            .filter(|(start, end, _, _)| end > start)
    }

    /// Expected arrivals from 0 to `seconds`: the integral of the rate.
    pub fn cumulative(&self, seconds: f64) -> f64 {
        let mut total = 0.0;
        for (start, end, r0, r1) in self.pieces() {
            if seconds <= start {
                break;
            }
            let slope = if end.is_finite() {
                (r1 - r0) / (end - start)
            } else {
                0.0
            };
            let x = seconds.min(end) - start;
            total += r0 * x + slope * x * x / 2.0;
        }
        total
    }

    /// The time at which the integral reaches `target` (`None`: never, the rate having
    /// fallen to 0 for good).
    pub fn time_of_cumulative(&self, target: f64) -> Option<f64> {
        let mut before = 0.0;
        for (start, end, r0, r1) in self.pieces() {
            let slope = if end.is_finite() {
                (r1 - r0) / (end - start)
            } else {
                0.0
            };
            let area = if end.is_finite() {
                (r0 + r1) / 2.0 * (end - start)
            } else if r0 > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            if before + area >= target {
                let need = target - before;
                // r0·x + slope·x²/2 = need, for the smallest x ≥ 0.
                let x = if slope.abs() < 1e-12 {
                    need / r0
                } else {
                    let discriminant = (r0 * r0 + 2.0 * slope * need).max(0.0);
                    (discriminant.sqrt() - r0) / slope
                };
                return Some(start + x.max(0.0));
            }
            before += area;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> RateProfile {
        // 20/s, up to 400/s over 2 minutes, held a minute, down to 20/s in 30 s.
        RateProfile::new(vec![
            (0.0, 20.0),
            (120.0, 400.0),
            (180.0, 400.0),
            (210.0, 20.0),
        ])
    }

    #[test]
    fn the_rate_is_interpolated_and_held_at_the_ends() {
        let profile = ramp();
        assert_eq!(profile.rate_at(0.0), 20.0);
        assert_eq!(profile.rate_at(60.0), 210.0);
        assert_eq!(profile.rate_at(150.0), 400.0);
        assert_eq!(profile.rate_at(1000.0), 20.0);
        assert_eq!(profile.peak(), 400.0);
        let late = RateProfile::new(vec![(10.0, 5.0)]);
        assert_eq!(late.rate_at(0.0), 5.0);
        assert_eq!(late.cumulative(20.0), 100.0);
    }

    #[test]
    fn the_integral_and_its_inverse_agree() {
        let profile = ramp();
        // (20 + 400)/2 · 120 + 400 · 60 + (400 + 20)/2 · 30 + 20 · 90
        let expected = 25_200.0 + 24_000.0 + 6_300.0 + 1_800.0;
        assert!((profile.cumulative(300.0) - expected).abs() < 1e-6);
        for target in [1.0, 100.0, 25_200.0, 40_000.0, 57_000.0] {
            let at = profile.time_of_cumulative(target).unwrap_or(f64::NAN);
            assert!(
                (profile.cumulative(at) - target).abs() < 1e-6,
                "{target} at {at}"
            );
        }
        let stops = RateProfile::new(vec![(0.0, 10.0), (10.0, 0.0)]);
        assert_eq!(stops.cumulative(100.0), 50.0);
        assert_eq!(stops.time_of_cumulative(51.0), None);
    }
}
