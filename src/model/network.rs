//! The network: a latency distribution and bandwidth per directed pair of components,
//! resolved from the defaults and the per-link overrides (kept sparse: only the overridden
//! pairs are stored, each borrowing its latency from the scenario rather than copying it,
//! so that 800 links under an empirical default latency do not hold 800 copies of it).

use crate::engine::{SimDuration, SplitMix64};

use super::distribution::DurationDistribution;
use super::system::{ComponentId, LinkSpec, NetworkSpec};

/// One directed link as the network resolves it: the scenario's latency, borrowed.
#[derive(Debug, Clone, Copy)]
struct Link<'a> {
    latency: &'a DurationDistribution,
    bandwidth_bits_per_s: Option<f64>,
}

impl<'a> Link<'a> {
    fn of(spec: &'a LinkSpec) -> Self {
        Link {
            latency: &spec.latency,
            bandwidth_bits_per_s: spec.bandwidth_bits_per_s,
        }
    }
}

#[derive(Debug)]
pub struct Network<'a> {
    default_link: Link<'a>,
    /// The overridden links only, sorted by (src, dst): a table of every pair would be
    /// quadratic in the services (10,000 services would take gigabytes).
    overrides: Vec<((ComponentId, ComponentId), Link<'a>)>,
}

impl<'a> Network<'a> {
    pub fn new(spec: &'a NetworkSpec) -> Self {
        let default_link = Link::of(&spec.default_link);
        let mut overrides: Vec<((ComponentId, ComponentId), Link<'a>)> = Vec::new();
        for link in &spec.links {
            let key = (link.src, link.dst);
            let position = match overrides.binary_search_by_key(&key, |(pair, _)| *pair) {
                Ok(position) => position,
                Err(position) => {
                    overrides.insert(position, (key, default_link));
                    position
                }
            };
            let entry = &mut overrides[position].1;
            if let Some(latency) = &link.latency {
                entry.latency = latency;
            }
            if let Some(bandwidth) = link.bandwidth_bits_per_s {
                entry.bandwidth_bits_per_s = bandwidth;
            }
        }
        Network {
            default_link,
            overrides,
        }
    }

    #[inline]
    fn link(&self, src: ComponentId, dst: ComponentId) -> &Link<'a> {
        if self.overrides.is_empty() {
            return &self.default_link;
        }
        match self
            .overrides
            .binary_search_by_key(&(src, dst), |(pair, _)| *pair)
        {
            Ok(position) => &self.overrides[position].1,
            Err(_) => &self.default_link,
        }
    }

    /// Latency draw plus transfer time for `bytes` from `src` to `dst`. Called for every
    /// message sent, so inlined into its caller.
    #[inline]
    pub fn delay(
        &self,
        src: ComponentId,
        dst: ComponentId,
        bytes: u64,
        rng: impl FnOnce() -> SplitMix64,
    ) -> SimDuration {
        let link = self.link(src, dst);
        // The random stream is only made for links whose latency is random.
        let latency = match link.latency {
            DurationDistribution::Constant(latency) => *latency,
            random => random.sample(&mut rng()),
        };
        match link.bandwidth_bits_per_s {
            None => latency,
            Some(bits_per_s) => {
                let transfer_nanos = bytes as f64 * 8.0 * 1e9 / bits_per_s;
                latency + SimDuration::from_nanos_f64(transfer_nanos)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LinkOverride;

    #[test]
    fn overrides_apply_to_one_direction_and_bandwidth_adds_transfer_time() {
        let spec = NetworkSpec {
            default_link: LinkSpec {
                latency: DurationDistribution::Constant(SimDuration::from_millis(2)),
                bandwidth_bits_per_s: Some(8e6),
            },
            links: vec![LinkOverride {
                src: ComponentId::ORCHESTRATOR,
                dst: ComponentId::service(0),
                latency: Some(DurationDistribution::Constant(SimDuration::from_millis(10))),
                bandwidth_bits_per_s: Some(None),
            }],
        };
        let network = Network::new(&spec);
        let rng = || SplitMix64::new(0);
        let forward = network.delay(
            ComponentId::ORCHESTRATOR,
            ComponentId::service(0),
            1000,
            rng,
        );
        let back = network.delay(
            ComponentId::service(0),
            ComponentId::ORCHESTRATOR,
            1000,
            rng,
        );
        assert_eq!(
            forward,
            SimDuration::from_millis(10),
            "override, unlimited bandwidth"
        );
        assert_eq!(back, SimDuration::from_millis(3), "2 ms + 1000 B at 1 MB/s");
    }
}
