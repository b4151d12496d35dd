//! Sending displays to the notebook while a cell runs.

use std::hash::{BuildHasher, Hasher};

use serde_json::{Value, json};

use super::render::Render;

/// Starts a stdout line that carries a display record for rhpc-kernel.
///
/// The rest of the line is one JSON object with an `op` of `display`, `update` or `clear`;
/// see the kernel's `bridge` module for the full protocol. Any crate may emit records.
pub const RECORD_PREFIX: &str = "\u{1e}rhpc\u{1e}";

/// Set by rhpc-kernel in the environment of the process that runs cells.
const KERNEL_MARKER: &str = "RHPC_KERNEL";

/// Whether this code runs under rhpc-kernel (so rich output reaches a notebook).
///
/// ```
/// // In a doctest there is no kernel.
/// assert!(!rhpc::display::in_kernel() || std::env::var_os("RHPC_KERNEL").is_some());
/// ```
pub fn in_kernel() -> bool {
    std::env::var_os(KERNEL_MARKER).is_some()
}

/// Shows `value` now, below the running cell, and returns a handle to update it.
///
/// Outside the kernel, prints the value's `text/plain` form.
///
/// ```
/// use rhpc::prelude::*;
/// let status = display(&Markdown::new("**working**"));
/// status.update(&Markdown::new("**done**"));
/// ```
pub fn display<R: Render + ?Sized>(value: &R) -> DisplayHandle {
    let handle = DisplayHandle { id: new_id() };
    handle.send("display", value);
    handle
}

/// Clears the running cell's output; with `wait`, only when new output arrives (no
/// flicker in animations).
///
/// ```
/// rhpc::display::clear_output(true);
/// ```
pub fn clear_output(wait: bool) {
    if in_kernel() {
        emit(json!({"op": "clear", "wait": wait}));
    }
}

/// A display shown by [`display`], which can be replaced in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayHandle {
    id: String,
}

impl DisplayHandle {
    /// Replaces the display with `value`, wherever it is shown.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// let progress = display("0%");
    /// progress.update("100%");
    /// ```
    pub fn update<R: Render + ?Sized>(&self, value: &R) {
        self.send("update", value);
    }

    /// The display id shared by the display and its updates.
    ///
    /// ```
    /// let handle = rhpc::display::display("x");
    /// assert!(handle.id().starts_with("rhpc-"));
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    fn send<R: Render + ?Sized>(&self, op: &str, value: &R) {
        let bundle = value.render();
        if in_kernel() {
            emit(json!({
                "op": op,
                "data": bundle.to_json(),
                "metadata": {},
                "display_id": self.id,
            }));
        } else {
            println!("{}", bundle.plain_text());
        }
    }
}

fn emit(record: Value) {
    println!("{RECORD_PREFIX}{record}");
}

/// A display id unique across the process (statics are per notebook cell, so no counter).
fn new_id() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("rhpc-{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
