//! Replicas: which station (component, replica) a message goes to. A broker's replicas
//! are competing consumers of one queue; a direct sender's balancer picks a replica when
//! it sends, seeing crashes only at its next health check; a coordinator's replicas shard
//! workflows by id, and a journaled shard fails over to a live replica.

use std::collections::VecDeque;

use crate::engine::{EventQueue, KeyedStreams, SimTime, StreamPurpose};

use super::super::deployment::Balance;
use super::super::faults::Delivery;
use super::super::message::Message;
use super::super::system::{ComponentId, SystemSpec};
use super::super::workflow::WorkflowRef;
use super::{Event, World};

/// `Message::dst_replica`'s bit for a message counted on its way (replicas are < 64).
const IN_TRANSIT: u8 = 0x80;

/// How messages to a component reach one of its replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Routing {
    /// One replica.
    Single,
    /// A broker's competing consumers: a free worker of any live replica takes the next
    /// message of one shared queue.
    Pooled,
    /// Direct delivery: a load balancer picks a replica when the message is sent.
    Balanced(Balance),
    /// A coordinator: each workflow's messages go to the replica that owns its shard.
    Sharded,
}

/// Where a replica stands in its life (crashes aside: a crashed replica keeps its place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Life {
    /// Takes new work.
    Serving,
    /// Started by the autoscaler, not serving yet: paid for, takes no work.
    Starting,
    /// Being removed: takes no new work, finishes what it holds.
    Draining,
    /// Not running (beyond the current count): not paid for.
    Absent,
}

/// The queue a broker keeps for a component's pooled replicas.
#[derive(Debug, Default)]
pub(super) struct Pool {
    /// Waiting messages, with when each joined.
    pub inbox: VecDeque<(SimTime, Message)>,
    /// Room for this many while some replica is up (with none up, the broker keeps all).
    pub capacity: usize,
    pub max_queue: usize,
    pub rejected: u64,
}

/// Where every component's replicas sit among the stations, and how work reaches them.
#[derive(Debug)]
pub(super) struct Replicas {
    /// The first station of each component; a component's replicas follow it.
    pub first: Vec<u32>,
    pub routing: Vec<Routing>,
    /// Per component: the pooled replicas' shared queue.
    pub pools: Vec<Option<Pool>>,
    /// Per station: the last time it went down or came up, and the time before (what a
    /// health check sees).
    pub changed_at: Vec<SimTime>,
    pub previous_change: Vec<SimTime>,
    /// Per station: when a starting replica is due to serve (a later start supersedes an
    /// earlier one's readiness).
    pub ready_at: Vec<SimTime>,
    /// Per station: messages on their way to it (a balancer's "outstanding").
    pub in_transit: Vec<u32>,
    /// Per component: the round-robin balancer's next replica.
    pub next: Vec<u32>,
    /// Per component: when its balancer's health checks fall, as an offset in
    /// `[0, detect)` (drawn once per run: checks do not line up with scripted faults).
    pub check_phase: Vec<u64>,
    /// Whether any component has more than one replica (else every lookup is replica 0).
    pub any: bool,
    /// Per station: where it stands, since when it is paid for (`None`: absent), and
    /// the nanoseconds it was paid for inside the measurement window.
    pub life: Vec<Life>,
    pub provisioned_since: Vec<Option<SimTime>>,
    pub provisioned_nanos: Vec<u128>,
    pub ever_provisioned: Vec<bool>,
    /// Per component: replicas ready (serving or draining), since when that count holds,
    /// and its area over time (replica-nanoseconds, the whole run): an autoscaler reads
    /// utilisation against it.
    pub ready: Vec<u32>,
    pub ready_since: Vec<SimTime>,
    pub ready_area: Vec<u128>,
    /// Per component, at its autoscaler's last decision: busy worker-nanoseconds and the
    /// ready area; and when it last scaled up.
    pub busy_mark: Vec<u128>,
    pub area_mark: Vec<u128>,
    pub last_scale_up: Vec<Option<SimTime>>,
    /// The measurement window `[warmup, arrivals_end)`.
    pub window: (SimTime, SimTime),
}

