//! Outgoing messages: one queue per socket, so any task can send without owning a socket.
//!
//! Each socket has a single writer task draining its queue, which keeps per-socket order
//! (busy, outputs, idle) intact. [`Outbox::flush`] waits until everything queued so far has
//! been handed to ZeroMQ, which shutdown needs before the process exits. Tests read the
//! queues directly instead of sockets.

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::protocol::Message;

/// The sockets a kernel writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Replies to shell requests.
    Shell,
    /// Replies to control requests.
    Control,
    /// `input_request`s.
    Stdin,
    /// Broadcast outputs and status.
    IoPub,
}

/// An item in a socket's queue.
#[derive(Debug)]
pub enum Outgoing {
    /// Sign and send this message.
    Message(Box<Message>),
    /// Signal once every earlier item has been sent.
    Flush(oneshot::Sender<()>),
}

/// Sends messages to the sockets' writer tasks.
#[derive(Debug, Clone)]
pub struct Outbox {
    shell: mpsc::UnboundedSender<Outgoing>,
    control: mpsc::UnboundedSender<Outgoing>,
    stdin: mpsc::UnboundedSender<Outgoing>,
    iopub: mpsc::UnboundedSender<Outgoing>,
}

/// The receiving ends of an [`Outbox`], one per socket.
#[derive(Debug)]
pub struct Mailboxes {
    /// Shell replies.
    pub shell: mpsc::UnboundedReceiver<Outgoing>,
    /// Control replies.
    pub control: mpsc::UnboundedReceiver<Outgoing>,
    /// Input requests.
    pub stdin: mpsc::UnboundedReceiver<Outgoing>,
    /// IOPub messages, already carrying their topic.
    pub iopub: mpsc::UnboundedReceiver<Outgoing>,
}

impl Outbox {
    /// A new outbox and the mailboxes its messages arrive in.
    pub fn new() -> (Outbox, Mailboxes) {
        let (shell, shell_rx) = mpsc::unbounded_channel();
        let (control, control_rx) = mpsc::unbounded_channel();
        let (stdin, stdin_rx) = mpsc::unbounded_channel();
        let (iopub, iopub_rx) = mpsc::unbounded_channel();
        (
            Outbox {
                shell,
                control,
                stdin,
                iopub,
            },
            Mailboxes {
                shell: shell_rx,
                control: control_rx,
                stdin: stdin_rx,
                iopub: iopub_rx,
            },
        )
    }

    fn queue(&self, channel: Channel) -> &mpsc::UnboundedSender<Outgoing> {
        match channel {
            Channel::Shell => &self.shell,
            Channel::Control => &self.control,
            Channel::Stdin => &self.stdin,
            Channel::IoPub => &self.iopub,
        }
    }

    /// Queues `message` for `channel`. IOPub messages get the topic
    /// `kernel.<session>.<msg_type>` in place of routing identities.
    pub fn send(&self, channel: Channel, mut message: Message) {
        if channel == Channel::IoPub {
            let topic = format!("kernel.{}.{}", message.header.session, message.msg_type());
            message.identities = vec![Bytes::from(topic)];
        }
        // A closed queue means the server is shutting down; the message has nowhere to go.
        let _ = self
            .queue(channel)
            .send(Outgoing::Message(Box::new(message)));
    }

    /// Waits until every message queued before this call has been sent.
    pub async fn flush(&self) {
        for channel in [
            Channel::Shell,
            Channel::Control,
            Channel::Stdin,
            Channel::IoPub,
        ] {
            let (done, sent) = oneshot::channel();
            if self.queue(channel).send(Outgoing::Flush(done)).is_ok() {
                let _ = sent.await;
            }
        }
    }
}
