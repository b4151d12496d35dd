//! What the session has defined, kept for answers while a cell runs.
//!
//! evcxr's completion and hover need exclusive use of its context, which a running cell
//! holds. Rather than make the editor wait, completion and inspection then answer from this
//! snapshot of the last finished cell: the session's variables (with types) and items, Rust's
//! keywords and prelude, and evcxr's commands. The reply's metadata says it came from here.

use serde_json::{Map, Value, json};

use crate::interpreter::{Completions, MimeBundle};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while",
];

const PRELUDE: &[&str] = &[
    "Box",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Eq",
    "Err",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Into",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Some",
    "String",
    "Sync",
    "ToString",
    "Vec",
    "assert!",
    "assert_eq!",
    "dbg!",
    "eprintln!",
    "format!",
    "panic!",
    "print!",
    "println!",
    "vec!",
    "std",
];

const COMMANDS: &[&str] = &[
    ":dep",
    ":help",
    ":vars",
    ":opt",
    ":clear",
    ":explain",
    ":last_error_json",
    ":timing",
    ":type",
    ":efmt",
    ":sccache",
    ":linker",
    ":offline",
    ":quit",
    ":fmt",
    ":types",
    ":preserve_vars_on_panic",
    ":last_compile_dir",
    ":cache",
    ":clear_cache",
    ":toolchain",
];

/// The session's names as of the last finished cell.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Variables and their types.
    pub variables: Vec<(String, String)>,
    /// Functions, structs and other items.
    pub items: Vec<String>,
}

impl Snapshot {
    /// Names of the variables (lost when the cell process dies).
    pub fn variable_names(&self) -> Vec<String> {
        self.variables
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Completions for the word before byte offset `cursor`.
    pub fn complete(&self, code: &str, cursor: usize) -> Completions {
        let (start, prefix) = word_before(code, cursor);
        let line_start = code[..start].rfind('\n').map_or(0, |i| i + 1);
        let is_command = code[line_start..start].trim().is_empty() && prefix.starts_with(':');
        let candidates: Vec<(&str, &str)> = if is_command {
            COMMANDS.iter().map(|c| (*c, "magic")).collect()
        } else {
            self.variables
                .iter()
                .map(|(name, _)| (name.as_str(), "variable"))
                .chain(self.items.iter().map(|name| (name.as_str(), "item")))
                .chain(KEYWORDS.iter().map(|k| (*k, "keyword")))
                .chain(PRELUDE.iter().map(|p| (*p, "prelude")))
                .collect()
        };
        let mut matches: Vec<(&str, &str)> = candidates
            .into_iter()
            .filter(|(name, _)| name.starts_with(prefix) && *name != prefix)
            .collect();
        matches.sort();
        matches.dedup_by(|a, b| a.0 == b.0);
        let types: Vec<Value> = matches
            .iter()
            .map(|(text, kind)| json!({"text": text, "type": kind}))
            .collect();
        let mut metadata = Map::new();
        metadata.insert("_jupyter_types_experimental".into(), Value::Array(types));
        metadata.insert("rhpc_source".into(), json!("session snapshot"));
        Completions {
            matches: matches.into_iter().map(|(m, _)| m.to_owned()).collect(),
            start,
            end: cursor,
            metadata,
        }
    }

    /// `name: Type` for a variable under the cursor.
    pub fn inspect(&self, code: &str, cursor: usize) -> Option<MimeBundle> {
        let name = word_at(code, cursor);
        let (_, type_name) = self.variables.iter().find(|(v, _)| v == name)?;
        let mut bundle = MimeBundle::new();
        bundle.insert("text/plain".into(), json!(format!("{name}: {type_name}")));
        bundle.insert(
            "text/markdown".into(),
            json!(format!("```rust\nlet {name}: {type_name}\n```")),
        );
        Some(bundle)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == ':' || c == '!'
}

/// The identifier-ish word ending at `cursor`: (its start, the word).
pub fn word_before(code: &str, cursor: usize) -> (usize, &str) {
    let cursor = cursor.min(code.len());
    let start = code[..cursor]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == ':')
        .last()
        .map_or(cursor, |(i, _)| i);
    // `foo::ba` completes `ba`; a leading `:` on a line is an evcxr command.
    let word = &code[start..cursor];
    match word.rfind("::") {
        Some(i) => (start + i + 2, &word[i + 2..]),
        None => (start, word),
    }
}

/// The whole identifier around `cursor`.
pub fn word_at(code: &str, cursor: usize) -> &str {
    let cursor = cursor.min(code.len());
    let start = code[..cursor]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(cursor, |(i, _)| i);
    let end = code[cursor..]
        .char_indices()
        .find(|(_, c)| !is_word_char(*c) || *c == ':' || *c == '!')
        .map_or(code.len(), |(i, _)| cursor + i);
    &code[start..end]
}

/// The byte offset just after the identifier containing `cursor` (hover looks there).
pub fn end_of_word(code: &str, cursor: usize) -> usize {
    let cursor = cursor.min(code.len());
    code[cursor..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(code.len(), |(i, _)| cursor + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            variables: vec![
                ("counter".into(), "u64".into()),
                ("data".into(), "Vec<f64>".into()),
            ],
            items: vec!["compute".into()],
        }
    }

    #[test]
    fn completes_session_names_keywords_and_prelude() {
        let completions = snapshot().complete("let y = co", 10);
        assert_eq!(completions.start, 8);
        assert_eq!(completions.end, 10);
        for expected in ["counter", "compute", "const", "continue"] {
            assert!(
                completions.matches.iter().any(|m| m == expected),
                "{expected}"
            );
        }
        assert!(
            snapshot()
                .complete("Ve", 2)
                .matches
                .contains(&"Vec".to_owned())
        );
    }

    #[test]
    fn completes_commands_at_line_start() {
        let completions = snapshot().complete(":de", 3);
        assert_eq!(completions.matches, [":dep"]);
        assert_eq!(completions.start, 0);
    }

    #[test]
    fn inspects_variables_by_type() {
        let bundle = snapshot().inspect("data.len()", 2).unwrap();
        assert_eq!(bundle["text/plain"], "data: Vec<f64>");
        assert!(snapshot().inspect("nothing", 3).is_none());
    }

    #[test]
    fn words_around_the_cursor() {
        assert_eq!(word_before("std::collections::Hash", 22), (18, "Hash"));
        assert_eq!(word_at("x + counter_2 * 2", 6), "counter_2");
        assert_eq!(end_of_word("let abc = 1", 5), 7);
    }
}
