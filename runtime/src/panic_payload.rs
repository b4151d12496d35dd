//! The text of a caught panic, shared by everything in rhpc that catches one (tasks, the CUDA
//! library loader).

/// The message of a caught panic: `panic!("...")` carries a `&str` or a `String`; any other
/// payload gets a generic text.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}
