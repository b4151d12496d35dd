//! Timing code in a notebook: [`timeit`] (IPython's `%timeit`), [`time`] (IPython's `%time`)
//! and [`compare`] (speed-up tables like the course's).
//!
//! ```
//! use rhpc::time::{compare, time, timeit, Timeit};
//!
//! let data: Vec<f64> = (0..10_000).map(f64::from).collect();
//! let timing = timeit(|| data.iter().sum::<f64>())?;           // 7 runs, loops automatic
//! let quick = Timeit::new().loops(10).repeat(3).run(|| data.iter().sum::<f64>())?;
//! let once = time(|| data.iter().map(|x| x.sqrt()).sum::<f64>());
//! println!("{timing}\n{quick}\n{once}");
//!
//! let mut table = compare("sum").baseline("fold");
//! table.time(10_000, "fold", || data.iter().fold(0.0, |a, b| a + b))?;
//! table.time(10_000, "sum", || data.iter().sum::<f64>())?;
//! assert!(table.speedup(10_000, "sum").is_some());
//! # Ok::<(), rhpc::Interrupted>(())
//! ```

mod compare;
mod oneshot;
mod timeit;

pub use compare::{Comparison, compare};
pub use oneshot::{Timed, time};
pub use timeit::{Timeit, Timing, timeit};
