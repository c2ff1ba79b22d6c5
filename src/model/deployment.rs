//! How a component is deployed: how many replicas it runs, how work reaches them (a
//! broker's competing consumers, or a balancer for direct delivery), the zones they are
//! placed in, and how long a coordinator's shard takes to fail over.

use crate::engine::SimDuration;

use super::resilience::Overflow;

/// Most replicas one component may run: per-component replica sets are 64-bit masks.
pub const MAX_REPLICAS: u32 = 64;

/// How a direct sender's load balancer picks a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// Each live replica in turn.
    RoundRobin,
    /// A live replica at random.
    Random,
    /// The live replica with the fewest messages in flight to it (ties: the lowest index).
    LeastOutstanding,
    /// Two live replicas at random, then the one with fewer messages in flight.
    PowerOfTwo,
}

impl Balance {
    /// The scenario's spelling.
    pub fn label(self) -> &'static str {
        match self {
            Balance::RoundRobin => "round-robin",
            Balance::Random => "random",
            Balance::LeastOutstanding => "least-outstanding",
            Balance::PowerOfTwo => "power-of-two",
        }
    }
}

/// The horizontal autoscaler's settings (Kubernetes' rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscale {
    pub min: u32,
    pub max: u32,
    /// The utilisation it aims at, in (0, 1].
    pub target: f64,
    /// How often it decides.
    pub every: SimDuration,
    /// A new replica serves this long after it is started.
    pub startup: SimDuration,
    /// No scale-down sooner than this after the last scale-up.
    pub cooldown: SimDuration,
}

impl Autoscale {
    /// Changes within this share of the target are skipped (Kubernetes' tolerance).
    pub const TOLERANCE: f64 = 0.1;

    /// The replicas wanted from `current` ones when the load kept `busy_replicas`
    /// replicas' worth of workers busy: the horizontal autoscaler's ceil(current ×
    /// utilisation ÷ target) with utilisation over the current replicas, that is
    /// ceil(busy_replicas ÷ target), clamped to [min, max]; `current` when the ratio to
    /// it is within the tolerance.
    pub fn desired(&self, current: u32, busy_replicas: f64) -> u32 {
        let wanted = busy_replicas / self.target;
        let ratio = wanted / f64::from(current.max(1));
        if (ratio - 1.0).abs() <= Self::TOLERANCE {
            return current.clamp(self.min, self.max);
        }
        let wanted = (wanted - 1e-9).ceil().max(0.0);
        (wanted.min(f64::from(self.max)) as u32).clamp(self.min, self.max)
    }
}

/// A component's deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// Replicas at the start (each with the component's `workers`, `queue` and interface).
    pub replicas: u32,
    pub balance: Balance,
    /// The balancer's health-check interval: it sees a replica go down or come back at the
    /// first check at or after the change (checks at whole multiples of it); zero: at once.
    pub detect: SimDuration,
    /// Zones (indices into `SystemSpec::zones`) its replicas are placed in, round-robin:
    /// replica `r` in `zones[r % zones.len()]`. Empty: no zone.
    pub zones: Vec<u16>,
    /// A coordinator's shard whose replica crashed is taken over by a live replica after
    /// this long, when its state is journaled.
    pub failover: SimDuration,
    /// Scale the replicas on utilisation (`replicas` is then the starting count).
    pub autoscale: Option<Autoscale>,
    /// What its full inbox does with one more message (a server's or broker queue's
    /// setting, kept here with the rest of how it runs); `None` where the scenario does
    /// not say (it drops, and the run reports no resilience figures for it).
    pub overflow: Option<Overflow>,
}

impl Deployment {
    /// One replica, the defaults for everything else.
    pub fn single() -> Deployment {
        Deployment {
            replicas: 1,
            balance: Balance::RoundRobin,
            detect: SimDuration::from_secs(5),
            zones: Vec::new(),
            failover: SimDuration::from_secs(10),
            autoscale: None,
            overflow: None,
        }
    }

    /// Replicas it may ever run: the stations to set aside.
    pub fn most_replicas(&self) -> u32 {
        self.autoscale
            .map_or(self.replicas, |a| a.max.max(self.replicas))
    }

    /// The zone replica `replica` is placed in, if any.
    pub fn zone_of(&self, replica: u32) -> Option<u16> {
        (!self.zones.is_empty()).then(|| self.zones[replica as usize % self.zones.len()])
    }
}
