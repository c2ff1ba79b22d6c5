//! Closing a run: what has no outcome is stuck, and what every component (and each of its
//! replicas) measured, for the run's result.

use crate::engine::SimTime;
use crate::metrics::{
    BreakerRow, ComponentLoad, ComponentRole, Outcome, ReplicaLoad, ResilienceResult, RunResult,
};

use super::super::station::Station;
use super::super::system::ComponentId;
use super::super::trace::TraceRecord;
use super::{World, is_inconsistent};

impl World<'_> {
    /// Close the run at `end`: whatever has no outcome is stuck. Returns the trace's
    /// records and, for a `Find` filter, the workflows it picked.
    pub fn finish(mut self, end: SimTime, events: u64) -> (RunResult, Vec<TraceRecord>, Vec<u64>) {
        let remaining: Vec<(u64, SimTime, bool, bool, bool)> = self
            .workflows
            .live()
            .map(|w| {
                (
                    w.number,
                    w.started_at,
                    w.outcome.is_none(),
                    is_inconsistent(w, self.spec.workflow.path(w.path).mask())
                        || (w.outcome.is_none() && w.committed_mask != 0),
                    w.measured,
                )
            })
            .collect();
        for (number, started_at, stuck, inconsistent, measured) in remaining {
            if stuck {
                self.metrics
                    .workflow_ended(started_at, end, Outcome::Stuck, end.since(started_at));
                if let Some(tracer) = &mut self.trace {
                    tracer.ended(number, started_at, end, Outcome::Stuck, measured);
                }
                self.count_unanswerable_polls(number, started_at, measured, end, true);
            }
            if inconsistent {
                self.metrics.workflow_inconsistent(measured);
            }
        }
        let mut loads = Vec::new();
        for index in 0..self.spec.component_count() {
            let id = ComponentId(u16::try_from(index).expect("component count is validated"));
            if id == ComponentId::ORCHESTRATOR && !self.config.uses_orchestrator {
                continue;
            }
            loads.push(self.component_load(id, end));
        }
        let rejections_answered = loads.iter().map(|l| l.rejections_answered).sum();
        let resilience = self.resilience_result(end, rejections_answered);
        let mut result = self
            .metrics
            .finish(end, events + self.counted_events, &loads);
        result.scaling = std::mem::take(&mut self.scaling);
        result.resilience = resilience;
        if let Some(profile) = &self.spec.workload.profile {
            // The profile's corners inside the arrivals, and the rate where they stop.
            let end_s = self.arrivals_end.as_secs_f64();
            result.offered_per_s = profile
                .points()
                .iter()
                .copied()
                .filter(|&(at, _)| at < end_s)
                .chain(std::iter::once((end_s, profile.rate_at(end_s))))
                .collect();
        }
        let (records, picked) = match self.trace {
            Some(tracer) => {
                let picked = tracer.picked();
                (tracer.into_records(), picked)
            }
            None => (Vec::new(), Vec::new()),
        };
        (result, records, picked)
    }

    /// What component `id`'s replicas measured, together (and each, when replicated).
    fn component_load(&mut self, id: ComponentId, end: SimTime) -> ComponentLoad {
        let is_coordinator = self.config.coordinator == Some(id);
        let role = match id {
            ComponentId::CLIENT => ComponentRole::Client,
            ComponentId::ORCHESTRATOR => ComponentRole::Orchestrator,
            _ if is_coordinator => ComponentRole::FrontController,
            _ => ComponentRole::Participant,
        };
        let first = self.station_of(id, 0);
        let count = if self.replicas.any {
            self.replicas.count(id) as usize
        } else {
            1
        };
        let deployment = self.spec.deployment(id);
        let mut replicas = Vec::new();
        let mut provisioned_nanos = 0u128;
        for (replica, station) in self.stations[first..first + count].iter_mut().enumerate() {
            station.account_until(end);
            if self.replicas.any && deployment.is_some() {
                let index = first + replica;
                let paid = self.replicas.provisioned_until(index, end);
                provisioned_nanos += paid;
                if !self.replicas.ever_provisioned[index] {
                    continue;
                }
                let replica = u32::try_from(replica).expect("at most 64 replicas");
                replicas.push(ReplicaLoad {
                    replica,
                    zone: deployment
                        .and_then(|d| d.zone_of(replica))
                        .map(|zone| self.spec.zones[usize::from(zone)].clone()),
                    busy_nanos: station.busy_nanos(),
                    down_nanos: station.down_nanos(end),
                    handled: station.handled,
                    provisioned_nanos: paid,
                });
            }
        }
        let (warmup, arrivals_end) = self.replicas.window;
        let window_nanos = u128::from(arrivals_end.since(warmup).as_nanos());
        let replicas_mean = if replicas.is_empty() || window_nanos == 0 {
            count as f64
        } else {
            provisioned_nanos as f64 / window_nanos as f64
        };
        let stations = &self.stations[first..first + count];
        let queue_wait_p99_ms = if count == 1 {
            stations[0].queue_wait_p99_ms()
        } else {
            let mut pooled = crate::metrics::LatencyHistogram::new();
            for station in stations {
                pooled.merge(station.queue_wait());
            }
            pooled.quantile_ms(0.99)
        };
        let pool = self.replicas.pools[id.index()].as_ref();
        ComponentLoad {
            name: self.spec.component_name(id).to_string(),
            role,
            workers: stations[0].workers(),
            busy_nanos: stations.iter().map(Station::busy_nanos).sum(),
            blocked_nanos: stations.iter().map(Station::blocked_nanos).sum(),
            is_coordinator,
            queue_wait_p99_ms,
            max_queue: stations
                .iter()
                .map(Station::max_queue)
                .chain(pool.map(|p| p.max_queue))
                .max()
                .unwrap_or(0),
            rejected: stations.iter().map(Station::rejected).sum::<u64>()
                + pool.map_or(0, |p| p.rejected),
            rejections_answered: stations.iter().map(|s| s.rejections_answered).sum(),
            dead_letters: stations.iter().map(|s| s.dead_letters).sum(),
            interface: self.interfaces.as_ref().and_then(|i| i.load(id)),
            handlers: self.complexity.handlers(id),
            states: self.complexity.states(id),
            replicas_mean,
            replicas,
        }
    }

    /// What load shedding, deadlines and breakers did, when the scenario uses any.
    fn resilience_result(
        &self,
        end: SimTime,
        rejections_answered: u64,
    ) -> Option<ResilienceResult> {
        let resilience = &self.resilience;
        if !resilience.reported {
            return None;
        }
        // Each caller's replicas' breakers for one callee, together.
        let mut rows: Vec<BreakerRow> = Vec::new();
        for (&(station, callee), breaker) in &resilience.breakers {
            let caller = self.component_of_station(station as usize);
            let caller = self.spec.component_name(caller).to_string();
            let callee = self.spec.component_name(ComponentId(callee)).to_string();
            let windows = breaker.windows.iter().map(|&(from, to)| {
                (
                    from.as_secs_f64(),
                    to.unwrap_or(end).max(from).as_secs_f64(),
                )
            });
            let row = match rows
                .iter_mut()
                .find(|r| r.caller == caller && r.callee == callee)
            {
                Some(row) => row,
                None => {
                    rows.push(BreakerRow {
                        caller,
                        callee,
                        openings: 0,
                        fast_failures: 0,
                        open_s: 0.0,
                        windows: Vec::new(),
                    });
                    rows.last_mut().expect("just pushed")
                }
            };
            row.openings += breaker.openings;
            row.fast_failures += breaker.fast_failures;
            for (from, to) in windows {
                row.open_s += to - from;
                row.windows.push((from, to));
            }
        }
        Some(ResilienceResult {
            rejections_answered,
            deadline_exceeded: resilience.deadline_exceeded,
            wasted_worker_s: resilience.wasted_nanos as f64 / 1e9,
            lost_after_commit: resilience.lost_after_commit,
            duplicates_from_relay: resilience.duplicates_from_relay,
            breaker_openings: rows.iter().map(|r| r.openings).sum(),
            fast_failures: rows.iter().map(|r| r.fast_failures).sum(),
            breakers: rows,
        })
    }
}
