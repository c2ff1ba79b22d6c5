//! The client's side: outcomes, eventual-consistency acceptance, status polls and the
//! client's own deadline.

use crate::engine::{EventQueue, SimTime};
use crate::metrics::Outcome;

use super::super::message::{Message, MessageKind};
use super::super::system::ComponentId;
use super::super::workflow::{PendingQuery, WorkflowRef};
use super::{Event, StatusRoute, World};

/// Status queries a client keeps waiting on per workflow; older ones are given up.
const MAX_PENDING_QUERIES: usize = 64;

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
                workflow.reports_received += 1;
                if u32::from(workflow.reports_received) == message.payload {
                    self.end(now, handle, Outcome::Compensated);
                }
            }
            MessageKind::StatusReply => {
                let measured = workflow.measured;
                let completed = i64::from(workflow.steps_completed());
                if let Some(position) = workflow
                    .pending_queries
                    .iter()
                    .position(|q| q.id == message.payload)
                {
                    let query = &mut workflow.pending_queries[position];
                    query.awaiting = query.awaiting.saturating_sub(1);
                    query.reported += message.step;
                    if query.awaiting == 0 {
                        let query = workflow.pending_queries.swap_remove(position);
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
    fn end(&mut self, now: SimTime, handle: WorkflowRef, outcome: Outcome) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.outcome.is_none() {
            workflow.outcome = Some(outcome);
            let started_at = workflow.started_at;
            let answered_at = workflow.accepted_at.unwrap_or(now);
            self.metrics
                .workflow_ended(started_at, now, outcome, answered_at.since(started_at));
        }
    }

    /// A status poll fires: ask whoever the variant says, then poll again later.
    pub fn poll(&mut self, now: SimTime, handle: WorkflowRef, queue: &mut EventQueue<Event>) {
        let workflow = self.workflows.get_mut(handle);
        if workflow.outcome.is_none() {
            let measured = workflow.measured;
            self.metrics.status_issued(measured);
            let id = workflow.next_query_id;
            workflow.next_query_id += 1;
            let targets: Vec<ComponentId> = match self.config.status_route {
                StatusRoute::Unsupported => Vec::new(),
                StatusRoute::Component(component) => vec![component],
                StatusRoute::FirstService => vec![self.spec.step_component(0)],
                StatusRoute::EveryStep => (0..self.step_count())
                    .map(|s| self.spec.step_component(s))
                    .collect(),
            };
            if !targets.is_empty() {
                let awaiting = u8::try_from(targets.len()).expect("at most 64 steps");
                let pending = &mut self.workflows.get_mut(handle).pending_queries;
                if pending.len() >= MAX_PENDING_QUERIES {
                    pending.remove(0);
                }
                pending.push(PendingQuery {
                    id,
                    sent_at: now,
                    awaiting,
                    reported: 0,
                });
            }
            for target in targets {
                self.send(
                    queue,
                    handle,
                    ComponentId::CLIENT,
                    target,
                    MessageKind::StatusQuery,
                    0,
                    id,
                );
            }
            let every = self
                .spec
                .workload
                .status_every
                .expect("polls are scheduled only with status_queries");
            self.workflows.get_mut(handle).outstanding += 1;
            queue.schedule_in(every, Event::StatusPoll(handle));
        }
        self.drop_reference(handle);
    }

    /// The client's deadline passed: a workflow without an outcome has failed.
    pub fn client_timeout(&mut self, now: SimTime, handle: WorkflowRef) {
        self.end(now, handle, Outcome::Failed);
        self.drop_reference(handle);
    }
}
