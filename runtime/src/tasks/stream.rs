//! [`TaskStream`]: what ran where and when (worker, start, end per task), drawn as a Gantt
//! chart with a summary: tasks, wall time, busy time, parallel efficiency, overhead per task.
//!
//! A stream is a value you hold (no global dashboard): pass it to
//! [`Compute::stream`](super::Compute::stream), or read a [`Client`](super::Client)'s own.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::key::Key;
use crate::display::units::format_seconds;
use crate::display::{MimeBundle, Render, Timeline, escape_html};

/// One task's run.
///
/// ```
/// use rhpc::tasks::{Key, TaskRecord};
/// let record = TaskRecord { key: Key::named("a"), worker: 0, start: 0.5, end: 0.75, ok: true };
/// assert_eq!(record.end - record.start, 0.25);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// The task.
    pub key: Key,
    /// The worker (thread) it ran on, from 0.
    pub worker: usize,
    /// Start, in seconds since the stream was created.
    pub start: f64,
    /// End, in seconds since the stream was created.
    pub end: f64,
    /// Whether it produced a value (false: it panicked).
    pub ok: bool,
}

#[derive(Default)]
struct Records {
    records: Vec<TaskRecord>,
    workers: usize,
}

/// A record of task runs, shared by every clone of this handle.
///
/// ```
/// use rhpc::prelude::*;
/// use rhpc::tasks::{TaskStream, Threads};
///
/// fn inc(x: u64) -> u64 { x + 1 }
/// let stream = TaskStream::new();
/// let threads = Threads::new(2)?;
/// let xs: Vec<Delayed<u64>> = (0..100).map(|i| delayed!(inc(i))).collect();
/// Compute::with_borrowed(&threads).stream(&stream).run(&xs)?;
/// let summary = stream.summary();
/// assert_eq!(summary.tasks, 100);
/// assert!(summary.workers <= 2);
/// assert!(stream.render().get("image/svg+xml").is_some());
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[derive(Clone)]
pub struct TaskStream {
    origin: Instant,
    records: Arc<Mutex<Records>>,
}

impl TaskStream {
    /// An empty stream; times are measured from now.
    ///
    /// ```
    /// assert!(rhpc::tasks::TaskStream::new().is_empty());
    /// ```
    pub fn new() -> TaskStream {
        TaskStream {
            origin: Instant::now(),
            records: Arc::new(Mutex::new(Records::default())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Seconds from this stream's origin to `instant`.
    ///
    /// ```
    /// let stream = rhpc::tasks::TaskStream::new();
    /// assert!(stream.seconds_at(std::time::Instant::now()) >= 0.0);
    /// ```
    pub fn seconds_at(&self, instant: Instant) -> f64 {
        instant.saturating_duration_since(self.origin).as_secs_f64()
    }

    /// Adds one record.
    ///
    /// ```
    /// use rhpc::tasks::{Key, TaskRecord, TaskStream};
    /// let stream = TaskStream::new();
    /// stream.push(TaskRecord { key: Key::named("a"), worker: 0, start: 0.0, end: 1.0, ok: true });
    /// assert_eq!(stream.summary().busy, 1.0);
    /// ```
    pub fn push(&self, record: TaskRecord) {
        let mut records = self.lock();
        records.workers = records.workers.max(record.worker + 1);
        records.records.push(record);
    }

    /// Adds a batch of records from a run on `workers` workers.
    ///
    /// ```
    /// use rhpc::tasks::{Key, TaskRecord, TaskStream};
    /// let stream = TaskStream::new();
    /// let r = TaskRecord { key: Key::named("a"), worker: 0, start: 0.0, end: 1.0, ok: true };
    /// stream.extend(vec![r], 4);
    /// assert_eq!(stream.summary().workers, 4);
    /// ```
    pub fn extend(&self, batch: Vec<TaskRecord>, workers: usize) {
        let mut records = self.lock();
        records.workers = records.workers.max(workers);
        for record in &batch {
            records.workers = records.workers.max(record.worker + 1);
        }
        records.records.extend(batch);
    }

    /// The number of records.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::TaskStream::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether nothing has been recorded.
    ///
    /// ```
    /// assert!(rhpc::tasks::TaskStream::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().records.is_empty()
    }

    /// A copy of the records, in the order recorded.
    ///
    /// ```
    /// assert!(rhpc::tasks::TaskStream::new().records().is_empty());
    /// ```
    pub fn records(&self) -> Vec<TaskRecord> {
        self.lock().records.clone()
    }

    /// Forgets every record (the origin stays).
    ///
    /// ```
    /// let stream = rhpc::tasks::TaskStream::new();
    /// stream.clear();
    /// assert!(stream.is_empty());
    /// ```
    pub fn clear(&self) {
        *self.lock() = Records::default();
    }

    /// Whether two handles share one stream.
    ///
    /// ```
    /// let a = rhpc::tasks::TaskStream::new();
    /// assert!(a.same_as(&a.clone()));
    /// assert!(!a.same_as(&rhpc::tasks::TaskStream::new()));
    /// ```
    pub fn same_as(&self, other: &TaskStream) -> bool {
        Arc::ptr_eq(&self.records, &other.records)
    }

    /// Tasks, wall time, busy time and the figures derived from them.
    ///
    /// ```
    /// let summary = rhpc::tasks::TaskStream::new().summary();
    /// assert_eq!(summary.tasks, 0);
    /// ```
    pub fn summary(&self) -> StreamSummary {
        let records = self.lock();
        let start = records
            .records
            .iter()
            .map(|r| r.start)
            .fold(f64::INFINITY, f64::min);
        let end = records
            .records
            .iter()
            .map(|r| r.end)
            .fold(f64::NEG_INFINITY, f64::max);
        StreamSummary {
            tasks: records.records.len(),
            failed: records.records.iter().filter(|r| !r.ok).count(),
            workers: records.workers.max(1),
            wall: if records.records.is_empty() {
                0.0
            } else {
                end - start
            },
            busy: records.records.iter().map(|r| r.end - r.start).sum(),
        }
    }

    /// The Gantt chart: a row per worker, a colour per key prefix, gaps where idle.
    ///
    /// ```
    /// use rhpc::tasks::{Key, TaskRecord, TaskStream};
    /// let stream = TaskStream::new();
    /// stream.push(TaskRecord { key: Key::named("a"), worker: 1, start: 0.0, end: 1.0, ok: true });
    /// assert_eq!(stream.timeline().rows().len(), 2);
    /// ```
    pub fn timeline(&self) -> Timeline {
        let records = self.lock();
        let mut timeline = Timeline::new("Task stream");
        for worker in 0..records.workers.max(1) {
            timeline.add_row(format!("worker {worker}"));
        }
        for record in &records.records {
            let label = if record.ok {
                record.key.to_string()
            } else {
                format!("{} (failed)", record.key)
            };
            timeline.add_span(
                record.worker,
                record.start,
                record.end,
                record.key.prefix(),
                label,
            );
        }
        timeline
    }
}

impl Default for TaskStream {
    fn default() -> Self {
        TaskStream::new()
    }
}

impl fmt::Debug for TaskStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskStream({})", self.summary())
    }
}

