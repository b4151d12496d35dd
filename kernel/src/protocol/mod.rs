//! The Jupyter messaging protocol, without sockets.
//!
//! [`wire`] turns ZeroMQ frames into signed [`Message`]s and back, [`request`] gives the
//! incoming requests one typed enum, and [`cursor`] converts the protocol's code-point cursor
//! positions into byte offsets. Nothing here knows about sockets, tasks or evcxr, so every
//! piece is unit-tested on plain values.
//!
//! Spec: <https://jupyter-client.readthedocs.io/en/latest/messaging.html>

pub mod cursor;
pub mod message;
pub mod request;
pub mod wire;

pub use message::{Message, new_header};
pub use request::Request;
pub use wire::{Signer, WireError};

/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";
