//! Dispatcher and executor tests: a fake interpreter, queues instead of sockets.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

use super::executor;
use super::outbox::{Mailboxes, Outbox, Outgoing};
use super::{Kernel, Shutdown};
use crate::history::History;
use crate::interpreter::{
    CellError, CellIo, Completions, Interpreter, LanguageInfo, MimeBundle, StreamName,
};
use crate::protocol::Message;
use crate::protocol::message::Session;

/// Runs cells of a tiny language: `print X`, `value X`, `fail`, `input`, `block`.
#[derive(Default)]
struct Fake {
    interrupted: Mutex<bool>,
    wake: Condvar,
}

impl Interpreter for Fake {
    fn language_info(&self) -> LanguageInfo {
        LanguageInfo {
            name: "fake".into(),
            version: "1.0".into(),
            mimetype: "text/x-fake".into(),
            file_extension: ".fake".into(),
            pygments_lexer: "text".into(),
            codemirror_mode: "text".into(),
            nbconvert_exporter: "script".into(),
            banner: "fake".into(),
            help_links: vec![],
        }
    }

    fn execute(&self, code: &str, io: Arc<dyn CellIo>) -> Result<Option<MimeBundle>, CellError> {
        let bundle = |text: &str| {
            let mut bundle = MimeBundle::new();
            bundle.insert("text/plain".into(), json!(text));
            bundle
        };
        match code.split_once(' ').unwrap_or((code, "")) {
            ("print", text) => {
                io.stream(StreamName::Stdout, text);
                Ok(None)
            }
            ("value", text) => Ok(Some(bundle(text))),
            ("fail", _) => Err(CellError::new("FakeError", "it failed")),
            ("input", _) => io
                .input("name? ", false)
                .map(|answer| Some(bundle(&answer)))
                .map_err(|error| CellError::new("StdinNotAvailable", error.to_string())),
            ("block", _) => {
                let mut interrupted = self.interrupted.lock().unwrap();
                while !*interrupted {
                    interrupted = self.wake.wait(interrupted).unwrap();
                }
                *interrupted = false;
                Err(CellError::new("Interrupted", "interrupted"))
            }
            _ => Ok(None),
        }
    }

    fn evaluate(&self, expression: &str) -> Result<MimeBundle, CellError> {
        let mut bundle = MimeBundle::new();
        bundle.insert("text/plain".into(), json!(format!("<{expression}>")));
        Ok(bundle)
    }

    fn complete(&self, code: &str, cursor: usize) -> Completions {
        // Complete the word before the cursor to "word_done".
        let start = code[..cursor]
            .rfind(|c: char| !c.is_alphanumeric())
            .map_or(0, |i| {
                i + code[i..].chars().next().map_or(1, char::len_utf8)
            });
        Completions {
            matches: vec![format!("{}_done", &code[start..cursor])],
            start,
            end: cursor,
            metadata: Default::default(),
        }
    }

    fn inspect(&self, code: &str, _cursor: usize, _detail: u8) -> Option<MimeBundle> {
        let mut bundle = MimeBundle::new();
        bundle.insert("text/plain".into(), json!(format!("docs for {code}")));
        Some(bundle)
    }

    fn interrupt(&self) {
        *self.interrupted.lock().unwrap() = true;
        self.wake.notify_all();
    }

    fn shutdown(&self) {}
}

struct Harness {
    kernel: Arc<Kernel>,
    mail: Mailboxes,
    client: Session,
}

impl Harness {
    fn new() -> Harness {
        let (outbox, mail) = Outbox::new();
        let (kernel, queue) = Kernel::new(
            Session::new(),
            outbox,
            Arc::new(Fake::default()),
            History::in_memory(),
        );
        tokio::spawn(executor::run(Arc::clone(&kernel), queue));
        Harness {
            kernel,
            mail,
            client: Session::new(),
        }
    }

    fn request(&self, msg_type: &str, content: Value) -> Message {
        let mut message = Message::orphan(&self.client, msg_type, content);
        message.identities = vec![bytes::Bytes::from_static(b"client")];
        message
    }

    fn execute(&self, code: &str, extra: Value) -> Message {
        let mut content = json!({"code": code, "silent": false, "store_history": true,
                                 "user_expressions": {}, "allow_stdin": false, "stop_on_error": true});
        if let (Value::Object(content), Value::Object(extra)) = (&mut content, extra) {
            content.extend(extra);
        }
        let message = self.request("execute_request", content);
        self.kernel.on_shell(message.clone());
        message
    }

    /// IOPub messages up to and including the idle status for `parent`.
    async fn iopub_until_idle(&mut self, parent: &Message) -> Vec<Message> {
        let mut seen = Vec::new();
        loop {
            let message = next(&mut self.mail.iopub).await;
            let done = message.msg_type() == "status"
                && message.content["execution_state"] == "idle"
                && is_child_of(&message, parent);
            seen.push(message);
            if done {
                return seen;
            }
        }
    }
}

