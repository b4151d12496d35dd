//! Incoming requests, typed: the one place that maps a `msg_type` string to a Rust type.
//!
//! Reply and output contents come from `jupyter_protocol`; requests whose spec leaves fields
//! optional (execute, history) have lenient structs here, so a client that omits `unique` in
//! a history search or `stop_on_error` in an execute still gets served.

use std::collections::BTreeMap;

use jupyter_protocol::{
    CommClose, CommInfoRequest, CommMsg, CommOpen, CompleteRequest, InputReply, InspectRequest,
    IsCompleteRequest, ShutdownRequest,
};
use serde::Deserialize;
use serde_json::Value;

use super::message::Message;

/// A request from a frontend, on shell, control or stdin.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Request {
    /// `kernel_info_request`
    KernelInfo,
    /// `execute_request`
    Execute(ExecuteRequest),
    /// `complete_request`
    Complete(CompleteRequest),
    /// `inspect_request`
    Inspect(InspectRequest),
    /// `is_complete_request`
    IsComplete(IsCompleteRequest),
    /// `history_request`
    History(HistoryRequest),
    /// `comm_info_request`
    CommInfo(CommInfoRequest),
    /// `comm_open`
    CommOpen(CommOpen),
    /// `comm_msg`
    CommMsg(CommMsg),
    /// `comm_close`
    CommClose(CommClose),
    /// `shutdown_request`
    Shutdown(ShutdownRequest),
    /// `interrupt_request`
    Interrupt,
    /// `input_reply` (stdin)
    InputReply(InputReply),
    /// `debug_request`
    Debug(Value),
    /// Any other type: logged and dropped by the server.
    Unknown(String),
}

impl Request {
    /// Types the content of `message` by its `msg_type`.
    pub fn parse(message: &Message) -> Result<Request, serde_json::Error> {
        let content = message.content.clone();
        Ok(match message.msg_type() {
            "kernel_info_request" => Request::KernelInfo,
            "execute_request" => Request::Execute(typed(content)?),
            "complete_request" => Request::Complete(typed(content)?),
            "inspect_request" => Request::Inspect(typed(content)?),
            "is_complete_request" => Request::IsComplete(typed(content)?),
            "history_request" => Request::History(typed(content)?),
            "comm_info_request" => Request::CommInfo(typed(content)?),
            "comm_open" => Request::CommOpen(typed(content)?),
            "comm_msg" => Request::CommMsg(typed(content)?),
            "comm_close" => Request::CommClose(typed(content)?),
            "shutdown_request" => Request::Shutdown(typed(content)?),
            "interrupt_request" => Request::Interrupt,
            "input_reply" => Request::InputReply(typed(content)?),
            "debug_request" => Request::Debug(content),
            other => Request::Unknown(other.to_owned()),
        })
    }
}

/// `execute_request` content, with the spec's defaults for missing fields.
#[derive(Debug, Clone, Deserialize)]
pub struct ExecuteRequest {
    /// The cell's source.
    pub code: String,
    /// Run without publishing anything and without touching history or the count.
    #[serde(default)]
    pub silent: bool,
    /// Record in history and increment the execution count.
    #[serde(default = "yes")]
    pub store_history: bool,
    /// Expressions to evaluate after the cell, by name.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub user_expressions: BTreeMap<String, String>,
    /// Whether the frontend can answer `input_request`.
    #[serde(default)]
    pub allow_stdin: bool,
    /// Abort queued executions if this one fails.
    #[serde(default = "yes")]
    pub stop_on_error: bool,
}

fn yes() -> bool {
    true
}

fn null_as_empty<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::deserialize(deserializer)?.unwrap_or_default())
}

/// `history_request` content.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRequest {
    /// Include each cell's output (`(input, output)` pairs).
    pub output: bool,
    /// Which entries.
    pub access: HistoryAccess,
}

/// The three ways to ask for history.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryAccess {
    /// The last `n` cells.
    Tail {
        /// How many.
        n: usize,
    },
    /// Lines `start..stop` of one session (0 = this one, negative = that many sessions ago).
    Range {
        /// Session number, absolute (> 0) or relative (<= 0).
        session: i64,
        /// First line, inclusive.
        start: i64,
        /// Last line, exclusive; `None` for "to the end".
        stop: Option<i64>,
    },
    /// Cells whose source matches a glob pattern.
    Search {
        /// Glob (`*`, `?`, `[...]`), matched against the whole source.
        pattern: String,
        /// Return at most the last `n` matches.
        n: Option<usize>,
        /// Drop repeated sources, keeping the latest.
        unique: bool,
    },
}

impl<'de> Deserialize<'de> for HistoryRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Flat {
            #[serde(default)]
            output: bool,
            hist_access_type: String,
            #[serde(default)]
            session: Option<i64>,
            #[serde(default)]
            start: Option<i64>,
            #[serde(default)]
            stop: Option<i64>,
            #[serde(default)]
            n: Option<i64>,
            #[serde(default)]
            pattern: Option<String>,
            #[serde(default)]
            unique: bool,
        }
        let flat = Flat::deserialize(deserializer)?;
        let count = |n: Option<i64>| n.and_then(|n| usize::try_from(n).ok());
        let access = match flat.hist_access_type.as_str() {
            "tail" => HistoryAccess::Tail {
                n: count(flat.n).unwrap_or(10),
            },
            "range" => HistoryAccess::Range {
                session: flat.session.unwrap_or(0),
                start: flat.start.unwrap_or(0),
                stop: flat.stop,
            },
            "search" => HistoryAccess::Search {
                pattern: flat.pattern.unwrap_or_else(|| "*".to_owned()),
                n: count(flat.n),
                unique: flat.unique,
            },
            other => {
                return Err(serde::de::Error::unknown_variant(
                    other,
                    &["tail", "range", "search"],
                ));
            }
        };
        Ok(HistoryRequest {
            output: flat.output,
            access,
        })
    }
}

fn typed<T: serde::de::DeserializeOwned>(content: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::Session;
    use serde_json::json;

    fn message(msg_type: &str, content: Value) -> Message {
        Message::orphan(&Session::new(), msg_type, content)
    }

    #[test]
    fn execute_defaults_follow_the_spec() {
        let Request::Execute(request) =
            Request::parse(&message("execute_request", json!({"code": "1+1"}))).unwrap()
        else {
            panic!("not an execute request");
        };
        assert!(!request.silent);
        assert!(request.store_history);
        assert!(request.stop_on_error);
        assert!(!request.allow_stdin);
        assert!(request.user_expressions.is_empty());
    }

    #[test]
    fn history_search_without_optional_fields() {
        let parsed = Request::parse(&message(
            "history_request",
            json!({"hist_access_type": "search", "pattern": "1*", "output": false, "raw": true}),
        ))
        .unwrap();
        let Request::History(history) = parsed else {
            panic!("not a history request");
        };
        assert_eq!(
            history.access,
            HistoryAccess::Search {
                pattern: "1*".into(),
                n: None,
                unique: false
            }
        );
    }

    #[test]
    fn unknown_types_are_values_not_errors() {
        let parsed = Request::parse(&message("frobnicate_request", json!({}))).unwrap();
        assert!(matches!(parsed, Request::Unknown(name) if name == "frobnicate_request"));
    }

    #[test]
    fn malformed_known_types_are_errors() {
        assert!(Request::parse(&message("complete_request", json!({"code": 3}))).is_err());
        assert!(
            Request::parse(&message(
                "history_request",
                json!({"hist_access_type": "all"})
            ))
            .is_err()
        );
    }
}
