//! A component's worker pool and bounded FIFO inbox, with busy-time accounting for
//! utilization, crash state (what a crash loses, what a broker keeps), and workers held by
//! blocking calls in sync communication.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::SimTime;

use super::message::Message;

/// What happened to a message arriving at a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A free worker took it.
    Started,
    /// It waits in the inbox.
    Queued,
    /// The inbox was full: the message is dropped.
    Rejected,
}

/// A worker kept busy by blocking calls it made (sync communication).
#[derive(Debug, Clone, Copy)]
pub struct HeldWorker {
    /// Calls still unanswered.
    pub remaining: u32,
    /// The message the worker was handling when it made the calls.
    pub handling: Message,
    /// Whether `handling`'s caller has already been answered.
    pub answered: bool,
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
    pub up: bool,
    /// Messages in service by (workflow key, message index), kept only when the scenario
    /// can crash this station.
    running: Option<BTreeMap<(u64, u32), Message>>,
    /// Messages a broker holds while the station is down.
    pub parked: VecDeque<Message>,
    pub held: BTreeMap<u32, HeldWorker>,
    next_hold: u32,
}

impl Station {
    /// `window` is where busy time counts toward utilization; `crashable` keeps the jobs in
    /// service so that a crash can hand them back to a broker.
    pub fn new(
        workers: u32,
        queue_capacity: u32,
        window: (SimTime, SimTime),
        crashable: bool,
    ) -> Self {
        Station {
            workers,
            busy: 0,
            queue_capacity: queue_capacity as usize,
            inbox: VecDeque::new(),
            busy_nanos: 0,
            last_change: SimTime::ZERO,
            window_start: window.0,
            window_end: window.1,
            up: true,
            running: crashable.then(BTreeMap::new),
            parked: VecDeque::new(),
            held: BTreeMap::new(),
            next_hold: 0,
        }
    }

    pub fn workers(&self) -> u32 {
        self.workers
    }

    pub fn busy_nanos(&self) -> u128 {
        self.busy_nanos
    }

    /// Messages waiting: in the inbox and held by a broker while the station is down.
    pub fn backlog(&self) -> usize {
        self.inbox.len() + self.parked.len()
    }

    /// A message arrives: a free worker takes it, else it queues, else it is rejected.
    pub fn admit(&mut self, now: SimTime, message: Message) -> Admission {
        if self.busy < self.workers {
            self.set_busy(now, self.busy + 1);
            self.start_job(message);
            Admission::Started
        } else if self.inbox.len() < self.queue_capacity {
            self.inbox.push_back(message);
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    fn start_job(&mut self, message: Message) {
        if let Some(running) = &mut self.running {
            running.insert((message.workflow.key(), message.index), message);
        }
    }

    /// `message` finished. `false` if it was lost in a crash meanwhile (a stale completion:
    /// a message handed back to a broker is re-indexed, so its old completion never matches).
    pub fn finish_job(&mut self, message: &Message) -> bool {
        match &mut self.running {
            Some(running) => running
                .remove(&(message.workflow.key(), message.index))
                .is_some(),
            None => true,
        }
    }

    /// A worker is free again; it takes the next waiting message, if any, as a new job.
    pub fn release_worker(&mut self, now: SimTime) -> Option<Message> {
        assert!(
            self.busy > 0,
            "a worker finished at a station with none busy"
        );
        match self.inbox.pop_front() {
            Some(next) => {
                self.start_job(next);
                Some(next)
            }
            None => {
                self.set_busy(now, self.busy - 1);
                None
            }
        }
    }

    /// Keep the current worker busy until `calls` blocking calls are answered.
    pub fn hold_worker(&mut self, handling: Message, calls: u32, answered: bool) -> u32 {
        self.next_hold = self.next_hold.wrapping_add(1).max(1);
        let hold = self.next_hold;
        self.held.insert(
            hold,
            HeldWorker {
                remaining: calls,
                handling,
                answered,
            },
        );
        hold
    }

    /// The id the next `hold_worker` call will return.
    pub fn next_hold_id(&self) -> u32 {
        self.next_hold.wrapping_add(1).max(1)
    }

    /// The station crashes: every worker stops. Returns the messages in service and in the
    /// inbox, in order, for the caller to hand to a broker or to lose, and the messages
    /// whose workers were held by calls (their callers' answers will find no one).
    pub fn crash(&mut self, now: SimTime) -> (Vec<Message>, Vec<Message>) {
        self.set_busy(now, 0);
        self.up = false;
        let held = std::mem::take(&mut self.held)
            .into_values()
            .map(|h| h.handling)
            .collect();
        let mut lost: Vec<Message> = self
            .running
            .as_mut()
            .map(|r| std::mem::take(r).into_values().collect())
            .unwrap_or_default();
        lost.extend(self.inbox.drain(..));
        (lost, held)
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
            hold: 0,
            src: ComponentId::CLIENT,
            dst: ComponentId::service(0),
            kind: MessageKind::Start,
            step: 0,
        }
    }

    #[test]
    fn admits_queues_then_rejects_and_accounts_busy_time() {
        let mut station = Station::new(1, 1, (SimTime(0), SimTime(100)), false);
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

    #[test]
    fn a_crash_hands_back_running_and_waiting_messages_and_stales_their_jobs() {
        let mut station = Station::new(1, 5, (SimTime(0), SimTime(100)), true);
        let first = message();
        assert_eq!(station.admit(SimTime(0), first), Admission::Started);
        station.admit(SimTime(1), message());
        assert_eq!(station.crash(SimTime(2)).0.len(), 2);
        assert!(!station.finish_job(&first), "the job died with the crash");
        assert!(!station.up);
    }
}
