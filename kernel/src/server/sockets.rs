//! The five ZeroMQ sockets and the tasks that move messages through them.
//!
//! Every socket binds to exactly the transport, address and port of the connection file.
//! Readers decode and verify each message; a message that fails (bad signature, malformed
//! JSON, missing frames) is logged and dropped, and the reader keeps serving. Writers sign
//! and send what the [`Outbox`](super::outbox::Outbox) queues.

use bytes::Bytes;
use jupyter_protocol::{ConnectionInfo, IoPubWelcome};
use tokio::sync::mpsc;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

use super::outbox::Outgoing;
use crate::protocol::message::Session;
use crate::protocol::{Message, Signer, wire};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A socket could not bind its endpoint.
    #[error("cannot bind {endpoint}: {source}")]
    Bind {
        /// The endpoint from the connection file.
        endpoint: String,
        /// ZeroMQ's error.
        source: zeromq::ZmqError,
    },
    /// The connection file's signature settings are unusable.
    #[error(transparent)]
    Signature(#[from] wire::WireError),
}

/// The kernel's sockets, bound.
pub struct Bound {
    /// Shell requests (ROUTER).
    pub shell: zeromq::RouterSocket,
    /// Control requests (ROUTER).
    pub control: zeromq::RouterSocket,
    /// Input requests and replies (ROUTER).
    pub stdin: zeromq::RouterSocket,
    /// Broadcast (XPUB, so subscriptions can be welcomed).
    pub iopub: zeromq::XPubSocket,
    /// Heartbeat (REP).
    pub heartbeat: zeromq::RepSocket,
}

async fn bind<S: Socket>(endpoint: String) -> Result<S, ServeError> {
    let mut socket = S::new();
    match socket.bind(&endpoint).await {
        Ok(_) => Ok(socket),
        Err(source) => Err(ServeError::Bind { endpoint, source }),
    }
}

impl Bound {
    /// Binds all five sockets from the connection file.
    pub async fn bind(info: &ConnectionInfo) -> Result<Bound, ServeError> {
        Ok(Bound {
            shell: bind(info.shell_url()).await?,
            control: bind(info.control_url()).await?,
            stdin: bind(info.stdin_url()).await?,
            iopub: bind(info.iopub_url()).await?,
            heartbeat: bind(info.hb_url()).await?,
        })
    }
}

fn to_zmq(frames: Vec<Bytes>) -> Option<ZmqMessage> {
    ZmqMessage::try_from(frames).ok()
}

/// Reads, verifies and forwards requests from a ROUTER socket until it closes.
pub async fn read_requests(
    name: &'static str,
    mut socket: zeromq::RouterRecvHalf,
    signer: Signer,
    sink: mpsc::UnboundedSender<Message>,
) {
    loop {
        let frames = match socket.recv().await {
            Ok(frames) => frames.into_vec(),
            Err(zeromq::ZmqError::NoMessage) => return,
            Err(error) => {
                log::warn!("{name}: receive failed: {error}");
                continue;
            }
        };
        match wire::decode(frames, &signer) {
            Ok(message) => {
                if sink.send(message).is_err() {
                    return;
                }
            }
            Err(error) => log::warn!("{name}: dropped a message: {error}"),
        }
    }
}

/// Signs and sends queued messages on a ROUTER socket.
pub async fn write_replies(
    name: &'static str,
    mut socket: zeromq::RouterSendHalf,
    signer: Signer,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(item) = queue.recv().await {
        match item {
            Outgoing::Message(message) => {
                if message.identities.is_empty() {
                    log::warn!("{name}: {} has no peer to go to", message.msg_type());
                    continue;
                }
                if let Some(frames) = to_zmq(wire::encode(&message, &signer))
                    && let Err(error) = socket.send(frames).await
                {
                    log::warn!("{name}: send of {} failed: {error}", message.msg_type());
                }
            }
            Outgoing::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// Publishes queued messages on IOPub, and welcomes every new subscription (JEP 65).
pub async fn publish(
    mut socket: zeromq::XPubSocket,
    signer: Signer,
    session: Session,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
) {
    loop {
        tokio::select! {
            subscription = socket.recv() => match subscription {
                Ok(frames) => {
                    let Some(topic) = subscribed_topic(&frames) else { continue };
                    let welcome = Message::orphan(&session, "iopub_welcome", IoPubWelcome::new(topic.clone()));
                    let mut welcome = welcome;
                    welcome.identities = vec![Bytes::from(topic)];
                    send_published(&mut socket, &signer, &welcome).await;
                }
                Err(zeromq::ZmqError::NoMessage) => {}
                Err(error) => log::debug!("iopub: subscription read failed: {error}"),
            },
            item = queue.recv() => match item {
                Some(Outgoing::Message(message)) => send_published(&mut socket, &signer, &message).await,
                Some(Outgoing::Flush(done)) => { let _ = done.send(()); }
                None => return,
            },
        }
    }
}

/// The topic of a subscribe frame (`\x01` + topic); `None` for unsubscribes.
fn subscribed_topic(frames: &ZmqMessage) -> Option<String> {
    let frame = frames.get(0)?;
    match frame.first() {
        Some(1) => Some(String::from_utf8_lossy(&frame[1..]).into_owned()),
        _ => None,
    }
}

async fn send_published(socket: &mut zeromq::XPubSocket, signer: &Signer, message: &Message) {
    if let Some(frames) = to_zmq(wire::encode(message, signer))
        && let Err(error) = socket.send(frames).await
    {
        log::warn!("iopub: publish of {} failed: {error}", message.msg_type());
    }
}

/// Echoes every heartbeat back unchanged.
pub async fn heartbeat(mut socket: zeromq::RepSocket) {
    loop {
        match socket.recv().await {
            Ok(ping) => {
                if let Err(error) = socket.send(ping).await {
                    log::warn!("heartbeat: echo failed: {error}");
                }
            }
            Err(zeromq::ZmqError::NoMessage) => return,
            Err(error) => log::warn!("heartbeat: receive failed: {error}"),
        }
    }
}
