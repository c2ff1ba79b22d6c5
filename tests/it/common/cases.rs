//! Random test cases from a seed (SplitMix64), for the tests that try many scenario shapes.
//! Each case has its own seed, printed when it fails, so `Cases::new(seed)` replays it; a
//! property-testing crate would add shrinking, and 13 crates to the build.

pub struct Cases {
    state: u64,
}

impl Cases {
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `low..=high`.
    pub fn int(&mut self, low: u32, high: u32) -> u32 {
        low + (self.next() % (u64::from(high - low) + 1)) as u32
    }

    /// An index below `count`.
    pub fn index(&mut self, count: usize) -> usize {
        (self.next() % count as u64) as usize
    }

    /// A real number in `low..high`.
    pub fn real(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }

    /// `Some(value())` half the time.
    pub fn maybe<T>(&mut self, value: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.coin() { Some(value(self)) } else { None }
    }

    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.index(choices.len())]
    }
}

/// Run `check` on `count` cases seeded 0, 1, …; a failure names the seed to replay.
pub fn for_each_case(count: u64, mut check: impl FnMut(u64, &mut Cases)) {
    for seed in 0..count {
        let mut cases = Cases::new(seed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(seed, &mut cases);
        }));
        if let Err(panic) = outcome {
            eprintln!("case seed {seed} failed (replay with Cases::new({seed}))");
            std::panic::resume_unwind(panic);
        }
    }
}