fn is_child_of(message: &Message, parent: &Message) -> bool {
    message.parent_header.as_ref().map(|h| &h.msg_id) == Some(&parent.header.msg_id)
}

async fn next(queue: &mut UnboundedReceiver<Outgoing>) -> Message {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(5), queue.recv())
            .await
            .expect("timed out waiting for a message")
            .expect("queue closed");
        match item {
            Outgoing::Message(message) => return *message,
            Outgoing::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

fn types(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(Message::msg_type).collect()
}

#[tokio::test]
async fn kernel_info_is_wrapped_in_busy_and_idle() {
    let mut h = Harness::new();
    let request = h.request("kernel_info_request", json!({}));
    h.kernel.on_shell(request.clone());
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.msg_type(), "kernel_info_reply");
    assert!(is_child_of(&reply, &request));
    assert_eq!(reply.content["language_info"]["name"], "fake");
    assert_eq!(reply.content["protocol_version"], "5.3");
    let iopub = h.iopub_until_idle(&request).await;
    assert_eq!(types(&iopub), ["status", "status"]);
    assert_eq!(iopub[0].content["execution_state"], "busy");
    assert!(iopub.iter().all(|m| is_child_of(m, &request)));
    assert!(
        iopub[0].identities[0].starts_with(b"kernel."),
        "iopub topic"
    );
}

#[tokio::test]
async fn execute_publishes_input_output_result_and_reply() {
    let mut h = Harness::new();
    let request = h.execute("print hello", json!({}));
    let iopub = h.iopub_until_idle(&request).await;
    assert_eq!(
        types(&iopub),
        ["status", "execute_input", "stream", "status"]
    );
    assert_eq!(iopub[1].content["execution_count"], 1);
    assert_eq!(iopub[2].content, json!({"name": "stdout", "text": "hello"}));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(reply.content["execution_count"], 1);

    let request = h.execute("value 42", json!({}));
    let iopub = h.iopub_until_idle(&request).await;
    let result = iopub
        .iter()
        .find(|m| m.msg_type() == "execute_result")
        .unwrap();
    assert_eq!(result.content["data"]["text/plain"], "42");
    assert_eq!(result.content["execution_count"], 2);
}

#[tokio::test]
async fn count_increments_only_when_storing_history() {
    let mut h = Harness::new();
    let first = h.execute("value 1", json!({}));
    h.iopub_until_idle(&first).await;
    assert_eq!(next(&mut h.mail.shell).await.content["execution_count"], 1);
    let unstored = h.execute("value 2", json!({"store_history": false}));
    h.iopub_until_idle(&unstored).await;
    next(&mut h.mail.shell).await;
    let third = h.execute("value 3", json!({}));
    h.iopub_until_idle(&third).await;
    assert_eq!(next(&mut h.mail.shell).await.content["execution_count"], 2);
}

#[tokio::test]
async fn silent_cells_publish_only_status() {
    let mut h = Harness::new();
    let request = h.execute("print secret", json!({"silent": true}));
    let iopub = h.iopub_until_idle(&request).await;
    assert_eq!(types(&iopub), ["status", "status"]);
    assert_eq!(next(&mut h.mail.shell).await.content["status"], "ok");
}

#[tokio::test]
async fn errors_carry_ename_evalue_traceback_and_abort_the_queue() {
    let mut h = Harness::new();
    let failing = h.execute("fail", json!({}));
    let queued = h.execute("print never", json!({}));
    let reply = next(&mut h.mail.shell).await;
    assert!(is_child_of(&reply, &failing));
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "FakeError");
    assert_eq!(reply.content["evalue"], "it failed");
    assert!(reply.content["traceback"].is_array());
    let iopub = h.iopub_until_idle(&failing).await;
    assert!(types(&iopub).contains(&"error"));

    let aborted = next(&mut h.mail.shell).await;
    assert!(is_child_of(&aborted, &queued));
    assert_eq!(aborted.content["status"], "aborted");
    let iopub = h.iopub_until_idle(&queued).await;
    assert!(!types(&iopub).contains(&"stream"), "aborted cell ran");
}

#[tokio::test]
async fn without_stop_on_error_the_queue_keeps_running() {
    let mut h = Harness::new();
    h.execute("fail", json!({"stop_on_error": false}));
    h.execute("value ran", json!({}));
    assert_eq!(next(&mut h.mail.shell).await.content["status"], "error");
    assert_eq!(next(&mut h.mail.shell).await.content["status"], "ok");
}

