//! Property tests: blocked arrays against plain `ndarray` results, for random shapes,
//! chunkings and fan-ins, on every scheduler.

use ndarray::{ArrayD, Axis, IxDyn, Slice};
use proptest::prelude::*;
use rhpc::array::BlockedArray;
use rhpc::tasks::{Client, Compute, Synchronous, TaskStream, Threads};

/// A random 1-D or 2-D array of small integers with a chunk shape and a fan-in.
#[derive(Debug, Clone)]
struct Case {
    data: ArrayD<i64>,
    chunks: Vec<usize>,
    other_chunks: Vec<usize>,
    fan_in: usize,
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(1usize..24, 1..=2)
        .prop_flat_map(|shape| {
            let len: usize = shape.iter().product();
            let chunks: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
            let other: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
            (
                Just(shape),
                prop::collection::vec(-50i64..50, len),
                chunks,
                other,
                2usize..6,
            )
        })
        .prop_map(|(shape, values, chunks, other_chunks, fan_in)| Case {
            data: ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
            chunks,
            other_chunks,
            fan_in,
        })
}

fn blocked(case: &Case) -> BlockedArray<i64> {
    BlockedArray::from_array(case.data.clone(), &case.chunks)
        .unwrap()
        .with_fan_in(case.fan_in)
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fused_elementwise_chains_match_ndarray(case in case(), a in -5i64..5, b in 1i64..4) {
        let x = blocked(&case);
        let y = BlockedArray::from_array(case.data.clone(), &case.other_chunks).unwrap();
        let z = (((&x + a) * b - &y).unwrap() * 3).map("neg", |v| -v);
        let expected = case.data.mapv(|v| -(((v + a) * b - v) * 3));
        prop_assert_eq!(z.compute().unwrap(), expected);
    }

    #[test]
    fn reductions_over_everything_match(case in case()) {
        let x = blocked(&case);
        let y = (&x * 2) + 1;
        let reference = case.data.mapv(|v| v * 2 + 1);
        prop_assert_eq!(y.sum().compute().unwrap(), reference.sum());
        prop_assert_eq!(y.min().compute().unwrap(), *reference.iter().min().unwrap());
        prop_assert_eq!(y.max().compute().unwrap(), *reference.iter().max().unwrap());
        let floats = reference.mapv(|v| v as f64);
        let mean = floats.mean().unwrap();
        prop_assert!(close(y.mean().compute().unwrap(), mean));
        prop_assert!(close(y.std().compute().unwrap(), floats.std(0.0)));
    }

    #[test]
    fn reductions_along_an_axis_match(case in case()) {
        let x = blocked(&case);
        for axis in 0..case.data.ndim() {
            prop_assert_eq!(x.sum_axis(axis).unwrap().compute().unwrap(), case.data.sum_axis(Axis(axis)));
            let max = case.data.map_axis(Axis(axis), |l| *l.iter().max().unwrap());
            prop_assert_eq!(x.max_axis(axis).unwrap().compute().unwrap(), max);
            let means = x.mean_axis(axis).unwrap().compute().unwrap();
            let reference = case.data.mapv(|v| v as f64).mean_axis(Axis(axis)).unwrap();
            prop_assert!(means.iter().zip(reference.iter()).all(|(a, b)| close(*a, *b)));
        }
    }

    #[test]
    fn rechunking_and_slicing_keep_the_values(case in case(), cut in prop::collection::vec((0usize..24, 0usize..24), 2)) {
        let x = blocked(&case);
        let y = (&x + 1).rechunk(&case.other_chunks).unwrap();
        prop_assert_eq!(y.compute().unwrap(), case.data.mapv(|v| v + 1));
        let ranges: Vec<_> = case.data.shape().iter().zip(&cut)
            .map(|(&n, &(a, b))| { let (a, b) = (a.min(n), b.min(n)); a.min(b)..a.max(b) })
            .collect();
        let sliced = y.slice(&ranges).unwrap().compute().unwrap();
        let expected = case.data.slice_each_axis(|ax| {
            let r = &ranges[ax.axis.index()];
            Slice::from(r.start..r.end)
        }).mapv(|v| v + 1);
        prop_assert_eq!(sliced, expected);
    }

    #[test]
    fn blockwise_matmul_matches(case in case(), cols in 1usize..10, col_chunk in 1usize..10) {
        prop_assume!(case.data.ndim() == 2);
        let a = blocked(&case);
        let k = case.data.shape()[1];
        let b_data = ArrayD::from_shape_fn(IxDyn(&[k, cols]), |ix| (ix[0] as i64 * 3 - ix[1] as i64) % 7);
        let b = BlockedArray::from_array(b_data.clone(), &[case.other_chunks[1].min(k), col_chunk.min(cols)]).unwrap();
        let product = a.matmul(&b).unwrap().compute().unwrap();
        let a2 = case.data.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let b2 = b_data.into_dimensionality::<ndarray::Ix2>().unwrap();
        prop_assert_eq!(product, a2.dot(&b2).into_dyn());
    }
}

#[test]
fn every_scheduler_gives_the_same_result_and_records_every_task() {
    let x = BlockedArray::<f64>::random(&[300, 200], &[64, 50], 3).unwrap();
    let y = ((&x + 1.0) * 2.0).sum();
    let expected = y.compute_with(&Synchronous).unwrap();
    let client = Client::with_workers(2).unwrap();
    let pool = Threads::new(2).unwrap();
    for how in [
        Compute::with_borrowed(&client),
        Compute::with_borrowed(&pool),
    ] {
        let stream = TaskStream::new();
        let total = how.stream(&stream).progress(true).run(&y).unwrap();
        assert!((total - expected).abs() < 1e-6 * expected.abs());
        assert_eq!(stream.len(), y.graph().len());
    }
}

#[test]
fn a_failing_block_fails_the_computation_with_its_key() {
    let x = BlockedArray::<i64>::ones(&[10], &[5]).unwrap();
    let bad = (&x - 1).map_blocks("boom", |b| {
        if b.iter().all(|&v| v == 0) {
            panic!("boom")
        }
        b.clone()
    });
    let error = bad.sum().compute().unwrap_err();
    assert_eq!(
        error.key().map(|k| k.prefix().to_string()),
        Some("boom".into())
    );
}
