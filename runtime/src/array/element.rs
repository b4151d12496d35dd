//! [`Element`]: the number types a [`BlockedArray`](super::BlockedArray) can hold, with
//! what the blocked algorithms need of them (a name for reprs, zero and one, a conversion
//! to `f64` for means and deviations).

use std::fmt::{Debug, Display};

/// A number type blocked arrays hold: `f32`, `f64`, `i32`, `i64`, `u32`, `u64`.
///
/// ```
/// use rhpc::array::Element;
/// assert_eq!(f64::DTYPE, "float64");
/// assert_eq!(<i32 as Element>::ONE + 1, 2);
/// assert_eq!(7u64.to_f64(), 7.0);
/// ```
pub trait Element:
    ndarray::LinalgScalar + PartialOrd + Debug + Display + Default + Send + Sync + 'static
{
    /// The NumPy-style name shown in reprs (`float64`, `int32`).
    const DTYPE: &'static str;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// Whether this is a floating-point type.
    const FLOAT: bool;
    /// The value as an `f64` (rounded for 64-bit integers beyond 2^53).
    fn to_f64(self) -> f64;
    /// The `f64` converted to this type (truncated and saturated for integers).
    fn from_f64(value: f64) -> Self;
}

macro_rules! element {
    ($($t:ty => $name:literal, $zero:literal, $one:literal, $float:literal;)+) => {$(
        impl Element for $t {
            const DTYPE: &'static str = $name;
            const ZERO: Self = $zero;
            const ONE: Self = $one;
            const FLOAT: bool = $float;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(value: f64) -> Self {
                value as $t
            }
        }
    )+};
}

element! {
    f32 => "float32", 0.0, 1.0, true;
    f64 => "float64", 0.0, 1.0, true;
    i32 => "int32", 0, 1, false;
    i64 => "int64", 0, 1, false;
    u32 => "uint32", 0, 1, false;
    u64 => "uint64", 0, 1, false;
}
