//! The CUDA backend. On a machine without a GPU these tests check that every CUDA call is a
//! clean error; where a GPU is found they run everything on it. With `RHPC_REQUIRE_GPU=1`
//! (the mode for GPU machines) a missing GPU fails the tests instead of skipping them.

use rhpc::args;
use rhpc::gpu::{Device, DeviceKind, GpuError, GpuTimeline, OpKind};
use rhpc::jit::{ElementwiseKernel, JitError, Kernel, RawKernel, ReductionKernel, cache_info};

fn required() -> bool {
    std::env::var("RHPC_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// CUDA device 0, or `None` (and a failure when a GPU is required).
fn gpu() -> Option<Device> {
    match Device::cuda(0) {
        Ok(device) => Some(device),
        Err(error) if required() => panic!("RHPC_REQUIRE_GPU=1 but no GPU: {error}"),
        Err(_) => None,
    }
}

#[test]
fn without_a_gpu_every_cuda_call_is_a_clean_error() {
    if gpu().is_some() {
        return;
    }
    let error = Device::cuda(0).unwrap_err();
    assert!(
        matches!(
            error,
            GpuError::NoDriver { .. } | GpuError::NoDevice { .. } | GpuError::Driver { .. }
        ),
        "{error:?}"
    );
    assert!(!error.to_string().is_empty());
    assert!(Device::cuda(7).is_err());
    let list = rhpc::gpu::devices();
    assert_eq!(list.iter().last().map(|d| d.kind), Some(DeviceKind::Host));
    assert!(list.note().is_some());
    assert_eq!(Device::best().kind(), DeviceKind::Host);
}

#[test]
fn device_properties() {
    let Some(gpu) = gpu() else { return };
    assert_eq!(gpu.kind(), DeviceKind::Cuda);
    assert_eq!(gpu.id(), "cuda:0");
    assert!(gpu.memory() > 0);
    assert!(
        gpu.compute_capability()
            .is_some_and(|(major, _)| major >= 3)
    );
    assert!(gpu.units() > 0);
    assert_eq!(
        rhpc::gpu::devices().iter().next().map(|d| d.kind),
        Some(DeviceKind::Cuda)
    );
    assert_eq!(Device::best().id(), "cuda:0");
}

#[test]
fn transfers_round_trip() {
    let Some(gpu) = gpu() else { return };
    let values: Vec<f64> = (0..100_000).map(|v| v as f64 * 0.5).collect();
    let x = gpu.to_device(&values).unwrap();
    assert_eq!(x.to_host().unwrap(), values);
    let mut y = gpu.zeros::<f64>(values.len()).unwrap();
    y.copy_from(&x).unwrap();
    assert_eq!(y.to_host().unwrap(), values);
    let on_host = x.to(&Device::host()).unwrap();
    assert_eq!(on_host.to_host().unwrap(), values);
    let back = on_host.to(&gpu).unwrap();
    assert_eq!(back.to_host().unwrap(), values);
    let matrix = gpu
        .to_device(&[1u32, 2, 3, 4, 5, 6])
        .unwrap()
        .reshape((3, 2))
        .unwrap();
    assert_eq!(matrix.shape().dims(), &[3, 2]);
}

#[test]
fn pinned_asynchronous_copies_on_a_stream_with_a_timeline() {
    let Some(gpu) = gpu() else { return };
    let n = 1 << 22;
    let timeline = GpuTimeline::new("pinned");
    let stream = gpu.new_stream().unwrap().with_timeline(&timeline);
    let mut host = gpu.pinned::<f32>(n).unwrap();
    for (i, v) in host.as_mut_slice().unwrap().iter_mut().enumerate() {
        *v = i as f32;
    }
    let mut x = gpu.zeros::<f32>(n).unwrap();
    let mut back = gpu.pinned::<f32>(n).unwrap();
    let start = stream.record_event().unwrap();
    stream.copy_to_device(&host, &mut x).unwrap();
    stream.copy_to_host(&x, &mut back).unwrap();
    let end = stream.record_event().unwrap();
    stream.synchronize().unwrap();
    assert!(end.is_complete().unwrap());
    assert!(start.elapsed(&end).unwrap().as_secs_f64() > 0.0);
    assert_eq!(back.as_slice().unwrap()[n - 1], (n - 1) as f32);
    let ops = timeline.ops().unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].kind, OpKind::HostToDevice);
    assert_eq!(ops[1].kind, OpKind::DeviceToHost);
    assert!(
        ops.iter()
            .all(|op| op.bytes == n * 4 && op.bandwidth() > 0.0)
    );
}

