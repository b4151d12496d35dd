//! Property tests on random task graphs: every scheduler gives the sequential result,
//! every task needed runs exactly once (and no other), and a panic reaches exactly the
//! tasks that depend on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use rhpc::tasks::{Client, Compute, Delayed, Scheduler, Synchronous, TaskError, Threads};

/// A random DAG: task `i` depends on some earlier tasks (possibly the same one twice).
#[derive(Debug, Clone)]
struct Dag {
    deps: Vec<Vec<usize>>,
    outputs: Vec<usize>,
}

fn dag() -> impl Strategy<Value = Dag> {
    (1usize..48).prop_flat_map(|n| {
        let deps = (0..n)
            .map(|i| {
                if i == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    proptest::collection::vec(0..i, 0..4).boxed()
                }
            })
            .collect::<Vec<_>>();
        let outputs = proptest::collection::vec(0..n, 1..5);
        (deps, outputs).prop_map(|(deps, outputs)| Dag { deps, outputs })
    })
}

/// The value of task `i`: mixes its index with its inputs, order-sensitively.
fn mix(i: usize, inputs: &[&u64]) -> u64 {
    inputs.iter().fold(i as u64 * 0x9e37_79b9, |h, &&x| {
        h.rotate_left(7) ^ x.wrapping_mul(31)
    })
}

/// Sequential reference values of every task.
fn reference(dag: &Dag) -> Vec<u64> {
    let mut values: Vec<u64> = Vec::new();
    for (i, deps) in dag.deps.iter().enumerate() {
        let inputs: Vec<&u64> = deps.iter().map(|&d| &values[d]).collect();
        let value = mix(i, &inputs);
        values.push(value);
    }
    values
}

/// Tasks the outputs need (the outputs and everything they depend on).
fn needed(dag: &Dag) -> Vec<bool> {
    let mut needed = vec![false; dag.deps.len()];
    let mut stack = dag.outputs.clone();
    while let Some(task) = stack.pop() {
        if !needed[task] {
            needed[task] = true;
            stack.extend(&dag.deps[task]);
        }
    }
    needed
}

/// Whether task `task` depends on `on`, directly or not (a task depends on itself).
fn depends_on(dag: &Dag, task: usize, on: usize) -> bool {
    task == on || dag.deps[task].iter().any(|&d| depends_on(dag, d, on))
}

/// Builds the graph with a run counter per task; task `panicking` panics.
fn build(dag: &Dag, panicking: Option<usize>) -> (Vec<Delayed<u64>>, Arc<Vec<AtomicUsize>>) {
    let runs: Arc<Vec<AtomicUsize>> =
        Arc::new((0..dag.deps.len()).map(|_| AtomicUsize::new(0)).collect());
    let mut tasks: Vec<Delayed<u64>> = Vec::new();
    for (i, deps) in dag.deps.iter().enumerate() {
        let inputs: Vec<Delayed<u64>> = deps.iter().map(|&d| tasks[d].clone()).collect();
        let runs = runs.clone();
        let prefix = if panicking == Some(i) { "bad" } else { "mix" };
        tasks.push(Delayed::combine(
            prefix,
            &inputs,
            move |values: &[&u64]| {
                runs[i].fetch_add(1, Ordering::SeqCst);
                if panicking == Some(i) {
                    panic!("task {i} fails");
                }
                mix(i, values)
            },
        ));
    }
    (tasks, runs)
}

fn schedulers() -> Vec<Box<dyn Scheduler>> {
    vec![
        Box::new(Synchronous),
        Box::new(Threads::new(3).expect("a pool of 3 threads")),
        Box::new(Threads::global()),
        Box::new(Client::with_workers(2).expect("a client")),
    ]
}

