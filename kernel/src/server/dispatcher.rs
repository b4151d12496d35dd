//! The dispatcher: every request wrapped in busy/idle, answered on the channel it came from.
//!
//! Execute requests go to the [executor](super::executor), one at a time. Everything else
//! is answered at once on its own task, so completion, inspection, `is_complete`,
//! `kernel_info` and `history` are served while a long cell runs. Control requests
//! (interrupt, shutdown) are handled in order on the control channel.

use std::sync::{Arc, Mutex};

use jupyter_protocol::{
    CodeMirrorMode, CommClose, CommInfoReply, CompleteReply, HelpLink, InterruptReply,
    IsCompleteReply, KernelInfoReply, ReplyStatus, ShutdownReply, Status,
};
use serde_json::{Map, json};
use tokio::sync::{mpsc, watch};

use super::content::InspectReply;
use super::executor::Queued;
use super::outbox::{Channel, Outbox};
use super::stdin::StdinBroker;
use crate::history::{self, History};
use crate::interpreter::{Completeness, Interpreter};
use crate::protocol::cursor::{byte_to_char, char_to_byte};
use crate::protocol::message::Session;
use crate::protocol::request::HistoryRequest;
use crate::protocol::{Message, PROTOCOL_VERSION, Request};

/// How the kernel was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown {
    /// The frontend will start a new kernel (`shutdown_request` with `restart`).
    pub restart: bool,
}

/// The kernel's state shared by every channel.
pub struct Kernel {
    pub(super) session: Session,
    pub(super) outbox: Outbox,
    pub(super) interpreter: Arc<dyn Interpreter>,
    pub(super) history: Mutex<History>,
    pub(super) stdin: StdinBroker,
    executions: mpsc::UnboundedSender<Queued>,
    shutdown: watch::Sender<Option<Shutdown>>,
}

impl Kernel {
    /// A kernel over `interpreter`; the receiver is the execute queue for
    /// [`executor::run`](super::executor::run).
    pub fn new(
        session: Session,
        outbox: Outbox,
        interpreter: Arc<dyn Interpreter>,
        history: History,
    ) -> (Arc<Kernel>, mpsc::UnboundedReceiver<Queued>) {
        let (executions, queue) = mpsc::unbounded_channel();
        let kernel = Kernel {
            stdin: StdinBroker::new(session.clone(), outbox.clone()),
            session,
            outbox,
            interpreter,
            history: Mutex::new(history),
            executions,
            shutdown: watch::channel(None).0,
        };
        (Arc::new(kernel), queue)
    }

    /// Resolves when a shutdown has been requested and its reply sent.
    pub async fn shutdown_requested(&self) -> Shutdown {
        let mut watcher = self.shutdown.subscribe();
        loop {
            if let Some(shutdown) = *watcher.borrow_and_update() {
                return shutdown;
            }
            if watcher.changed().await.is_err() {
                return Shutdown { restart: false };
            }
        }
    }

    /// Sends a message parented to `parent` on `channel`.
    pub(super) fn send(
        &self,
        channel: Channel,
        parent: &Message,
        msg_type: &str,
        content: impl serde::Serialize,
    ) {
        self.outbox
            .send(channel, parent.child(&self.session, msg_type, content));
    }

    /// Publishes `status` parented to `parent`.
    pub(super) fn status(&self, parent: &Message, status: Status) {
        self.outbox
            .send(Channel::IoPub, parent.child_typed(&self.session, status));
    }

    /// Handles a message from the shell socket.
    pub fn on_shell(self: &Arc<Self>, message: Message) {
        match parse(&message, "shell") {
            Some(Request::Execute(request)) => {
                let _ = self.executions.send(Queued { message, request });
            }
            Some(request) => {
                let kernel = Arc::clone(self);
                tokio::spawn(async move {
                    kernel.status(&message, Status::busy());
                    kernel.answer(Channel::Shell, &message, request).await;
                    kernel.status(&message, Status::idle());
                });
            }
            None => {}
        }
    }

    /// Handles a message from the control socket, in order.
    pub async fn on_control(self: &Arc<Self>, message: Message) {
        if let Some(request) = parse(&message, "control") {
            self.status(&message, Status::busy());
            self.answer(Channel::Control, &message, request).await;
            self.status(&message, Status::idle());
        }
    }

    /// Handles a message from the stdin socket.
    pub fn on_stdin(&self, message: Message) {
        match parse(&message, "stdin") {
            Some(Request::InputReply(reply)) => self.stdin.answer(reply),
            Some(_) => log::warn!("stdin: ignoring {}", message.msg_type()),
            None => {}
        }
    }

    /// Interrupts the running cell (an `interrupt_request`, or SIGINT).
    pub fn interrupt(&self) {
        self.stdin.cancel();
        self.interpreter.interrupt();
    }

