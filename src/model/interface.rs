//! Network interfaces as shared resources: a component's outgoing messages leave one
//! after another (FIFO) at its interface's rate, so that a component relaying much data
//! saturates its link even while its workers idle. A message's transfer starts when the
//! interface is free and takes size ÷ rate; the network's latency (and any path
//! `bandwidth`) comes on top. A crashed component's queued transfers still leave: they
//! were handed to the interface before the crash.

use crate::engine::{SimDuration, SimTime};

use super::system::{ComponentId, SystemSpec};

/// One component's interface and what it measured.
#[derive(Debug, Clone)]
struct Interface {
    bits_per_s: f64,
    /// When the last queued transfer ends.
    free_at: SimTime,
    /// Transfer nanoseconds inside the measured window.
    busy_nanos: u128,
    /// Nanoseconds messages sent in the measured window waited for the interface.
    wait_nanos: u128,
    waits: u64,
}

/// What an interface measured over a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterfaceLoad {
    /// Transfer nanoseconds inside the measured window.
    pub busy_nanos: u128,
    /// Mean wait for the interface of the messages sent in the measured window, ms.
    pub wait_mean_ms: Option<f64>,
}

/// Every replica's interface (by station: a component's replicas from `first[id]` on;
/// `None`: unlimited).
#[derive(Debug, Clone)]
pub struct Interfaces {
    lanes: Vec<Option<Interface>>,
    first: Vec<u32>,
    window: (SimTime, SimTime),
}

impl Interfaces {
    /// The interfaces `spec` declares, measured over `window` (`[warmup, arrivals_end)`);
    /// `None` when no component has one, so that runs without interfaces pay nothing.
    pub fn new(spec: &SystemSpec, window: (SimTime, SimTime), first: &[u32]) -> Option<Interfaces> {
        let lane = |bits_per_s: Option<f64>| {
            bits_per_s.map(|bits_per_s| Interface {
                bits_per_s,
                free_at: SimTime::ZERO,
                busy_nanos: 0,
                wait_nanos: 0,
                waits: 0,
            })
        };
        let mut lanes = vec![None];
        let orchestrator = spec.orchestrator.as_ref();
        for _ in 0..spec.most_replicas(ComponentId::ORCHESTRATOR) {
            lanes.push(lane(orchestrator.and_then(|o| o.interface_bits_per_s)));
        }
        for service in &spec.services {
            for _ in 0..service.deployment.most_replicas() {
                lanes.push(lane(service.interface_bits_per_s));
            }
        }
        lanes.iter().any(Option::is_some).then(|| Interfaces {
            lanes,
            first: first.to_vec(),
            window,
        })
    }

    /// `bytes` leave `src` at `now`: the time until their transfer ends (waiting for the
    /// interface, then transferring); zero for a component without an interface.
    pub fn send(&mut self, station: usize, bytes: u64, now: SimTime) -> SimDuration {
        let (warmup, arrivals_end) = self.window;
        let Some(Some(interface)) = self.lanes.get_mut(station) else {
            return SimDuration::ZERO;
        };
        let start = interface.free_at.max(now);
        let transfer = SimDuration::from_nanos_f64(bytes as f64 * 8.0 * 1e9 / interface.bits_per_s);
        let end = start + transfer;
        interface.free_at = end;
        let inside = end
            .min(arrivals_end)
            .as_nanos()
            .saturating_sub(start.max(warmup).as_nanos());
        interface.busy_nanos += u128::from(inside);
        if now >= warmup && now < arrivals_end {
            interface.wait_nanos += u128::from(start.since(now).as_nanos());
            interface.waits += 1;
        }
        end.since(now)
    }

    /// What component `id`'s interfaces measured together (busy time summed over its
    /// replicas), if it has them.
    pub fn load(&self, id: ComponentId) -> Option<InterfaceLoad> {
        let first = *self.first.get(id.index())? as usize;
        let end = *self.first.get(id.index() + 1)? as usize;
        let lanes = self.lanes.get(first..end)?;
        let mut busy_nanos = 0u128;
        let mut wait_nanos = 0u128;
        let mut waits = 0u64;
        for lane in lanes {
            let interface = lane.as_ref()?;
            busy_nanos += interface.busy_nanos;
            wait_nanos += interface.wait_nanos;
            waits += interface.waits;
        }
        Some(InterfaceLoad {
            busy_nanos,
            wait_mean_ms: (waits > 0).then(|| wait_nanos as f64 / 1e6 / waits as f64),
        })
    }
}
