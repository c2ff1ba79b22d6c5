//! Seeded random streams: the SplitMix64 generator, streams keyed by
//! `(seed, purpose, a, b)`, and the sampling primitives distributions are built from.
//!
//! Keyed streams are how common random numbers work (DESIGN §3.2): the work duration of
//! workflow 17 at step 3 comes from the stream `(seed, Work, 17, 3)` in every variant, so a
//! variant that sends more messages cannot shift another's draws.

/// What a stream is for. The discriminant is part of every key, so streams for different
/// purposes never coincide. Values are fixed forever: changing one changes every result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u64)]
pub enum StreamPurpose {
    Arrivals = 1,
    Work = 2,
    Failure = 3,
    Compensation = 4,
    Query = 5,
    Network = 6,
    Coordination = 7,
    Replication = 8,
    StatusPhase = 9,
    Faults = 10,
    Transport = 11,
    Jitter = 12,
    Output = 13,
    Choice = 14,
    Balance = 15,
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, portable, well-tested generator whose
/// output depends only on its 64-bit state. It passes BigCrush as a sequence.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 output function: a bijective avalanche mix of 64 bits.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    #[inline]
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// Uniform in the open interval (0, 1): never exactly 0, so `ln` is always finite.
    #[inline]
    pub fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.next_open01() < p)
    }

    /// Uniform integer in `0..n` (n > 0), by Lemire's multiply-shift (bias < 2^-64 · n).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Exponential with the given mean, by the ziggurat method (Marsaglia and Tsang 2000):
    /// 98.9 % of draws take one word and a multiplication, no logarithm. The fast path is
    /// inlined into the callers; the rare wedge and tail draws are not.
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        let tables = exponential_tables();
        loop {
            let bits = self.next_u64();
            let layer = (bits & 0xff) as usize;
            let x = ((bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)) * tables.x[layer];
            if x < tables.x[layer + 1] {
                return mean * x;
            }
            if let Some(x) = self.exponential_edge(tables, layer, x) {
                return mean * x;
            }
        }
    }

    /// The exponential ziggurat's slow path: the tail beyond R from the base layer, or the
    /// wedge test under e^-x; `None` rejects the draw.
    #[cold]
    #[inline(never)]
    fn exponential_edge(&mut self, tables: &ZigguratTables, layer: usize, x: f64) -> Option<f64> {
        if layer == 0 {
            return Some(ZIGGURAT_R - self.next_open01().ln());
        }
        let y = tables.f[layer + 1] + (tables.f[layer] - tables.f[layer + 1]) * self.next_open01();
        (y < (-x).exp()).then_some(x)
    }

    /// Standard normal by the ziggurat method (Marsaglia and Tsang 2000), exact like the
    /// exponential above: about 99 % of draws take one word and a multiplication; the rest
    /// test the wedge under the density or draw from the tail beyond R = 3.65.
    #[inline]
    pub fn standard_normal(&mut self) -> f64 {
        let tables = normal_tables();
        loop {
            let bits = self.next_u64();
            let layer = (bits & 0xff) as usize;
            let sign = if bits & 0x100 == 0 { 1.0 } else { -1.0 };
            let x = ((bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)) * tables.x[layer];
            if x < tables.x[layer + 1] {
                return sign * x;
            }
            if let Some(x) = self.normal_edge(tables, layer, x) {
                return sign * x;
            }
        }
    }

    /// The normal ziggurat's slow path: the tail beyond R from the base layer (Marsaglia's
    /// 1964 method), or the wedge test under e^(-x²/2); `None` rejects the draw.
    #[cold]
    #[inline(never)]
    fn normal_edge(&mut self, tables: &ZigguratTables, layer: usize, x: f64) -> Option<f64> {
        if layer == 0 {
            loop {
                let tail = -self.next_open01().ln() / NORMAL_R;
                let y = -self.next_open01().ln();
                if 2.0 * y >= tail * tail {
                    return Some(NORMAL_R + tail);
                }
            }
        }
        let y = tables.f[layer + 1] + (tables.f[layer] - tables.f[layer + 1]) * self.next_open01();
        (y < (-0.5 * x * x).exp()).then_some(x)
    }

    /// Gamma with shape `k` > 0 and scale 1 (Marsaglia and Tsang 2000, with the
    /// `U^(1/k)` boost for k < 1).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let boost = self.next_open01().powf(1.0 / shape);
            return self.gamma(shape + 1.0) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.standard_normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.next_open01();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }
}

