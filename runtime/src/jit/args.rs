//! Kernel arguments ([`Arg`], the [`args!`](crate::args) macro) and their binding to a
//! kernel's parameters: type placeholders resolved, types and shapes checked, the device
//! found.

use std::collections::BTreeMap;
use std::ffi::c_void;

use cudarc::driver::{CudaStream, DevicePtr, DevicePtrMut, SyncOnDrop};

use crate::gpu::{DType, Device, DeviceArray, Element, GpuError, Scalar, Shape, Storage};

use super::error::JitError;
use super::signature::{Param, TypeSpec};

/// One argument of a kernel call: an array to read, an array to write, or a scalar.
///
/// Build them with `From` (`Arg::from(&x)`, `Arg::from(&mut z)`, `Arg::from(2.0f32)`) or,
/// shorter, with [`args!`](crate::args).
///
/// ```
/// use rhpc::gpu::Device;
/// use rhpc::jit::Arg;
///
/// let device = Device::host();
/// let x = device.to_device(&[1.0f32, 2.0])?;
/// let mut z = device.zeros::<f32>(2)?;
/// let args = [Arg::from(&x), Arg::from(0.5f32), Arg::from(&mut z)];
/// assert_eq!(args.len(), 3);
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
pub struct Arg<'a>(pub(crate) ArgInner<'a>);

// Arrays own their data (`'static` objects), which keeps `Arg<'a>` covariant in `'a`: an
// argument list can gain a shorter-lived output array.
pub(crate) enum ArgInner<'a> {
    Array(&'a (dyn Operand + 'static)),
    ArrayMut(&'a mut (dyn Operand + 'static)),
    Scalar(Scalar),
}

impl<'a, T: Element> From<&'a DeviceArray<T>> for Arg<'a> {
    fn from(array: &'a DeviceArray<T>) -> Arg<'a> {
        Arg(ArgInner::Array(array))
    }
}

impl<'a, T: Element> From<&'a mut DeviceArray<T>> for Arg<'a> {
    fn from(array: &'a mut DeviceArray<T>) -> Arg<'a> {
        Arg(ArgInner::ArrayMut(array))
    }
}

impl From<Scalar> for Arg<'_> {
    fn from(scalar: Scalar) -> Self {
        Arg(ArgInner::Scalar(scalar))
    }
}

macro_rules! scalar_arg {
    ($($type:ty),*) => {$(
        impl From<$type> for Arg<'_> {
            fn from(value: $type) -> Self {
                Arg(ArgInner::Scalar(Scalar::from(value)))
            }
        }
    )*};
}
scalar_arg!(f32, f64, i32, i64, u32, u64);

/// An array of kernel [`Arg`]s: `args![&x, &y, 2.0f32, &mut z]`.
///
/// `&array` is read, `&mut array` is written, a number is a scalar argument.
///
/// ```
/// use rhpc::gpu::Device;
///
/// let x = Device::host().to_device(&[1i32])?;
/// let args = rhpc::args![&x, 3i32];
/// assert_eq!(args.len(), 2);
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        [$($crate::jit::Arg::from($arg)),*]
    };
}

/// A device array with its element type erased, as kernels see it.
pub(crate) trait Operand {
    fn dtype(&self) -> DType;
    fn shape(&self) -> Shape;
    fn device(&self) -> &Device;
    fn nbytes(&self) -> usize;
    /// The data's address on the host backend, for reading.
    fn host_ptr(&self) -> Option<*mut c_void>;
    /// The data's address on the host backend, for writing.
    fn host_ptr_mut(&mut self) -> Option<*mut c_void>;
    /// The device address on CUDA, with the guard that orders the access on `stream`.
    fn cuda_ptr<'s>(&'s self, stream: &'s CudaStream) -> Option<(u64, SyncOnDrop<'s>)>;
    fn cuda_ptr_mut<'s>(&'s mut self, stream: &'s CudaStream) -> Option<(u64, SyncOnDrop<'s>)>;
}

impl<T: Element> Operand for DeviceArray<T> {
    fn dtype(&self) -> DType {
        T::DTYPE
    }

    fn shape(&self) -> Shape {
        DeviceArray::shape(self)
    }

