//! Element types: [`DType`] names them at run time, [`Element`] at compile time, and
//! [`Scalar`] carries one value of any of them (a kernel's scalar argument).

use std::fmt;

/// The element types device arrays and kernels support, named as numpy and CuPy name them.
///
/// ```
/// use rhpc::gpu::DType;
///
/// assert_eq!(DType::from_name("float32"), Some(DType::F32));
/// assert_eq!(DType::F64.name(), "float64");
/// assert_eq!(DType::I64.c_name(), "long long");
/// assert_eq!(DType::U32.size(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `f32`, `float32`, C `float`.
    F32,
    /// `f64`, `float64`, C `double`.
    F64,
    /// `i32`, `int32`, C `int`.
    I32,
    /// `i64`, `int64`, C `long long`.
    I64,
    /// `u32`, `uint32`, C `unsigned int`.
    U32,
    /// `u64`, `uint64`, C `unsigned long long`.
    U64,
}

impl DType {
    /// Every supported type.
    pub const ALL: [DType; 6] = [
        DType::F32,
        DType::F64,
        DType::I32,
        DType::I64,
        DType::U32,
        DType::U64,
    ];

    /// The numpy name: `float32`, `int64`, ...
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::DType::U64.name(), "uint64");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
        }
    }

    /// The C and CUDA type with the same layout (on 64-bit Linux and on every CUDA device).
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::DType::F32.c_name(), "float");
    /// ```
    pub fn c_name(self) -> &'static str {
        match self {
            DType::F32 => "float",
            DType::F64 => "double",
            DType::I32 => "int",
            DType::I64 => "long long",
            DType::U32 => "unsigned int",
            DType::U64 => "unsigned long long",
        }
    }

    /// The type for a numpy name (`float32`) or a Rust name (`f32`).
    ///
    /// ```
    /// use rhpc::gpu::DType;
    /// assert_eq!(DType::from_name("i32"), Some(DType::I32));
    /// assert_eq!(DType::from_name("float"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL
            .into_iter()
            .find(|dtype| dtype.name() == name || dtype.rust_name() == name)
    }

    /// The Rust name: `f32`, `u64`, ...
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::DType::F64.rust_name(), "f64");
    /// ```
    pub fn rust_name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U32 => "u32",
            DType::U64 => "u64",
        }
    }

    /// Bytes per element.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::DType::F64.size(), 8);
    /// ```
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F64 | DType::I64 | DType::U64 => 8,
        }
    }

    /// Whether this is a floating-point type.
    ///
    /// ```
    /// assert!(rhpc::gpu::DType::F32.is_float());
    /// ```
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One value of any [`DType`]: a kernel's scalar argument.
///
/// ```
/// use rhpc::gpu::{DType, Scalar};
///
/// let two = Scalar::from(2.0f32);
/// assert_eq!(two.dtype(), DType::F32);
/// assert_eq!(two.cast(DType::I64), Scalar::I64(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    /// A `float32`.
    F32(f32),
    /// A `float64`.
    F64(f64),
    /// An `int32`.
    I32(i32),
    /// An `int64`.
    I64(i64),
    /// A `uint32`.
    U32(u32),
    /// A `uint64`.
    U64(u64),
}

impl Scalar {
    /// This value's type.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Scalar::from(1u64).dtype(), rhpc::gpu::DType::U64);
    /// ```
    pub fn dtype(self) -> DType {
        match self {
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::U32(_) => DType::U32,
            Scalar::U64(_) => DType::U64,
        }
    }

    /// Converts to another type as a C cast would (`as` in Rust).
    ///
    /// ```
    /// use rhpc::gpu::{DType, Scalar};
    /// assert_eq!(Scalar::F64(2.75).cast(DType::I32), Scalar::I32(2));
    /// ```
    pub fn cast(self, to: DType) -> Scalar {
        macro_rules! convert {
            ($value:expr) => {
                match to {
                    DType::F32 => Scalar::F32($value as f32),
                    DType::F64 => Scalar::F64($value as f64),
                    DType::I32 => Scalar::I32($value as i32),
                    DType::I64 => Scalar::I64($value as i64),
                    DType::U32 => Scalar::U32($value as u32),
                    DType::U64 => Scalar::U64($value as u64),
                }
            };
        }
        match self {
            Scalar::F32(v) => convert!(v),
            Scalar::F64(v) => convert!(v),
            Scalar::I32(v) => convert!(v),
            Scalar::I64(v) => convert!(v),
            Scalar::U32(v) => convert!(v),
            Scalar::U64(v) => convert!(v),
        }
    }