impl Render for TaskStream {
    /// The Gantt chart with the summary above it.
    fn render(&self) -> MimeBundle {
        let summary = self.summary();
        let mut bundle = self.timeline().render();
        if let Some(svg) = bundle.get("image/svg+xml").and_then(|v| v.as_str()) {
            let html = format!(
                "{}<div class=\"rhpc-figure\">{svg}</div>",
                summary.to_html()
            );
            bundle.insert("text/html", html);
        }
        bundle.insert("text/plain", summary.to_string());
        bundle
    }
}

/// Figures from a [`TaskStream`].
///
/// ```
/// use rhpc::tasks::StreamSummary;
/// let s = StreamSummary { tasks: 100, failed: 0, workers: 2, wall: 1.0, busy: 1.5 };
/// assert_eq!(s.efficiency(), 0.75);
/// assert!((s.overhead_per_task() - 0.005).abs() < 1e-12);
/// assert!(s.to_string().contains("75%"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamSummary {
    /// Task runs recorded.
    pub tasks: usize,
    /// Of which failed.
    pub failed: usize,
    /// Workers that could have run them.
    pub workers: usize,
    /// From the first start to the last end, in seconds.
    pub wall: f64,
    /// Time spent inside tasks, summed over workers, in seconds.
    pub busy: f64,
}

impl StreamSummary {
    /// Busy time over the time all workers were available: 1 when every worker ran tasks
    /// all the time.
    ///
    /// ```
    /// let s = rhpc::tasks::StreamSummary { tasks: 2, failed: 0, workers: 2, wall: 1.0, busy: 2.0 };
    /// assert_eq!(s.efficiency(), 1.0);
    /// ```
    pub fn efficiency(&self) -> f64 {
        if self.wall <= 0.0 {
            0.0
        } else {
            self.busy / (self.wall * self.workers as f64)
        }
    }

    /// Worker time not spent in tasks, per task: scheduling overhead plus idle time.
    ///
    /// ```
    /// let s = rhpc::tasks::StreamSummary { tasks: 4, failed: 0, workers: 1, wall: 1.0, busy: 0.6 };
    /// assert!((s.overhead_per_task() - 0.1).abs() < 1e-12);
    /// ```
    pub fn overhead_per_task(&self) -> f64 {
        if self.tasks == 0 {
            0.0
        } else {
            ((self.wall * self.workers as f64 - self.busy) / self.tasks as f64).max(0.0)
        }
    }

    fn to_html(self) -> String {
        let cells = [
            ("tasks", self.tasks.to_string()),
            ("workers", self.workers.to_string()),
            ("wall time", format_seconds(self.wall)),
            ("busy time", format_seconds(self.busy)),
            ("efficiency", format!("{:.0}%", self.efficiency() * 100.0)),
            (
                "overhead per task",
                format_seconds(self.overhead_per_task()),
            ),
        ];
        let row = |f: &dyn Fn(&(&str, String)) -> String| cells.iter().map(f).collect::<String>();
        format!(
            "<table><tr>{}</tr><tr>{}</tr></table>",
            row(&|(name, _)| format!("<th>{}</th>", escape_html(name))),
            row(&|(_, value)| format!("<td>{}</td>", escape_html(value)))
        )
    }
}

impl fmt::Display for StreamSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tasks{} on {} workers: wall {}, busy {}, efficiency {:.0}%, overhead {} per task",
            self.tasks,
            if self.failed > 0 {
                format!(" ({} failed)", self.failed)
            } else {
                String::new()
            },
            self.workers,
            format_seconds(self.wall),
            format_seconds(self.busy),
            self.efficiency() * 100.0,
            format_seconds(self.overhead_per_task())
        )
    }
}
