//! The future-event list: a binary min-heap of 16-byte keys ordered by `(time, sequence
//! number)`, so that events at the same instant fire in the order they were scheduled
//! (FIFO for ties). The events themselves wait in a slab: the heap moves only the keys.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::time::{SimDuration, SimTime};

/// An event popped from the queue, with the time it fires.
#[derive(Debug)]
pub struct Scheduled<E> {
    pub at: SimTime,
    pub event: E,
}

/// Bits of a key that hold the slab slot; the sequence number sits above them.
const SLOT_BITS: u32 = 32;
const SLOT_MASK: u128 = (1 << SLOT_BITS) - 1;
/// Sequence numbers fit in 32 bits; when they run out, the pending keys are renumbered.
const SEQUENCE_LIMIT: u64 = 1 << 32;

/// `time << 64 | sequence << 32 | slot`: one integer comparison orders by time, then FIFO
/// (sequence numbers are unique, so the slot never decides).
fn key(at: SimTime, sequence: u64, slot: u32) -> u128 {
    (u128::from(at.0) << 64) | (u128::from(sequence) << SLOT_BITS) | u128::from(slot)
}

fn time_of(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

/// The event queue. `now` is the time of the last popped event; scheduling in the past is a
/// broken invariant of the model, not a user error.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<u128>>,
    /// Pending events by slot; `None` marks a free slot (listed in `free`).
    slab: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            slab: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event being handled (or last handled).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedule `event` at absolute time `at`, which must not be in the past.
    #[inline(always)]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        assert!(
            at >= self.now,
            "event scheduled in the past: {at} < {}",
            self.now
        );
        if self.next_seq == SEQUENCE_LIMIT {
            self.renumber();
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slab.len()).expect("fewer than 2^32 pending events");
                self.slab.push(Some(event));
                slot
            }
        };
        self.heap.push(Reverse(key(at, self.next_seq, slot)));
        self.next_seq += 1;
    }

    /// Give the pending keys the sequence numbers 0, 1, 2, ... in their current order, so
    /// that numbering can go on: the order of every pair of events stays the same.
    #[cold]
    fn renumber(&mut self) {
        let mut keys: Vec<u128> = self.heap.drain().map(|Reverse(key)| key).collect();
        keys.sort_unstable();
        for (sequence, pending) in keys.iter_mut().enumerate() {
            let slot = (*pending & SLOT_MASK) as u32;
            *pending = key(time_of(*pending), sequence as u64, slot);
        }
        self.next_seq = keys.len() as u64;
        self.heap = keys.into_iter().map(Reverse).collect();
    }

    /// Schedule `event` after `delay` from now. Always inlined: left to the inliner it went
    /// out of line in `transmit` once replicas grew the message path (about 2 % more
    /// instructions per run).
    #[inline(always)]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        let at = self.now + delay;
        self.schedule_at(at, event);
    }

    /// When the next event is due, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse(key)| time_of(*key))
    }

    /// Remove the earliest event and advance `now` to its time. Always inlined: it is half
    /// of the run loop, and left to the inliner it was called out of line once the model
    /// grew (about 3 % more instructions per run).
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let Reverse(key) = self.heap.pop()?;
        let at = time_of(key);
        let slot = (key & SLOT_MASK) as u32;
        let event = self.slab[slot as usize]
            .take()
            .expect("every key points at a pending event");
        self.free.push(slot);
        self.now = at;
        Some(Scheduled { at, event })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_for_ties() {
        let mut queue = EventQueue::new();
        queue.schedule_at(SimTime(5), "b");
        queue.schedule_at(SimTime(1), "a");
        queue.schedule_at(SimTime(5), "c");
        queue.schedule_at(SimTime(9), "d");
        queue.schedule_at(SimTime(5), "e");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop().map(|s| s.event)).collect();
        assert_eq!(order, ["a", "b", "c", "e", "d"]);
    }

    #[test]
    fn schedule_in_is_relative_to_the_last_popped_event() {
        let mut queue = EventQueue::new();
        queue.schedule_at(SimTime(10), 1);
        queue.pop();
        queue.schedule_in(SimDuration(5), 2);
        let next = queue.pop().map(|s| s.at);
        assert_eq!(next, Some(SimTime(15)));
    }

    #[test]
    fn renumbering_keeps_the_order_of_pending_events() {
        let mut queue = EventQueue::new();
        queue.next_seq = SEQUENCE_LIMIT - 3;
        for (at, label) in [(5, "b"), (1, "a"), (5, "c"), (9, "e"), (5, "d")] {
            queue.schedule_at(SimTime(at), label);
        }
        assert!(queue.next_seq < 10, "renumbered: {}", queue.next_seq);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop().map(|s| s.event)).collect();
        assert_eq!(order, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_is_a_broken_invariant() {
        let mut queue = EventQueue::new();
        queue.schedule_at(SimTime(10), 1);
        queue.pop();
        queue.schedule_at(SimTime(3), 2);
    }
}
