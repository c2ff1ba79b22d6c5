//! The commit–publish window: a service whose messages leave after its step commits
//! (a dual write) or through an outbox's relay, what a crash inside the window does to
//! them (lost, or published twice), and the relay catching up after a restart.

use crate::engine::{EventQueue, SimTime};
use crate::metrics::MessageCategory;

use super::super::message::Message;
use super::super::resilience::Publish;
use super::{Event, World};

impl World<'_> {
    /// How `message`'s sender publishes it, if through a window (dual write, outbox): a
    /// one-way message from a service, not a local task.
    fn publish_mode(&self, message: &Message) -> Option<(Publish, crate::engine::SimDuration)> {
        let service = &self.spec.services[message.src.service_index()?];
        (service.publish != Publish::Atomic && message.src != message.dst && message.hold == 0)
            .then_some((service.publish, service.publish_window))
    }

    /// Hold `message` back for its sender's publish window, if it has one (`true`): it
    /// goes out when the window ends, unless a crash comes first.
    #[inline(never)]
    pub(super) fn stage_publish(
        &mut self,
        message: &Message,
        category: MessageCategory,
        queue: &mut EventQueue<Event>,
    ) -> bool {
        let Some((_, window)) = self.publish_mode(message) else {
            return false;
        };
        let station = self.station_of(message.src, message.src_replica);
        let crashes = self.stations[station].crashes;
        let key = (station as u32, message.workflow.key(), message.index);
        self.resilience
            .unpublished
            .insert(key, (*message, crashes, false, category));
        // The row refers to the workflow for as long as it exists; the message itself,
        // and the event that publishes it, share the message's own reference.
        self.workflows.get_mut(message.workflow).outstanding += 1;
        queue.schedule_in(window, Event::Publish(*message));
        true
    }

    /// Remove the row under `key`, with its reference to its workflow.
    fn drop_row(&mut self, key: (u32, u64, u32)) {
        if let Some((message, ..)) = self.resilience.unpublished.remove(&key) {
            self.drop_reference(message.workflow);
        }
    }

    /// `message`'s window is over: publish it if the process that committed it still
    /// runs. A dual write whose sender crashed meanwhile is lost; an outbox row waits for
    /// the restart, when the relay publishes it.
    pub fn publish(&mut self, message: Message, queue: &mut EventQueue<Event>) {
        let Some((mode, window)) = self.publish_mode(&message) else {
            return;
        };
        let station = self.station_of(message.src, message.src_replica);
        let key = (station as u32, message.workflow.key(), message.index);
        let Some(&(_, crashes, published, category)) = self.resilience.unpublished.get(&key) else {
            return;
        };
        if published {
            // The relay published it at a restart inside the window already.
            return;
        }
        let alive = self.stations[station].up && self.stations[station].crashes == crashes;
        if !alive {
            if mode == Publish::DualWrite {
                let measured = self.workflows.get(message.workflow).measured;
                self.resilience.lost_after_commit += u64::from(measured);
                self.dead_letter(&message);
                self.drop_row(key);
            }
            return;
        }
        let number = self.workflows.get(message.workflow).number;
        if mode == Publish::Outbox {
            self.resilience
                .unpublished
                .insert(key, (message, crashes, true, category));
            self.workflows.get_mut(message.workflow).outstanding += 1;
            queue.schedule_in(window, Event::RelayMarked(message));
            self.transmit(queue, message, number, category);
        } else {
            self.transmit(queue, message, number, category);
            self.drop_row(key);
        }
    }

    /// The broker's ack for an outbox row is in: the relay marks it sent, if its process
    /// did not crash since it published it (then the restart publishes it again).
    pub fn relay_marked(&mut self, message: Message) {
        let station = self.station_of(message.src, message.src_replica);
        let key = (station as u32, message.workflow.key(), message.index);
        if let Some(&(_, crashes, true, _)) = self.resilience.unpublished.get(&key)
            && self.stations[station].up
            && self.stations[station].crashes == crashes
        {
            self.drop_row(key);
        }
        self.drop_reference(message.workflow);
    }

    /// `station` restarted: its outbox's relay publishes every row not marked sent, those
    /// it had published before the crash a second time (duplicates only an idempotent
    /// consumer absorbs).
    pub(super) fn relay_after_restart(
        &mut self,
        now: SimTime,
        station: usize,
        queue: &mut EventQueue<Event>,
    ) {
        let first = (station as u32, 0, 0);
        let last = (station as u32, u64::MAX, u32::MAX);
        let rows: Vec<_> = self
            .resilience
            .unpublished
            .range(first..=last)
            .map(|(&key, &row)| (key, row))
            .collect();
        let crashes = self.stations[station].crashes;
        for (key, (message, _, published, category)) in rows {
            let Some((Publish::Outbox, window)) = self.publish_mode(&message) else {
                continue;
            };
            let workflow = self.workflows.get(message.workflow);
            let (number, measured) = (workflow.number, workflow.measured);
            let sent = if published {
                self.resilience.duplicates_from_relay += u64::from(measured);
                let (copy, _) = self.copy_of(&message);
                self.transmit(queue, copy, number, MessageCategory::RetryDuplicate);
                copy
            } else {
                self.transmit(queue, message, number, category);
                message
            };
            let new_key = (station as u32, sent.workflow.key(), sent.index);
            self.resilience
                .unpublished
                .insert(new_key, (sent, crashes, true, category));
            // The new row's reference, and its mark's.
            self.workflows.get_mut(sent.workflow).outstanding += 2;
            queue.schedule_at(now + window, Event::RelayMarked(sent));
            if new_key != key {
                self.drop_row(key);
            } else {
                // The same message: its old row's reference is the new row's.
                self.drop_reference(sent.workflow);
            }
        }
    }
}