/// Silences the expected panics of failing tasks (and only those).
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info.to_string();
            if !(text.contains(" fails") || text.contains("boom")) {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_scheduler_matches_sequential_and_runs_each_task_once(dag in dag()) {
        let expected = reference(&dag);
        let needed = needed(&dag);
        for scheduler in schedulers() {
            let (tasks, runs) = build(&dag, None);
            let outputs: Vec<Delayed<u64>> = dag.outputs.iter().map(|&o| tasks[o].clone()).collect();
            let values = Compute::with_borrowed(scheduler.as_ref()).run(&outputs).expect("no task fails");
            let wanted: Vec<u64> = dag.outputs.iter().map(|&o| expected[o]).collect();
            prop_assert_eq!(values, wanted, "{}", scheduler.name());
            for (task, runs) in runs.iter().enumerate() {
                prop_assert_eq!(runs.load(Ordering::SeqCst), usize::from(needed[task]),
                    "task {} on {}", task, scheduler.name());
            }
        }
    }

    #[test]
    fn a_panic_reaches_exactly_its_dependents(dag in dag(), pick in any::<prop::sample::Index>()) {
        quiet_panics();
        let needed = needed(&dag);
        let candidates: Vec<usize> = (0..dag.deps.len()).filter(|&t| needed[t]).collect();
        let bad = candidates[pick.index(candidates.len())];
        for scheduler in schedulers() {
            let (tasks, runs) = build(&dag, Some(bad));
            let outputs: Vec<Delayed<u64>> = dag.outputs.iter().map(|&o| tasks[o].clone()).collect();
            let result = Compute::with_borrowed(scheduler.as_ref()).run(&outputs);
            let hit = dag.outputs.iter().any(|&o| depends_on(&dag, o, bad));
            match result {
                Err(TaskError::Failed { key, message }) => {
                    prop_assert!(hit);
                    prop_assert_eq!(&key, tasks[bad].key());
                    prop_assert_eq!(message, format!("task {bad} fails"));
                }
                Ok(_) => prop_assert!(!hit, "an output depends on the panic"),
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
            for (task, runs) in runs.iter().enumerate() {
                let expected = if !needed[task] || (task != bad && depends_on(&dag, task, bad)) { 0 } else { 1 };
                prop_assert_eq!(runs.load(Ordering::SeqCst), expected,
                    "task {} (bad {}) on {}", task, bad, scheduler.name());
            }
        }
    }
}

#[test]
fn the_pool_survives_panics() {
    quiet_panics();
    let threads = Threads::new(2).expect("a pool");
    for round in 0..20u64 {
        let bad = Delayed::new(round).then("explode", |_| -> u64 { panic!("boom") });
        let good = Delayed::new(round).then("double", |x| x * 2);
        let compute = Compute::with_borrowed(&threads);
        assert!(matches!(compute.run(&bad), Err(TaskError::Failed { .. })));
        assert_eq!(compute.run(&good), Ok(round * 2));
    }
}

#[test]
fn shared_subgraphs_run_once_when_computed_together() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let shared = Delayed::new(1u64).then("shared", move |x| {
        counter.fetch_add(1, Ordering::SeqCst);
        x + 1
    });
    let a = shared.then("a", |x| x * 10);
    let b = shared.then("b", |x| x * 100);
    assert_eq!(rhpc::tasks::compute(&(&a, &b)), Ok((20, 200)));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let kept = shared.persist().expect("persist");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    let c = kept.then("c", |x| x + 1);
    assert_eq!(c.compute(), Ok(3));
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "a persisted value is not recomputed"
    );
}

#[test]
fn a_tree_reduction_of_many_tasks_is_correct_on_threads() {
    fn inc(x: u64) -> u64 {
        x + 1
    }
    fn add(a: u64, b: u64) -> u64 {
        a + b
    }
    let mut layer: Vec<Delayed<u64>> = (0..5000).map(|i| rhpc::delayed!(inc(i))).collect();
    while layer.len() > 1 {
        let mut next: Vec<Delayed<u64>> = layer
            .chunks(2)
            .filter(|p| p.len() == 2)
            .map(|p| rhpc::delayed!(add(&p[0], &p[1])))
            .collect();
        if layer.len() % 2 == 1 {
            next.extend(layer.last().cloned());
        }
        layer = next;
    }
    let total = &layer[0];
    assert_eq!(total.graph().len(), 9999);
    let expected: u64 = (1..=5000).sum();
    let threads = Threads::new(4).expect("a pool");
    for _ in 0..5 {
        assert_eq!(total.compute_with(&threads), Ok(expected));
    }
}
