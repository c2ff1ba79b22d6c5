//! The client's side: outcomes, eventual-consistency acceptance, status polls and the
//! client's own deadline.

use crate::engine::{EventQueue, SimDuration, SimTime, StreamPurpose};
use crate::metrics::Outcome;

use super::super::message::{Message, MessageKind, ROLLBACK_GAVE_UP};
use super::super::system::ComponentId;
use super::super::workflow::{PendingQuery, WorkflowRef};
use super::{Event, SendMode, StatusRoute, World};

/// Polls in a row that brought no news (no answer, or the same progress as the last
/// answer) after which the client backs off: waits of `every` × 2, 4, 8, ... In a healthy
/// system a workflow progresses well within this many intervals.
const POLLS_BEFORE_BACKOFF: u8 = 16;
/// The longest back-off, as a power of two of the poll interval (far beyond any run).
const MAX_POLL_BACKOFF: u8 = 40;

/// The client's wait after a poll that came `polls_without_news` polls after the last news:
/// `every`, doubling once `POLLS_BEFORE_BACKOFF` polls in a row brought none.
fn poll_wait(every: SimDuration, polls_without_news: u8) -> SimDuration {
    let backoff = polls_without_news
        .saturating_sub(POLLS_BEFORE_BACKOFF)
        .min(MAX_POLL_BACKOFF);
    SimDuration::from_nanos(every.as_nanos().saturating_mul(1u64 << backoff))
}

