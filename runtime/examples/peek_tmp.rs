use rhpc::gpu::Device;
use rhpc::jit::*;
fn main() {
    let k = ElementwiseKernel::new(
        "float32 x, float32 y",
        "float32 z",
        "z = (x - y) * (x - y)",
        "squared_diff",
    )
    .unwrap();
    let x = Device::host().to_device(&[1.0f32]).unwrap();
    println!(
        "{}",
        k.source_for(&Device::host(), rhpc::args![&x, &x]).unwrap()
    );
    let r =
        ReductionKernel::new("T x", "T y", "x * x", "a + b", "y = sqrt(a)", "0", "l2norm").unwrap();
    println!(
        "{}",
        r.source_for(&Device::cuda(0).unwrap_or(Device::host()), rhpc::args![&x])
            .unwrap()
    );
    let b = ElementwiseKernel::new(
        "float32 x",
        "float32 y",
        "float t = x * 2;\ny = t +* w;",
        "broken",
    )
    .unwrap();
    println!("{}", b.call::<f32>(rhpc::args![&x]).unwrap_err());
    println!(
        "{}",
        rhpc::display::Render::render(&cache_info()).plain_text()
    );
    println!(
        "{}",
        rhpc::display::Render::render(&rhpc::gpu::devices()).plain_text()
    );
    let _ = Device::best();
}
