//! Kernels on the host backend: results equal to plain Rust, generic types, scalar
//! arguments, several outputs, raw arrays, reductions, and clear errors for bad code.

use rhpc::args;
use rhpc::gpu::{Device, GpuError, Shape};
use rhpc::jit::{ElementwiseKernel, JitError, Kernel, RawKernel, ReductionKernel};

fn host() -> Device {
    Device::host()
}

/// Deterministic test data with a mix of magnitudes and signs.
fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 200.0 - 100.0
        })
        .collect()
}

#[test]
fn elementwise_f32_equals_plain_rust_bit_for_bit() {
    let n = 1_000_003; // several chunks, and a ragged last one
    let x: Vec<f32> = data(n, 1).iter().map(|&v| v as f32).collect();
    let y: Vec<f32> = data(n, 2).iter().map(|&v| v as f32).collect();
    let kernel = ElementwiseKernel::new(
        "float32 x, float32 y",
        "float32 z",
        "z = (x - y) * (x - y) / (1.0f + y * y)",
        "squared_diff_scaled",
    )
    .unwrap();
    let (dx, dy) = (host().to_device(&x).unwrap(), host().to_device(&y).unwrap());
    let z = kernel
        .call::<f32>(args![&dx, &dy])
        .unwrap()
        .to_host()
        .unwrap();
    let expected: Vec<f32> = x
        .iter()
        .zip(&y)
        .map(|(&x, &y)| (x - y) * (x - y) / (1.0 + y * y))
        .collect();
    assert_eq!(z, expected);
}

#[test]
fn generic_kernels_compile_one_variant_per_type() {
    let axpy =
        ElementwiseKernel::new("T a, T x, T y", "T z", "z = a * x + y", "axpy_generic").unwrap();
    let xf: Vec<f64> = data(1000, 3);
    let yf: Vec<f64> = data(1000, 4);
    let z = axpy
        .call::<f64>(args![
            2.5f64,
            &host().to_device(&xf).unwrap(),
            &host().to_device(&yf).unwrap()
        ])
        .unwrap();
    let expected: Vec<f64> = xf.iter().zip(&yf).map(|(x, y)| 2.5 * x + y).collect();
    assert_eq!(z.to_host().unwrap(), expected);

    let xi: Vec<i64> = (0..1000).map(|v| v * 7 - 3000).collect();
    let yi: Vec<i64> = (0..1000).map(|v| v % 13).collect();
    // The scalar is cast to T = int64, as CuPy casts scalars to the parameter's type.
    let z = axpy
        .call::<i64>(args![
            3i32,
            &host().to_device(&xi).unwrap(),
            &host().to_device(&yi).unwrap()
        ])
        .unwrap();
    let expected: Vec<i64> = xi.iter().zip(&yi).map(|(x, y)| 3 * x + y).collect();
    assert_eq!(z.to_host().unwrap(), expected);

    let xu: Vec<u32> = (0..1000).collect();
    let z = axpy
        .call::<u32>(args![
            2u32,
            &host().to_device(&xu).unwrap(),
            &host().to_device(&xu).unwrap()
        ])
        .unwrap();
    assert_eq!(
        z.to_host().unwrap(),
        xu.iter().map(|v| 3 * v).collect::<Vec<_>>()
    );
}

#[test]
fn index_count_two_d_and_several_outputs() {
    let kernel = ElementwiseKernel::new(
        "int32 x",
        "int64 position, int32 doubled",
        "position = i * 1000 + n; doubled = 2 * x",
        "positions",
    )
    .unwrap();
    let device = host();
    let x = device
        .to_device(&[1, 2, 3, 4, 5, 6])
        .unwrap()
        .reshape((2, 3))
        .unwrap();
    let mut position = device.zeros::<i64>((2, 3)).unwrap();
    let mut doubled = device.zeros::<i32>((2, 3)).unwrap();
    kernel
        .call_into(args![&x, &mut position, &mut doubled])
        .unwrap();
    assert_eq!(
        position.to_host().unwrap(),
        vec![6, 1006, 2006, 3006, 4006, 5006]
    );
    assert_eq!(doubled.to_host().unwrap(), vec![2, 4, 6, 8, 10, 12]);
    assert_eq!(doubled.shape(), Shape::matrix(2, 3));
}

