//! Completion and hover from evcxr's rust-analyzer, shaped for Jupyter.

use serde_json::{Value, json};

use crate::interpreter::{Completions, MimeBundle};
use crate::protocol::cursor::byte_to_char;

/// evcxr's completions with Jupyter's metadata (offsets in code points, like the reply).
pub fn completions(code: &str, found: evcxr::Completions) -> Completions {
    let start = byte_to_char(code, found.start_offset);
    let end = byte_to_char(code, found.end_offset);
    let types: Vec<Value> = found
        .completions
        .iter()
        .map(|c| json!({"text": c.label, "type": c.kind, "start": start, "end": end}))
        .collect();
    let mut metadata = serde_json::Map::new();
    metadata.insert("_jupyter_types_experimental".into(), Value::Array(types));
    Completions {
        matches: found.completions.into_iter().map(|c| c.code).collect(),
        start: found.start_offset,
        end: found.end_offset,
        metadata,
    }
}

/// The inspection bundle for a hover, or `None` when rust-analyzer found nothing.
pub fn hover_bundle(plain: String, html: String) -> Option<MimeBundle> {
    if plain.is_empty() || plain == "No documentation found" {
        return None;
    }
    let mut bundle = MimeBundle::new();
    bundle.insert("text/markdown".into(), json!(hover_markdown(&plain)));
    bundle.insert("text/html".into(), json!(html));
    bundle.insert("text/plain".into(), json!(plain));
    Some(bundle)
}

/// rust-analyzer's plain hover as Markdown: the signature as a Rust block, then the docs.
fn hover_markdown(plain: &str) -> String {
    let mut parts = plain.splitn(2, "\n\n");
    let signature = parts.next().unwrap_or_default().trim();
    let docs = parts.next().unwrap_or_default().trim();
    if docs.is_empty() {
        format!("```rust\n{signature}\n```")
    } else {
        format!("```rust\n{signature}\n```\n\n{docs}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hover_markdown_fences_the_signature() {
        assert_eq!(
            hover_markdown("fn f()\n\nDocs here."),
            "```rust\nfn f()\n```\n\nDocs here."
        );
        assert!(hover_bundle("No documentation found".into(), String::new()).is_none());
    }
}
