//! Faults as they happen: crashes and restarts (what is lost, what a broker keeps, what a
//! coordinator forgets), partitions and slowdowns.

use crate::engine::{EventQueue, SimTime};

use super::super::faults::{Delivery, FaultKind};
use super::super::message::Message;
use super::super::system::ComponentId;
use super::super::trace::{Arrival, TraceRecord};
use super::super::workflow::WorkflowRef;
use super::{Event, World};

impl World<'_> {
    pub fn fault_starts(&mut self, now: SimTime, index: u32, queue: &mut EventQueue<Event>) {
        let occurrence = self.occurrences[index as usize];
        match occurrence.kind {
            FaultKind::Crash(id) => self.crash(now, id, index),
            FaultKind::Partition(a, b) => self.partitions.push((a, b, occurrence.end, index)),
            FaultKind::Slow(id, _) => {
                self.slowdowns.push(index);
                self.recompute_slowdown(id);
            }
        }
        let _ = queue;
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
            FaultKind::Crash(id) => return self.restart(now, id, queue),
            FaultKind::Partition(a, b) => {
                if let Some(position) = self
                    .partitions
                    .iter()
                    .position(|p| *p == (a, b, occurrence.end, index))
                {
                    self.partitions.swap_remove(position);
                }
            }
            FaultKind::Slow(id, _) => {
                self.slowdowns.retain(|&active| active != index);
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
        for &index in &self.slowdowns {
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

    fn crash(&mut self, now: SimTime, id: ComponentId, occurrence: u32) {
        self.down_depth[id.index()] += 1;
        if self.down_depth[id.index()] > 1 {
            return;
        }
        self.down_by[id.index()] = Some(occurrence);
        let waiting_before = self.stations[id.index()].backlog() as i64;
        let (mut lost, held) = self.stations[id.index()].crash(now);
        // A request whose worker was blocked on a call died with it, as one being worked on
        // did: a broker redelivers it after the restart; direct delivery loses it.
        lost.extend(held);
        let broker = self.spec.delivery(id) == Delivery::Broker;
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
                self.stations[id.index()].parked.push_back(message);
            } else {
                self.dead_letter(&message);
            }
        }
        let waiting_after = self.stations[id.index()].backlog() as i64;
        self.backlog_changed(now, waiting_after - waiting_before);
        if self.config.coordinator == Some(id) {
            let journaled = self.journaled(id);
            for workflow in self.workflows.live_mut() {
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

    fn restart(
        &mut self,
        now: SimTime,
        id: ComponentId,
        queue: &mut EventQueue<Event>,
    ) -> Vec<WorkflowRef> {
        self.down_depth[id.index()] -= 1;
        if self.down_depth[id.index()] > 0 {
            return Vec::new();
        }
        self.down_by[id.index()] = None;
        let station = &mut self.stations[id.index()];
        station.up = true;
        let parked: Vec<_> = station.parked.drain(..).collect();
        self.backlog_changed(now, -(parked.len() as i64));
        for message in parked {
            self.deliver(now, message, queue);
        }
        if self.config.coordinator == Some(id) && self.journaled(id) {
            self.workflows
                .live_handles()
                .filter(|(_, w)| {
                    w.coordinator.active
                        && (w.coordinator.pending.is_some() || w.coordinator.awaiting != 0)
                })
                .map(|(handle, _)| handle)
                .collect()
        } else {
            Vec::new()
        }
    }
}