#[test]
fn raw_arrays_are_indexed_by_the_operation() {
    let diff = ElementwiseKernel::new(
        "raw T x, T first",
        "T d",
        "d = (i + 1 < n) ? x[i + 1] - x[i] : first",
        "forward_difference",
    )
    .unwrap();
    let device = host();
    let values = [1.0f64, 4.0, 9.0, 16.0];
    let x = device.to_device(&values).unwrap();
    let mut d = device.zeros::<f64>(4).unwrap();
    diff.call_into(args![&x, -1.0f64, &mut d]).unwrap();
    assert_eq!(d.to_host().unwrap(), vec![3.0, 5.0, 7.0, -1.0]);
}

#[test]
fn reductions_equal_plain_rust() {
    let values: Vec<f64> = data(777_777, 5);
    let x = host().to_device(&values).unwrap();
    let l2 =
        ReductionKernel::new("T x", "T y", "x * x", "a + b", "y = sqrt(a)", "0", "l2norm").unwrap();
    let norm = l2.reduce::<f64>(args![&x]).unwrap();
    let expected = values.iter().map(|v| v * v).sum::<f64>().sqrt();
    // Floating-point sums depend on the order; chunks and lanes reorder them.
    assert!(
        (norm - expected).abs() <= expected * 1e-12,
        "{norm} vs {expected}"
    );

    let ints: Vec<i64> = (0..500_001).map(|v| (v * 37) % 1001 - 500).collect();
    let xi = host().to_device(&ints).unwrap();
    let max = ReductionKernel::new(
        "T x",
        "T m",
        "x",
        "max(a, b)",
        "m = a",
        "-9223372036854775807LL - 1",
        "maximum",
    )
    .unwrap();
    assert_eq!(
        max.reduce::<i64>(args![&xi]).unwrap(),
        *ints.iter().max().unwrap()
    );
    let sum = ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "int_sum").unwrap();
    assert_eq!(
        sum.reduce::<i64>(args![&xi]).unwrap(),
        ints.iter().sum::<i64>()
    );

    // Empty input: the identity, post-mapped.
    let empty = host().to_device::<i64>(&[]).unwrap();
    assert_eq!(sum.reduce::<i64>(args![&empty]).unwrap(), 0);
}

#[test]
fn reductions_with_scalars_and_a_wider_accumulator() {
    let values: Vec<f32> = (0..100_000).map(|v| (v % 100) as f32 * 0.01).collect();
    let x = host().to_device(&values).unwrap();
    let count = ReductionKernel::new(
        "T x, T threshold",
        "int64 c",
        "x > threshold ? 1 : 0",
        "a + b",
        "c = a",
        "0",
        "count_above",
    )
    .unwrap();
    let expected = values.iter().filter(|&&v| v > 0.5).count() as i64;
    assert_eq!(count.reduce::<i64>(args![&x, 0.5f32]).unwrap(), expected);

    let mean = ReductionKernel::new(
        "float32 x",
        "float32 m",
        "x",
        "a + b",
        "m = a / n",
        "0",
        "mean",
    )
    .unwrap()
    .with_reduce_type("float64")
    .unwrap();
    let expected = (values.iter().map(|&v| f64::from(v)).sum::<f64>() / 100_000.0) as f32;
    assert_eq!(mean.reduce::<f32>(args![&x]).unwrap(), expected);
}

#[test]
fn syntax_errors_name_the_line_and_quote_the_compiler() {
    let kernel = ElementwiseKernel::new(
        "float32 x",
        "float32 y",
        "float t = x * 2;\ny = t +* w;",
        "broken",
    )
    .unwrap();
    let x = host().to_device(&[1.0f32]).unwrap();
    let error = kernel.call::<f32>(args![&x]).unwrap_err();
    let JitError::Compile(failure) = &error else {
        panic!("expected a compile error, got {error:?}");
    };
    assert_eq!(failure.section.as_deref(), Some("operation"));
    assert_eq!(failure.line, Some(2));
    assert_eq!(failure.source_line.as_deref(), Some("y = t +* w;"));
    assert!(failure.message.contains("error") || !failure.message.is_empty());
    let text = error.to_string();
    assert!(text.contains("kernel `broken` does not compile"), "{text}");
    assert!(text.contains("operation line 2"), "{text}");
}

