//! Input requests: a running cell asks, the frontend answers on the stdin socket.
//!
//! The cell's thread blocks in [`StdinBroker::request`] until the matching `input_reply`
//! arrives, the kernel is interrupted, or it shuts down. Only one request is outstanding at a
//! time, as in the protocol.

use std::sync::Mutex;
use std::sync::mpsc;

use jupyter_protocol::{InputReply, InputRequest, ReplyStatus};

use super::outbox::{Channel, Outbox};
use crate::interpreter::InputError;
use crate::protocol::Message;
use crate::protocol::message::Session;

type Answer = Result<String, InputError>;

/// Routes `input_request`s out and `input_reply`s back to the waiting cell.
#[derive(Debug)]
pub struct StdinBroker {
    session: Session,
    outbox: Outbox,
    waiting: Mutex<Option<mpsc::Sender<Answer>>>,
}

impl StdinBroker {
    /// A broker that sends through `outbox`.
    pub fn new(session: Session, outbox: Outbox) -> StdinBroker {
        StdinBroker {
            session,
            outbox,
            waiting: Mutex::new(None),
        }
    }

    fn take_waiting(&self) -> Option<mpsc::Sender<Answer>> {
        self.waiting.lock().map(|mut w| w.take()).unwrap_or(None)
    }

    /// Sends an `input_request` parented to `parent` and blocks for the answer.
    pub fn request(&self, parent: &Message, prompt: &str, password: bool) -> Answer {
        let (answer, answered) = mpsc::channel();
        if let Some(previous) = self.waiting.lock().ok().and_then(|mut w| w.replace(answer)) {
            let _ = previous.send(Err(InputError::Failed(
                "superseded by a new request".into(),
            )));
        }
        let request = InputRequest {
            prompt: prompt.to_owned(),
            password,
        };
        self.outbox.send(
            Channel::Stdin,
            parent.child(&self.session, "input_request", request),
        );
        answered
            .recv()
            .unwrap_or_else(|_| Err(InputError::Failed("the kernel is shutting down".into())))
    }

    /// Delivers an `input_reply` to the waiting cell (ignored when nothing waits).
    pub fn answer(&self, reply: InputReply) {
        let Some(waiting) = self.take_waiting() else {
            log::warn!("stdin: input_reply with no pending input_request");
            return;
        };
        let answer = match reply.status {
            ReplyStatus::Ok => Ok(reply.value),
            _ => Err(InputError::Failed(reply.error.map_or_else(
                || "the frontend reported an error".into(),
                |e| e.evalue,
            ))),
        };
        let _ = waiting.send(answer);
    }

    /// Wakes a waiting cell with [`InputError::Interrupted`].
    pub fn cancel(&self) {
        if let Some(waiting) = self.take_waiting() {
            let _ = waiting.send(Err(InputError::Interrupted));
        }
    }
}