impl World<'_> {
    pub(super) fn client_receives(&mut self, now: SimTime, message: &Message) {
        let handle = message.workflow;
        let workflow = self.workflows.get_mut(handle);
        match message.kind {
            MessageKind::Done => self.end(now, handle, Outcome::Completed),
            MessageKind::Compensated => self.end(now, handle, Outcome::Compensated),
            MessageKind::Failed => self.end(now, handle, Outcome::Failed),
            MessageKind::Accepted => {
                workflow.accepted_at.get_or_insert(now);
            }
            MessageKind::CompensationReply => {
                // Count each step's report once: a duplicated report is not a new one.
                workflow.reports_mask |= 1u64 << message.step;
                if workflow.reports_mask.count_ones() == message.payload & !ROLLBACK_GAVE_UP {
                    let outcome = if message.payload & ROLLBACK_GAVE_UP != 0 {
                        Outcome::Failed
                    } else {
                        Outcome::Compensated
                    };
                    self.end(now, handle, outcome);
                }
            }
            MessageKind::StatusReply => {
                let measured = workflow.measured;
                let completed = i64::from(workflow.steps_completed());
                let answerer = match self.config.status_route {
                    StatusRoute::EveryStep => (0..self.spec.steps.len())
                        .find(|&s| self.spec.step_component(s) == message.src)
                        .unwrap_or(0),
                    _ => 0,
                };
                let workflow = self.workflows.get_mut(handle);
                if let Some(position) = workflow.pending_queries.find(message.payload) {
                    let query = workflow.pending_queries.get_mut(position);
                    let bit = 1u64 << answerer;
                    if query.answered_mask & bit == 0 {
                        query.answered_mask |= bit;
                        query.awaiting = query.awaiting.saturating_sub(1);
                        query.reported += message.step;
                    }
                    if query.awaiting == 0 {
                        let query = workflow.pending_queries.swap_remove(position);
                        if query.reported != workflow.last_reported_steps {
                            workflow.last_reported_steps = query.reported;
                            workflow.news_since_poll = true;
                        }
                        let staleness = completed - i64::from(query.reported);
                        self.metrics
                            .status_answered(measured, now.since(query.sent_at), staleness);
                    }
                }
            }
            other => panic!("a variant sent {} to the client", other.label()),
        }
        self.drop_reference(handle);
    }

    /// The client learns the workflow's outcome (only the first one counts).
    pub(super) fn end(&mut self, now: SimTime, handle: WorkflowRef, outcome: Outcome) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.outcome.is_none() {
            workflow.outcome = Some(outcome);
            let (number, measured) = (workflow.number, workflow.measured);
            let started_at = workflow.started_at;
            let answered_at = workflow.accepted_at.unwrap_or(now);
            self.metrics
                .workflow_ended(started_at, now, outcome, answered_at.since(started_at));
            if let Some(tracer) = &mut self.trace {
                tracer.ended(number, started_at, now, outcome, measured);
            }
            if self.spec.workload.status_every.is_some() {
                self.count_unanswerable_polls(number, started_at, measured, now, false);
            }
        }
    }

    /// Whether status polls are counted rather than simulated: where nobody can answer,
    /// a poll changes nothing but the count of queries issued (and of events), and an
    /// overloaded run would otherwise spend most of its time polling stuck workflows.
    pub(super) fn polls_are_counted(&self) -> bool {
        self.config.status_route == StatusRoute::Unsupported
    }

    /// The first status poll of workflow `number`: clients poll on their own clock, not in
    /// step with the workflow's start, so the first poll comes after a uniform phase in
    /// (0, every]; a workflow in flight for time T is polled about T / every times.
    pub(super) fn first_poll_after(&self, number: u64, every: SimDuration) -> SimDuration {
        let mut rng = self.streams.stream(StreamPurpose::StatusPhase, number, 0);
        SimDuration::from_nanos(1 + rng.below(every.as_nanos()))
    }

    /// Where polls are counted (`polls_are_counted`): workflow `number`, started at
    /// `started_at`, stopped being polled at `until` (its outcome, or the end of the run).
    /// Count the polls that simulating them would have issued, and the poll events that
    /// would have fired: the polls before `until` (`inclusive`: at or before it, for the
    /// end of the run, where events at the stop time still fire), then one more that
    /// finds the outcome and stops, if it falls within the run. A poll at exactly the
    /// instant of the outcome is counted as coming after it.
    pub(super) fn count_unanswerable_polls(
        &mut self,
        number: u64,
        started_at: SimTime,
        measured: bool,
        until: SimTime,
        inclusive: bool,
    ) {
        let Some(every) = self.spec.workload.status_every else {
            return;
        };
        if !self.polls_are_counted() {
            return;
        }
        // Nobody answers, so no poll brings news: the client's own schedule (`poll_wait`),
        // every interval for the first polls, then backing off.
        let mut next_poll = started_at + self.first_poll_after(number, every);
        let mut issued = 0u64;
        let mut polls_without_news = 0u8;
        while next_poll < until || (inclusive && next_poll == until) {
            issued += 1;
            next_poll += poll_wait(every, polls_without_news);
            polls_without_news = polls_without_news.saturating_add(1);
        }
        let fires_after = u64::from(!inclusive && next_poll <= self.run_end);
        self.metrics.status_issued_many(measured, issued);
        self.counted_events += issued + fires_after;
    }

    /// A status poll fires: ask whoever the variant says, then poll again later: after
    /// `every`, unless `POLLS_BEFORE_BACKOFF` polls in a row brought no news; then after
    /// twice the last wait, until an answer reports progress. A workflow stuck in an
    /// overloaded (or crashed) system then costs polls logarithmic, not linear, in its
    /// age, which keeps overloaded runs linear in simulated time.
    pub fn poll(&mut self, now: SimTime, handle: WorkflowRef, queue: &mut EventQueue<Event>) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.outcome.is_none() {
            let measured = workflow.measured;
            workflow.polls_without_news = if workflow.news_since_poll {
                0
            } else {
                workflow.polls_without_news.saturating_add(1)
            };
            workflow.news_since_poll = false;
            let polls_without_news = workflow.polls_without_news;
            self.metrics.status_issued(measured);
            self.ask_status(handle, now, 0, queue);
            let every = self
                .spec
                .workload
                .status_every
                .expect("polls are scheduled only with status_queries");
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(
                poll_wait(every, polls_without_news),
                Event::StatusPoll(handle),
            );
        }
        self.drop_reference(handle);
    }

    /// Send one status query (first asked at `first_sent`; `attempt` re-asks so far) to
    /// whoever the variant says answers, and arm the policy's timeout for it.
    fn ask_status(
        &mut self,
        handle: WorkflowRef,
        first_sent: SimTime,
        attempt: u32,
        queue: &mut EventQueue<Event>,
    ) {
        let targets: Vec<ComponentId> = match self.config.status_route {
            StatusRoute::Unsupported => return,
            StatusRoute::Component(component) => vec![component],
            StatusRoute::FirstService => vec![self.spec.step_component(0)],
            // The client cannot know a workflow's path: it asks every service of the
            // workflow's definition.
            StatusRoute::EveryStep => self.spec.workflow_services(),
        };
        let workflow = self.workflows.get_mut(handle);
        let id = workflow.next_query_id;
        workflow.next_query_id += 1;
        let awaiting = u8::try_from(targets.len()).expect("at most 64 steps");
        workflow.pending_queries.push(PendingQuery {
            id,
            attempt: u16::try_from(attempt).unwrap_or(u16::MAX),
            awaiting,
            reported: 0,
            sent_at: first_sent,
            answered_mask: 0,
        });
        for target in targets {
            self.send(
                queue,
                handle,
                ComponentId::CLIENT,
                target,
                MessageKind::StatusQuery,
                0,
                id,
                SendMode::Notify,
            );
        }
        if let Some(policy) = self.spec.failures.policy {
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(
                policy.timeout,
                Event::StatusTimeout {
                    workflow: handle,
                    id,
                    resend: false,
                },
            );
        }
    }

    /// A status query timed out (or its backoff ended): re-ask, with a fresh id so that
    /// late answers to the old one are ignored, until the policy's retries run out; then
    /// it stays unanswered.
    pub fn status_timeout(
        &mut self,
        handle: WorkflowRef,
        id: u32,
        resend: bool,
        queue: &mut EventQueue<Event>,
    ) {
        let policy = self
            .spec
            .failures
            .policy
            .expect("status timeouts need a policy");
        let workflow = self.workflows.get_mut(handle);
        if let Some(position) = workflow.pending_queries.find(id) {
            let query = *workflow.pending_queries.get_mut(position);
            let attempt = u32::from(query.attempt);
            if !resend && attempt < policy.retries && workflow.outcome.is_none() {
                let mut rng = self.streams.stream(
                    StreamPurpose::Jitter,
                    workflow.number,
                    u64::from(id) | 1 << 40,
                );
                let backoff = policy.backoff_before(attempt + 1, rng.next_open01());
                workflow.outstanding += 1;
                queue.schedule_in(
                    backoff,
                    Event::StatusTimeout {
                        workflow: handle,
                        id,
                        resend: true,
                    },
                );
            } else {
                workflow.pending_queries.remove(position);
                if resend && workflow.outcome.is_none() {
                    self.ask_status(handle, query.sent_at, attempt + 1, queue);
                }
            }
        }
        self.drop_reference(handle);
    }

    /// A status query `id` was refused: under `[policy]` it is asked again after a
    /// backoff, as after a timeout (a client backs off after a 503); otherwise it stays
    /// unanswered.
    pub(super) fn status_refused(
        &mut self,
        handle: WorkflowRef,
        id: u32,
        queue: &mut EventQueue<Event>,
    ) {
        if self.spec.failures.policy.is_some() {
            // The pending timeout for `id` then finds it re-asked under a new id.
            self.workflows.get_mut(handle).outstanding += 1;
            self.status_timeout(handle, id, false, queue);
        } else {
            let workflow = self.workflows.get_mut(handle);
            if let Some(position) = workflow.pending_queries.find(id) {
                workflow.pending_queries.remove(position);
            }
        }
    }

    /// The client's deadline passed: a workflow without an outcome has failed.
    pub fn client_timeout(&mut self, now: SimTime, handle: WorkflowRef) {
        let workflow = self.workflows.get(handle);
        if workflow.outcome.is_none()
            && workflow.measured
            && self.deadline_of(handle).is_some_and(|due| now >= due)
        {
            self.resilience.deadline_exceeded += 1;
        }
        self.end(now, handle, Outcome::Failed);
        self.drop_reference(handle);
    }
}
