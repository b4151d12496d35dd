//! Square matrix multiply `C = A B` (float64, row-major), the course's benchmark, three ways:
//!
//! - [`serial`]: the naive i-k-j triple loop of the course and the Numba paper, in safe Rust.
//!   Iterating rows as slices (`chunks_exact`) removes every bounds check from the inner loop,
//!   which LLVM then vectorises: `c[i][j] += a[i][k] * b[k][j]` for all j at once. Rows of C
//!   go in fours and the k loop is unrolled by four into the j loop (unroll-and-jam), so each
//!   load of B and of C serves several updates; every element still gets the same updates in
//!   the same order, so results are bit-identical to the plain loop;
//! - [`parallel`]: the same loop with the rows of C split into blocks that shrink as the
//!   work runs out (a guided schedule), which the threads (the caller among them) take one
//!   at a time, so one the host slows down takes fewer and all finish together. Called from a
//!   notebook cell, the blocks go to the pool's team (see `team`), whose threads keep looking
//!   for work between back-to-back calls instead of being woken for each;
//! - [`tiled`]: a cache-blocked version in the style of GotoBLAS. B is packed once into
//!   column panels `NR` wide, each thread packs its rows of A into `MR`-row panels per block of
//!   `KC` columns, and a register-blocked micro-kernel keeps an `MR x NR` tile of C in vector
//!   registers while it runs down k: each value loaded is used `MR` or `NR` times.
//!
//! Every kernel is compiled for the baseline CPU and for AVX2 + FMA (see `simd`), checks for
//! interrupts between blocks of rows, and runs on the caller's pool: the one chosen with
//! [`with_threads`](super::with_threads), or the session's (see [`set_threads`](super::set_threads)).
//!
//! ```
//! use rhpc::par::matmul;
//!
//! let n = 3;
//! let a = matmul::random_matrix(n, 1);
//! let identity: Vec<f64> = (0..n * n).map(|i| if i % (n + 1) == 0 { 1.0 } else { 0.0 }).collect();
//! assert_eq!(matmul::serial(&a, &identity, n)?, a);
//! assert_eq!(matmul::parallel(&a, &identity, n)?, a);
//! assert_eq!(matmul::tiled(&a, &identity, n)?, a);
//! # Ok::<(), rhpc::par::ParError>(())
//! ```

use std::mem::MaybeUninit;

use super::ParError;
use super::pool::{block_threads, for_each_block};
use super::simd::{fmadd, multiversion};
use crate::interrupt::{InterruptCheck, Interrupted};

/// Rows of C in the micro-kernel's register tile.
const MR: usize = 4;
/// Columns of C in the register tile: two AVX2 vectors of four doubles.
const NR: usize = 8;
/// Depth of one packed block: an `MR x KC` panel of A (8 KiB) stays in L1, a `KC x NR` panel
/// of B (16 KiB) streams from L2.
const KC: usize = 256;
/// Width of one packed block of B: `KC x NC` doubles (256 KiB) stay in a core's L2.
const NC: usize = 128;
/// Below this many multiply-adds (n = 192), a product runs on the calling thread alone, as
/// OpenMP's `if` clause does: waking the pool costs 20 to 80 µs on a virtual machine, against
/// about 14 µs for the whole n = 64 product and 100 µs at n = 128 (measured: two threads
/// were slower than one there).
const PARALLEL_MIN_WORK: usize = 192 * 192 * 192;
/// Rows of C the naive kernels update together, sharing each load of a row of B.
const ROWS: usize = 4;
/// Rows between two interrupt checks in the naive kernels.
const CHECK_ROWS: usize = 16;