    fn device(&self) -> &Device {
        DeviceArray::device(self)
    }

    fn nbytes(&self) -> usize {
        DeviceArray::nbytes(self)
    }

    fn host_ptr(&self) -> Option<*mut c_void> {
        match self.storage() {
            // Generated code declares inputs `const`: nothing writes through this pointer.
            Storage::Host(data) => Some(data.as_ptr().cast_mut().cast()),
            Storage::Cuda(_) => None,
        }
    }

    fn host_ptr_mut(&mut self) -> Option<*mut c_void> {
        match self.storage_mut() {
            Storage::Host(data) => Some(data.as_mut_ptr().cast()),
            Storage::Cuda(_) => None,
        }
    }

    fn cuda_ptr<'s>(&'s self, stream: &'s CudaStream) -> Option<(u64, SyncOnDrop<'s>)> {
        match self.storage() {
            Storage::Host(_) => None,
            Storage::Cuda(slice) => Some(slice.device_ptr(stream)),
        }
    }

    fn cuda_ptr_mut<'s>(&'s mut self, stream: &'s CudaStream) -> Option<(u64, SyncOnDrop<'s>)> {
        match self.storage_mut() {
            Storage::Host(_) => None,
            Storage::Cuda(slice) => Some(slice.device_ptr_mut(stream)),
        }
    }
}

/// How a parameter receives its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Element `i` of an array.
    Array,
    /// The whole array, indexed by the operation.
    Raw,
    /// One value.
    Scalar,
}

/// A parameter with its type resolved for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bound {
    pub(crate) name: String,
    pub(crate) dtype: DType,
    pub(crate) kind: Kind,
}

/// Parameters bound to one call's arguments.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub(crate) types: BTreeMap<String, DType>,
    pub(crate) inputs: Vec<Bound>,
    pub(crate) outputs: Vec<Bound>,
    /// The shape shared by the non-raw arrays.
    pub(crate) shape: Option<Shape>,
    pub(crate) device: Option<Device>,
}

impl Binding {
    /// Names the compiled variant: every parameter's type and kind, e.g.
    /// `x float32[], s float32, z float32[]`.
    pub(crate) fn variant(&self) -> String {
        let params: Vec<String> = self
            .inputs
            .iter()
            .chain(&self.outputs)
            .map(|p| {
                let suffix = match p.kind {
                    Kind::Array => "[]",
                    Kind::Raw => "[raw]",
                    Kind::Scalar => "",
                };
                format!("{} {}{suffix}", p.name, p.dtype)
            })
            .collect();
        params.join(", ")
    }

    /// The resolved type of a parameter's type spec.
    pub(crate) fn resolve(&self, spec: &TypeSpec) -> Option<DType> {
        match spec {
            TypeSpec::Concrete(dtype) => Some(*dtype),
            TypeSpec::Generic(name) => self.types.get(name).copied(),
        }
    }
}

/// What an argument looks like to the binder.
enum Shown {
    Array {
        dtype: DType,
        shape: Shape,
        mutable: bool,
    },
    Scalar(DType),
}

fn show(arg: &Arg<'_>) -> Shown {
    match &arg.0 {
        ArgInner::Array(array) => Shown::Array {
            dtype: array.dtype(),
            shape: array.shape(),
            mutable: false,
        },
        ArgInner::ArrayMut(array) => Shown::Array {
            dtype: array.dtype(),
            shape: array.shape(),
            mutable: true,
        },
        ArgInner::Scalar(scalar) => Shown::Scalar(scalar.dtype()),
    }
}

/// The device of an argument, if it is an array.
pub(crate) fn arg_device<'b>(arg: &'b Arg<'_>) -> Option<&'b Device> {
    match &arg.0 {
        ArgInner::Array(array) => Some(array.device()),
        ArgInner::ArrayMut(array) => Some(array.device()),
        ArgInner::Scalar(_) => None,
    }
}

