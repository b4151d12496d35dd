//! Futures on a client: every status transition, cancellation, retries, `as_completed`
//! order, futures as arguments, and futures mixed with delayed graphs.
//!
//! Tasks are held at gates the test opens, so every ordering here is forced, not timed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhpc::prelude::*;
use rhpc::tasks::{Submit, TaskError};

/// A gate a task waits at until the test opens it.
struct Gate {
    open: Sender<()>,
    wait: Arc<Mutex<Receiver<()>>>,
}

impl Gate {
    fn new() -> Gate {
        let (open, wait) = channel();
        Gate {
            open,
            wait: Arc::new(Mutex::new(wait)),
        }
    }

    /// A task body that waits at this gate, then returns `value`.
    fn task(&self, value: u64) -> impl Fn() -> u64 + Send + Sync + 'static {
        let wait = self.wait.clone();
        move || {
            let _ = wait.lock().map(|r| r.recv());
            value
        }
    }

    fn open(&self) {
        let _ = self.open.send(());
    }
}

/// Polls `condition` until it holds; fails the test after a generous deadline (a hang
/// guard, not a timing assertion).
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.to_string().contains("expected failure") {
                default(info);
            }
        }));
    });
}

#[test]
fn pending_running_finished() {
    let client = Client::with_workers(1).unwrap();
    let gate = Gate::new();
    let first = client.submit(gate.task(1), ());
    eventually("first runs", || first.status() == FutureStatus::Running);
    // The only worker is busy: the second waits, pending.
    let second = client.submit(|| 2u64, ());
    assert_eq!(second.status(), FutureStatus::Pending);
    assert!(!first.done() && !second.done());
    gate.open();
    assert_eq!(first.result(), Ok(1));
    assert_eq!(second.result(), Ok(2));
    assert_eq!(first.status(), FutureStatus::Finished);
    assert_eq!(second.status(), FutureStatus::Finished);
    assert!(first.done());
    // The value stays while the future is held.
    assert_eq!(first.result(), Ok(1));
}

#[test]
fn pending_while_inputs_run() {
    let client = Client::with_workers(2).unwrap();
    let gate = Gate::new();
    let input = client.submit(gate.task(20), ());
    let dependent = client.submit(|x: u64| x + 1, (&input,));
    eventually("input runs", || input.status() == FutureStatus::Running);
    assert_eq!(dependent.status(), FutureStatus::Pending);
    gate.open();
    assert_eq!(dependent.result(), Ok(21));
}

#[test]
fn running_to_error_and_dependents_fail_without_running() {
    quiet_panics();
    let client = Client::with_workers(2).unwrap();
    let gate = Gate::new();
    let wait = gate.wait.clone();
    let bad = client.submit(
        move || -> u64 {
            let _ = wait.lock().map(|r| r.recv());
            panic!("expected failure")
        },
        (),
    );
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let dependent = client.submit(
        move |x: u64| {
            counter.fetch_add(1, Ordering::SeqCst);
            x
        },
        (&bad,),
    );
    eventually("bad runs", || bad.status() == FutureStatus::Running);
    gate.open();
    bad.wait().unwrap();
    assert_eq!(bad.status(), FutureStatus::Error);
    dependent.wait().unwrap();
    assert_eq!(dependent.status(), FutureStatus::Error);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    let expected = TaskError::Failed {
        key: bad.key().clone(),
        message: "expected failure".into(),
    };
    assert_eq!(bad.result(), Err(expected.clone()));
    assert_eq!(dependent.result(), Err(expected.clone()));
    assert_eq!(bad.exception(), Some(expected));
    // Submitting on an already failed future fails at once.
    let late = client.submit(|x: u64| x, (&bad,));
    assert_eq!(late.status(), FutureStatus::Error);
}

#[test]
fn cancel_pending_cancels_dependents_and_nothing_runs() {
    let client = Client::with_workers(1).unwrap();
    let gate = Gate::new();
    let blocker = client.submit(gate.task(0), ());
    eventually("blocker runs", || blocker.status() == FutureStatus::Running);
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let pending = client.submit(
        move || {
            counter.fetch_add(1, Ordering::SeqCst);
            1u64
        },
        (),
    );
    let dependent = client.submit(|x: u64| x, (&pending,));
    assert!(pending.cancel());
    assert_eq!(pending.status(), FutureStatus::Cancelled);
    assert_eq!(dependent.status(), FutureStatus::Cancelled);
    assert!(!pending.cancel(), "cancelling twice does nothing");
    gate.open();
    blocker.result().unwrap();
    // A later task runs on the freed worker; the cancelled one never did.
    client.submit(|| 0u64, ()).result().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert!(matches!(pending.result(), Err(TaskError::Cancelled { .. })));
    assert!(matches!(
        dependent.result(),
        Err(TaskError::Cancelled { .. })
    ));
}