    async fn answer(&self, channel: Channel, message: &Message, request: Request) {
        let reply = |msg_type: &str, content: serde_json::Value| {
            self.send(channel, message, msg_type, content);
        };
        match request {
            Request::KernelInfo => {
                self.send(channel, message, "kernel_info_reply", self.kernel_info());
            }
            Request::Complete(request) => {
                let reply_content = self.complete(request.code, request.cursor_pos).await;
                self.send(channel, message, "complete_reply", reply_content);
            }
            Request::Inspect(request) => {
                let detail = request.detail_level.unwrap_or(0).min(1) as u8;
                let reply_content = self.inspect(request.code, request.cursor_pos, detail).await;
                self.send(channel, message, "inspect_reply", reply_content);
            }
            Request::IsComplete(request) => {
                let reply_content = match self.interpreter.is_complete(&request.code) {
                    Completeness::Complete => IsCompleteReply::complete(),
                    Completeness::Incomplete { indent } => IsCompleteReply::incomplete(indent),
                    Completeness::Invalid => IsCompleteReply::invalid(),
                    Completeness::Unknown => IsCompleteReply::unknown(),
                };
                self.send(channel, message, "is_complete_reply", reply_content);
            }
            Request::History(request) => reply("history_reply", self.history(&request)),
            Request::CommInfo(_) => {
                // No comm targets are registered, so there are no open comms to list.
                self.send(
                    channel,
                    message,
                    "comm_info_reply",
                    CommInfoReply::default(),
                );
            }
            Request::CommOpen(open) => {
                log::info!("closing comm for unknown target {:?}", open.target_name);
                let close = CommClose {
                    comm_id: open.comm_id,
                    data: Map::new(),
                };
                self.send(Channel::IoPub, message, "comm_close", close);
            }
            Request::CommMsg(msg) => log::debug!("comm_msg for unknown comm {:?}", msg.comm_id),
            Request::CommClose(close) => {
                log::debug!("comm_close for unknown comm {:?}", close.comm_id)
            }
            Request::Interrupt => {
                self.interrupt();
                self.send(channel, message, "interrupt_reply", InterruptReply::new());
            }
            Request::Shutdown(request) => {
                let content = ShutdownReply {
                    restart: request.restart,
                    status: ReplyStatus::Ok,
                    error: None,
                };
                self.send(channel, message, "shutdown_reply", &content);
                // ipykernel also broadcasts the reply, so every client learns of the shutdown.
                self.send(Channel::IoPub, message, "shutdown_reply", &content);
                self.stdin.cancel();
                // send_replace: the value must change even before anyone waits for it.
                self.shutdown.send_replace(Some(Shutdown {
                    restart: request.restart,
                }));
            }
            Request::Debug(request) => reply(
                "debug_reply",
                json!({
                    "type": "response",
                    "request_seq": request.get("seq").cloned().unwrap_or(json!(0)),
                    "success": false,
                    "command": request.get("command").cloned().unwrap_or(json!("")),
                    "message": "the rhpc kernel has no debugger",
                }),
            ),
            Request::Execute(_) | Request::InputReply(_) => {
                log::warn!("{} is not valid on this channel", message.msg_type());
            }
            Request::Unknown(msg_type) => log::warn!("ignoring unknown request {msg_type:?}"),
        }
    }

    fn kernel_info(&self) -> KernelInfoReply {
        let info = self.interpreter.language_info();
        KernelInfoReply {
            status: ReplyStatus::Ok,
            protocol_version: PROTOCOL_VERSION.to_owned(),
            implementation: env!("CARGO_PKG_NAME").to_owned(),
            implementation_version: env!("CARGO_PKG_VERSION").to_owned(),
            language_info: jupyter_protocol::LanguageInfo {
                name: info.name,
                version: info.version,
                mimetype: Some(info.mimetype),
                file_extension: Some(info.file_extension),
                pygments_lexer: Some(info.pygments_lexer),
                codemirror_mode: Some(CodeMirrorMode::Simple(info.codemirror_mode)),
                nbconvert_exporter: Some(info.nbconvert_exporter),
            },
            banner: info.banner,
            help_links: info
                .help_links
                .into_iter()
                .map(|(text, url)| HelpLink { text, url })
                .collect(),
            debugger: false,
            error: None,
        }
    }

    async fn complete(&self, code: String, cursor_chars: usize) -> CompleteReply {
        let interpreter = Arc::clone(&self.interpreter);
        let cursor = char_to_byte(&code, cursor_chars);
        let (completions, code) = blocking(move || (interpreter.complete(&code, cursor), code))
            .await
            .unwrap_or_default();
        CompleteReply {
            matches: completions.matches,
            cursor_start: byte_to_char(&code, completions.start),
            cursor_end: byte_to_char(&code, completions.end),
            metadata: completions.metadata,
            status: ReplyStatus::Ok,
            error: None,
        }
    }

    async fn inspect(&self, code: String, cursor_chars: usize, detail: u8) -> InspectReply {
        let interpreter = Arc::clone(&self.interpreter);
        let cursor = char_to_byte(&code, cursor_chars);
        let data = blocking(move || interpreter.inspect(&code, cursor, detail))
            .await
            .flatten();
        InspectReply {
            status: "ok",
            found: data.is_some(),
            data: data.unwrap_or_default(),
            metadata: Map::new(),
        }
    }

    fn history(&self, request: &HistoryRequest) -> serde_json::Value {
        let entries = match self.history.lock() {
            Ok(history) => history::to_reply(&history.query(&request.access), request.output),
            Err(_) => Vec::new(),
        };
        json!({ "status": "ok", "history": entries })
    }
}

/// Runs `work` on the blocking pool; `None` if it panicked.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Some(value),
        Err(error) => {
            log::error!("interpreter task failed: {error}");
            None
        }
    }
}

/// Types a request, logging (and dropping) malformed ones.
fn parse(message: &Message, channel: &str) -> Option<Request> {
    match Request::parse(message) {
        Ok(request) => Some(request),
        Err(error) => {
            log::warn!(
                "{channel}: dropped malformed {}: {error}",
                message.msg_type()
            );
            None
        }
    }
}
