//! [`ProgressBar`]: how far a long computation has got, live in the notebook (one display
//! updated in place) and as a text bar on standard error in a terminal.
//!
//! Redraws are throttled to ten a second, so reporting after every task costs nothing.

use std::io::Write;
use std::time::{Duration, Instant};

use super::bundle::MimeBundle;
use super::channel::{DisplayHandle, display, in_kernel};
use super::html::escape_html;
use super::render::Render;
use super::units::format_seconds;

const REDRAW: Duration = Duration::from_millis(100);
const WIDTH: usize = 30;

/// A progress bar for `done` out of `total` steps.
///
/// ```
/// use rhpc::display::{ProgressBar, Render};
///
/// let mut bar = ProgressBar::new("tasks");
/// bar.set(5, 10);
/// assert_eq!(bar.fraction(), 0.5);
/// assert!(bar.render().plain_text().contains("50%"));
/// bar.finish(10, 10);
/// assert!(bar.render().plain_text().contains("100%"));
/// ```
#[derive(Debug)]
pub struct ProgressBar {
    label: String,
    started: Instant,
    last_draw: Option<Instant>,
    handle: Option<DisplayHandle>,
    done: usize,
    total: usize,
    finished: bool,
}

impl ProgressBar {
    /// A bar that draws itself on its first update.
    ///
    /// ```
    /// let bar = rhpc::display::ProgressBar::new("download");
    /// assert_eq!(bar.fraction(), 1.0); // nothing to do yet
    /// ```
    pub fn new(label: &str) -> ProgressBar {
        ProgressBar {
            label: label.to_owned(),
            started: Instant::now(),
            last_draw: None,
            handle: None,
            done: 0,
            total: 0,
            finished: false,
        }
    }

    /// Moves the bar to `done` of `total`, redrawing at most ten times a second.
    ///
    /// ```
    /// let mut bar = rhpc::display::ProgressBar::new("steps");
    /// bar.set(1, 4);
    /// assert_eq!(bar.fraction(), 0.25);
    /// ```
    pub fn set(&mut self, done: usize, total: usize) {
        self.done = done;
        self.total = total;
        let due = self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW);
        if due {
            self.draw();
        }
    }

    /// Shows the final state (always drawn).
    ///
    /// ```
    /// let mut bar = rhpc::display::ProgressBar::new("steps");
    /// bar.finish(4, 4);
    /// assert_eq!(bar.fraction(), 1.0);
    /// ```
    pub fn finish(&mut self, done: usize, total: usize) {
        self.done = done;
        self.total = total;
        self.finished = true;
        self.draw();
        if !in_kernel() {
            eprintln!();
        }
    }

    /// The fraction done, from 0 to 1 (1 for an empty job).
    ///
    /// ```
    /// let mut bar = rhpc::display::ProgressBar::new("steps");
    /// bar.set(3, 4);
    /// assert_eq!(bar.fraction(), 0.75);
    /// ```
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }

    fn draw(&mut self) {
        self.last_draw = Some(Instant::now());
        if in_kernel() {
            match &self.handle {
                Some(handle) => handle.update(&*self),
                None => self.handle = Some(display(&*self)),
            }
        } else {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}", self.text());
            let _ = err.flush();
        }
    }

    fn text(&self) -> String {
        let filled = (self.fraction() * WIDTH as f64).round() as usize;
        format!(
            "[{}{}] {:>3.0}% | {}/{} {} | {}",
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            self.fraction() * 100.0,
            self.done,
            self.total,
            self.label,
            format_seconds(self.started.elapsed().as_secs_f64())
        )
    }
}

impl Render for ProgressBar {
    fn render(&self) -> MimeBundle {
        let percent = self.fraction() * 100.0;
        let colour = if self.finished { "#59a14f" } else { "#4e79a7" };
        let html = format!(
            concat!(
                r#"<div style="display:flex;align-items:center;gap:8px;font-family:monospace">"#,
                r#"<div style="width:300px;height:14px;border:1px solid var(--jp-border-color1,#bdbdbd);border-radius:3px">"#,
                r#"<div style="width:{:.1}%;height:100%;background:{}"></div></div>"#,
                r#"<span>{:.0}% | {}/{} {} | {}</span></div>"#
            ),
            percent,
            colour,
            percent,
            self.done,
            self.total,
            escape_html(&self.label),
            format_seconds(self.started.elapsed().as_secs_f64())
        );
        MimeBundle::text(self.text()).with("text/html", html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_jobs_are_complete_and_text_is_bounded() {
        let mut bar = ProgressBar::new("x");
        assert_eq!(bar.fraction(), 1.0);
        bar.set(20, 10);
        assert_eq!(bar.fraction(), 1.0);
        assert!(bar.text().starts_with(&format!("[{}]", "#".repeat(WIDTH))));
    }
}
