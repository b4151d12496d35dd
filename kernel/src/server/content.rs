//! Output contents that carry MIME bundles.
//!
//! `jupyter_protocol`'s `Media` type re-parses every bundle into typed variants and rejects
//! some that frontends accept, so bundles from user code travel as plain JSON maps here.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::interpreter::{DisplayEvent, MimeBundle};

/// `execute_result`.
#[derive(Debug, Serialize)]
pub struct ExecuteResult {
    /// The count of the cell that produced it.
    pub execution_count: u64,
    /// The value's MIME bundle.
    pub data: MimeBundle,
    /// Per-MIME metadata.
    pub metadata: Map<String, Value>,
}

/// `display_data` and `update_display_data`.
#[derive(Debug, Serialize)]
pub struct DisplayData {
    /// The MIME bundle.
    pub data: MimeBundle,
    /// Per-MIME metadata.
    pub metadata: Map<String, Value>,
    /// `{"display_id": ...}` when the display can be updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transient: Option<Transient>,
}

/// The transient part of a display message.
#[derive(Debug, Serialize)]
pub struct Transient {
    /// The id shared by a display and its updates.
    pub display_id: String,
}

/// `inspect_reply`.
#[derive(Debug, Serialize)]
pub struct InspectReply {
    /// Always `ok`: not finding anything is not an error.
    pub status: &'static str,
    /// Whether `data` has anything.
    pub found: bool,
    /// The documentation.
    pub data: MimeBundle,
    /// Per-MIME metadata.
    pub metadata: Map<String, Value>,
}

/// The message type and content for a display event.
pub fn display_message(event: DisplayEvent) -> (&'static str, Value) {
    let display = |data, metadata, display_id: Option<String>| {
        serde_json::to_value(DisplayData {
            data,
            metadata,
            transient: display_id.map(|display_id| Transient { display_id }),
        })
        .unwrap_or_default()
    };
    match event {
        DisplayEvent::Show {
            data,
            metadata,
            display_id,
        } => ("display_data", display(data, metadata, display_id)),
        DisplayEvent::Update {
            data,
            metadata,
            display_id,
        } => (
            "update_display_data",
            display(data, metadata, Some(display_id)),
        ),
        DisplayEvent::Clear { wait } => ("clear_output", serde_json::json!({ "wait": wait })),
    }
}
