//! Counter-based random numbers: element `i` of a random array is a hash of `(seed, i)`.
//!
//! A counter-based generator gives every block its values without a shared state and
//! without depending on how the array is chunked: the same seed gives the same array at
//! any chunking, so results can be compared across chunkings (and with NumPy-free tests).

/// SplitMix64's output function: a strong 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` for element `index` of the stream `seed`.
///
/// ```
/// use rhpc::array::uniform01;
/// let u = uniform01(42, 7);
/// assert!((0.0..1.0).contains(&u));
/// assert_eq!(u, uniform01(42, 7));
/// assert_ne!(u, uniform01(42, 8));
/// ```
pub fn uniform01(seed: u64, index: u64) -> f64 {
    let bits = mix(mix(seed).wrapping_add(index.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    // The top 53 bits as a fraction: every double in [0, 1) with spacing 2^-53.
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_is_about_a_half() {
        let n = 100_000;
        let mean = (0..n).map(|i| uniform01(1, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }
}