/// Binds `args` to `inputs` (and to `outputs` too when `with_outputs`: then `args` holds
/// the inputs followed by the outputs). Output arrays must have the inputs' shape when
/// `outputs_share_shape` (elementwise kernels; a reduction's outputs hold one element).
pub(crate) fn bind(
    kernel: &str,
    inputs: &[Param],
    outputs: &[Param],
    args: &[Arg<'_>],
    with_outputs: bool,
    outputs_share_shape: bool,
) -> Result<Binding, JitError> {
    let fail = |message: String| JitError::Arguments {
        kernel: kernel.to_owned(),
        message,
    };
    let expected = inputs.len() + if with_outputs { outputs.len() } else { 0 };
    if args.len() != expected {
        return Err(fail(format!(
            "takes {expected} argument(s){}, got {}",
            if with_outputs {
                " (inputs, then outputs)"
            } else {
                ""
            },
            args.len()
        )));
    }
    let params: Vec<(&Param, bool)> = inputs
        .iter()
        .map(|p| (p, false))
        .chain(outputs.iter().map(|p| (p, true)))
        .take(expected)
        .collect();

    let mut types: BTreeMap<String, DType> = BTreeMap::new();
    let mut bound_by: BTreeMap<String, String> = BTreeMap::new();
    let mut shape: Option<(Shape, String)> = None;
    let mut device: Option<Device> = None;
    let mut kinds: Vec<Option<(DType, Kind)>> = vec![None; params.len()];

    // Arrays first: they fix placeholders, which scalars then follow.
    for (index, ((param, is_output), arg)) in params.iter().zip(args).enumerate() {
        let Shown::Array {
            dtype,
            shape: arg_shape,
            mutable,
        } = show(arg)
        else {
            continue;
        };
        if *is_output && !mutable {
            return Err(fail(format!(
                "output `{}` must be passed as `&mut array`",
                param.name
            )));
        }
        match &param.ty {
            TypeSpec::Concrete(want) if *want != dtype => {
                return Err(fail(format!(
                    "argument `{}` is an array of {dtype}, but the parameter is {want}",
                    param.name
                )));
            }
            TypeSpec::Concrete(_) => {}
            TypeSpec::Generic(letter) => match types.get(letter) {
                Some(bound) if *bound != dtype => {
                    return Err(fail(format!(
                        "argument `{}` is an array of {dtype}, but {letter} is already {bound} \
                         (from `{}`)",
                        param.name,
                        bound_by
                            .get(letter)
                            .map_or("an earlier argument", String::as_str)
                    )));
                }
                Some(_) => {}
                None => {
                    types.insert(letter.clone(), dtype);
                    bound_by.insert(letter.clone(), param.name.clone());
                }
            },
        }
        if let Some(arg_device) = arg_device(arg) {
            match &device {
                None => device = Some(arg_device.clone()),
                Some(first) => first.expect_same(arg_device, "kernel call")?,
            }
        }
        if !param.raw && (!*is_output || outputs_share_shape) {
            match &shape {
                None => shape = Some((arg_shape, param.name.clone())),
                Some((first, _)) if *first != arg_shape => {
                    return Err(JitError::ShapeMismatch {
                        kernel: kernel.to_owned(),
                        param: param.name.clone(),
                        expected: *first,
                        found: arg_shape,
                    });
                }
                Some(_) => {}
            }
        }
        let kind = if param.raw { Kind::Raw } else { Kind::Array };
        kinds[index] = Some((dtype, kind));
    }

    for (index, ((param, is_output), arg)) in params.iter().zip(args).enumerate() {
        let Shown::Scalar(given) = show(arg) else {
            continue;
        };
        if *is_output || param.raw {
            return Err(fail(format!(
                "`{}` takes an array, not a scalar",
                param.name
            )));
        }
        let dtype = match &param.ty {
            TypeSpec::Concrete(dtype) => *dtype,
            TypeSpec::Generic(letter) => *types.entry(letter.clone()).or_insert(given),
        };
        kinds[index] = Some((dtype, Kind::Scalar));
    }

    let bound = |param: &Param, slot: Option<(DType, Kind)>| -> Result<Bound, JitError> {
        let (dtype, kind) = match slot {
            Some(slot) => slot,
            None => {
                let dtype = match &param.ty {
                    TypeSpec::Concrete(dtype) => *dtype,
                    TypeSpec::Generic(letter) => *types.get(letter).ok_or_else(|| {
                        fail(format!(
                            "cannot tell the type of output `{}`: no input fixes {letter}; \
                             pass the output array (call_into)",
                            param.name
                        ))
                    })?,
                };
                (dtype, if param.raw { Kind::Raw } else { Kind::Array })
            }
        };
        Ok(Bound {
            name: param.name.clone(),
            dtype,
            kind,
        })
    };
    let bound_inputs = inputs
        .iter()
        .zip(&kinds)
        .map(|(param, slot)| bound(param, *slot))
        .collect::<Result<Vec<_>, _>>()?;
    let bound_outputs = outputs
        .iter()
        .enumerate()
        .map(|(index, param)| bound(param, kinds.get(inputs.len() + index).copied().flatten()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Binding {
        types,
        inputs: bound_inputs,
        outputs: bound_outputs,
        shape: shape.map(|(shape, _)| shape),
        device,
    })
}

/// The device a call runs on: the arrays' device, or an error if there is no array.
pub(crate) fn call_device(kernel: &str, binding: &Binding) -> Result<Device, JitError> {
    binding.device.clone().ok_or_else(|| JitError::Arguments {
        kernel: kernel.to_owned(),
        message: "needs at least one array argument to know the device".into(),
    })
}

/// An error unless every array argument lives on `device`.
pub(crate) fn expect_device(device: &Device, args: &[Arg<'_>]) -> Result<(), GpuError> {
    args.iter()
        .filter_map(arg_device)
        .try_for_each(|arg_device| device.expect_same(arg_device, "kernel launch"))
}

#[cfg(test)]
mod tests {
    use super::super::signature::parse_params;
    use super::*;

    #[test]
    fn placeholders_bind_from_arrays_then_scalars() {
        let device = Device::host();
        let x = device.to_device(&[1.0f64, 2.0]).unwrap();
        let inputs = parse_params("T x, T s, U k").unwrap();
        let outputs = parse_params("T z").unwrap();
        let args = [Arg::from(&x), Arg::from(2.0f32), Arg::from(3i64)];
        let binding = bind("k", &inputs, &outputs, &args, false, true).unwrap();
        assert_eq!(binding.types["T"], DType::F64);
        assert_eq!(binding.types["U"], DType::I64);
        assert_eq!(binding.inputs[1].kind, Kind::Scalar);
        assert_eq!(binding.inputs[1].dtype, DType::F64);
        assert_eq!(binding.outputs[0].dtype, DType::F64);
        assert_eq!(binding.shape, Some(Shape::vector(2)));
        assert_eq!(
            binding.variant(),
            "x float64[], s float64, k int64, z float64[]"
        );
    }

    #[test]
    fn mismatches_are_errors() {
        let device = Device::host();
        let x = device.to_device(&[1.0f32, 2.0]).unwrap();
        let y = device.to_device(&[1.0f64, 2.0]).unwrap();
        let short = device.to_device(&[1.0f32]).unwrap();
        let inputs = parse_params("T x, T y").unwrap();
        let outputs = parse_params("T z").unwrap();
        let error = bind(
            "k",
            &inputs,
            &outputs,
            &[(&x).into(), (&y).into()],
            false,
            true,
        );
        assert!(error.unwrap_err().to_string().contains("already float32"));
        let error = bind(
            "k",
            &inputs,
            &outputs,
            &[(&x).into(), (&short).into()],
            false,
            true,
        );
        assert!(matches!(error, Err(JitError::ShapeMismatch { .. })));
        let error = bind("k", &inputs, &outputs, &[(&x).into()], false, true);
        assert!(error.unwrap_err().to_string().contains("takes 2"));
        let error = bind(
            "k",
            &inputs,
            &outputs,
            &[(&x).into(), (&x).into(), (&x).into()],
            true,
            true,
        );
        assert!(error.unwrap_err().to_string().contains("&mut"));
    }

    #[test]
    fn unbound_output_types_are_explained() {
        let inputs = parse_params("float32 x").unwrap();
        let outputs = parse_params("U z").unwrap();
        let x = Device::host().to_device(&[1.0f32]).unwrap();
        let error = bind("k", &inputs, &outputs, &[(&x).into()], false, true).unwrap_err();
        assert!(error.to_string().contains("no input fixes U"), "{error}");
    }
}
