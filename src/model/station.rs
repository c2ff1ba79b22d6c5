//! A component's worker pool and bounded FIFO inbox, with busy-time accounting for
//! utilization, crash state (what a crash loses, what a broker keeps), and workers held by
//! blocking calls in sync communication.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::engine::SimTime;
use crate::metrics::LatencyHistogram;

use super::message::{CALL_ID_MASK, Message};

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

/// Where a worker held by a blocking call stands (sync communication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldState {
    /// Blocked until the call is answered or times out.
    Waiting,
    /// The call timed out: backing off before a retry, or about to give up. An answer
    /// that arrives now is too late and is dropped, as an RPC client drops the response
    /// to a call it abandoned.
    Sleeping,
    /// The answer arrived: the worker handles it as a continuation of the same job.
    Continuing,
}

/// A worker kept by a blocking call it made (sync communication), with what it needs to
/// carry on once the call is answered.
#[derive(Debug, Clone, Copy)]
pub struct HeldWorker {
    /// The request that occupies the worker: its caller gets the worker's answer.
    pub request: Message,
    /// Whether `request`'s caller has already been answered.
    pub answered: bool,
    /// The outstanding call, re-sent on a participant's retry.
    pub call: Message,
    /// Retries of `call` made so far.
    pub attempt: u32,
    pub state: HoldState,
    /// A fan-out: the steps whose answers the job still awaits, all its calls made under
    /// one id (each answer names its callee's step, so a repeat is told apart). 0: one
    /// call, which any answer to its id ends.
    pub awaiting: u64,
    /// Whether the job is a fan-out (it stays one once every answer is in).
    pub fan_out: bool,
}

/// What became of an answer reaching a held job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// The waiting worker continues with it now.
    Continue,
    /// The worker is busy with an earlier answer of its fan-out: this one waits for it.
    Queued,
    /// Nobody waits for it (timed out, crashed, or a repeat).
    Dropped,
}

