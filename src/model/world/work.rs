//! A worker's job: how long it holds a message (its task's cost, drawn from the
//! workflow's keyed streams, times any slowdown), and what finishing it does to the
//! workflow (a step committed or failed, a compensation applied).

use crate::engine::{EventQueue, SimDuration, SimTime, StreamPurpose};

use super::super::message::{Message, MessageKind};
use super::super::system::ComponentId;
use super::super::trace::{Task, TraceRecord};
use super::{Event, WorkResult, World};

impl World<'_> {
    /// A worker starts `message`: draw its cost and schedule its end.
    pub(super) fn start_work(
        &mut self,
        now: SimTime,
        message: Message,
        queue: &mut EventQueue<Event>,
    ) {
        let task = task_of(&message);
        let workflow = self.workflows.get(message.workflow);
        let number = workflow.number;
        // An idempotent service recognises a request it has already applied (a step or a
        // compensation) by its key, at the cost of a lookup: its query cost.
        let bit = 1u64 << message.step;
        let repeat = match task {
            Task::Step => workflow.done_mask & bit != 0,
            Task::Compensate => workflow.compensated_mask & bit != 0,
            _ => false,
        };
        let idempotent_repeat = repeat && self.service_is_idempotent(message.dst);
        let mut duration = self.cost(
            &message,
            if idempotent_repeat { Task::Query } else { task },
            number,
        );
        let factor = self.slow_factor[message.dst.index()];
        if factor != 1.0 {
            duration = SimDuration::from_nanos_f64(duration.as_nanos_f64() * factor);
            if let Some(occurrence) = self.slowed_by[message.dst.index()] {
                self.touch(message.workflow, occurrence);
            }
        }
        if task == Task::Step && message.src != message.dst {
            if let Some(due) = self.deadline_of(message.workflow) {
                // Past the deadline a worker drops the work on sight; work under way
                // when it passes is cancelled then (the context a handler and its
                // transaction are bound to), its effect rolled back.
                duration = if now >= due {
                    SimDuration::ZERO
                } else {
                    duration.min(due.since(now))
                };
            }
            if let Some(jobs) = &mut self.resilience.jobs {
                jobs.insert((message.workflow.key(), message.index), duration);
            }
        }
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::WorkStarted {
                at: now,
                workflow: number,
                index: message.index,
                component: message.dst,
                task,
                step: message.step,
                duration,
            });
        }
        queue.schedule_at(now + duration, Event::WorkerDone(message));
    }

    pub(super) fn service_is_idempotent(&self, id: ComponentId) -> bool {
        id.service_index()
            .is_some_and(|index| self.spec.services[index].idempotent)
    }

    /// How long a worker at `message.dst` holds this message.
    fn cost(&self, message: &Message, task: Task, number: u64) -> SimDuration {
        let at = message.dst;
        let step = u64::from(message.step);
        let index = u64::from(message.index);
        if task == Task::Resume {
            return SimDuration::ZERO;
        }
        if at == ComponentId::ORCHESTRATOR {
            let orchestrator = self
                .spec
                .orchestrator
                .as_ref()
                .expect("validated: orchestrator present");
            return match task {
                Task::Query => orchestrator.query.sample(&mut self.streams.stream(
                    StreamPurpose::Query,
                    number,
                    index,
                )),
                _ => {
                    let mut rng = self
                        .streams
                        .stream(StreamPurpose::Coordination, number, index);
                    orchestrator.work.sample(&mut rng) + orchestrator.journal.sample(&mut rng)
                }
            };
        }
        let service = &self.spec.services[at.service_index().expect("work happens at a service")];
        match task {
            Task::Step => {
                service
                    .work
                    .sample(&mut self.streams.stream(StreamPurpose::Work, number, step))
            }
            Task::Compensate => service.compensate.sample(&mut self.streams.stream(
                StreamPurpose::Compensation,
                number,
                step,
            )),
            Task::Query => {
                service
                    .query
                    .sample(&mut self.streams.stream(StreamPurpose::Query, number, index))
            }
            Task::Coordinate | Task::Resume => {
                let mut rng = self
                    .streams
                    .stream(StreamPurpose::Coordination, number, index);
                let progress = service.progress.sample(&mut rng);
                let journal = service.journal.sample(&mut rng);
                if self.config.coordinator == Some(at) {
                    // The workflow's owner applies a report to its state and journals it.
                    progress + journal
                } else {
                    // Anyone else handling a report (a join gathering its branches'
                    // rollback reports, a sync chain passing a failure back) only writes
                    // it down: it has no workflow state to apply progress to.
                    journal
                }
            }
        }
    }

    /// A worker finished `message`: apply the effect of its task on the workflow. `None`
    /// if the work was lost in a crash (nothing happens).
    pub fn finish_work(
        &mut self,
        now: SimTime,
        message: &Message,
        queue: &mut EventQueue<Event>,
    ) -> Option<WorkResult> {
        let station = self.station_of(message.dst, message.dst_replica);
        let job = match &mut self.resilience.jobs {
            Some(jobs) => jobs.remove(&(message.workflow.key(), message.index)),
            None => None,
        };
        if !self.stations[station].finish_job(message) {
            return None;
        }
        if let Some(duration) = job {
            let expired = self
                .deadline_of(message.workflow)
                .is_some_and(|due| now >= due);
            self.count_wasted(message, duration, expired);
            if expired {
                if self.replicas.any {
                    self.replica_finished(now, message, station);
                }
                self.expire(now, *message, queue);
                return None;
            }
        }
        if self.replicas.any {
            self.replica_finished(now, message, station);
        }
        self.complexity.reacted(message);
        let result = match task_of(message) {
            Task::Step => self.apply_step(now, message),
            Task::Compensate => self.apply_compensation(now, message),
            Task::Query => WorkResult::Answered,
            Task::Coordinate | Task::Resume => WorkResult::Applied,
        };
        if self.sync {
            self.handling = Some(self.handling_of(now, message));
        }
        Some(result)
    }

    fn apply_step(&mut self, now: SimTime, message: &Message) -> WorkResult {
        let bit = 1u64 << message.step;
        let service =
            &self.spec.services[message.dst.service_index().expect("steps run at services")];
        let all_steps = self.path_of(message.workflow).mask();
        let workflow = self.workflows.get_mut(message.workflow);
        let repeat = workflow.done_mask & bit != 0;
        let committed = if repeat {
            workflow.completed_mask & bit != 0
        } else if service.fail == 0.0 {
            true
        } else {
            let mut rng = self.streams.stream(
                StreamPurpose::Failure,
                workflow.number,
                u64::from(message.step),
            );
            !rng.bernoulli(service.fail)
        };
        workflow.done_mask |= bit;
        let measured = workflow.measured;
        if repeat && !service.idempotent {
            self.metrics.duplicate_effect(measured);
        }
        if committed && !(repeat && service.idempotent) {
            workflow.completed_mask |= bit;
            workflow.committed_mask |= bit;
        }
        let (number, started, consistent_now) = (
            workflow.number,
            workflow.started_at,
            !workflow.consistent
                && (workflow.committed_mask == all_steps
                    || !committed && workflow.committed_mask == 0),
        );
        if consistent_now {
            workflow.consistent = true;
            self.metrics
                .time_to_consistency(measured, now.since(started));
        }
        if let Some(trace) = self.tracing(number) {
            trace.push(TraceRecord::StepFinished {
                at: now,
                workflow: number,
                step: message.step,
                committed,
            });
        }
        if committed {
            WorkResult::Committed
        } else {
            WorkResult::StepFailed
        }
    }

    fn apply_compensation(&mut self, now: SimTime, message: &Message) -> WorkResult {
        let bit = 1u64 << message.step;
        let idempotent = self.service_is_idempotent(message.dst);
        let workflow = self.workflows.get_mut(message.workflow);
        let measured = workflow.measured;
        // Undone already, and not applied again since: a second undo is a duplicate
        // effect. (A step a late event applied again after its undo is undone again.)
        if workflow.compensated_mask & bit != 0 && workflow.committed_mask & bit == 0 {
            if !idempotent {
                self.metrics.duplicate_effect(measured);
            }
        } else {
            workflow.compensated_mask |= bit;
            workflow.committed_mask &= !bit;
            if workflow.committed_mask == 0 && !workflow.consistent {
                workflow.consistent = true;
                let started = workflow.started_at;
                self.metrics
                    .time_to_consistency(measured, now.since(started));
            }
        }
        WorkResult::Compensated
    }
}

/// What a worker does with a message, from its kind and where it arrives.
pub fn task_of(message: &Message) -> Task {
    match message.kind {
        MessageKind::Start if message.dst == ComponentId::ORCHESTRATOR => Task::Coordinate,
        MessageKind::Start | MessageKind::Command | MessageKind::Event => Task::Step,
        MessageKind::Compensate => Task::Compensate,
        MessageKind::StatusQuery => Task::Query,
        MessageKind::Ack => Task::Resume,
        _ => Task::Coordinate,
    }
}
