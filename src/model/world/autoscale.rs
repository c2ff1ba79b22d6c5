//! The horizontal autoscaler: every `every`, each autoscaled component reads its
//! utilisation since the last decision and sets its replicas to ceil(current ×
//! utilisation ÷ target) within [min, max], skipping changes within 10 % of the target.
//! A new replica serves after `startup`; a removed one drains first (no new work, finishes
//! what it holds) and goes no sooner than `cooldown` after the last scale-up. The same
//! readings, taken every bucket, record replicas and utilisation over time
//! (`scaling.csv`) when a load profile is set.

use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::ScalingRow;

use super::super::system::ComponentId;
use super::replicas::{Life, Routing};
use super::{Event, World};

impl World<'_> {
    /// Schedule every component's first reading: its autoscaler's, or (with a load
    /// profile) a recording every bucket.
    pub(super) fn begin_readings(&mut self, queue: &mut EventQueue<Event>) {
        if !self.replicas.any && self.spec.workload.profile.is_none() {
            return;
        }
        for index in 1..self.spec.component_count() {
            let id = ComponentId(u16::try_from(index).expect("component count is validated"));
            if id == ComponentId::ORCHESTRATOR && !self.config.uses_orchestrator {
                continue;
            }
            if let Some(period) = self.reading_period(id) {
                let first = self.station_of(id, 0);
                let count = if self.replicas.any {
                    self.replicas.count(id) as usize
                } else {
                    1
                };
                for station in &mut self.stations[first..first + count] {
                    station.reads_total_busy = true;
                }
                queue.schedule_in(period, Event::Autoscale { component: id.0 });
            }
        }
    }

    /// How often component `id` is read: its autoscaler's interval, or the bucket width
    /// when a load profile is set; `None`: never.
    fn reading_period(&self, id: ComponentId) -> Option<SimDuration> {
        let deployment = self.spec.deployment(id)?;
        match deployment.autoscale {
            Some(autoscale) => Some(autoscale.every),
            None => self
                .spec
                .workload
                .profile
                .is_some()
                .then_some(self.spec.window.bucket),
        }
    }

    /// Component `id`'s reading: its utilisation since the last one, the autoscaler's
    /// decision if it has one, and a `scaling.csv` row.
    pub fn autoscale(&mut self, now: SimTime, component: u16, queue: &mut EventQueue<Event>) {
        let id = ComponentId(component);
        let index = id.index();
        let first = self.station_of(id, 0);
        let count = if self.replicas.any {
            self.replicas.count(id) as usize
        } else {
            1
        };
        let busy: u128 = (first..first + count)
            .map(|station| self.stations[station].total_busy_nanos(now))
            .sum();
        let area = if self.replicas.any {
            self.replicas.ready_area_until(id, now)
        } else {
            u128::from(now.as_nanos())
        };
        let workers = self.stations[first].workers();
        let busy_since = busy - self.replicas.busy_mark[index];
        let area_since = area - self.replicas.area_mark[index];
        self.replicas.busy_mark[index] = busy;
        self.replicas.area_mark[index] = area;
        let utilization = (area_since > 0 && workers > 0)
            .then(|| busy_since as f64 / (area_since as f64 * f64::from(workers)));
        let autoscaler = self.spec.deployment(id).and_then(|d| d.autoscale);
        if let Some(autoscale) = autoscaler {
            let current = self.provisioned(id);
            // Busy workers on average since the last decision: what the load needs, over
            // every replica counted (one still starting counts as idle, as Kubernetes
            // counts a pod that is not ready yet when it scales up).
            let interval = autoscale.every.as_nanos_f64();
            if workers > 0 && interval > 0.0 {
                let busy_workers = busy_since as f64 / interval;
                let desired = autoscale.desired(current, busy_workers / f64::from(workers));
                if desired > current {
                    self.scale_up(now, id, desired - current, autoscale.startup, queue);
                    self.replicas.last_scale_up[index] = Some(now);
                } else if desired < current
                    && self.replicas.last_scale_up[index]
                        .is_none_or(|at| now >= at + autoscale.cooldown)
                {
                    self.scale_down(now, id, current - desired);
                }
            }
            self.retire_drained(now, id);
        }
        let replicas = if self.replicas.any {
            self.provisioned(id)
        } else {
            1
        };
        self.scaling.push(ScalingRow {
            time_s: now.as_secs_f64(),
            component: self.spec.component_name(id).to_string(),
            replicas,
            utilization,
            autoscaled: autoscaler.is_some(),
        });
        if let Some(period) = self.reading_period(id)
            && now + period < self.run_end
        {
            queue.schedule_in(period, Event::Autoscale { component });
        }
    }

    /// Replicas of `id` serving or starting: the count the autoscaler manages.
    fn provisioned(&self, id: ComponentId) -> u32 {
        let first = self.replicas.first[id.index()] as usize;
        let end = self.replicas.first[id.index() + 1] as usize;
        (first..end)
            .filter(|&s| matches!(self.replicas.life[s], Life::Serving | Life::Starting))
            .count() as u32
    }

    /// Add `count` replicas: draining ones serve again at once, absent ones start.
    fn scale_up(
        &mut self,
        now: SimTime,
        id: ComponentId,
        mut count: u32,
        startup: SimDuration,
        queue: &mut EventQueue<Event>,
    ) {
        let first = self.replicas.first[id.index()] as usize;
        let end = self.replicas.first[id.index() + 1] as usize;
        for wanted in [Life::Draining, Life::Absent] {
            for station in first..end {
                if count == 0 {
                    return;
                }
                if self.replicas.life[station] != wanted {
                    continue;
                }
                count -= 1;
                if wanted == Life::Draining || startup.is_zero() {
                    self.serve(now, id, station, queue);
                } else {
                    self.replicas.set_life(id, station, Life::Starting, now);
                    self.replicas.ready_at[station] = now + startup;
                    let station = u32::try_from(station).expect("fewer than 2^32 stations");
                    queue.schedule_in(startup, Event::ReplicaReady { station });
                }
            }
        }
    }

    /// Remove `count` replicas: starting ones at once (the highest first), then serving
    /// ones drain.
    fn scale_down(&mut self, now: SimTime, id: ComponentId, mut count: u32) {
        let first = self.replicas.first[id.index()] as usize;
        let end = self.replicas.first[id.index() + 1] as usize;
        for (from, to) in [
            (Life::Starting, Life::Absent),
            (Life::Serving, Life::Draining),
        ] {
            for station in (first..end).rev() {
                if count == 0 {
                    return;
                }
                if self.replicas.life[station] == from {
                    self.replicas.set_life(id, station, to, now);
                    count -= 1;
                }
            }
        }
    }

    /// A started replica is ready: it serves from now on.
    pub fn replica_ready(&mut self, now: SimTime, station: u32, queue: &mut EventQueue<Event>) {
        let station = station as usize;
        // A replica cancelled and started again meanwhile serves at its own time.
        if self.replicas.life[station] != Life::Starting || now < self.replicas.ready_at[station] {
            return;
        }
        let id = self.component_of_station(station);
        self.serve(now, id, station, queue);
    }

    fn serve(
        &mut self,
        now: SimTime,
        id: ComponentId,
        station: usize,
        queue: &mut EventQueue<Event>,
    ) {
        self.replicas.set_life(id, station, Life::Serving, now);
        if self.replicas.routing[id.index()] == Routing::Pooled {
            self.take_from_pool(now, id, station, queue);
        }
    }

    /// The component station `station` belongs to.
    pub(super) fn component_of_station(&self, station: usize) -> ComponentId {
        if !self.replicas.any {
            return ComponentId(u16::try_from(station).expect("component count is validated"));
        }
        let index = self
            .replicas
            .first
            .partition_point(|&first| first as usize <= station)
            - 1;
        ComponentId(u16::try_from(index).expect("component count is validated"))
    }

    /// Remove every draining replica of `id` that holds no work any more (for a
    /// coordinator, no workflow in flight either).
    fn retire_drained(&mut self, now: SimTime, id: ComponentId) {
        let first = self.replicas.first[id.index()] as usize;
        let end = self.replicas.first[id.index() + 1] as usize;
        for station in first..end {
            if self.replicas.life[station] == Life::Draining {
                self.retire_if_drained(now, id, station);
            }
        }
    }

    /// Remove draining replica `station` of `id` if it holds no work.
    #[inline(never)]
    pub(super) fn retire_if_drained(&mut self, now: SimTime, id: ComponentId, station: usize) {
        if !self.stations[station].is_idle() || self.replicas.in_transit[station] != 0 {
            return;
        }
        if self.replicas.routing[id.index()] == Routing::Sharded {
            let replica = (station - self.replicas.first[id.index()] as usize) as u8;
            if self
                .workflows
                .live()
                .any(|w| w.owner == replica && w.outcome.is_none())
            {
                return;
            }
        }
        self.replicas.set_life(id, station, Life::Absent, now);
    }
}