#[test]
fn type_errors_in_code_and_in_arguments_are_clear() {
    // A pointer where a number is needed: the compiler's type error, located.
    let kernel = ElementwiseKernel::new("float32 x", "float32 y", "y = &x;", "type_error").unwrap();
    let x = host().to_device(&[1.0f32]).unwrap();
    let JitError::Compile(failure) = kernel.call::<f32>(args![&x]).unwrap_err() else {
        panic!("expected a compile error");
    };
    assert_eq!(failure.line, Some(1));
    assert!(
        failure.message.contains("type") || failure.message.contains("pointer"),
        "{}",
        failure.message
    );

    // Arguments of the wrong type never reach the compiler.
    let ints = host().to_device(&[1i32]).unwrap();
    let error = kernel.call::<f32>(args![&ints]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("array of int32, but the parameter is float32"),
        "{error}"
    );
    let error = kernel.call::<f64>(args![&x]).unwrap_err();
    assert!(error.to_string().contains("asks for f64"), "{error}");
    let error = ElementwiseKernel::new("float32 x", "float32 n", "n = x", "k").unwrap_err();
    assert!(matches!(error, JitError::Signature { .. }));
}

#[test]
fn shape_and_device_mismatches_are_errors() {
    let add = ElementwiseKernel::new("T x, T y", "T z", "z = x + y", "add_shapes").unwrap();
    let a = host().to_device(&[1.0f32, 2.0, 3.0]).unwrap();
    let b = host().to_device(&[1.0f32, 2.0]).unwrap();
    let error = add.call::<f32>(args![&a, &b]).unwrap_err();
    assert!(matches!(error, JitError::ShapeMismatch { .. }), "{error}");
    let square = host()
        .to_device(&[1.0f32, 2.0, 3.0, 4.0])
        .unwrap()
        .reshape((2, 2))
        .unwrap();
    let flat = host().to_device(&[1.0f32, 2.0, 3.0, 4.0]).unwrap();
    assert!(add.call::<f32>(args![&square, &flat]).is_err());
    let mut wrong_output = host().zeros::<f32>(2).unwrap();
    let error = add.call_into(args![&a, &a, &mut wrong_output]).unwrap_err();
    assert!(error.to_string().contains("shape"), "{error}");
    let _ = GpuError::Interrupted(rhpc::Interrupted);
}

#[test]
fn raw_kernels_explain_that_they_need_cuda() {
    let kernel = RawKernel::new("extern \"C\" __global__ void k(float *x) {}", "k").unwrap();
    let mut x = host().zeros::<f32>(4).unwrap();
    // SAFETY: never launched: the host cannot run CUDA code.
    let error = unsafe { kernel.call(1, 4, args![&mut x]) }.unwrap_err();
    assert!(matches!(error, JitError::Unsupported { .. }), "{error}");
}

#[test]
fn kernels_run_on_streams_into_a_timeline() {
    let device = host();
    let timeline = rhpc::gpu::GpuTimeline::new("kernels");
    let stream = device.new_stream().unwrap().with_timeline(&timeline);
    let inc = ElementwiseKernel::new("T x", "T y", "y = x + 1", "inc_timeline").unwrap();
    let x = device.to_device(&vec![1.0f32; 4096]).unwrap();
    let mut y = device.zeros::<f32>(4096).unwrap();
    inc.launch(&stream, args![&x, &mut y]).unwrap();
    stream.synchronize().unwrap();
    let ops = timeline.ops().unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].name, "inc_timeline");
    assert_eq!(ops[0].bytes, 2 * 4096 * 4);
    assert_eq!(y.to_host().unwrap(), vec![2.0; 4096]);
}
