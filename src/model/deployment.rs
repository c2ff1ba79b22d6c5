//! How a component is deployed: how many replicas it runs, how work reaches them (a
//! broker's competing consumers, or a balancer for direct delivery), the zones they are
//! placed in, and how long a coordinator's shard takes to fail over.

use crate::engine::SimDuration;

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
        }
    }

    /// The zone replica `replica` is placed in, if any.
    pub fn zone_of(&self, replica: u32) -> Option<u16> {
        (!self.zones.is_empty()).then(|| self.zones[replica as usize % self.zones.len()])
    }
}