impl Replicas {
    /// The layout `spec` deploys, with `coordinator` holding workflow state.
    pub fn new(
        spec: &SystemSpec,
        coordinator: Option<ComponentId>,
        streams: &KeyedStreams,
        window: (SimTime, SimTime),
    ) -> Replicas {
        let count = spec.component_count();
        let mut first = Vec::with_capacity(count + 1);
        let mut routing = Vec::with_capacity(count);
        let mut pools = Vec::with_capacity(count);
        let mut life = Vec::new();
        let mut ready = Vec::with_capacity(count);
        let mut stations = 0u32;
        for index in 0..count {
            let id = ComponentId(u16::try_from(index).expect("component count is validated"));
            first.push(stations);
            let starting = spec.replicas(id);
            let replicas = spec.most_replicas(id);
            stations += replicas;
            life.extend((0..replicas).map(|r| {
                if r < starting {
                    Life::Serving
                } else {
                    Life::Absent
                }
            }));
            ready.push(starting);
            let queue = match id.service_index() {
                Some(service) => spec.services[service].queue,
                None => spec.orchestrator.as_ref().map_or(0, |o| o.queue),
            };
            let (route, pool) = match spec.deployment(id) {
                Some(_) if replicas == 1 => (Routing::Single, None),
                Some(_) if coordinator == Some(id) => (Routing::Sharded, None),
                Some(_) if spec.delivery(id) == Delivery::Broker => (
                    Routing::Pooled,
                    Some(Pool {
                        capacity: (queue as usize).saturating_mul(replicas as usize),
                        ..Pool::default()
                    }),
                ),
                Some(deployment) => (Routing::Balanced(deployment.balance), None),
                None => (Routing::Single, None),
            };
            routing.push(route);
            pools.push(pool);
        }
        first.push(stations);
        let provisioned_since: Vec<Option<SimTime>> = life
            .iter()
            .map(|l| (*l != Life::Absent).then_some(SimTime::ZERO))
            .collect();
        Replicas {
            ever_provisioned: provisioned_since.iter().map(Option::is_some).collect(),
            provisioned_since,
            provisioned_nanos: vec![0; stations as usize],
            life,
            ready_since: vec![SimTime::ZERO; count],
            ready_area: vec![0; count],
            ready,
            busy_mark: vec![0; count],
            area_mark: vec![0; count],
            last_scale_up: vec![None; count],
            window,
            first,
            routing,
            pools,
            changed_at: vec![SimTime::ZERO; stations as usize],
            previous_change: vec![SimTime::ZERO; stations as usize],
            ready_at: vec![SimTime::ZERO; stations as usize],
            in_transit: vec![0; stations as usize],
            next: vec![0; count],
            check_phase: (0..count)
                .map(|index| {
                    let id = ComponentId(index as u16);
                    let detect = spec.deployment(id).map_or(0, |d| d.detect.as_nanos());
                    if detect == 0 {
                        0
                    } else {
                        streams
                            .stream(StreamPurpose::Balance, u64::MAX, index as u64)
                            .below(detect)
                    }
                })
                .collect(),
            any: spec.is_replicated(),
        }
    }

    /// The station of `id`'s replica `replica`.
    #[inline(always)]
    pub fn station(&self, id: ComponentId, replica: u8) -> usize {
        self.first[id.index()] as usize + usize::from(replica)
    }

    /// Replicas `id` runs.
    pub fn count(&self, id: ComponentId) -> u32 {
        self.first[id.index() + 1] - self.first[id.index()]
    }

    /// Station `station` went down or came up at `now`.
    pub fn changed(&mut self, station: usize, now: SimTime) {
        self.previous_change[station] = self.changed_at[station];
        self.changed_at[station] = now;
    }

    /// Whether station `station` takes new work.
    #[inline]
    pub fn serving(&self, station: usize) -> bool {
        self.life[station] == Life::Serving
    }

    /// Station `station` of component `id` moves to `life` at `now`: its paid-for time
    /// and the component's ready count follow.
    pub fn set_life(&mut self, id: ComponentId, station: usize, life: Life, now: SimTime) {
        let before = self.life[station];
        if before == life {
            return;
        }
        let is_ready = |l: Life| matches!(l, Life::Serving | Life::Draining);
        if is_ready(before) != is_ready(life) {
            let index = id.index();
            let span = u128::from(now.since(self.ready_since[index]).as_nanos());
            self.ready_area[index] += u128::from(self.ready[index]) * span;
            self.ready_since[index] = now;
            if is_ready(life) {
                self.ready[index] += 1;
            } else {
                self.ready[index] -= 1;
            }
        }
        match (self.provisioned_since[station], life) {
            (Some(since), Life::Absent) => {
                self.provisioned_nanos[station] += self.clipped(since, now);
                self.provisioned_since[station] = None;
            }
            (None, Life::Serving | Life::Starting | Life::Draining) => {
                self.provisioned_since[station] = Some(now);
                self.ever_provisioned[station] = true;
            }
            _ => {}
        }
        self.life[station] = life;
    }

