//! The execute queue: one cell at a time, with the protocol's bookkeeping around it.
//!
//! The executor owns the execution count (starting at 1, incremented only by cells that
//! store history), publishes `execute_input`, the value and errors, evaluates
//! `user_expressions`, records history, and after a failed cell with `stop_on_error` answers
//! every execute already queued with status `aborted`. `silent` cells publish nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use jupyter_protocol::{ExecuteInput, Status, StreamContent};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::content::{ExecuteResult, display_message};
use super::dispatcher::{Kernel, blocking};
use super::outbox::Channel;
use crate::interpreter::{CellError, CellIo, DisplayEvent, InputError, MimeBundle, StreamName};
use crate::protocol::Message;
use crate::protocol::request::ExecuteRequest;

/// An execute request waiting its turn.
#[derive(Debug)]
pub struct Queued {
    /// The request message (for parent headers and the reply's peer).
    pub message: Message,
    /// Its content.
    pub request: ExecuteRequest,
}

/// Runs queued cells until the queue closes.
pub async fn run(kernel: Arc<Kernel>, mut queue: mpsc::UnboundedReceiver<Queued>) {
    let mut next_count: u64 = 1;
    while let Some(job) = queue.recv().await {
        let stop_on_error = job.request.stop_on_error;
        let failed = execute(&kernel, job, &mut next_count).await;
        if failed && stop_on_error {
            while let Ok(queued) = queue.try_recv() {
                abort(&kernel, &queued, next_count);
            }
        }
    }
}

/// Runs one cell; returns whether it failed.
async fn execute(kernel: &Arc<Kernel>, job: Queued, next_count: &mut u64) -> bool {
    let Queued { message, request } = job;
    kernel.status(&message, Status::busy());
    let store = request.store_history && !request.silent;
    let count = *next_count;
    if store {
        *next_count += 1;
    }
    if !request.silent {
        let input = ExecuteInput {
            code: request.code.clone(),
            execution_count: jupyter_protocol::ExecutionCount::new(count as usize),
        };
        kernel.send(Channel::IoPub, &message, "execute_input", input);
    }

    if let Some(reply) = help_page(kernel, &request.code, count).await {
        if store {
            record(kernel, count, &request.code, None);
        }
        kernel.send(Channel::Shell, &message, "execute_reply", reply);
        kernel.status(&message, Status::idle());
        return false;
    }

    let io: Arc<dyn CellIo> = Arc::new(CellOutput {
        kernel: Arc::clone(kernel),
        parent: message.clone(),
        silent: request.silent,
        allow_stdin: request.allow_stdin,
    });
    let outcome = {
        let interpreter = Arc::clone(&kernel.interpreter);
        let code = request.code.clone();
        blocking(move || interpreter.execute(&code, io))
            .await
            .unwrap_or_else(|| {
                Err(CellError::new(
                    "InternalError",
                    "the interpreter failed; see the kernel log",
                ))
            })
    };

    let reply = match outcome {
        Ok(value) => {
            let text = value.as_ref().and_then(plain_text);
            if let Some(data) = value.filter(|_| !request.silent) {
                let result = ExecuteResult {
                    execution_count: count,
                    data,
                    metadata: Map::new(),
                };
                kernel.send(Channel::IoPub, &message, "execute_result", result);
            }
            if store {
                record(kernel, count, &request.code, text);
            }
            let expressions = user_expressions(kernel, &request.user_expressions).await;
            json!({
                "status": "ok",
                "execution_count": count,
                "payload": [],
                "user_expressions": expressions,
            })
        }
        Err(error) => {
            if !request.silent {
                kernel.send(Channel::IoPub, &message, "error", error_content(&error));
            }
            if store {
                record(kernel, count, &request.code, None);
            }
            let mut reply = error_content(&error);
            reply["status"] = json!("error");
            reply["execution_count"] = json!(count);
            reply["payload"] = json!([]);
            reply["user_expressions"] = json!({});
            reply
        }
    };
    let failed = reply["status"] == "error";
    kernel.send(Channel::Shell, &message, "execute_reply", reply);
    kernel.status(&message, Status::idle());
    failed
}

/// The reply for a help request (`?name`): the documentation as a `page` payload.
async fn help_page(kernel: &Kernel, code: &str, count: u64) -> Option<Value> {
    if !code.trim_start().starts_with('?') {
        return None;
    }
    let interpreter = Arc::clone(&kernel.interpreter);
    let code = code.to_owned();
    let page = blocking(move || interpreter.page(&code)).await.flatten();
    let data = page.unwrap_or_else(|| {
        let mut bundle = MimeBundle::new();
        bundle.insert("text/plain".into(), json!("No documentation found."));
        bundle
    });
    Some(json!({
        "status": "ok",
        "execution_count": count,
        "payload": [{"source": "page", "data": data, "start": 0}],
        "user_expressions": {},
    }))
}

fn abort(kernel: &Kernel, queued: &Queued, next_count: u64) {
    kernel.status(&queued.message, Status::busy());
    let reply = json!({
        "status": "aborted",
        "execution_count": next_count,
        "payload": [],
        "user_expressions": {},
    });
    kernel.send(Channel::Shell, &queued.message, "execute_reply", reply);
    kernel.status(&queued.message, Status::idle());
}

fn record(kernel: &Kernel, count: u64, code: &str, output: Option<String>) {
    if let Ok(mut history) = kernel.history.lock() {
        history.record(count, code, output);
    }
}

fn error_content(error: &CellError) -> Value {
    json!({
        "ename": error.ename,
        "evalue": error.evalue,
        "traceback": error.traceback,
    })
}

fn plain_text(bundle: &MimeBundle) -> Option<String> {
    bundle
        .get("text/plain")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

async fn user_expressions(kernel: &Kernel, expressions: &BTreeMap<String, String>) -> Value {
    let mut results = Map::new();
    for (name, expression) in expressions {
        let interpreter = Arc::clone(&kernel.interpreter);
        let expression = expression.clone();
        let result = blocking(move || interpreter.evaluate(&expression))
            .await
            .unwrap_or_else(|| Err(CellError::new("InternalError", "evaluation failed")));
        let value = match result {
            Ok(data) => json!({"status": "ok", "data": data, "metadata": {}}),
            Err(error) => {
                let mut value = error_content(&error);
                value["status"] = json!("error");
                value
            }
        };
        results.insert(name.clone(), value);
    }
    Value::Object(results)
}

/// The frontend as seen by the running cell: outputs go to IOPub, parented to the request.
struct CellOutput {
    kernel: Arc<Kernel>,
    parent: Message,
    silent: bool,
    allow_stdin: bool,
}

impl CellIo for CellOutput {
    fn stream(&self, name: StreamName, text: &str) {
        if self.silent || text.is_empty() {
            return;
        }
        let content = match name {
            StreamName::Stdout => StreamContent::stdout(text),
            StreamName::Stderr => StreamContent::stderr(text),
        };
        self.kernel
            .send(Channel::IoPub, &self.parent, "stream", content);
    }

    fn display(&self, event: DisplayEvent) {
        if self.silent {
            return;
        }
        let (msg_type, content) = display_message(event);
        self.kernel
            .send(Channel::IoPub, &self.parent, msg_type, content);
    }

    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError> {
        if !self.allow_stdin {
            return Err(InputError::NotAllowed);
        }
        self.kernel.stdin.request(&self.parent, prompt, password)
    }
}
