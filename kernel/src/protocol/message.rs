//! A decoded Jupyter message, and how replies and outputs inherit their parent.
//!
//! Content is kept as JSON: requests are typed on demand by [`crate::protocol::Request`],
//! and outgoing content is built from `jupyter_protocol`'s structs (or any `Serialize`), so a
//! field this kernel does not know survives a round trip instead of failing to parse.

use bytes::Bytes;
use jupyter_protocol::{Header, JupyterMessageContent};
use serde::Serialize;
use serde_json::{Value, json};

use super::PROTOCOL_VERSION;

/// Who this kernel is on the wire: the `session` and `username` of every header it writes.
#[derive(Debug, Clone)]
pub struct Session {
    /// A UUID fixed for the life of the kernel process.
    pub id: String,
    /// The operating-system user running the kernel.
    pub username: String,
}

impl Session {
    /// A fresh session for this process.
    pub fn new() -> Self {
        let username = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "rhpc".to_owned());
        Session {
            id: uuid::Uuid::new_v4().to_string(),
            username,
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

/// A new header for a message of `msg_type` sent by `session`.
pub fn new_header(session: &Session, msg_type: &str) -> Header {
    Header {
        msg_id: uuid::Uuid::new_v4().to_string(),
        username: session.username.clone(),
        session: session.id.clone(),
        date: chrono::Utc::now(),
        msg_type: msg_type.to_owned(),
        version: PROTOCOL_VERSION.to_owned(),
    }
}

/// One Jupyter message, as read from or written to a socket.
#[derive(Debug, Clone)]
pub struct Message {
    /// ZeroMQ routing identities (ROUTER sockets) or the topic (IOPub).
    pub identities: Vec<Bytes>,
    /// This message's header.
    pub header: Header,
    /// The header of the request that caused this message, if any.
    pub parent_header: Option<Header>,
    /// Free-form metadata.
    pub metadata: Value,
    /// The message content, typed by `header.msg_type`.
    pub content: Value,
    /// Extra binary buffers (not signed).
    pub buffers: Vec<Bytes>,
}

impl Message {
    /// The message type from the header.
    pub fn msg_type(&self) -> &str {
        &self.header.msg_type
    }

    /// A message with no parent (for example the startup `status`).
    pub fn orphan(session: &Session, msg_type: &str, content: impl Serialize) -> Message {
        Message {
            identities: Vec::new(),
            header: new_header(session, msg_type),
            parent_header: None,
            metadata: json!({}),
            content: to_json(content),
            buffers: Vec::new(),
        }
    }

    /// A message of `msg_type` caused by `self`: parented to this header and addressed to the
    /// same peer, so it can go back on the socket the request came from (a reply) or on IOPub.
    pub fn child(&self, session: &Session, msg_type: &str, content: impl Serialize) -> Message {
        Message {
            identities: self.identities.clone(),
            header: new_header(session, msg_type),
            parent_header: Some(self.header.clone()),
            metadata: json!({}),
            content: to_json(content),
            buffers: Vec::new(),
        }
    }

    /// Like [`Message::child`], with the type taken from a typed `jupyter_protocol` content.
    pub fn child_typed(
        &self,
        session: &Session,
        content: impl Into<JupyterMessageContent>,
    ) -> Message {
        let content = content.into();
        self.child(session, content.message_type(), &content)
    }

    /// Replace the metadata.
    pub fn with_metadata(mut self, metadata: Value) -> Message {
        self.metadata = metadata;
        self
    }
}

fn to_json(content: impl Serialize) -> Value {
    // Serializing our own content types cannot fail: they hold only strings, numbers and
    // JSON values. Fall back to an empty object rather than panic if one ever does.
    serde_json::to_value(content).unwrap_or_else(|error| {
        log::error!("could not serialize message content: {error}");
        json!({})
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::Status;

    fn request() -> Message {
        let session = Session::new();
        let mut message = Message::orphan(&session, "execute_request", json!({"code": "1"}));
        message.identities = vec![Bytes::from_static(b"peer")];
        message
    }

    #[test]
    fn children_inherit_parent_and_peer() {
        let session = Session::new();
        let parent = request();
        let reply = parent.child(&session, "execute_reply", json!({"status": "ok"}));
        assert_eq!(reply.identities, parent.identities);
        assert_eq!(
            reply.parent_header.as_ref().map(|h| h.msg_id.as_str()),
            Some(parent.header.msg_id.as_str())
        );
        assert_eq!(reply.header.session, session.id);
        assert_eq!(reply.header.version, PROTOCOL_VERSION);
    }

    #[test]
    fn typed_children_take_their_type_from_the_content() {
        let session = Session::new();
        let status = request().child_typed(&session, Status::busy());
        assert_eq!(status.msg_type(), "status");
        assert_eq!(status.content, json!({"execution_state": "busy"}));
    }
}
