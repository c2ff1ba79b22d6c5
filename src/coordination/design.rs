//! What a run is: a *design*, a label plus a point in the book's coupling space
//! (coordination style × communication × consistency). The five coordination styles and
//! the eight saga patterns are predefined designs; a scenario may declare its own. Adding
//! a style or a pattern is one entry in a table below.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::model::{Communication, Consistency, SystemSpec};

use super::simulation::{Runner, simulate_with};
use super::{Choreography, FrontController, Orchestrator, StampCoupling, Stateless};

/// The coordination styles sagasim runs, in their canonical (report) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coordination {
    /// A central orchestrator drives every step.
    Orchestrator,
    /// Each service triggers the next; no one owns the state.
    Choreography,
    /// A choreography whose first service tracks progress and answers status.
    FrontController,
    /// A choreography whose messages carry the workflow's state.
    StampCoupling,
    /// A choreography whose status is assembled by asking every service.
    Stateless,
}

/// Everything sagasim knows about a coordination style, in one place.
pub struct StyleInfo {
    pub style: Coordination,
    pub name: &'static str,
    /// One line on what the style is, for `check` and the README.
    pub summary: &'static str,
    /// Whether the style needs the `[orchestrator]` section.
    pub uses_orchestrator: bool,
    /// Whether some component can answer a status query (choreography and stamp
    /// coupling have no owner of the workflow's state).
    pub answers_status: bool,
    /// Runs a simulation under the style's rules.
    pub(super) runner: Runner,
}

/// The styles, in `Coordination` order.
const STYLES: [StyleInfo; 5] = [
    StyleInfo {
        style: Coordination::Orchestrator,
        name: "orchestrator",
        summary: "a central orchestrator commands each step and drives compensation",
        uses_orchestrator: true,
        answers_status: true,
        runner: simulate_with::<Orchestrator>,
    },
    StyleInfo {
        style: Coordination::Choreography,
        name: "choreography",
        summary: "services pass events along the chain; failures travel back the chain",
        uses_orchestrator: false,
        answers_status: false,
        runner: simulate_with::<Choreography>,
    },
    StyleInfo {
        style: Coordination::FrontController,
        name: "front-controller",
        summary: "choreography, with the first service tracking progress and answering status",
        uses_orchestrator: false,
        answers_status: true,
        runner: simulate_with::<FrontController>,
    },
    StyleInfo {
        style: Coordination::StampCoupling,
        name: "stamp-coupling",
        summary: "choreography, with the workflow state carried in every message",
        uses_orchestrator: false,
        answers_status: false,
        runner: simulate_with::<StampCoupling>,
    },
    StyleInfo {
        style: Coordination::Stateless,
        name: "stateless",
        summary: "choreography; status is assembled by asking every service",
        uses_orchestrator: false,
        answers_status: true,
        runner: simulate_with::<Stateless>,
    },
];

impl Coordination {
    /// The five styles, in report order.
    pub const ALL: [Coordination; 5] = [
        Coordination::Orchestrator,
        Coordination::Choreography,
        Coordination::FrontController,
        Coordination::StampCoupling,
        Coordination::Stateless,
    ];

    /// The style's facts: name, runner, status route.
    pub fn info(self) -> &'static StyleInfo {
        let info = &STYLES[self as usize];
        debug_assert_eq!(info.style, self);
        info
    }

    /// The style's name in scenarios and reports.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Whether the style needs `[orchestrator]`.
    pub fn uses_orchestrator(self) -> bool {
        self.info().uses_orchestrator
    }

    /// Whether a status query can be answered at all (someone owns the state).
    pub fn answers_status(self) -> bool {
        self.info().answers_status
    }

    /// One line on how the style coordinates.
    pub fn summary(self) -> &'static str {
        self.info().summary
    }

    /// The style named `text`, if any.
    pub fn from_name(text: &str) -> Option<Coordination> {
        Coordination::ALL.into_iter().find(|c| c.name() == text)
    }
}

impl fmt::Display for Coordination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One of the book's eight saga patterns (*Software Architecture: The Hard Parts*, ch. 12).
pub struct Pattern {
    /// The pattern's name in the book.
    pub name: &'static str,
    /// Sync or async.
    pub communication: Communication,
    /// Atomic or eventual.
    pub consistency: Consistency,
    /// Orchestrated or choreographed.
    pub coordination: Coordination,
}

const fn pattern(
    name: &'static str,
    communication: Communication,
    consistency: Consistency,
    coordination: Coordination,
) -> Pattern {
    Pattern {
        name,
        communication,
        consistency,
        coordination,
    }
}

const SYNC: Communication = Communication::Sync;
const ASYNC: Communication = Communication::Async;
const ATOMIC: Consistency = Consistency::Atomic;
const EVENTUAL: Consistency = Consistency::Eventual;