#[tokio::test]
async fn user_expressions_are_evaluated() {
    let mut h = Harness::new();
    h.execute("value 1", json!({"user_expressions": {"x": "1 + 1"}}));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(
        reply.content["user_expressions"]["x"],
        json!({"status": "ok", "data": {"text/plain": "<1 + 1>"}, "metadata": {}})
    );
}

#[tokio::test]
async fn stdin_denied_when_not_allowed_and_served_when_allowed() {
    let mut h = Harness::new();
    h.execute("input", json!({"allow_stdin": false}));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.content["ename"], "StdinNotAvailable");

    h.execute("input", json!({"allow_stdin": true}));
    let request = next(&mut h.mail.stdin).await;
    assert_eq!(request.msg_type(), "input_request");
    assert_eq!(request.content["prompt"], "name? ");
    let answer = h.request("input_reply", json!({"value": "Ada", "status": "ok"}));
    h.kernel.on_stdin(answer);
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.content["status"], "ok");
}

#[tokio::test]
async fn interrupt_stops_a_blocked_cell_and_is_answered_on_control() {
    let mut h = Harness::new();
    let running = h.execute("block", json!({}));
    // kernel_info is answered while the cell is still running.
    h.kernel
        .on_shell(h.request("kernel_info_request", json!({})));
    assert_eq!(
        next(&mut h.mail.shell).await.msg_type(),
        "kernel_info_reply"
    );
    let interrupt = h.request("interrupt_request", json!({}));
    h.kernel.on_control(interrupt).await;
    assert_eq!(
        next(&mut h.mail.control).await.msg_type(),
        "interrupt_reply"
    );
    let reply = next(&mut h.mail.shell).await;
    assert!(is_child_of(&reply, &running));
    assert_eq!(reply.content["ename"], "Interrupted");
}

#[tokio::test]
async fn completion_cursor_positions_are_code_points() {
    let mut h = Harness::new();
    let code = "let é = fo";
    h.kernel.on_shell(h.request(
        "complete_request",
        json!({"code": code, "cursor_pos": code.chars().count()}),
    ));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.content["matches"], json!(["fo_done"]));
    assert_eq!(reply.content["cursor_start"], 8);
    assert_eq!(reply.content["cursor_end"], 10);
}

#[tokio::test]
async fn comm_open_to_unknown_target_is_closed_and_comm_info_is_empty() {
    let mut h = Harness::new();
    let open = h.request(
        "comm_open",
        json!({"comm_id": "c1", "target_name": "nope", "data": {}}),
    );
    h.kernel.on_shell(open.clone());
    let iopub = h.iopub_until_idle(&open).await;
    let close = iopub.iter().find(|m| m.msg_type() == "comm_close").unwrap();
    assert_eq!(close.content["comm_id"], "c1");

    h.kernel.on_shell(h.request("comm_info_request", json!({})));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.content, json!({"status": "ok", "comms": {}}));
}

#[tokio::test]
async fn history_reflects_executed_cells() {
    let mut h = Harness::new();
    for code in ["value 1", "value 2"] {
        h.execute(code, json!({}));
        next(&mut h.mail.shell).await;
    }
    h.kernel.on_shell(h.request(
        "history_request",
        json!({"hist_access_type": "tail", "n": 2, "output": true, "raw": true}),
    ));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(
        reply.content["history"],
        json!([[1, 1, ["value 1", "1"]], [1, 2, ["value 2", "2"]]])
    );
}

#[tokio::test]
async fn unknown_and_malformed_requests_are_dropped_and_serving_continues() {
    let mut h = Harness::new();
    h.kernel
        .on_shell(h.request("frobnicate_request", json!({})));
    h.kernel
        .on_shell(h.request("complete_request", json!({"code": 5})));
    h.kernel
        .on_shell(h.request("is_complete_request", json!({"code": "fn f() {"})));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.msg_type(), "is_complete_reply");
    assert_eq!(reply.content["status"], "incomplete");
}

#[tokio::test]
async fn shutdown_replies_then_resolves() {
    let mut h = Harness::new();
    h.kernel
        .on_control(h.request("shutdown_request", json!({"restart": true})))
        .await;
    let reply = next(&mut h.mail.control).await;
    assert_eq!(reply.content["restart"], true);
    assert_eq!(
        h.kernel.shutdown_requested().await,
        Shutdown { restart: true }
    );
}

#[tokio::test]
async fn help_requests_page_documentation_instead_of_running() {
    let mut h = Harness::new();
    let request = h.execute("?print", json!({}));
    let reply = next(&mut h.mail.shell).await;
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(
        reply.content["payload"],
        json!([{"source": "page", "data": {"text/plain": "docs for print"}, "start": 0}])
    );
    let iopub = h.iopub_until_idle(&request).await;
    assert!(!types(&iopub).contains(&"stream"), "the cell ran");
}