    /// The value's bytes in native order, padded to 8 (how kernels receive scalars).
    pub(crate) fn to_bytes(self) -> [u8; 8] {
        let mut bytes = [0u8; 8];
        match self {
            Scalar::F32(v) => bytes[..4].copy_from_slice(&v.to_ne_bytes()),
            Scalar::F64(v) => bytes.copy_from_slice(&v.to_ne_bytes()),
            Scalar::I32(v) => bytes[..4].copy_from_slice(&v.to_ne_bytes()),
            Scalar::I64(v) => bytes.copy_from_slice(&v.to_ne_bytes()),
            Scalar::U32(v) => bytes[..4].copy_from_slice(&v.to_ne_bytes()),
            Scalar::U64(v) => bytes.copy_from_slice(&v.to_ne_bytes()),
        }
        bytes
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::F32(v) => write!(f, "{v}"),
            Scalar::F64(v) => write!(f, "{v}"),
            Scalar::I32(v) => write!(f, "{v}"),
            Scalar::I64(v) => write!(f, "{v}"),
            Scalar::U32(v) => write!(f, "{v}"),
            Scalar::U64(v) => write!(f, "{v}"),
        }
    }
}

mod sealed {
    use cudarc::driver::{DeviceRepr, ValidAsZeroBits};

    /// Keeps [`Element`](super::Element) closed: kernels generate code for these types only.
    pub trait Sealed: DeviceRepr + ValidAsZeroBits {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for i32 {}
    impl Sealed for i64 {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
}

/// A Rust type that can be an element of a device array: `f32`, `f64`, `i32`, `i64`, `u32`,
/// `u64`.
///
/// ```
/// use rhpc::gpu::{DType, Element};
///
/// fn dtype_of<T: Element>() -> DType {
///     T::DTYPE
/// }
/// assert_eq!(dtype_of::<u32>(), DType::U32);
/// assert_eq!(f64::from_scalar(rhpc::gpu::Scalar::I32(3)), 3.0);
/// ```
pub trait Element:
    sealed::Sealed + Copy + Default + PartialEq + fmt::Debug + Send + Sync + 'static
{
    /// This type's [`DType`].
    const DTYPE: DType;

    /// This value as a [`Scalar`].
    fn to_scalar(self) -> Scalar;

    /// A scalar converted to this type as a C cast would.
    fn from_scalar(scalar: Scalar) -> Self;
}

macro_rules! element {
    ($type:ty, $variant:ident) => {
        impl Element for $type {
            const DTYPE: DType = DType::$variant;

            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self)
            }

            fn from_scalar(scalar: Scalar) -> Self {
                match scalar.cast(DType::$variant) {
                    Scalar::$variant(value) => value,
                    // `cast` always returns the variant asked for.
                    _ => <$type>::default(),
                }
            }
        }

        impl From<$type> for Scalar {
            fn from(value: $type) -> Scalar {
                Scalar::$variant(value)
            }
        }
    };
}

element!(f32, F32);
element!(f64, F64);
element!(i32, I32);
element!(i64, I64);
element!(u32, U32);
element!(u64, U64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for dtype in DType::ALL {
            assert_eq!(DType::from_name(dtype.name()), Some(dtype));
            assert_eq!(DType::from_name(dtype.rust_name()), Some(dtype));
        }
    }

    #[test]
    fn scalars_cast_like_rust() {
        assert_eq!(Scalar::I32(-1).cast(DType::U32), Scalar::U32(u32::MAX));
        assert_eq!(Scalar::F32(1.5).to_bytes()[..4], 1.5f32.to_ne_bytes());
        assert_eq!(i64::from_scalar(Scalar::F64(-2.5)), -2);
    }
}