/// An `n x n` matrix of pseudo-random values in [-1, 1), row-major, the same for the same
/// `seed` on every machine (a small xorshift generator: no dependency, reproducible benches).
///
/// ```
/// let a = rhpc::par::matmul::random_matrix(4, 7);
/// assert_eq!(a.len(), 16);
/// assert!(a.iter().all(|x| (-1.0..1.0).contains(x)));
/// assert_eq!(a, rhpc::par::matmul::random_matrix(4, 7));
/// ```
pub fn random_matrix(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n * n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // The top 53 bits as a fraction in [0, 1), then moved to [-1, 1).
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// Checks that `a` and `b` hold `n * n` values.
fn check_shapes(a: &[f64], b: &[f64], n: usize) -> Result<(), ParError> {
    let expected = n.checked_mul(n).ok_or(ParError::Shape {
        operand: "n",
        expected: usize::MAX,
        found: n,
    })?;
    for (operand, values) in [("a", a), ("b", b)] {
        if values.len() != expected {
            return Err(ParError::Shape {
                operand,
                expected,
                found: values.len(),
            });
        }
    }
    Ok(())
}

/// The threads a product of size `n` is split between: the pool's, or one when it is small.
fn split_threads(n: usize) -> usize {
    if n.saturating_mul(n).saturating_mul(n) < PARALLEL_MIN_WORK {
        1
    } else {
        block_threads()
    }
}

/// Rows per block so that `blocks` blocks cover `n` rows, rounded up to a multiple of
/// `multiple` (the rows a kernel updates together).
fn rows_per_block(n: usize, blocks: usize, multiple: usize) -> usize {
    n.div_ceil(blocks.max(1)).div_ceil(multiple).max(1) * multiple
}

/// The rows of each block when `n` rows go in `blocks` equal blocks (the last one shorter).
fn equal_blocks(n: usize, blocks: usize, multiple: usize) -> Vec<usize> {
    let rows = rows_per_block(n, blocks, multiple);
    (0..n)
        .step_by(rows)
        .map(|start| rows.min(n - start))
        .collect()
}

/// The rows of each block of a guided schedule for `threads` threads, as OpenMP's
/// `schedule(guided)`: each block takes 1 / (2 threads) of the rows left, at least
/// `multiple`. Threads take blocks one at a time, so the large first blocks cost few hand-outs
/// and the small last ones let the threads finish together even when they run at different
/// speeds: on the virtual machine this was measured on, one vCPU ran at two thirds of the
/// other's speed for seconds at a time. At n = 256 on two threads: 64, 48, 36, ... 4 rows.
fn guided_blocks(n: usize, threads: usize, multiple: usize) -> Vec<usize> {
    let mut blocks = Vec::new();
    let mut left = n;
    while left > 0 {
        let rows = left
            .div_ceil(2 * threads.max(1))
            .next_multiple_of(multiple.max(1))
            .min(left);
        blocks.push(rows);
        left -= rows;
    }
    blocks
}

/// The naive product, one thread: the i-k-j loop.
///
/// ```
/// let c = rhpc::par::matmul::serial(&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], 2)?;
/// assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
/// assert!(rhpc::par::matmul::serial(&[1.0], &[1.0, 2.0], 1).is_err());
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn serial(a: &[f64], b: &[f64], n: usize) -> Result<Vec<f64>, ParError> {
    product(a, b, n, &[n], naive_rows)
}

/// The naive product with the rows of C split into shrinking blocks (a guided schedule for
/// the threads of the current pool: the session's, or the one
/// [`with_threads`](super::with_threads) chose), which the threads take one at a time.
///
/// ```
/// use rhpc::par::{matmul, with_threads};
///
/// let (a, b) = (matmul::random_matrix(64, 1), matmul::random_matrix(64, 2));
/// let two = with_threads(2, || matmul::parallel(&a, &b, 64))??;
/// assert_eq!(two, matmul::serial(&a, &b, 64)?);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn parallel(a: &[f64], b: &[f64], n: usize) -> Result<Vec<f64>, ParError> {
    let blocks = match split_threads(n) {
        1 => vec![n],
        threads => guided_blocks(n, threads, ROWS),
    };
    product(a, b, n, &blocks, naive_rows)
}