#[test]
fn out_of_memory_and_shape_mismatches_are_errors() {
    let Some(gpu) = gpu() else { return };
    let error = gpu.zeros::<f64>(gpu.memory()).unwrap_err();
    assert!(matches!(error, GpuError::OutOfMemory { .. }), "{error:?}");
    let x = gpu.to_device(&[1.0f32, 2.0]).unwrap();
    let mut short = [0.0f32; 1];
    assert!(matches!(
        x.copy_to(&mut short),
        Err(GpuError::ShapeMismatch { .. })
    ));
    let host_array = Device::host().to_device(&[1.0f32, 2.0]).unwrap();
    let mut out = gpu.zeros::<f32>(2).unwrap();
    assert!(matches!(
        gpu.default_stream().copy_device(&host_array, &mut out),
        Err(GpuError::DeviceMismatch { .. })
    ));
}

#[test]
fn kernels_give_the_same_results_as_on_the_host() {
    let Some(gpu) = gpu() else { return };
    let host = Device::host();
    let n = 1_000_003;
    let x: Vec<f32> = (0..n)
        .map(|v| ((v * 7919) % 1000) as f32 * 0.37 - 100.0)
        .collect();
    let y: Vec<f32> = (0..n).map(|v| ((v * 104729) % 997) as f32 * 0.11).collect();
    let kernel = ElementwiseKernel::new(
        "T x, T y, T s",
        "T z",
        "z = (x - y) * (x - y) / (s + y)",
        "same_on_both",
    )
    .unwrap();
    let on = |device: &Device| {
        let (dx, dy) = (device.to_device(&x).unwrap(), device.to_device(&y).unwrap());
        kernel
            .call::<f32>(args![&dx, &dy, 1.5f32])
            .unwrap()
            .to_host()
            .unwrap()
    };
    assert_eq!(on(&gpu), on(&host));

    let norm = ReductionKernel::new(
        "T x",
        "T y",
        "x * x",
        "a + b",
        "y = sqrt(a)",
        "0",
        "norm_both",
    )
    .unwrap()
    .with_reduce_type("float64")
    .unwrap();
    let reduce = |device: &Device| {
        let dx = device.to_device(&x).unwrap();
        norm.reduce::<f32>(args![&dx]).unwrap()
    };
    let (a, b) = (reduce(&gpu), reduce(&host));
    assert!((a - b).abs() <= b * 1e-6, "{a} vs {b}");

    let ints: Vec<i64> = (0..n as i64).map(|v| (v * 37) % 1001 - 500).collect();
    let sum =
        ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "int_sum_both").unwrap();
    let dx = gpu.to_device(&ints).unwrap();
    assert_eq!(
        sum.reduce::<i64>(args![&dx]).unwrap(),
        ints.iter().sum::<i64>()
    );
}

#[test]
fn raw_kernels_launch_with_a_grid_and_block() {
    let Some(gpu) = gpu() else { return };
    let kernel = RawKernel::new(
        r#"extern "C" __global__ void add_raw(const float *x, const float *y, float *z, int n) {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) z[i] = x[i] + y[i];
        }"#,
        "add_raw",
    )
    .unwrap();
    let n = 10_000usize;
    let x = gpu.to_device(&vec![1.0f32; n]).unwrap();
    let y = gpu.to_device(&vec![2.0f32; n]).unwrap();
    let mut z = gpu.zeros::<f32>(n).unwrap();
    let blocks = n.div_ceil(256) as u32;
    // SAFETY: the arguments match the signature; the kernel checks `i < n`.
    unsafe { kernel.call(blocks, 256, args![&x, &y, &mut z, n as i32]) }.unwrap();
    assert_eq!(z.to_host().unwrap(), vec![3.0f32; n]);
}

#[test]
fn nvrtc_errors_name_the_line() {
    let Some(gpu) = gpu() else { return };
    let kernel =
        ElementwiseKernel::new("float32 x", "float32 y", "y = x +\n w;", "nvrtc_broken").unwrap();
    let x = gpu.to_device(&[1.0f32]).unwrap();
    let error = kernel.call::<f32>(args![&x]).unwrap_err();
    let JitError::Compile(failure) = error else {
        panic!("expected a compile error, got {error:?}");
    };
    assert_eq!(failure.section.as_deref(), Some("operation"));
    assert_eq!(failure.line, Some(2));
    assert!(failure.compiler.starts_with("NVRTC"));
}

#[test]
fn cuda_kernels_are_cached_on_disk() {
    let Some(gpu) = gpu() else { return };
    let kernel = ElementwiseKernel::new("T x", "T y", "y = x * 3", "cuda_cached").unwrap();
    let x = gpu.to_device(&[1i32, 2]).unwrap();
    assert_eq!(
        kernel.call::<i32>(args![&x]).unwrap().to_host().unwrap(),
        vec![3, 6]
    );
    rhpc::jit::clear_memory_cache();
    assert_eq!(
        kernel.call::<i32>(args![&x]).unwrap().to_host().unwrap(),
        vec![3, 6]
    );
    let entry = cache_info().entry("cuda_cached").cloned().unwrap();
    assert_eq!(entry.device, "cuda:0");
    assert!(entry.disk_hits >= 1, "{entry:?}");
}