/// Start of the normal ziggurat's tail, and the area of each of its 256 layers (for the
/// unnormalised density e^(-x²/2) on x >= 0; Marsaglia and Tsang 2000).
const NORMAL_R: f64 = 3.654_152_885_361_009;
const NORMAL_V: f64 = 0.004_928_673_233_99;

/// Start of the exponential ziggurat's tail, and the area of each of its 256 layers.
const ZIGGURAT_R: f64 = 7.697_117_470_131_05;
const ZIGGURAT_V: f64 = 0.003_949_659_822_581_557;

struct ZigguratTables {
    /// Layer edges, decreasing from x[0] = V / f(R) to x[256] = 0.
    x: [f64; 257],
    /// The density f at each edge.
    f: [f64; 257],
}

/// The layers of a ziggurat under the decreasing density `density` (with inverse
/// `inverse`), tail start `r` and layer area `v`.
fn ziggurat_tables(
    r: f64,
    v: f64,
    density: fn(f64) -> f64,
    inverse: fn(f64) -> f64,
) -> ZigguratTables {
    let mut x = [0.0; 257];
    x[0] = v / density(r);
    x[1] = r;
    for i in 2..256 {
        x[i] = inverse(v / x[i - 1] + density(x[i - 1]));
    }
    let f = x.map(density);
    ZigguratTables { x, f }
}

fn normal_tables() -> &'static ZigguratTables {
    static TABLES: std::sync::OnceLock<ZigguratTables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        ziggurat_tables(
            NORMAL_R,
            NORMAL_V,
            |x| (-0.5 * x * x).exp(),
            |y| (-2.0 * y.ln()).sqrt(),
        )
    })
}

fn exponential_tables() -> &'static ZigguratTables {
    static TABLES: std::sync::OnceLock<ZigguratTables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| ziggurat_tables(ZIGGURAT_R, ZIGGURAT_V, |x| (-x).exp(), |y| -y.ln()))
}

/// Derives independent streams from one scenario seed.
#[derive(Debug, Clone, Copy)]
pub struct KeyedStreams {
    seed: u64,
}

impl KeyedStreams {
    pub fn new(seed: u64) -> Self {
        KeyedStreams { seed }
    }

    /// The stream for `(purpose, a, b)`, e.g. `(Work, workflow, step)`.
    #[inline]
    pub fn stream(&self, purpose: StreamPurpose, a: u64, b: u64) -> SplitMix64 {
        let mut key = mix64(self.seed ^ GOLDEN_GAMMA.wrapping_mul(purpose as u64));
        key = mix64(key ^ a.wrapping_mul(0xd1b5_4a32_d192_ed03));
        key = mix64(key ^ b.wrapping_mul(0xaef1_7502_108e_f2d9));
        SplitMix64::new(key)
    }

