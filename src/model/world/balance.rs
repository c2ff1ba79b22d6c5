//! A direct sender's load balancer: which replica a message goes to (round-robin,
//! random, least-outstanding, power-of-two), among those its health checks see up.

use crate::engine::{SimDuration, SimTime, StreamPurpose};

use super::super::deployment::Balance;
use super::super::message::Message;
use super::super::system::ComponentId;
use super::World;

/// When a health check every `interval`, at `phase` plus its whole multiples, sees a
/// change at `at`.
fn noticed(at: SimTime, interval: SimDuration, phase: u64) -> SimTime {
    if interval.is_zero() {
        return at;
    }
    let period = interval.as_nanos();
    let since_phase = at.as_nanos().saturating_sub(phase);
    SimTime(
        since_phase
            .div_ceil(period)
            .saturating_mul(period)
            .saturating_add(phase),
    )
}

impl World<'_> {
    /// Whether the balancer in front of `id` sees its replica `replica` as up at `now`.
    fn seen_up(&self, id: ComponentId, replica: u8, now: SimTime) -> bool {
        let station = self.replicas.station(id, replica);
        let detect = self
            .spec
            .deployment(id)
            .map_or(SimDuration::ZERO, |d| d.detect);
        let up = self.stations[station].up;
        let phase = self.replicas.check_phase[id.index()];
        // The state the last check saw: now's, unless the last change came after that
        // check; then the one before it, unless that change came after the check too (a
        // crash and restart between two checks, which no check saw).
        let unseen = |changed_at: SimTime| {
            changed_at != SimTime::ZERO && now < noticed(changed_at, detect, phase)
        };
        if !unseen(self.replicas.changed_at[station])
            || unseen(self.replicas.previous_change[station])
        {
            up
        } else {
            !up
        }
    }

    /// Messages on their way to, waiting at or in service at station `station`.
    fn outstanding(&self, station: usize) -> usize {
        self.replicas.in_transit[station] as usize + self.stations[station].load()
    }

    /// The replica a balancer picks for `message` among those it sees up (all of them, if
    /// it sees none: the message is then lost as any message to a dead replica is).
    pub(super) fn balance(
        &mut self,
        now: SimTime,
        message: &Message,
        number: u64,
        balance: Balance,
    ) -> u8 {
        let id = message.dst;
        let count = self.replicas.count(id);
        let mut candidates = [0u8; 64];
        let mut live = 0usize;
        let first = self.replicas.first[id.index()] as usize;
        for replica in 0..count {
            let replica = replica as u8;
            if self.replicas.serving(first + usize::from(replica)) && self.seen_up(id, replica, now)
            {
                candidates[live] = replica;
                live += 1;
            }
        }
        if live == 0 {
            for replica in 0..count {
                if self.replicas.serving(first + replica as usize) {
                    candidates[live] = replica as u8;
                    live += 1;
                }
            }
        }
        if live == 0 {
            // Nothing serving (every replica draining): the first takes it.
            candidates[0] = 0;
            live = 1;
        }
        let candidates = &candidates[..live];
        let draw = || {
            self.streams
                .stream(StreamPurpose::Balance, number, u64::from(message.index))
        };
        match balance {
            Balance::RoundRobin => {
                // The next replica in turn, skipping those it sees down.
                let next = &mut self.replicas.next[id.index()];
                let pick = candidates
                    .iter()
                    .copied()
                    .find(|&r| u32::from(r) >= *next)
                    .unwrap_or(candidates[0]);
                *next = (u32::from(pick) + 1) % count;
                pick
            }
            Balance::Random => candidates[draw().below(live as u64) as usize],
            Balance::LeastOutstanding => *candidates
                .iter()
                .min_by_key(|&&r| (self.outstanding(self.replicas.station(id, r)), r))
                .expect("at least one candidate"),
            Balance::PowerOfTwo => {
                if live == 1 {
                    return candidates[0];
                }
                let mut rng = draw();
                let first = rng.below(live as u64) as usize;
                let second = (first + 1 + rng.below(live as u64 - 1) as usize) % live;
                let (a, b) = (candidates[first], candidates[second]);
                let load = |r: u8| self.outstanding(self.replicas.station(id, r));
                if (load(b), b) < (load(a), a) { b } else { a }
            }
        }
    }
}