#[derive(Debug)]
pub struct Station {
    workers: u32,
    busy: u32,
    queue_capacity: usize,
    /// Waiting messages, with when each joined the inbox.
    inbox: VecDeque<(SimTime, Message)>,
    /// Worker-nanoseconds busy inside the measurement window, and over the whole run
    /// (kept only where an autoscaler or a reading needs it: `reads_total_busy`).
    busy_nanos: u128,
    total_busy_nanos: u128,
    pub reads_total_busy: bool,
    last_change: SimTime,
    window_start: SimTime,
    window_end: SimTime,
    pub up: bool,
    /// Crashes so far: a message committed before one cannot be published by the
    /// process that committed it (`publish`).
    pub crashes: u32,
    /// Messages in service by (workflow key, message index), kept only when the scenario
    /// can crash this station.
    running: Option<BTreeMap<(u64, u32), Message>>,
    /// Messages a broker holds while the station is down.
    pub parked: VecDeque<Message>,
    /// Workers held by blocking calls, by call id.
    held: BTreeMap<u32, HeldWorker>,
    /// Answers of a fan-out that arrived while its worker handled an earlier one, in order.
    fan_in: VecDeque<Message>,
    /// Calls made with no worker held (a coordinator resuming after a restart): their
    /// answers queue in the inbox.
    unheld_calls: BTreeSet<u32>,
    next_call: u32,
    /// Workers blocked on a call (waiting or backing off), and their worker-nanoseconds
    /// inside the measurement window.
    blocked: u32,
    blocked_nanos: u128,
    /// Inbox statistics: the longest it got, and messages refused because it was full.
    max_queue: usize,
    rejected: u64,
    /// Of the measured ones, those refused with an answer (`overflow = "reject"`).
    pub rejections_answered: u64,
    /// Time from joining the inbox to a worker taking the message, for the messages taken
    /// inside the measurement window (0 when a worker was free).
    queue_wait: LatencyHistogram,
    /// Messages addressed here that were lost (measured workflows only, like the summary's).
    pub dead_letters: u64,
    /// Jobs finished inside the measurement window.
    pub handled: u64,
    /// Nanoseconds down inside the measurement window, and since when it is down.
    down_nanos: u128,
    down_since: SimTime,
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
            total_busy_nanos: 0,
            reads_total_busy: false,
            last_change: SimTime::ZERO,
            window_start: window.0,
            window_end: window.1,
            up: true,
            crashes: 0,
            running: crashable.then(BTreeMap::new),
            parked: VecDeque::new(),
            held: BTreeMap::new(),
            fan_in: VecDeque::new(),
            unheld_calls: BTreeSet::new(),
            next_call: 0,
            blocked: 0,
            blocked_nanos: 0,
            max_queue: 0,
            rejected: 0,
            rejections_answered: 0,
            queue_wait: LatencyHistogram::new(),
            dead_letters: 0,
            handled: 0,
            down_nanos: 0,
            down_since: SimTime::ZERO,
        }
    }

    /// Whether a worker is free to take a message now.
    #[inline]
    pub fn has_free_worker(&self) -> bool {
        self.up && self.busy < self.workers
    }

    /// Messages it holds: waiting in its inbox or in service (a balancer's "outstanding").
    pub fn load(&self) -> usize {
        self.inbox.len() + self.busy as usize
    }

    /// A free worker takes `message`, which waited since `since` in a queue shared by the
    /// component's replicas (a broker's competing consumers).
    pub fn take_pooled(&mut self, now: SimTime, since: SimTime, message: Message) {
        assert!(
            self.has_free_worker(),
            "a pooled message needs a free worker"
        );
        self.set_busy(now, self.busy + 1);
        self.record_wait(now, since);
        self.start_job(message);
    }

    /// The time its inbox messages waited, for pooling a component's replicas.
    pub fn queue_wait(&self) -> &LatencyHistogram {
        &self.queue_wait
    }

    /// Whether `now` lies in the measurement window.
    pub fn in_window(&self, now: SimTime) -> bool {
        now >= self.window_start && now < self.window_end
    }

    /// It restarts (a crash ended): workers take messages again.
    pub fn restart(&mut self, now: SimTime) {
        self.up = true;
        self.down_nanos += self.clipped(self.down_since, now);
    }

    /// Nanoseconds it was down inside the measurement window, up to `end`.
    pub fn down_nanos(&self, end: SimTime) -> u128 {
        self.down_nanos
            + if self.up {
                0
            } else {
                self.clipped(self.down_since, end)
            }
    }

    fn clipped(&self, from: SimTime, to: SimTime) -> u128 {
        let from = from.max(self.window_start);
        let to = to.min(self.window_end);
        if to > from {
            u128::from(to.since(from).as_nanos())
        } else {
            0
        }
    }

    pub fn workers(&self) -> u32 {
        self.workers
    }

    pub fn busy_nanos(&self) -> u128 {
        self.busy_nanos
    }

    /// Worker-nanoseconds busy since the start, up to `now` (an autoscaler's reading).
    pub fn total_busy_nanos(&mut self, now: SimTime) -> u128 {
        self.account_until(now);
        self.total_busy_nanos
    }

    /// Whether it holds no work: nothing in service, waiting, held by calls or parked
    /// (a draining replica is removed then).
    pub fn is_idle(&self) -> bool {
        self.busy == 0
            && self.inbox.is_empty()
            && self.parked.is_empty()
            && self.held.is_empty()
            && self.fan_in.is_empty()
            && self.unheld_calls.is_empty()
    }

    /// Worker-nanoseconds spent blocked on calls inside the measurement window.
    pub fn blocked_nanos(&self) -> u128 {
        self.blocked_nanos
    }

    /// The longest the inbox got.
    pub fn max_queue(&self) -> usize {
        self.max_queue
    }

    /// Messages refused by a full inbox.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// The 99th percentile of the time messages waited in the inbox, in milliseconds.
    pub fn queue_wait_p99_ms(&self) -> Option<f64> {
        self.queue_wait.quantile_ms(0.99)
    }

    fn record_wait(&mut self, now: SimTime, since: SimTime) {
        if now >= self.window_start && now < self.window_end {
            self.queue_wait.record(now.since(since));
        }
    }

    /// Messages waiting: in the inbox and held by a broker while the station is down.
    pub fn backlog(&self) -> usize {
        self.inbox.len() + self.parked.len()
    }

    /// A message arrives: a free worker takes it, else it queues, else it is rejected.
    #[inline]
    pub fn admit(&mut self, now: SimTime, message: Message) -> Admission {
        if self.busy < self.workers {
            self.set_busy(now, self.busy + 1);
            self.record_wait(now, now);
            self.start_job(message);
            Admission::Started
        } else if self.inbox.len() < self.queue_capacity {
            self.inbox.push_back((now, message));
            self.max_queue = self.max_queue.max(self.inbox.len());
            Admission::Queued
        } else {
            self.rejected += 1;
            Admission::Rejected
        }
    }

    /// Track `message` as in service (so that a crash can hand it back to a broker).
    #[inline]
    pub fn start_job(&mut self, message: Message) {
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
    #[inline]
    pub fn release_worker(&mut self, now: SimTime) -> Option<Message> {
        assert!(
            self.busy > 0,
            "a worker finished at a station with none busy"
        );
        match self.inbox.pop_front() {
            Some((since, next)) => {
                self.record_wait(now, since);
                self.start_job(next);
                Some(next)
            }
            None => {
                self.set_busy(now, self.busy - 1);
                None
            }
        }
    }

    /// Call `id` was made with no worker held: its answer is to queue in the inbox.
    pub fn expect_unheld_answer(&mut self, id: u32) {
        self.unheld_calls.insert(id);
    }

    /// Whether an answer to call `id` is the awaited answer to a call made with no worker
    /// held (only the first one is: later copies are duplicates).
    pub fn take_unheld_answer(&mut self, id: u32) -> bool {
        self.unheld_calls.remove(&id)
    }

    /// A fresh id for a blocking call made by one of this station's workers.
    pub fn fresh_call_id(&mut self) -> u32 {
        self.next_call = (self.next_call.wrapping_add(1) & CALL_ID_MASK).max(1);
        self.next_call
    }

    /// Keep the current worker busy under call id `id`.
    pub fn hold(&mut self, now: SimTime, id: u32, held: HeldWorker) {
        if held.state != HoldState::Continuing {
            self.set_blocked(now, self.blocked + 1);
        }
        let previous = self.held.insert(id, held);
        assert!(previous.is_none(), "call id {id} is already held");
    }

    /// The held worker under `id`, if any.
    pub fn held(&self, id: u32) -> Option<&HeldWorker> {
        self.held.get(&id)
    }

    /// Take the held worker under `id` out of the table (to continue, re-key or free it).
    pub fn take_held(&mut self, now: SimTime, id: u32) -> Option<HeldWorker> {
        let held = self.held.remove(&id)?;
        if held.state != HoldState::Continuing {
            self.set_blocked(now, self.blocked - 1);
        }
        Some(held)
    }

    /// The answer to call `id`, from the callee of `step`, arrived: the waiting worker
    /// continues with it, or (a fan-out whose worker is busy) it waits for the worker.
    pub fn continue_held(&mut self, now: SimTime, id: u32, step: u8) -> Answered {
        let Some(held) = self.held.get_mut(&id) else {
            return Answered::Dropped;
        };
        if held.awaiting != 0 {
            let bit = 1u64 << step;
            if held.awaiting & bit == 0 || held.state == HoldState::Sleeping {
                return Answered::Dropped;
            }
            held.awaiting &= !bit;
            if held.state == HoldState::Continuing {
                return Answered::Queued;
            }
        } else if held.state != HoldState::Waiting {
            return Answered::Dropped;
        }
        held.state = HoldState::Continuing;
        self.set_blocked(now, self.blocked - 1);
        Answered::Continue
    }

    /// Keep an answer of fan-out `id` until its worker is done with the one before.
    pub fn queue_fan_in(&mut self, answer: Message) {
        self.fan_in.push_back(answer);
    }

    /// Whether an answer of fan-out `id` waits for its worker.
    pub fn has_fan_in(&self, id: u32) -> bool {
        self.fan_in
            .iter()
            .any(|answer| answer.answered_call() == Some(id))
    }

    /// The next answer of fan-out `id` that waited for its worker, if any.
    pub fn next_fan_in(&mut self, id: u32) -> Option<Message> {
        let position = self
            .fan_in
            .iter()
            .position(|answer| answer.answered_call() == Some(id))?;
        self.fan_in.remove(position)
    }

    /// Call `id` timed out: its worker stops waiting for it (a late answer is dropped) and
    /// sleeps under a new id until it retries or gives up. `None` if it was not waiting.
    pub fn sleep_held(&mut self, now: SimTime, id: u32) -> Option<u32> {
        if self.held.get(&id)?.state != HoldState::Waiting {
            return None;
        }
        let mut held = self.take_held(now, id).expect("just found");
        held.state = HoldState::Sleeping;
        let sleeping = self.fresh_call_id();
        self.hold(now, sleeping, held);
        Some(sleeping)
    }

    /// The station crashes: every worker stops. Returns the messages in service and in the
    /// inbox, in order, for the caller to hand to a broker or to lose, and the messages
    /// whose workers were held by calls (their callers' answers will find no one).
    pub fn crash(&mut self, now: SimTime) -> (Vec<Message>, Vec<Message>) {
        self.set_busy(now, 0);
        self.set_blocked(now, 0);
        self.up = false;
        self.crashes += 1;
        self.down_since = now;
        let held = std::mem::take(&mut self.held)
            .into_values()
            .map(|h| h.request)
            .collect();
        let mut lost: Vec<Message> = self
            .running
            .as_mut()
            .map(|r| std::mem::take(r).into_values().collect())
            .unwrap_or_default();
        // A fan-out's answers that waited for its worker find nobody after the restart.
        lost.extend(self.fan_in.drain(..));
        lost.extend(self.inbox.drain(..).map(|(_, message)| message));
        (lost, held)
    }

    fn set_busy(&mut self, now: SimTime, busy: u32) {
        self.account_until(now);
        self.busy = busy;
    }

    fn set_blocked(&mut self, now: SimTime, blocked: u32) {
        self.account_until(now);
        self.blocked = blocked;
    }

    /// Add the busy and blocked areas since the last change, clipped to the window.
    pub fn account_until(&mut self, now: SimTime) {
        if self.reads_total_busy {
            self.total_busy_nanos +=
                u128::from(self.busy) * u128::from(now.since(self.last_change).as_nanos());
        }
        let from = self.last_change.max(self.window_start);
        let to = now.min(self.window_end);
        if to > from {
            let span = u128::from(to.since(from).as_nanos());
            self.busy_nanos += u128::from(self.busy) * span;
            self.blocked_nanos += u128::from(self.blocked) * span;
        }
        self.last_change = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::Workflow;
    use crate::model::workflow::WorkflowTable;
    use crate::model::{ComponentId, MessageKind};

    fn message() -> Message {
        let mut table = WorkflowTable::default();
        let workflow = table.insert(Workflow::new(0, 0, SimTime::ZERO, true));
        Message {
            workflow,
            index: 0,
            payload: 0,
            hold: 0,
            src: ComponentId::CLIENT,
            dst: ComponentId::service(0),
            kind: MessageKind::Start,
            step: 0,
            src_replica: 0,
            dst_replica: 0,
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

    /// A fan-out's answers: each callee's first answer counts (a repeat is dropped); one
    /// that arrives while the worker handles another waits for it; the job stays a
    /// fan-out once every answer is in.
    #[test]
    fn a_fan_out_takes_each_answer_once_and_one_at_a_time() {
        let mut station = Station::new(1, 5, (SimTime(0), SimTime(100)), false);
        assert_eq!(station.admit(SimTime(0), message()), Admission::Started);
        let id = station.fresh_call_id();
        let held = HeldWorker {
            request: message(),
            answered: false,
            call: message(),
            attempt: 0,
            state: HoldState::Waiting,
            awaiting: 1 << 2 | 1 << 3,
            fan_out: true,
        };
        station.hold(SimTime(1), id, held);
        assert_eq!(station.continue_held(SimTime(2), id, 2), Answered::Continue);
        assert_eq!(
            station.continue_held(SimTime(3), id, 2),
            Answered::Dropped,
            "a repeated answer"
        );
        assert_eq!(
            station.continue_held(SimTime(3), id, 3),
            Answered::Queued,
            "the worker is busy with step 2's answer"
        );
        assert_eq!(station.continue_held(SimTime(4), id, 4), Answered::Dropped);
        let mut answer = message();
        answer.mark_answer(id);
        station.queue_fan_in(answer);
        assert!(station.next_fan_in(id + 1).is_none());
        assert!(station.next_fan_in(id).is_some());
        let held = station.take_held(SimTime(5), id).expect("held");
        assert_eq!((held.awaiting, held.fan_out), (0, true));
        station.account_until(SimTime(10));
        assert_eq!(
            station.blocked_nanos(),
            1,
            "blocked from 1 until the first answer"
        );
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