    /// The seed of replication `index` (0-based): replication 0 uses the scenario seed
    /// itself, so a single run and the first replication agree.
    pub fn replication_seed(seed: u64, index: u64) -> u64 {
        if index == 0 {
            seed
        } else {
            KeyedStreams::new(seed)
                .stream(StreamPurpose::Replication, index, 0)
                .next_u64()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_and_variance(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, variance)
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn keyed_streams_differ_by_every_part_of_the_key() {
        let streams = KeyedStreams::new(7);
        let base = streams.stream(StreamPurpose::Work, 1, 2).next_u64();
        assert_ne!(
            base,
            streams.stream(StreamPurpose::Failure, 1, 2).next_u64()
        );
        assert_ne!(base, streams.stream(StreamPurpose::Work, 2, 1).next_u64());
        assert_ne!(
            base,
            KeyedStreams::new(8)
                .stream(StreamPurpose::Work, 1, 2)
                .next_u64()
        );
        assert_eq!(base, streams.stream(StreamPurpose::Work, 1, 2).next_u64());
    }

    // Sample-moment checks: with 200,000 draws the standard error of the mean is
    // sd/447, so a 2 % tolerance is more than 4 standard errors for cv <= 2.
    #[test]
    fn exponential_has_the_right_mean_and_variance() {
        let mut rng = SplitMix64::new(1);
        let samples: Vec<f64> = (0..200_000).map(|_| rng.exponential(3.0)).collect();
        let (mean, variance) = mean_and_variance(&samples);
        assert!((mean - 3.0).abs() < 0.06, "mean {mean}");
        assert!((variance - 9.0).abs() < 0.5, "variance {variance}");
    }

    #[test]
    fn exponential_tails_match_e_to_the_minus_x() {
        // Ziggurat layers, the wedge test and the tail beyond R = 7.7 all have to be right.
        let mut rng = SplitMix64::new(7);
        let draws = 2_000_000;
        let samples: Vec<f64> = (0..draws).map(|_| rng.exponential(1.0)).collect();
        for threshold in [0.1f64, 1.0, 3.0, 6.0, 8.0, 10.0] {
            let expected = (-threshold).exp();
            let observed = samples.iter().filter(|&&x| x > threshold).count() as f64 / draws as f64;
            // Binomial standard error; allow five of them.
            let tolerance = 5.0 * (expected * (1.0 - expected) / draws as f64).sqrt();
            assert!(
                (observed - expected).abs() < tolerance,
                "P(X > {threshold}) = {observed}, expected {expected}"
            );
        }
    }

    #[test]
    fn normal_has_zero_mean_and_unit_variance() {
        let mut rng = SplitMix64::new(2);
        let samples: Vec<f64> = (0..200_000).map(|_| rng.standard_normal()).collect();
        let (mean, variance) = mean_and_variance(&samples);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.015, "variance {variance}");
    }

    #[test]
    fn normal_tails_match_the_gaussian_on_both_sides() {
        // Layers, wedges and the tail beyond R = 3.65 all have to be right, on both signs.
        // Reference: P(Z > t) = erfc(t / √2) / 2.
        let upper_tail = [
            (0.0, 0.5),
            (0.5, 0.308_537_538_725_986_9),
            (1.0, 0.158_655_253_931_457_07),
            (2.0, 0.022_750_131_948_179_195),
            (3.0, 0.001_349_898_031_630_094_6),
            (3.5, 2.326_290_790_355_250_4e-4),
            (4.0, 3.167_124_183_311_998e-5),
        ];
        let mut rng = SplitMix64::new(8);
        let draws = 4_000_000;
        let samples: Vec<f64> = (0..draws).map(|_| rng.standard_normal()).collect();
        let mut worst_gap = 0.0f64;
        for (threshold, expected) in upper_tail {
            let above = samples.iter().filter(|&&x| x > threshold).count() as f64 / draws as f64;
            let below = samples.iter().filter(|&&x| x < -threshold).count() as f64 / draws as f64;
            // Binomial standard error; allow five of them.
            let tolerance = 5.0 * (expected * (1.0 - expected) / draws as f64).sqrt();
            for (side, observed) in [("above", above), ("below -", below)] {
                assert!(
                    (observed - expected).abs() < tolerance,
                    "P(Z {side}{threshold}) = {observed}, expected {expected}"
                );
            }
            worst_gap = worst_gap.max((above - expected).abs());
        }
        // Kolmogorov–Smirnov style: the largest CDF gap at these points is far below the
        // 1 % critical value 1.63 / √n.
        assert!(worst_gap < 1.63 / (draws as f64).sqrt(), "{worst_gap}");
    }

    #[test]
    fn gamma_has_mean_k_and_variance_k_for_small_and_large_shapes() {
        for shape in [0.3, 1.0, 4.0] {
            let mut rng = SplitMix64::new(3);
            let samples: Vec<f64> = (0..200_000).map(|_| rng.gamma(shape)).collect();
            let (mean, variance) = mean_and_variance(&samples);
            assert!(
                (mean - shape).abs() < 0.02 * shape.max(1.0),
                "shape {shape} mean {mean}"
            );
            assert!(
                (variance - shape).abs() < 0.05 * shape.max(1.0),
                "shape {shape} var {variance}"
            );
        }
    }

    #[test]
    fn below_and_bernoulli_are_uniform_enough() {
        let mut rng = SplitMix64::new(4);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            counts[rng.below(4) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
        let hits = (0..100_000).filter(|_| rng.bernoulli(0.2)).count();
        assert!((19_400..20_600).contains(&hits), "{hits}");
        assert!(!rng.bernoulli(0.0));
        assert!(rng.bernoulli(1.0));
    }
}