#[test]
fn cancel_running_drops_the_result() {
    let client = Client::with_workers(1).unwrap();
    let gate = Gate::new();
    let running = client.submit(gate.task(5), ());
    eventually("it runs", || running.status() == FutureStatus::Running);
    assert!(running.cancel());
    assert_eq!(running.status(), FutureStatus::Cancelled);
    gate.open();
    client.submit(|| 0u64, ()).result().unwrap();
    assert_eq!(running.status(), FutureStatus::Cancelled);
    assert!(matches!(running.result(), Err(TaskError::Cancelled { .. })));
}

#[test]
fn cancel_finished_does_nothing() {
    let client = Client::with_workers(1).unwrap();
    let done = client.submit(|| 3u64, ());
    assert_eq!(done.result(), Ok(3));
    assert!(!done.cancel());
    assert_eq!(done.status(), FutureStatus::Finished);
    assert_eq!(done.result(), Ok(3));
}

#[test]
fn retries_run_until_success_or_exhaustion() {
    quiet_panics();
    let client = Client::with_workers(2).unwrap();
    let flaky = |fail_times: usize, tries: Arc<AtomicUsize>| {
        move || {
            if tries.fetch_add(1, Ordering::SeqCst) < fail_times {
                panic!("expected failure");
            }
            7u64
        }
    };
    let tries = Arc::new(AtomicUsize::new(0));
    let ok = client.submit_with(&Submit::new().retries(3), flaky(2, tries.clone()), ());
    assert_eq!(ok.result(), Ok(7));
    assert_eq!(tries.load(Ordering::SeqCst), 3);

    let tries = Arc::new(AtomicUsize::new(0));
    let failed = client.submit_with(&Submit::new().retries(1), flaky(5, tries.clone()), ());
    assert!(matches!(failed.result(), Err(TaskError::Failed { .. })));
    assert_eq!(tries.load(Ordering::SeqCst), 2);
    // Every attempt is in the task stream.
    let stream = client.task_stream().summary();
    assert_eq!(stream.tasks, 5);
    assert_eq!(stream.failed, 4);
}

#[test]
fn as_completed_follows_completion_order() {
    let client = Client::with_workers(3).unwrap();
    let gates: Vec<Gate> = (0..3).map(|_| Gate::new()).collect();
    let futures: Vec<Future<u64>> = gates
        .iter()
        .enumerate()
        .map(|(i, gate)| client.submit(gate.task(i as u64), ()))
        .collect();
    let order = [2usize, 0, 1];
    let completed = as_completed(&futures);
    for &i in &order {
        gates[i].open();
        futures[i].wait().unwrap();
    }
    let seen: Vec<u64> = completed.map(|f| f.result().unwrap()).collect();
    assert_eq!(seen, [2, 0, 1]);
}

#[test]
fn futures_feed_later_submits_and_delayed_graphs() {
    fn inc(x: u64) -> u64 {
        x + 1
    }
    fn add(a: u64, b: u64) -> u64 {
        a + b
    }
    let client = Client::with_workers(2).unwrap();
    let xs = client.map(inc, 0..10u64);
    let total = xs[1..]
        .iter()
        .fold(xs[0].clone(), |acc, x| client.submit(add, (acc, x)));
    assert_eq!(total.result(), Ok(55));
    // A future inside a delayed graph, and a delayed value inside a submit.
    let lazy = rhpc::delayed!(add(&total, 1));
    assert_eq!(lazy.compute(), Ok(56));
    let eager = client.submit(add, (&lazy, &total));
    assert_eq!(eager.result(), Ok(111));
    assert_eq!(client.compute(&lazy).result(), Ok(56));
    let data = client.scatter(vec![1u64, 2, 3]);
    let sum = client.submit(|v: Vec<u64>| v.iter().sum::<u64>(), (&data,));
    assert_eq!(client.gather(&[sum]), Ok(vec![6]));
}

#[test]
fn display_and_render() {
    let client = Client::with_workers(1).unwrap();
    let f = client.submit(|| 1u64, ());
    f.wait().unwrap();
    let text = f.to_string();
    assert_eq!(
        text,
        format!("<Future: finished, type: u64, key: {}>", f.key())
    );
    let bundle = f.render();
    assert!(bundle.get("text/html").is_some());
    assert_eq!(bundle.plain_text(), text);
}

#[test]
fn a_client_is_a_scheduler_recording_into_its_stream() {
    fn inc(x: u64) -> u64 {
        x + 1
    }
    let client = Client::with_workers(2).unwrap();
    let xs: Vec<Delayed<u64>> = (0..50).map(|i| rhpc::delayed!(inc(i))).collect();
    let values = Compute::with_borrowed(&client).run(&xs).unwrap();
    assert_eq!(values, (1..=50).collect::<Vec<u64>>());
    assert_eq!(client.task_stream().len(), 50);
}