/// The eight patterns, in the book's order. The book's choreographed sync atomic saga
/// (Phone Tag) needs someone to own the rollback: its front controller.
pub const PATTERNS: [Pattern; 8] = [
    pattern("epic", SYNC, ATOMIC, Coordination::Orchestrator),
    pattern("phone-tag", SYNC, ATOMIC, Coordination::FrontController),
    pattern("fairy-tale", SYNC, EVENTUAL, Coordination::Orchestrator),
    pattern("time-travel", SYNC, EVENTUAL, Coordination::Choreography),
    pattern("fantasy-fiction", ASYNC, ATOMIC, Coordination::Orchestrator),
    pattern("horror-story", ASYNC, ATOMIC, Coordination::Choreography),
    pattern("parallel", ASYNC, EVENTUAL, Coordination::Orchestrator),
    pattern("anthology", ASYNC, EVENTUAL, Coordination::Choreography),
];

/// The name that stands for all eight patterns in `variants` and `--variants`.
pub const ALL_PATTERNS: &str = "patterns";

/// The identity of a run: what the reports call it and what it runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Design {
    /// Unique within a scenario: a style's name, a pattern's name or the scenario's own.
    pub label: String,
    /// Who drives the workflow.
    pub coordination: Coordination,
    #[serde(serialize_with = "communication_name")]
    /// Whether callers block on answers.
    pub communication: Communication,
    #[serde(serialize_with = "consistency_name")]
    /// When the client is answered.
    pub consistency: Consistency,
    /// Fixed colour slot in the charts: styles 0–4, patterns 5–12, a scenario's own
    /// designs from 13 on, in declaration order.
    pub palette_slot: usize,
}

fn communication_name<S: serde::Serializer>(
    value: &Communication,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(communication_label(*value))
}

fn consistency_name<S: serde::Serializer>(
    value: &Consistency,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(consistency_label(*value))
}

/// `async` or `sync`.
pub fn communication_label(value: Communication) -> &'static str {
    match value {
        Communication::Async => "async",
        Communication::Sync => "sync",
    }
}

/// The communication named `text` (`async` or `sync`), if any.
pub fn communication_from_label(text: &str) -> Option<Communication> {
    [Communication::Async, Communication::Sync]
        .into_iter()
        .find(|c| communication_label(*c) == text)
}

/// The consistency named `text` (`atomic` or `eventual`), if any.
pub fn consistency_from_label(text: &str) -> Option<Consistency> {
    [Consistency::Atomic, Consistency::Eventual]
        .into_iter()
        .find(|c| consistency_label(*c) == text)
}

/// `atomic` or `eventual`.
pub fn consistency_label(value: Consistency) -> &'static str {
    match value {
        Consistency::Atomic => "atomic",
        Consistency::Eventual => "eventual",
    }
}

impl Design {
    /// A plain style: the scenario's communication and consistency apply.
    pub fn style(coordination: Coordination, system: &SystemSpec) -> Design {
        Design {
            label: coordination.name().to_string(),
            coordination,
            communication: system.failures.communication,
            consistency: system.failures.consistency,
            palette_slot: coordination as usize,
        }
    }

    /// A named pattern, as the book defines it.
    pub fn pattern(index: usize) -> Design {
        let pattern = &PATTERNS[index];
        Design {
            label: pattern.name.to_string(),
            coordination: pattern.coordination,
            communication: pattern.communication,
            consistency: pattern.consistency,
            palette_slot: STYLES.len() + index,
        }
    }

    /// The predefined designs `name` stands for: a style, a pattern, or all patterns.
    pub fn predefined(name: &str, system: &SystemSpec) -> Option<Vec<Design>> {
        if name == ALL_PATTERNS {
            return Some((0..PATTERNS.len()).map(Design::pattern).collect());
        }
        if let Some(coordination) = Coordination::from_name(name) {
            return Some(vec![Design::style(coordination, system)]);
        }
        PATTERNS
            .iter()
            .position(|p| p.name == name)
            .map(|index| vec![Design::pattern(index)])
    }

    /// The chart colour slot of the design labelled `label`, listed at `position` among a
    /// run's designs: a predefined design keeps its own slot, others follow them.
    pub fn palette_slot_of(label: &str, position: usize) -> usize {
        Coordination::from_name(label)
            .map(|c| c as usize)
            .or_else(|| {
                PATTERNS
                    .iter()
                    .position(|p| p.name == label)
                    .map(|index| STYLES.len() + index)
            })
            .unwrap_or(STYLES.len() + PATTERNS.len() + position)
    }

    /// Every predefined name, for error messages and help.
    pub fn predefined_names() -> Vec<&'static str> {
        Coordination::ALL
            .iter()
            .map(|c| c.name())
            .chain(PATTERNS.iter().map(|p| p.name))
            .chain(std::iter::once(ALL_PATTERNS))
            .collect()
    }

    /// `orchestrator · sync · atomic`: the design's point in the coupling space.
    pub fn coordinates(&self) -> String {
        format!(
            "{} · {} · {}",
            self.coordination,
            communication_label(self.communication),
            consistency_label(self.consistency)
        )
    }

    /// The system this design runs: the scenario's, with the design's communication and
    /// consistency (borrowed when they are the scenario's own).
    pub fn system<'s>(&self, system: &'s SystemSpec) -> Cow<'s, SystemSpec> {
        let failures = &system.failures;
        if failures.communication == self.communication && failures.consistency == self.consistency
        {
            return Cow::Borrowed(system);
        }
        let mut system = system.clone();
        system.failures.communication = self.communication;
        system.failures.consistency = self.consistency;
        Cow::Owned(system)
    }
}

impl fmt::Display for Design {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}
