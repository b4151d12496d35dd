//! Runtime CPU dispatch for the numeric kernels, in safe Rust plus one checked `unsafe` call.
//!
//! rhpc is compiled for the baseline x86-64 target (SSE2: two doubles per instruction), because
//! the same library must run on any machine a notebook opens on. Numba compiles for the host
//! CPU instead, so for a fair race the hot loops are compiled twice: once for the baseline and
//! once with AVX2 and FMA (four doubles, fused multiply-add), and [`multiversion!`] picks the
//! second when the CPU reports both features. The kernels themselves stay plain iterator code
//! that LLVM vectorises; they take a `const FMA: bool` and combine products with [`fmadd`].

/// `a * b + c`, fused into one instruction (one rounding) when `FMA` is set.
///
/// Without hardware FMA, `f64::mul_add` would call the slow software routine, so the baseline
/// build multiplies and adds separately.
#[inline(always)]
pub(crate) fn fmadd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// Defines `fn NAME(args) -> T` that runs `GENERIC::<true>` compiled with AVX2 and FMA when the
/// CPU has them, and `GENERIC::<false>` (baseline) otherwise. `GENERIC` must be
/// `#[inline(always)]`, so its body is compiled inside the feature-enabled wrapper. Closures
/// handed to rayon do not inherit target features: dispatch inside each parallel task.
macro_rules! multiversion {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty => $generic:ident) => {
        $(#[$meta])*
        fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn with_avx2_fma($($arg: $ty),*) -> $ret {
                    $generic::<true>($($arg),*)
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports every feature `with_avx2_fma` was compiled for.
                    return unsafe { with_avx2_fma($($arg),*) };
                }
            }
            $generic::<false>($($arg),*)
        }
    };
}

pub(crate) use multiversion;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_compute_a_times_b_plus_c() {
        assert_eq!(fmadd::<true>(2.0, 3.0, 1.0), 7.0);
        assert_eq!(fmadd::<false>(2.0, 3.0, 1.0), 7.0);
    }
}