/// A kernel that adds `a_rows * b` to `c_rows`, for whole rows of A and C.
type RowsKernel = fn(&[f64], &[f64], &mut [f64], usize, InterruptCheck) -> Result<(), Interrupted>;

/// Declares a [`RowsKernel`] compiled for the baseline CPU and for AVX2 + FMA.
macro_rules! rows_kernel {
    ($(#[$meta:meta])* $name:ident => $generic:ident) => {
        multiversion!(
            $(#[$meta])*
            fn $name(
                a_rows: &[f64],
                b: &[f64],
                c_rows: &mut [f64],
                n: usize,
                check: InterruptCheck,
            ) -> Result<(), Interrupted> => $generic
        );
    };
}

/// `a * b` with the rows of C split into blocks of `block_rows` rows (together `n`), each
/// computed by `kernel` on whichever thread of the pool takes it.
fn product(
    a: &[f64],
    b: &[f64],
    n: usize,
    block_rows: &[usize],
    kernel: RowsKernel,
) -> Result<Vec<f64>, ParError> {
    check_shapes(a, b, n)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    debug_assert_eq!(block_rows.iter().sum::<usize>(), n);
    let check = InterruptCheck::new();
    let mut c = Vec::with_capacity(n * n);
    // C starts uninitialised and each block zeroes its own rows on the thread that computes
    // them (first touch, as OpenMP codes do: on a NUMA machine the pages then sit by that
    // thread). Zeroing all of C on the calling thread first pulls each line out of the cache
    // of the thread that wrote it in the previous call: parallel calls at n = 256 were 2 to
    // 10% slower on average that way (three rounds of 900 calls, alternating).
    let mut blocks = Vec::with_capacity(block_rows.len());
    let (mut c_left, mut a_left) = (&mut c.spare_capacity_mut()[..n * n], a);
    for &rows in block_rows {
        let (c_rows, c_rest) = c_left.split_at_mut(rows * n);
        let (a_rows, a_rest) = a_left.split_at(rows * n);
        blocks.push((c_rows, a_rows));
        (c_left, a_left) = (c_rest, a_rest);
    }
    for_each_block(blocks, |(c_rows, a_rows)| {
        kernel(a_rows, b, zeroed(c_rows), n, check)
    })?;
    // SAFETY: every block ran (for_each_block returns Ok only then), and each first zeroed
    // its rows; the blocks' rows add up to n, so together they are the first n * n elements.
    unsafe { c.set_len(n * n) };
    Ok(c)
}

/// Fills `values` with zeros and returns them as initialised.
fn zeroed(values: &mut [MaybeUninit<f64>]) -> &mut [f64] {
    values.fill(MaybeUninit::new(0.0));
    // SAFETY: every element was just initialised, and MaybeUninit<f64> has f64's layout.
    unsafe { &mut *(std::ptr::from_mut(values) as *mut [f64]) }
}

/// The cache-tiled, register-blocked product, rows split between the current pool's
/// threads. Products are fused multiply-adds where the CPU has them, so results may differ
/// from [`serial`]'s in the last bits.
///
/// ```
/// use rhpc::par::matmul;
///
/// let n = 37; // not a multiple of the tile sizes
/// let (a, b) = (matmul::random_matrix(n, 3), matmul::random_matrix(n, 4));
/// let (tiled, naive) = (matmul::tiled(&a, &b, n)?, matmul::serial(&a, &b, n)?);
/// assert!(tiled.iter().zip(&naive).all(|(x, y)| (x - y).abs() < 1e-12));
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn tiled(a: &[f64], b: &[f64], n: usize) -> Result<Vec<f64>, ParError> {
    // One block per thread: each block packs B again, so smaller blocks would cost more.
    product(a, b, n, &equal_blocks(n, split_threads(n), MR), tiled_rows)
}

rows_kernel!(
    /// `c_rows += a_rows * b` by the naive loop, for whole rows of A and C.
    naive_rows => naive_rows_generic
);

#[inline(always)]
fn naive_rows_generic<const FMA: bool>(
    a_rows: &[f64],
    b: &[f64],
    c_rows: &mut [f64],
    n: usize,
    check: InterruptCheck,
) -> Result<(), Interrupted> {
    // Rows go in groups of ROWS sharing each load of B, and k is unrolled by four into the
    // j loop: each b[k][j] is loaded once per ROWS updates and each c[i][j] once per four,
    // instead of both for every update. Every c[i][j] still receives the same updates in the
    // same order, so results are bit-identical to the plain loop. (The plain loop runs as fast
    // as Numba's, both being LLVM's vectorisation of the same loop; this one about twice as
    // fast. Four rows rather than two cut the traffic of B that two threads share through L3
    // by half again: measured at n = 256, serial 1.22 -> 1.20 ms and two threads 1.52x ->
    // 1.89x its speed, alternating on an otherwise idle machine.)
    let grouped = c_rows.len() / (ROWS * n) * ROWS * n;
    let (c_groups, c_rest) = c_rows.split_at_mut(grouped);
    let (a_groups, a_rest) = a_rows.split_at(grouped);
    let groups = c_groups
        .chunks_exact_mut(ROWS * n)
        .zip(a_groups.chunks_exact(ROWS * n));
    for (index, (c_group, a_group)) in groups.enumerate() {
        if (index * ROWS).is_multiple_of(CHECK_ROWS) {
            check.check()?;
        }
        let mut c_split = c_group.chunks_exact_mut(n);
        let c = std::array::from_fn(|_| c_split.next().unwrap_or_default());
        let mut a_split = a_group.chunks_exact(n);
        let a = std::array::from_fn(|_| a_split.next().unwrap_or_default());
        update_rows::<ROWS, FMA>(c, a, b, n);
    }
    for (c_row, a_row) in c_rest.chunks_exact_mut(n).zip(a_rest.chunks_exact(n)) {
        update_rows::<1, FMA>([c_row], [a_row], b, n);
    }
    Ok(())
}

/// `c[r] += a[r] * b` for `R` rows at once, k unrolled by four (see `naive_rows_generic`).
#[inline(always)]
fn update_rows<const R: usize, const FMA: bool>(
    c: [&mut [f64]; R],
    a: [&[f64]; R],
    b: &[f64],
    n: usize,
) {
    let mut c = c.map(|row| &mut row[..n]);
    let a = a.map(|row| &row[..n]);
    // Columns up to C's first 32-byte boundary go on their own, so that the vector loads and
    // stores of C that follow never straddle two cache lines. Measured at n = 256: the
    // product took 20 to 25% longer when the allocator placed C 16 bytes off a 32-byte
    // boundary (it guarantees 16), which one earlier allocation of another size decides.
    let head = c[0].as_ptr().align_offset(32).min(n);
    let mut k = 0;
    while k + 4 <= n {
        let b_rows: [&[f64]; 4] = std::array::from_fn(|q| &b[(k + q) * n..(k + q + 1) * n]);
        let a_k: [[f64; 4]; R] =
            std::array::from_fn(|r| [a[r][k], a[r][k + 1], a[r][k + 2], a[r][k + 3]]);
        if head > 0 {
            update_columns::<R, FMA>(
                c.each_mut().map(|row| &mut row[..head]),
                &a_k,
                b_rows.map(|row| &row[..head]),
            );
        }
        update_columns::<R, FMA>(
            c.each_mut().map(|row| &mut row[head..]),
            &a_k,
            b_rows.map(|row| &row[head..]),
        );
        k += 4;
    }
    for k in k..n {
        let b_row = &b[k * n..(k + 1) * n];
        for r in 0..R {
            let a_rk = a[r][k];
            for (c_rj, &b_kj) in c[r].iter_mut().zip(b_row) {
                *c_rj = fmadd::<FMA>(a_rk, b_kj, *c_rj);
            }
        }
    }
}

/// `c[r][j] += a_k[r][q] * b[q][j]` over q = 0..4 for every column j of `c` and `b` (slices
/// of equal length, the same columns of their rows).
#[inline(always)]
fn update_columns<const R: usize, const FMA: bool>(
    c: [&mut [f64]; R],
    a_k: &[[f64; 4]; R],
    b: [&[f64]; 4],
) {
    // Slices of exactly one length, so the compiler drops the bounds checks on j.
    let columns = c[0].len();
    let c = c.map(|row| &mut row[..columns]);
    let b = b.map(|row| &row[..columns]);
    for j in 0..columns {
        let x = [b[0][j], b[1][j], b[2][j], b[3][j]];
        for r in 0..R {
            let value = fmadd::<FMA>(a_k[r][0], x[0], c[r][j]);
            let value = fmadd::<FMA>(a_k[r][1], x[1], value);
            let value = fmadd::<FMA>(a_k[r][2], x[2], value);
            c[r][j] = fmadd::<FMA>(a_k[r][3], x[3], value);
        }
    }
}

thread_local! {
    /// Each thread's packed block of B, kept between calls: allocating 256 KiB per call
    /// would map and unmap fresh pages every time.
    static PACKED_B: std::cell::RefCell<Vec<[f64; NR]>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Packs the block `k0..k0 + kc` x `j0..j0 + nc` of B as `NR`-wide panels, each `kc` rows
/// of `NR` values, columns past the edge zero.
fn pack_b(
    b: &[f64],
    n: usize,
    (k0, kc): (usize, usize),
    (j0, nc): (usize, usize),
    packed: &mut [[f64; NR]],
) {
    for (panel_index, panel) in packed.chunks_exact_mut(kc).enumerate() {
        let j = j0 + panel_index * NR;
        let width = NR.min(j0 + nc - j);
        for (entry, b_row) in panel.iter_mut().zip(b[k0 * n..].chunks_exact(n)) {
            entry[..width].copy_from_slice(&b_row[j..j + width]);
            entry[width..].fill(0.0);
        }
    }
}

/// Packs rows `i0..i0 + MR` (zero past `rows`), columns `k0..k0 + kc` of A k-major: for each
/// k, the `MR` values of one column.
fn pack_a(a_rows: &[f64], n: usize, rows: usize, i0: usize, k0: usize, packed: &mut [[f64; MR]]) {
    for (r, row) in (i0..i0 + MR).enumerate() {
        if row < rows {
            let source = &a_rows[row * n + k0..];
            for (entry, &value) in packed.iter_mut().zip(source) {
                entry[r] = value;
            }
        } else {
            packed.iter_mut().for_each(|entry| entry[r] = 0.0);
        }
    }
}

rows_kernel!(
    /// `c_rows += a_rows * b` by packed blocks and the register-tiled micro-kernel.
    tiled_rows => tiled_rows_generic
);

/// The loops around the micro-kernel, GotoBLAS style: for each `NC`-column and `KC`-deep
/// block of B (packed, 256 KiB: stays in this core's L2), for each `MR`-row panel of A
/// (packed, 8 KiB: stays in L1), run the micro-kernel against every `NR`-column panel of
/// the B block and add its tile into C.
#[inline(always)]
fn tiled_rows_generic<const FMA: bool>(
    a_rows: &[f64],
    b: &[f64],
    c_rows: &mut [f64],
    n: usize,
    check: InterruptCheck,
) -> Result<(), Interrupted> {
    let rows = c_rows.len() / n;
    let mut packed_a = [[0.0; MR]; KC];
    // Taken out of the thread-local and put back after: the work must not run in a closure,
    // which would not inherit this function's target features (AVX2, FMA).
    let mut packed_b = PACKED_B.with_borrow_mut(std::mem::take);
    packed_b.resize(KC * NC / NR, [0.0; NR]);
    let mut result = Ok(());
    'blocks: for j0 in (0..n).step_by(NC) {
        let nc = NC.min(n - j0);
        for k0 in (0..n).step_by(KC) {
            result = check.check();
            if result.is_err() {
                break 'blocks;
            }
            let kc = KC.min(n - k0);
            let b_block = &mut packed_b[..nc.div_ceil(NR) * kc];
            pack_b(b, n, (k0, kc), (j0, nc), b_block);
            let a_panel = &mut packed_a[..kc];
            for i0 in (0..rows).step_by(MR) {
                pack_a(a_rows, n, rows, i0, k0, a_panel);
                for (panel_index, b_panel) in b_block.chunks_exact(kc).enumerate() {
                    let tile = micro_kernel::<FMA>(a_panel, b_panel);
                    let j = j0 + panel_index * NR;
                    let width = NR.min(j0 + nc - j);
                    for (r, tile_row) in tile.iter().enumerate().take(rows - i0) {
                        let start = (i0 + r) * n + j;
                        for (c, &value) in c_rows[start..start + width].iter_mut().zip(tile_row) {
                            *c += value;
                        }
                    }
                }
            }
        }
    }
    PACKED_B.with_borrow_mut(|slot| *slot = packed_b);
    result
}

/// The `MR x NR` tile `sum over k of a[k][r] * b[k][c]`, kept in registers: per k, one
/// load of `NR` values of B, `MR` broadcasts of A and `MR * NR / 4` vector FMAs.
///
/// With `FMA` (instantiated only inside `multiversion!`'s AVX2 + FMA wrapper) it runs the
/// intrinsics version below. The portable loops keep the tile in vector registers only when
/// LLVM's straight-line (SLP) vectoriser runs, which rustc enables at `opt-level = 3` but
/// not at the `2` evcxr builds notebook dependencies with (measured at n = 256: 48 GFLOP/s
/// at 3, 7 at 2); the intrinsics do not depend on it.
#[inline(always)]
fn micro_kernel<const FMA: bool>(a_panel: &[[f64; MR]], b_block: &[[f64; NR]]) -> [[f64; NR]; MR] {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: `FMA` is true only in code compiled inside `multiversion!`'s wrapper, which
        // runs after the CPU reported AVX2 and FMA.
        return unsafe { avx2::micro_kernel(a_panel, b_block) };
    }
    let mut tile = [[0.0; NR]; MR];
    for (a, b) in a_panel.iter().zip(b_block) {
        for (tile_row, &a_r) in tile.iter_mut().zip(a) {
            for (t, &b_c) in tile_row.iter_mut().zip(b) {
                *t = fmadd::<FMA>(a_r, b_c, *t);
            }
        }
    }
    tile
}

/// The micro-kernel in AVX2 intrinsics: eight accumulators of four doubles. Safe code: the
/// intrinsics used take values, not pointers, and this module's functions carry the target
/// features they need.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256d, _mm_cvtsd_f64, _mm_unpackhi_pd, _mm256_castpd256_pd128, _mm256_extractf128_pd,
        _mm256_fmadd_pd, _mm256_set_pd, _mm256_set1_pd, _mm256_setzero_pd,
    };

    use super::{MR, NR};

    /// A vector's four doubles.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn lanes(v: __m256d) -> [f64; 4] {
        let (low, high) = (_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        [
            _mm_cvtsd_f64(low),
            _mm_cvtsd_f64(_mm_unpackhi_pd(low, low)),
            _mm_cvtsd_f64(high),
            _mm_cvtsd_f64(_mm_unpackhi_pd(high, high)),
        ]
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(super) fn micro_kernel(a_panel: &[[f64; MR]], b_block: &[[f64; NR]]) -> [[f64; NR]; MR] {
        const { assert!(MR == 4 && NR == 8, "written for a 4 x 8 tile") };
        let mut acc = [_mm256_setzero_pd(); 2 * MR];
        for (a, b) in a_panel.iter().zip(b_block) {
            // Four reads of consecutive values, which LLVM turns into one vector load.
            let [b0, b1, b2, b3, b4, b5, b6, b7] = *b;
            let (b_low, b_high) = (_mm256_set_pd(b3, b2, b1, b0), _mm256_set_pd(b7, b6, b5, b4));
            for (r, &a_r) in a.iter().enumerate() {
                let a_r = _mm256_set1_pd(a_r);
                acc[2 * r] = _mm256_fmadd_pd(a_r, b_low, acc[2 * r]);
                acc[2 * r + 1] = _mm256_fmadd_pd(a_r, b_high, acc[2 * r + 1]);
            }
        }
        let mut tile = [[0.0; NR]; MR];
        for (row, pair) in tile.iter_mut().zip(acc.chunks_exact(2)) {
            row[..4].copy_from_slice(&lanes(pair[0]));
            row[4..].copy_from_slice(&lanes(pair[1]));
        }
        tile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook i-j-k definition, as the reference.
    fn reference(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|k| a[i * n + k] * b[k * n + j]).sum();
            }
        }
        c
    }

    fn close(x: &[f64], y: &[f64]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-9)
    }

    #[test]
    fn every_version_matches_the_definition() {
        // Sizes around the tile sizes and the block size, so every edge path runs.
        for n in [1, 2, 5, 8, 13, 31, 64, 257, 300] {
            let (a, b) = (random_matrix(n, 11), random_matrix(n, 12));
            let expected = reference(&a, &b, n);
            for threads in [1, 2, 3] {
                let results = super::super::with_threads(threads, || {
                    [serial(&a, &b, n), parallel(&a, &b, n), tiled(&a, &b, n)]
                });
                for result in results.into_iter().flatten() {
                    assert!(result.is_ok_and(|c| close(&c, &expected)), "n = {n}");
                }
            }
        }
    }

    #[test]
    fn shapes_are_checked() {
        assert!(matches!(
            tiled(&[1.0; 4], &[1.0; 3], 2),
            Err(ParError::Shape {
                operand: "b",
                expected: 4,
                found: 3
            })
        ));
        assert_eq!(serial(&[], &[], 0).ok(), Some(vec![]));
    }

    #[test]
    fn row_blocks_cover_every_row_aligned() {
        assert_eq!(equal_blocks(256, 2, 1), [128, 128]);
        assert_eq!(equal_blocks(256, 3, 4), [88, 88, 80]);
        assert_eq!(equal_blocks(5, 8, 1), [1; 5]);
        assert_eq!(equal_blocks(0, 2, 4), [0usize; 0]);
        assert_eq!(
            guided_blocks(256, 2, 4),
            [64, 48, 36, 28, 20, 16, 12, 8, 8, 4, 4, 4, 4]
        );
        for (n, threads) in [(1, 2), (257, 2), (300, 3), (1000, 4)] {
            let blocks = guided_blocks(n, threads, 4);
            assert_eq!(blocks.iter().sum::<usize>(), n);
            assert!(blocks.windows(2).all(|pair| pair[0] >= pair[1]));
            assert!(blocks[..blocks.len() - 1].iter().all(|rows| rows % 4 == 0));
        }
    }

    #[test]
    fn products_called_outside_any_pool_run_on_the_team() {
        // Outside a pool the blocks go to the session pool's team, the caller among them,
        // call after call (the team's threads stay attending in between).
        for n in [192, 257, 300] {
            let (a, b) = (random_matrix(n, 21), random_matrix(n, 22));
            let expected = serial(&a, &b, n).ok();
            for _ in 0..3 {
                // Same updates in the same order: bit-identical to the serial loop.
                assert_eq!(parallel(&a, &b, n).ok(), expected, "n = {n}");
                assert!(tiled(&a, &b, n).is_ok_and(|c| close(&c, &reference(&a, &b, n))));
            }
        }
    }
}
