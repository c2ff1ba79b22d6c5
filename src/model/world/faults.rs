//! Faults as they happen: crashes and restarts (what is lost, what a broker keeps, what a
//! coordinator forgets), partitions and slowdowns.

use crate::engine::{EventQueue, SimDuration, SimTime};

use super::super::faults::{Delivery, FaultKind};
use super::super::message::Message;
use super::super::system::{ComponentId, SystemSpec};
use super::super::trace::{Arrival, TraceRecord};
use super::super::workflow::WorkflowRef;
use super::{Event, World};

impl World<'_> {
    pub fn fault_starts(&mut self, now: SimTime, index: u32, queue: &mut EventQueue<Event>) {
        let occurrence = self.occurrences[index as usize];
        match occurrence.kind {
            FaultKind::Crash(..) | FaultKind::Zone(_) => {
                self.crash_all(now, &occurrence.kind, index, queue);
            }
            FaultKind::Partition(a, b) => {
                self.partitions
                    .entry(pair(a, b))
                    .or_default()
                    .insert((occurrence.end, index));
            }
            FaultKind::Slow(id, _) => {
                self.slowdowns[id.index()].push(index);
                self.recompute_slowdown(id);
            }
        }
    }

    /// A fault ends. Returns the workflows a restarted, journaled coordinator must resume.
    pub fn fault_ends(
        &mut self,
        now: SimTime,
        index: u32,
        queue: &mut EventQueue<Event>,
    ) -> Vec<WorkflowRef> {
        let occurrence = self.occurrences[index as usize];
        match occurrence.kind {
            FaultKind::Crash(..) | FaultKind::Zone(_) => {
                return self.restart_all(now, &occurrence.kind, queue);
            }
            FaultKind::Partition(a, b) => {
                if let Some(active) = self.partitions.get_mut(&pair(a, b)) {
                    active.remove(&(occurrence.end, index));
                    if active.is_empty() {
                        self.partitions.remove(&pair(a, b));
                    }
                }
            }
            FaultKind::Slow(id, _) => {
                self.slowdowns[id.index()].retain(|&active| active != index);
                self.recompute_slowdown(id);
            }
        }
        Vec::new()
    }

    /// A component's cost factor is the product of its active slowdowns (recomputed, not
    /// divided back, so no rounding drift), attributed to the latest of them.
    fn recompute_slowdown(&mut self, id: ComponentId) {
        let mut factor = 1.0;
        let mut latest = None;
        for &index in &self.slowdowns[id.index()] {
            if let FaultKind::Slow(target, by) = self.occurrences[index as usize].kind
                && target == id
            {
                factor *= by;
                latest = Some(index);
            }
        }
        self.slow_factor[id.index()] = factor;
        self.slowed_by[id.index()] = latest;
    }

    /// Whether the coordinator at `id` writes its state to a journal.
    fn journaled(&self, id: ComponentId) -> bool {
        match id.service_index() {
            None => self
                .spec
                .orchestrator
                .as_ref()
                .is_some_and(|o| !o.journal.is_zero()),
            Some(index) => !self.spec.services[index].journal.is_zero(),
        }
    }

    /// Every (component, replica) an occurrence of `kind` takes down.
    fn struck(&self, kind: &FaultKind) -> Vec<(ComponentId, u8)> {
        let mut struck = Vec::new();
        for index in 1..self.spec.component_count() {
            let id = ComponentId(u16::try_from(index).expect("component count is validated"));
            let count = if self.replicas.any {
                self.replicas.count(id)
            } else {
                1
            };
            for replica in 0..count {
                if strikes(self.spec, kind, id, replica) {
                    struck.push((id, u8::try_from(replica).expect("at most 64 replicas")));
                }
            }
        }
        struck
    }

    /// Crash every replica an occurrence strikes.
    fn crash_all(
        &mut self,
        now: SimTime,
        kind: &FaultKind,
        occurrence: u32,
        queue: &mut EventQueue<Event>,
    ) {
        for (id, replica) in self.struck(kind) {
            self.crash(now, id, replica, occurrence, queue);
        }
    }

    fn crash(
        &mut self,
        now: SimTime,
        id: ComponentId,
        replica: u8,
        occurrence: u32,
        queue: &mut EventQueue<Event>,
    ) {
        let station = self.station_of(id, replica);
        self.down_depth[station] += 1;
        if self.down_depth[station] > 1 {
            return;
        }
        if self.replicas.any {
            self.replicas.changed(station, now);
        }
        self.down_by[station] = Some(occurrence);
        let pooled = self.replicas.any && self.replicas.pools[id.index()].is_some();
        let waiting_before = self.stations[station].backlog() as i64;
        let (mut lost, held) = self.stations[station].crash(now);
        // A request whose worker was blocked on a call died with it, as one being worked on
        // did: a broker redelivers it after the restart; direct delivery loses it.
        lost.extend(held);
        let broker = self.spec.delivery(id) == Delivery::Broker;
        let mut redelivered = Vec::new();
        for mut message in lost {
            self.touch(message.workflow, occurrence);
            self.trace_work_lost(now, &message);
            if broker {
                // A new delivery attempt: a fresh index, so the lost attempt's completion
                // (still in the event queue) can never be taken for this one.
                let workflow = self.workflows.get_mut(message.workflow);
                message.index = workflow.next_message_index;
                workflow.next_message_index += 1;
                self.trace_arrival(now, &message, Arrival::Held);
                if pooled {
                    redelivered.push(message);
                } else {
                    self.stations[station].parked.push_back(message);
                }
            } else {
                self.dead_letter(&message);
            }
        }
        let waiting_after = self.stations[station].backlog() as i64;
        self.backlog_changed(now, waiting_after - waiting_before);
        // Pooled replicas: the broker hands the dead consumer's messages to the others at
        // once (or keeps them while none is up).
        for message in redelivered {
            self.deliver(now, message, queue);
        }
        if self.config.coordinator == Some(id) {
            let journaled = self.journaled(id);
            let sharded = self.replicas.any && self.replicas.count(id) > 1;
            for workflow in self.workflows.live_mut() {
                if sharded && workflow.owner != replica {
                    continue;
                }
                // Its worker died: a held call's id means nothing any more (another
                // replica's ids are its own).
                workflow.coordinator_hold = 0;
                let state = &mut workflow.coordinator;
                if state.active {
                    if workflow.touched_by != occurrence + 1 {
                        workflow.touched_by = occurrence + 1;
                        self.metrics.fault_affected(occurrence as usize);
                    }
                    // Timers die with the process either way.
                    state.token = state.token.wrapping_add(1);
                    if !journaled {
                        state.lost = true;
                        state.active = false;
                        state.pending = None;
                        state.awaiting = 0;
                    }
                }
            }
            if sharded && journaled {
                let failover = self
                    .spec
                    .deployment(id)
                    .map_or(SimDuration::ZERO, |d| d.failover);
                queue.schedule_in(failover, Event::Failover { replica });
            }
        }
    }

    fn trace_work_lost(&mut self, now: SimTime, message: &Message) {
        if self.trace.is_none() {
            return;
        }
        let number = self.workflows.get(message.workflow).number;
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::WorkLost {
                at: now,
                workflow: number,
                index: message.index,
                component: message.dst,
            });
        }
    }

    fn restart_all(
        &mut self,
        now: SimTime,
        kind: &FaultKind,
        queue: &mut EventQueue<Event>,
    ) -> Vec<WorkflowRef> {
        let mut resumed = Vec::new();
        for (id, replica) in self.struck(kind) {
            resumed.extend(self.restart(now, id, replica, queue));
        }
        resumed
    }

    fn restart(
        &mut self,
        now: SimTime,
        id: ComponentId,
        replica: u8,
        queue: &mut EventQueue<Event>,
    ) -> Vec<WorkflowRef> {
        let station = self.station_of(id, replica);
        self.down_depth[station] -= 1;
        if self.down_depth[station] > 0 {
            return Vec::new();
        }
        self.down_by[station] = None;
        if self.replicas.any {
            self.replicas.changed(station, now);
        }
        self.stations[station].restart(now);
        if self.resilience.publishing {
            self.relay_after_restart(now, station, queue);
        }
        let parked: Vec<_> = self.stations[station].parked.drain(..).collect();
        self.backlog_changed(now, -(parked.len() as i64));
        for message in parked {
            self.deliver(now, message, queue);
        }
        if self.replicas.any && self.replicas.pools[id.index()].is_some() {
            // Back as a consumer of the broker's queue.
            self.take_from_pool(now, id, station, queue);
        }
        if self.config.coordinator == Some(id) && self.journaled(id) {
            let sharded = self.replicas.any && self.replicas.count(id) > 1;
            let mut resumed = Vec::new();
            for (handle, w) in self.workflows.live_handles_mut() {
                if w.coordinator.active
                    && (w.coordinator.pending.is_some() || w.coordinator.awaiting != 0)
                    && (!sharded || w.owner == replica)
                {
                    // Held until it resumes: restarting the other components a zone
                    // downed (their brokers' deliveries) may end it first.
                    w.outstanding += 1;
                    resumed.push(handle);
                }
            }
            resumed
        } else {
            Vec::new()
        }
    }

    /// A journaled coordinator's replica crashed `failover` ago. If it is still down, the
    /// replicas serving and up take over its workflows (spread by workflow number, as a
    /// workflow engine rebalances the shards of a lost host): the messages the broker
    /// held for them are delivered to their new owners, and they resume from the journal.
    /// With no replica up, they wait for their own.
    pub fn failover(
        &mut self,
        now: SimTime,
        replica: u8,
        queue: &mut EventQueue<Event>,
    ) -> Vec<WorkflowRef> {
        let Some(coordinator) = self.config.coordinator else {
            return Vec::new();
        };
        let station = self.station_of(coordinator, replica);
        let failover = self
            .spec
            .deployment(coordinator)
            .map_or(SimDuration::ZERO, |d| d.failover);
        // Up again, or down again since (that crash's own failover will come).
        if self.stations[station].up || now < self.replicas.changed_at[station] + failover {
            return Vec::new();
        }
        let first = self.replicas.first[coordinator.index()] as usize;
        let heirs: Vec<u8> = (0..self.replicas.count(coordinator) as usize)
            .filter(|&r| self.replicas.serving(first + r) && self.stations[first + r].up)
            .map(|r| r as u8)
            .collect();
        if heirs.is_empty() {
            return Vec::new();
        }
        let mut resumed = Vec::new();
        for (handle, workflow) in self.workflows.live_handles_mut() {
            if workflow.owner != replica || workflow.outcome.is_some() {
                continue;
            }
            workflow.owner = heirs[(workflow.number % heirs.len() as u64) as usize];
            let state = &workflow.coordinator;
            if state.active && (state.pending.is_some() || state.awaiting != 0) {
                // Held until it resumes: delivering what the broker kept may end it first.
                workflow.outstanding += 1;
                resumed.push(handle);
            }
        }
        let parked: Vec<_> = self.stations[station].parked.drain(..).collect();
        self.backlog_changed(now, -(parked.len() as i64));
        for mut message in parked {
            message.dst_replica = self.workflows.get(message.workflow).owner;
            self.deliver(now, message, queue);
        }
        resumed
    }
}

/// Whether an occurrence of `kind` takes down `id`'s replica `replica`.
pub(super) fn strikes(spec: &SystemSpec, kind: &FaultKind, id: ComponentId, replica: u32) -> bool {
    match *kind {
        FaultKind::Crash(target, replicas) => {
            target == id && replica < 64 && replicas.mask() & (1u64 << replica) != 0
        }
        FaultKind::Zone(zone) => spec
            .deployment(id)
            .and_then(|d| d.zone_of(replica))
            .is_some_and(|z| z == zone),
        FaultKind::Partition(..) | FaultKind::Slow(..) => false,
    }
}

/// The key a partition between `a` and `b` is kept under: the pair, lower id first (a
/// partition cuts both directions).
pub(super) fn pair(a: ComponentId, b: ComponentId) -> (ComponentId, ComponentId) {
    (a.min(b), a.max(b))
}
