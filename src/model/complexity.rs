//! How much each component must implement, measured rather than declared: the distinct
//! reactions it performed during the run (pairs of incoming message kind and step), and
//! the distinct workflow states its coordinator kept (pairs of awaited request kind and
//! step). A bit per (kind, step): recording one costs an OR on the hot path.

use super::message::{Message, MessageKind};
use super::system::ComponentId;
use super::workflow::Request;

/// Kinds of message, as bit rows.
const KINDS: usize = 16;
// `Ack` is the last kind: every kind has its row.
const _: () = assert!(
    (MessageKind::Ack as usize) < KINDS,
    "a bit row per message kind"
);

/// One bit per (kind, step) a component reacted to or waited in.
type Bits = [u64; KINDS];

#[derive(Debug, Clone)]
pub struct Complexity {
    reactions: Vec<Bits>,
    states: Vec<Bits>,
}

impl Complexity {
    pub fn new(components: usize) -> Self {
        Complexity {
            reactions: vec![[0; KINDS]; components],
            states: vec![[0; KINDS]; components],
        }
    }

    /// `message` was handled by its destination. The return of a blocking call (an ack)
    /// is not a reaction of its own: the caller's code goes on where it called.
    #[inline]
    pub fn reacted(&mut self, message: &Message) {
        if message.kind == MessageKind::Ack {
            return;
        }
        set(
            &mut self.reactions[message.dst.index()],
            message.kind,
            message.step,
        );
    }

    /// `coordinator` keeps a workflow waiting on `request`.
    #[inline]
    pub fn waits(&mut self, coordinator: ComponentId, request: &Request) {
        set(
            &mut self.states[coordinator.index()],
            request.kind,
            request.step,
        );
    }

    /// Distinct reactions of component `id`.
    pub fn handlers(&self, id: ComponentId) -> u32 {
        count(&self.reactions[id.index()])
    }

    /// Distinct workflow states component `id` kept.
    pub fn states(&self, id: ComponentId) -> u32 {
        count(&self.states[id.index()])
    }
}

fn set(bits: &mut Bits, kind: MessageKind, step: u8) {
    bits[kind as usize] |= 1u64 << step.min(63);
}

fn count(bits: &Bits) -> u32 {
    bits.iter().map(|row| row.count_ones()).sum()
}
