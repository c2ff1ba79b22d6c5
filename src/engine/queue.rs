//! The future-event list: a binary min-heap ordered by `(time, sequence number)`, so that
//! events at the same instant fire in the order they were scheduled (FIFO for ties).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::{SimDuration, SimTime};

/// An event popped from the queue, with the time it fires.
#[derive(Debug)]
pub struct Scheduled<E> {
    pub at: SimTime,
    pub event: E,
}

struct Entry<E> {
    /// `time << 64 | seq`: one integer comparison orders by time, then FIFO.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest `(at, seq)` first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The event queue. `now` is the time of the last popped event; scheduling in the past is a
/// broken invariant of the model, not a user error.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event being handled (or last handled).
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedule `event` at absolute time `at`, which must not be in the past.
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        assert!(
            at >= self.now,
            "event scheduled in the past: {at} < {}",
            self.now
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            key: (u128::from(at.0) << 64) | u128::from(seq),
            event,
        });
    }

    /// Schedule `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        let at = self.now + delay;
        self.schedule_at(at, event);
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap
            .peek()
            .map(|entry| SimTime((entry.key >> 64) as u64))
    }

    /// Remove the earliest event and advance `now` to its time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let entry = self.heap.pop()?;
        let at = SimTime((entry.key >> 64) as u64);
        self.now = at;
        Some(Scheduled {
            at,
            event: entry.event,
        })
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
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_is_a_broken_invariant() {
        let mut queue = EventQueue::new();
        queue.schedule_at(SimTime(10), 1);
        queue.pop();
        queue.schedule_at(SimTime(3), 2);
    }
}
