//! Stateless choreography: the chain of `choreography`, and status assembled on demand by
//! asking every service what its own records say.
//!
//! ```text
//! success (n+1 messages)  and  failure at step k (2k messages): as choreography
//! status (2n messages):   C ──query──▶ S1..Sn (all at once)
//!                         Si ──"my step done?"──▶ C; C assembles when all n have replied
//!                         (status latency = the slowest reply)
//! ```

use crate::model::{Message, MessageKind, StatusRoute, WorkResult, WorkflowRef};

use super::choreography::{chain_acked, chain_call_failed, chain_handled, start_chain};
use super::{Coordinator, Cx, Rules};

pub struct Stateless;

impl Rules for Stateless {
    const STATUS: StatusRoute = StatusRoute::EveryStep;
    const COORDINATOR: Option<Coordinator> = None;
    const JOINS_AT_SERVICES: bool = true;

    fn start(cx: &mut Cx<'_, '_>, workflow: WorkflowRef) {
        start_chain(cx, workflow);
    }

    fn handled(cx: &mut Cx<'_, '_>, message: &Message, result: WorkResult) {
        if message.kind == MessageKind::StatusQuery {
            // A service the workflow's path does not pass through has nothing to report.
            let done = cx
                .step_on_path(message.workflow, message.dst)
                .is_some_and(|step| cx.step_completed(message.workflow, step));
            cx.answer_status(message, u8::from(done));
        } else {
            chain_handled(cx, message, result);
        }
    }

    fn call_failed(cx: &mut Cx<'_, '_>, request: &Message, abandoned: u64) {
        chain_call_failed(cx, request, abandoned);
    }

    fn acked(cx: &mut Cx<'_, '_>, ack: &Message) {
        chain_acked(cx, ack);
    }
}
