//! The protocol server: sockets, signing, busy/idle, parent headers and the execute queue.
//!
//! [`serve`] binds the connection file's five sockets and runs until a `shutdown_request`.
//! The server knows nothing of Rust or evcxr: it drives any [`Interpreter`]. Its pieces:
//!
//! - [`sockets`]: the ZeroMQ tasks (readers verify and decode; writers sign and send; IOPub
//!   welcomes subscribers; the heartbeat echoes);
//! - [`outbox`]: per-socket queues, so any task can send;
//! - [`dispatcher`]: one answer per request type, each wrapped in busy/idle;
//! - [`executor`]: cells one at a time, execution counts, history, `stop_on_error`;
//! - [`stdin`]: `input_request` round trips.

pub mod content;
pub mod dispatcher;
pub mod executor;
pub mod outbox;
pub mod sockets;
pub mod stdin;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use jupyter_protocol::{ConnectionInfo, Status};
use tokio::sync::mpsc;

pub use dispatcher::{Kernel, Shutdown};
pub use sockets::ServeError;

use crate::history::History;
use crate::interpreter::Interpreter;
use crate::protocol::message::Session;
use crate::protocol::{Message, Signer};
use outbox::{Channel, Outbox};

/// Serves the kernel described by `info` until a frontend asks it to shut down.
pub async fn serve(
    info: &ConnectionInfo,
    interpreter: Arc<dyn Interpreter>,
    history: History,
) -> Result<Shutdown, ServeError> {
    let signer = Signer::new(&info.signature_scheme, &info.key)?;
    let bound = sockets::Bound::bind(info).await?;
    let session = Session::new();
    let (outbox, mailboxes) = Outbox::new();
    let (kernel, queue) = Kernel::new(session.clone(), outbox.clone(), interpreter, history);

    let (shell_send, shell_recv) = bound.shell.split();
    let (control_send, control_recv) = bound.control.split();
    let (stdin_send, stdin_recv) = bound.stdin.split();
    tokio::spawn(sockets::write_replies(
        "shell",
        shell_send,
        signer.clone(),
        mailboxes.shell,
    ));
    tokio::spawn(sockets::write_replies(
        "control",
        control_send,
        signer.clone(),
        mailboxes.control,
    ));
    tokio::spawn(sockets::write_replies(
        "stdin",
        stdin_send,
        signer.clone(),
        mailboxes.stdin,
    ));
    tokio::spawn(sockets::publish(
        bound.iopub,
        signer.clone(),
        session.clone(),
        mailboxes.iopub,
    ));
    tokio::spawn(sockets::heartbeat(bound.heartbeat));

    let shell = route("shell", shell_recv, &signer);
    let control = route("control", control_recv, &signer);
    let stdin = route("stdin", stdin_recv, &signer);
    tokio::spawn(receive(shell, {
        let kernel = Arc::clone(&kernel);
        move |message| {
            kernel.on_shell(message);
            async {}
        }
    }));
    tokio::spawn(receive(control, {
        let kernel = Arc::clone(&kernel);
        move |message| {
            let kernel = Arc::clone(&kernel);
            async move { kernel.on_control(message).await }
        }
    }));
    tokio::spawn(receive(stdin, {
        let kernel = Arc::clone(&kernel);
        move |message| {
            kernel.on_stdin(message);
            async {}
        }
    }));
    tokio::spawn(executor::run(Arc::clone(&kernel), queue));
    tokio::spawn(interrupt_on_sigint(Arc::clone(&kernel)));

    outbox.send(
        Channel::IoPub,
        Message::orphan(&session, "status", Status::starting()),
    );
    let shutdown = kernel.shutdown_requested().await;
    outbox.flush().await;
    let interpreter = Arc::clone(&kernel.interpreter);
    dispatcher::blocking(move || interpreter.shutdown()).await;
    Ok(shutdown)
}

fn route(
    name: &'static str,
    socket: zeromq::RouterRecvHalf,
    signer: &Signer,
) -> mpsc::UnboundedReceiver<Message> {
    let (sink, messages) = mpsc::unbounded_channel();
    tokio::spawn(sockets::read_requests(name, socket, signer.clone(), sink));
    messages
}

async fn receive<F, Fut>(mut messages: mpsc::UnboundedReceiver<Message>, mut handle: F)
where
    F: FnMut(Message) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    while let Some(message) = messages.recv().await {
        handle(message).await;
    }
}

/// SIGINT (Ctrl-C in a terminal, or a frontend using signal interrupts) interrupts the
/// running cell instead of killing the kernel.
async fn interrupt_on_sigint(kernel: Arc<Kernel>) {
    loop {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        log::info!("SIGINT: interrupting the running cell");
        kernel.interrupt();
    }
}
