//! A component's worker pool and bounded FIFO inbox, with busy-time accounting for
//! utilization.

use std::collections::VecDeque;

use crate::engine::SimTime;

use super::message::Message;

/// What happened to a message arriving at a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A worker was free and took it.
    Started,
    /// It waits in the inbox.
    Queued,
    /// The inbox was full: the message is dropped.
    Rejected,
}

#[derive(Debug)]
pub struct Station {
    workers: u32,
    busy: u32,
    queue_capacity: usize,
    inbox: VecDeque<Message>,
    /// Worker-nanoseconds busy inside the measurement window.
    busy_nanos: u128,
    last_change: SimTime,
    window_start: SimTime,
    window_end: SimTime,
}

impl Station {
    /// `window` is where busy time counts toward utilization.
    pub fn new(workers: u32, queue_capacity: u32, window: (SimTime, SimTime)) -> Self {
        Station {
            workers,
            busy: 0,
            queue_capacity: queue_capacity as usize,
            inbox: VecDeque::new(),
            busy_nanos: 0,
            last_change: SimTime::ZERO,
            window_start: window.0,
            window_end: window.1,
        }
    }

    pub fn workers(&self) -> u32 {
        self.workers
    }

    pub fn busy_nanos(&self) -> u128 {
        self.busy_nanos
    }

    pub fn backlog(&self) -> usize {
        self.inbox.len()
    }

    /// A message arrives: a free worker takes it, else it queues, else it is rejected.
    pub fn admit(&mut self, now: SimTime, message: Message) -> Admission {
        if self.busy < self.workers {
            self.set_busy(now, self.busy + 1);
            Admission::Started
        } else if self.inbox.len() < self.queue_capacity {
            self.inbox.push_back(message);
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// A worker finished; it takes the next waiting message, if any.
    pub fn release_worker(&mut self, now: SimTime) -> Option<Message> {
        assert!(
            self.busy > 0,
            "a worker finished at a station with none busy"
        );
        let next = self.inbox.pop_front();
        if next.is_none() {
            self.set_busy(now, self.busy - 1);
        }
        next
    }

    fn set_busy(&mut self, now: SimTime, busy: u32) {
        self.account_until(now);
        self.busy = busy;
    }

    /// Add the busy area since the last change, clipped to the window.
    pub fn account_until(&mut self, now: SimTime) {
        let from = self.last_change.max(self.window_start);
        let to = now.min(self.window_end);
        if to > from {
            self.busy_nanos += u128::from(self.busy) * u128::from(to.since(from).as_nanos());
        }
        self.last_change = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::Workflow;
    use crate::model::{ComponentId, MessageKind, WorkflowTable};

    fn message() -> Message {
        let mut table = WorkflowTable::default();
        let workflow = table.insert(Workflow::new(0, SimTime::ZERO, true));
        Message {
            workflow,
            index: 0,
            payload: 0,
            src: ComponentId::CLIENT,
            dst: ComponentId::service(0),
            kind: MessageKind::Start,
            step: 0,
        }
    }

    #[test]
    fn admits_queues_then_rejects_and_accounts_busy_time() {
        let mut station = Station::new(1, 1, (SimTime(0), SimTime(100)));
        assert_eq!(station.admit(SimTime(10), message()), Admission::Started);
        assert_eq!(station.admit(SimTime(20), message()), Admission::Queued);
        assert_eq!(station.admit(SimTime(30), message()), Admission::Rejected);
        assert!(
            station.release_worker(SimTime(40)).is_some(),
            "takes the queued one"
        );
        assert!(station.release_worker(SimTime(60)).is_none());
        station.account_until(SimTime(200));
        assert_eq!(station.busy_nanos(), 50, "busy from 10 to 60");
    }
}