    /// The replica-nanoseconds of component `id` up to `now`, the whole run.
    pub fn ready_area_until(&self, id: ComponentId, now: SimTime) -> u128 {
        let index = id.index();
        self.ready_area[index]
            + u128::from(self.ready[index])
                * u128::from(now.since(self.ready_since[index]).as_nanos())
    }

    /// The nanoseconds station `station` was paid for inside the window, up to `end`.
    pub fn provisioned_until(&self, station: usize, end: SimTime) -> u128 {
        self.provisioned_nanos[station]
            + self.provisioned_since[station].map_or(0, |since| self.clipped(since, end))
    }

    fn clipped(&self, from: SimTime, to: SimTime) -> u128 {
        let from = from.max(self.window.0);
        let to = to.min(self.window.1);
        if to > from {
            u128::from(to.since(from).as_nanos())
        } else {
            0
        }
    }
}

impl World<'_> {
    /// The station a message is at, or headed for.
    #[inline(always)]
    pub(super) fn station_of(&self, id: ComponentId, replica: u8) -> usize {
        if self.replicas.any {
            self.replicas.station(id, replica)
        } else {
            id.index()
        }
    }

    /// The replica of `src` that sends a message about `workflow` now: the shard's owner
    /// for a coordinator, else the replica whose worker is acting.
    #[inline(never)]
    pub(super) fn sending_replica(&self, src: ComponentId, workflow: WorkflowRef) -> u8 {
        match self.replicas.routing[src.index()] {
            Routing::Single => 0,
            Routing::Sharded => self.workflows.get(workflow).owner,
            _ if self.acting.0 == src => self.acting.1,
            _ => 0,
        }
    }

    /// Address `message` to a replica of its destination when it is sent (an answer goes
    /// back to its caller's replica, set already; a pooled one is picked on admission).
    #[inline(never)]
    pub(super) fn route(&mut self, now: SimTime, message: &mut Message, number: u64) {
        if message.answered_call().is_some() {
            return;
        }
        match self.replicas.routing[message.dst.index()] {
            Routing::Single | Routing::Pooled => {}
            Routing::Sharded => message.dst_replica = self.workflows.get(message.workflow).owner,
            Routing::Balanced(balance) => {
                message.dst_replica = self.balance(now, message, number, balance);
            }
        }
    }

    /// A message to a replica goes on its way: counted (a balancer's "outstanding") and
    /// marked, so that its arrival uncounts it.
    #[inline(always)]
    pub(super) fn departs(&mut self, message: &mut Message) {
        if self.replicas.any {
            self.count_departure(message);
        }
    }

    /// Out of line: runs without replicas never get here.
    #[inline(never)]
    fn count_departure(&mut self, message: &mut Message) {
        // Already counted (held by a broker through a partition), or to the client.
        if message.dst_replica & IN_TRANSIT != 0 || message.dst == ComponentId::CLIENT {
            return;
        }
        let station = self.replicas.station(message.dst, message.dst_replica);
        self.replicas.in_transit[station] += 1;
        message.dst_replica |= IN_TRANSIT;
    }

    /// A message arrives at a replicated component: uncount it if it was counted on its
    /// way; the station it is at, and whether the component's replicas pool a broker
    /// queue for it (an answer goes back to its caller's own replica, pooled or not).
    #[inline(never)]
    pub(super) fn arriving(&mut self, message: &mut Message) -> (usize, bool) {
        if message.dst_replica & IN_TRANSIT != 0 {
            message.dst_replica &= !IN_TRANSIT;
            let station = self.replicas.station(message.dst, message.dst_replica);
            let count = &mut self.replicas.in_transit[station];
            *count = count.saturating_sub(1);
        }
        let answer = message.answered_call().is_some();
        if !answer && self.replicas.routing[message.dst.index()] == Routing::Sharded {
            // To whichever replica holds the workflow now (a failover may have moved it
            // while the message travelled or a broker held it).
            message.dst_replica = self.workflows.get(message.workflow).owner;
        }
        let station = self.replicas.station(message.dst, message.dst_replica);
        let pooled = self.replicas.pools[message.dst.index()].is_some() && !answer;
        (station, pooled)
    }

    /// The coordinator's replica that will hold a new workflow `number`'s state: its
    /// shard among the replicas serving and up (serving, if none is up), as a workflow
    /// engine places a new workflow on a live host.
    #[inline(never)]
    pub(super) fn owner_for(&self, coordinator: ComponentId, number: u64) -> u8 {
        let first = self.replicas.first[coordinator.index()] as usize;
        let count = self.replicas.count(coordinator) as usize;
        let mut live = [0u8; 64];
        let mut found = 0usize;
        for up_only in [true, false] {
            for replica in 0..count {
                let station = first + replica;
                if self.replicas.serving(station) && (!up_only || self.stations[station].up) {
                    live[found] = replica as u8;
                    found += 1;
                }
            }
            if found > 0 {
                break;
            }
        }
        if found == 0 {
            return 0;
        }
        live[(number % found as u64) as usize]
    }

    /// A worker of replica `station` of `at` is free with nothing in its own inbox: it
    /// takes the broker's next message (pooled replicas), or, draining, the replica may go.
    #[inline(never)]
    pub(super) fn replica_worker_free(
        &mut self,
        now: SimTime,
        at: ComponentId,
        station: usize,
        queue: &mut EventQueue<Event>,
    ) {
        if self.replicas.pools[at.index()].is_some() {
            self.take_from_pool(now, at, station, queue);
        }
        if self.replicas.life[station] == Life::Draining {
            self.retire_if_drained(now, at, station);
        }
    }

    /// A replica's worker finished `message` at `station`: it is the one acting now, and
    /// the job counts for it.
    #[inline(never)]
    pub(super) fn replica_finished(&mut self, now: SimTime, message: &Message, station: usize) {
        self.acting = (message.dst, message.dst_replica);
        if self.stations[station].in_window(now) {
            self.stations[station].handled += 1;
        }
    }

    /// A replicated component admits `message`: pooled replicas take it (or their queue
    /// does, or refuses it) and `None` is returned; otherwise the station it goes to.
    #[inline(never)]
    pub(super) fn admit_replicated(
        &mut self,
        now: SimTime,
        message: Message,
        queue: &mut EventQueue<Event>,
    ) -> Option<usize> {
        if self.replicas.pools[message.dst.index()].is_none() {
            return Some(self.replicas.station(message.dst, message.dst_replica));
        }
        match self.admit_pooled(now, message, queue) {
            Err(message) => self.refused(now, message, queue),
            Ok(_) if self.resilience.watches_admissions => self.admitted(now, &message),
            Ok(_) => {}
        }
        None
    }

    /// Whether any replica of a pooled component is up.
    pub(super) fn any_replica_up(&self, id: ComponentId) -> bool {
        let first = self.replicas.first[id.index()] as usize;
        let end = self.replicas.first[id.index() + 1] as usize;
        (first..end).any(|s| self.stations[s].up && self.replicas.serving(s))
    }

    /// A pooled component admits `message`: the live replica with a free worker and the
    /// fewest busy (the lowest index on a tie) takes it; else it waits in the broker's
    /// queue, or is refused when that is full. `None` unless a worker took it.
    #[inline(never)]
    pub(super) fn admit_pooled(
        &mut self,
        now: SimTime,
        mut message: Message,
        queue: &mut EventQueue<Event>,
    ) -> Result<(), Message> {
        let id = message.dst;
        let first = self.replicas.first[id.index()] as usize;
        let end = self.replicas.first[id.index() + 1] as usize;
        let free = (first..end)
            .filter(|&s| self.replicas.serving(s) && self.stations[s].has_free_worker())
            .min_by_key(|&s| (self.stations[s].load(), s));
        if let Some(station) = free {
            message.dst_replica = (station - first) as u8;
            self.stations[station].take_pooled(now, now, message);
            self.start_work(now, message, queue);
            return Ok(());
        }
        let any_up = self.any_replica_up(id);
        let pool = self.replicas.pools[id.index()]
            .as_mut()
            .expect("a pooled component has a pool");
        if any_up && pool.inbox.len() >= pool.capacity {
            pool.rejected += 1;
            return Err(message);
        }
        pool.inbox.push_back((now, message));
        pool.max_queue = pool.max_queue.max(pool.inbox.len());
        self.backlog_changed(now, 1);
        Ok(())
    }

    /// A worker of pooled replica `station` is free: it takes the broker's next message.
    #[inline(never)]
    pub(super) fn take_from_pool(
        &mut self,
        now: SimTime,
        id: ComponentId,
        station: usize,
        queue: &mut EventQueue<Event>,
    ) {
        while self.replicas.serving(station) && self.stations[station].has_free_worker() {
            let Some(pool) = self.replicas.pools[id.index()].as_mut() else {
                return;
            };
            let Some((since, mut next)) = pool.inbox.pop_front() else {
                return;
            };
            next.dst_replica = (station - self.replicas.first[id.index()] as usize) as u8;
            self.backlog_changed(now, -1);
            self.stations[station].take_pooled(now, since, next);
            self.start_work(now, next, queue);
        }
    }
}
