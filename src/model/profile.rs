//! A load profile: the arrival rate as a piecewise-linear function of time, held at the
//! first point's rate before it and at the last point's after it. Its integral is the
//! expected count of arrivals, and the profile's clock: inverted, it places a constant
//! stream's arrivals and maps a unit-rate Poisson stream onto time.

/// Points (seconds from the start, workflows per second), times strictly increasing,
/// rates finite and at least 0 (checked when the scenario is read), with the rate's
/// integral at each point, so that the integral and its inverse are binary searches.
#[derive(Debug, Clone, PartialEq)]
pub struct RateProfile {
    points: Vec<(f64, f64)>,
    /// The integral from 0 to each point's time (0 for points at or before 0).
    cumulative: Vec<f64>,
}

impl RateProfile {
    /// `points` must be non-empty, with strictly increasing times and finite rates ≥ 0.
    pub fn new(points: Vec<(f64, f64)>) -> Self {
        debug_assert!(!points.is_empty());
        let mut cumulative = Vec::with_capacity(points.len());
        let first = points[0];
        let mut total = first.1 * first.0.max(0.0);
        cumulative.push(total);
        for pair in points.windows(2) {
            let ((t0, r0), (t1, r1)) = (pair[0], pair[1]);
            // The part of the piece after 0 (a piece may start before it).
            let start = t0.max(0.0);
            if t1 > start {
                let rate_at_start = r0 + (r1 - r0) * (start - t0) / (t1 - t0);
                total += (rate_at_start + r1) / 2.0 * (t1 - start);
            }
            cumulative.push(total);
        }
        RateProfile { points, cumulative }
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
        // The first point at or after `seconds`.
        let after = self.points.partition_point(|p| p.0 < seconds);
        if after == 0 {
            return self.points[0].1;
        }
        let Some(&(t1, r1)) = self.points.get(after) else {
            return self.points[self.points.len() - 1].1;
        };
        let (t0, r0) = self.points[after - 1];
        r0 + (r1 - r0) * (seconds - t0) / (t1 - t0)
    }

    /// Expected arrivals from 0 to `seconds`: the integral of the rate.
    pub fn cumulative(&self, seconds: f64) -> f64 {
        let seconds = seconds.max(0.0);
        let after = self.points.partition_point(|p| p.0 < seconds);
        if after == 0 {
            return self.points[0].1 * seconds;
        }
        let (t0, _) = self.points[after - 1];
        let from = t0.max(0.0);
        self.cumulative[after - 1]
            + (self.rate_at(from) + self.rate_at(seconds)) / 2.0 * (seconds - from)
    }

    /// The earliest time at which the integral reaches `target` (`None`: never, the rate
    /// having fallen to 0 for good).
    pub fn time_of_cumulative(&self, target: f64) -> Option<f64> {
        // The first point whose integral reaches the target.
        let index = self.cumulative.partition_point(|&c| c < target);
        let (start, before, r0, slope) = if index == 0 {
            // Before the first point: its rate, held from 0.
            let rate = self.points[0].1;
            (0.0, 0.0, rate, 0.0)
        } else if index == self.points.len() {
            // After the last point: its rate, held.
            let (t, rate) = self.points[index - 1];
            (t.max(0.0), self.cumulative[index - 1], rate, 0.0)
        } else {
            let ((t0, r0), (t1, r1)) = (self.points[index - 1], self.points[index]);
            let start = t0.max(0.0);
            let rate = self.rate_at(start);
            (
                start,
                self.cumulative[index - 1],
                rate,
                (r1 - r0) / (t1 - t0),
            )
        };
        let need = target - before;
        if need <= 0.0 {
            return Some(start);
        }
        // r0·x + slope·x²/2 = need, for the smallest x ≥ 0; in the form that keeps its
        // precision when the slope is small: x = 2·need / (r0 + sqrt(r0² + 2·slope·need)).
        let root = (r0 * r0 + 2.0 * slope * need).max(0.0).sqrt();
        let denominator = r0 + root;
        if denominator <= 0.0 {
            return None;
        }
        Some(start + 2.0 * need / denominator)
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
        // A pause: the 50th arrival ends the first burst, the 51st waits for the second.
        let pause = RateProfile::new(vec![
            (0.0, 10.0),
            (5.0, 10.0),
            (5.001, 0.0),
            (60.0, 0.0),
            (60.001, 10.0),
        ]);
        let fiftieth = pause.time_of_cumulative(50.0).unwrap_or(f64::NAN);
        assert!((fiftieth - 5.0).abs() < 0.01, "{fiftieth}");
        let next = pause.time_of_cumulative(50.5).unwrap_or(f64::NAN);
        assert!((60.0..61.0).contains(&next), "{next}");
        // Starting at 0 and rising: the inverse is the square root, exactly.
        let rise = RateProfile::new(vec![(0.0, 0.0), (10.0, 10.0)]);
        let at = rise.time_of_cumulative(2.0).unwrap_or(f64::NAN);
        assert!((at - 2.0).abs() < 1e-9, "{at}");
    }
}
