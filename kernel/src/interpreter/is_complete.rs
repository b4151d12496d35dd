//! Is this Rust cell ready to run? A lexical answer for `is_complete_request`.
//!
//! Consoles (jupyter console, qtconsole, JupyterLab's console) ask after every Enter. The
//! answer must be instant and must not need the compiler, so this is a small lexer that
//! understands exactly what decides the question:
//!
//! - brackets left open, an unterminated string, char or block comment, or a trailing
//!   operator (`let x = 1 +`) mean **incomplete**;
//! - a closing bracket with no opener, or the wrong one, can never be fixed by typing more,
//!   so it is **invalid**;
//! - anything else is **complete** (the compiler reports the rest when it runs).
//!
//! evcxr commands (`:dep`, `:vars`, ...) are lines of their own and are skipped.

use super::Completeness;

const INDENT: &str = "    ";

/// Classifies `code`.
pub fn classify(code: &str) -> Completeness {
    let mut lexer = Lexer::new(code);
    match lexer.run() {
        Err(Unbalanced) => Completeness::Invalid,
        Ok(Ending::OpenDelimiters(depth)) => Completeness::Incomplete {
            indent: INDENT.repeat(depth),
        },
        Ok(Ending::InsideLiteral) => Completeness::Incomplete {
            indent: String::new(),
        },
        Ok(Ending::TrailingOperator) => Completeness::Incomplete {
            indent: format!("{}{INDENT}", last_line_indent(code)),
        },
        Ok(Ending::Clean) => Completeness::Complete,
    }
}

fn last_line_indent(code: &str) -> &str {
    let line = code
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    &line[..line.len() - line.trim_start().len()]
}

/// A closing bracket that matches nothing.
struct Unbalanced;

enum Ending {
    Clean,
    OpenDelimiters(usize),
    InsideLiteral,
    TrailingOperator,
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    stack: Vec<char>,
    /// The last significant token, if it was an operator.
    trailing_operator: bool,
    source: &'a str,
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str) -> Self {
        Lexer {
            chars: source.chars().collect(),
            pos: 0,
            stack: Vec::new(),
            trailing_operator: false,
            source,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn at_line_start(&self) -> bool {
        self.chars[..self.pos]
            .iter()
            .rev()
            .take_while(|c| **c != '\n')
            .all(|c| c.is_whitespace())
    }

    fn run(&mut self) -> Result<Ending, Unbalanced> {
        let _ = self.source;
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.pos += 1;
                continue;
            }
            if c == ':'
                && self.peek(1) != Some(':')
                && self.at_line_start()
                && self.stack.is_empty()
            {
                self.skip_line(); // an evcxr command such as `:dep rand = "0.8"`
                continue;
            }
            let literal_closed = match c {
                '/' if self.peek(1) == Some('/') => {
                    self.skip_line();
                    continue;
                }
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => self.string(1),
                'r' | 'b' | 'c' if self.starts_prefixed_string() => self.prefixed_string(),
                '\'' => self.char_or_lifetime(),
                '(' | '[' | '{' => {
                    self.stack.push(c);
                    self.pos += 1;
                    self.trailing_operator = false;
                    true
                }
                ')' | ']' | '}' => {
                    let opener = match c {
                        ')' => '(',
                        ']' => '[',
                        _ => '{',
                    };
                    if self.stack.pop() != Some(opener) {
                        return Err(Unbalanced);
                    }
                    self.pos += 1;
                    self.trailing_operator = false;
                    true
                }
                c if c.is_alphanumeric() || c == '_' => {
                    let word = self.word();
                    self.trailing_operator = word == "as";
                    true
                }
                _ => {
                    self.punctuation();
                    true
                }
            };
            if !literal_closed {
                return Ok(Ending::InsideLiteral);
            }
        }
        Ok(if !self.stack.is_empty() {
            Ending::OpenDelimiters(self.stack.len())
        } else if self.trailing_operator {
            Ending::TrailingOperator
        } else {
            Ending::Clean
        })
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == '\n' {
                break;
            }
        }
    }

    /// Nested `/* ... */`; returns whether it was closed.
    fn block_comment(&mut self) -> bool {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            if c == '/' && self.peek(1) == Some('*') {
                depth += 1;
                self.pos += 2;
            } else if c == '*' && self.peek(1) == Some('/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return true;
                }
            } else {
                self.pos += 1;
            }
        }
        false
    }

    /// A `"..."` string starting `skip` chars from here; returns whether it was closed.
    fn string(&mut self, skip: usize) -> bool {
        self.pos += skip;
        self.trailing_operator = false;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => self.pos += 1,
                '"' => return true,
                _ => {}
            }
        }
        false
    }

    fn starts_prefixed_string(&self) -> bool {
        // b"..", c"..", r"..", r#"..", br"..", br#"..", cr#"..": a string, not an identifier.
        let mut i = 0;
        while matches!(self.peek(i), Some('b' | 'c' | 'r')) && i < 2 {
            i += 1;
        }
        while self.peek(i) == Some('#') {
            i += 1;
        }
        self.peek(i) == Some('"') && !self.previous_is_identifier_char()
    }

    fn previous_is_identifier_char(&self) -> bool {
        self.pos > 0 && {
            let c = self.chars[self.pos - 1];
            c.is_alphanumeric() || c == '_'
        }
    }

    fn prefixed_string(&mut self) -> bool {
        let mut raw = false;
        while let Some(c @ ('b' | 'c' | 'r')) = self.peek(0) {
            raw |= c == 'r';
            self.pos += 1;
        }
        if !raw {
            return self.string(0);
        }
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1; // the opening quote
        self.trailing_operator = false;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                self.pos += hashes;
                return true;
            }
        }
        false
    }

    /// `'a'`, `'\n'`, `'\u{1F600}'` are chars; `'a` and `'static` are lifetimes or labels.
    fn char_or_lifetime(&mut self) -> bool {
        self.trailing_operator = false;
        match (self.peek(1), self.peek(2)) {
            (Some('\\'), _) => {
                self.pos += 2;
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    if c == '\'' {
                        return true;
                    }
                    if c == '\n' {
                        return false;
                    }
                }
                false
            }
            (Some(_), Some('\'')) => {
                self.pos += 3;
                true
            }
            (Some(c), _) if c.is_alphanumeric() || c == '_' => {
                self.pos += 1;
                self.word();
                true
            }
            (None, _) => false,
            _ => {
                self.pos += 1;
                true
            }
        }
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while matches!(self.peek(0), Some(c) if c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn punctuation(&mut self) {
        let c = self.chars[self.pos];
        let before_is_space = self.pos > 0 && self.chars[self.pos - 1].is_whitespace();
        let mut token = String::from(c);
        while let Some(next) = self.peek(token.chars().count()) {
            if is_operator_char(next) && token.len() < 3 {
                token.push(next);
            } else {
                break;
            }
        }
        self.pos += token.chars().count();
        self.trailing_operator = match token.as_str() {
            ";" | "?" | "," | "#" => false,
            // `Vec<Vec<u8>>` closes generics; only a spaced `>` is a comparison.
            ">" | ">>" => before_is_space,
            // `use std::collections::*` is a finished glob import.
            "*" => !self.preceded_by_path_separator(),
            _ => true,
        };
    }

    fn preceded_by_path_separator(&self) -> bool {
        let before: String = self.chars[..self.pos - 1].iter().rev().take(2).collect();
        before == "::"
    }
}

fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '=' | '<' | '>' | '!' | '&' | '|' | '+' | '-' | '*' | '/' | '%' | '^' | '.' | ':'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: &str) -> &'static str {
        match classify(code) {
            Completeness::Complete => "complete",
            Completeness::Incomplete { .. } => "incomplete",
            Completeness::Invalid => "invalid",
            Completeness::Unknown => "unknown",
        }
    }

    #[test]
    fn complete_samples() {
        for code in [
            "",
            "1 + 1",
            "let x = 5;",
            "fn f() -> i32 { 1 }",
            "println!(\"{}\", \"(\");",
            "let s = r#\"a \" } b\"#;",
            "let c = '{';",
            "fn f<'a>(x: &'a str) -> &'a str { x }",
            "'outer: loop { break 'outer; }",
            "use std::collections::*;",
            "let v: Vec<Vec<u8>> = vec![]",
            "x?",
            "/* a /* nested */ comment */ 1",
            ":dep rand = \"0.8\"\nlet x = 1;",
            "let b = b'x';",
            "let e = '\\u{1F600}';",
            "let bs = br\"raw bytes\";",
        ] {
            assert_eq!(status(code), "complete", "{code:?}");
        }
    }

    #[test]
    fn incomplete_samples() {
        for code in [
            "fn f() {",
            "let v = vec![1, 2,",
            "let s = \"unterminated",
            "let r = r#\"still going \"",
            "/* open comment",
            "let x = 1 +",
            "let y =",
            "foo.",
            "x as",
            "if a &&",
            "a >",
            "let c = '\\n",
        ] {
            assert_eq!(status(code), "incomplete", "{code:?}");
        }
    }

    #[test]
    fn invalid_samples() {
        for code in ["}", "let x = (1, 2];", "fn f() { ) }", "vec![1, 2)]"] {
            assert_eq!(status(code), "invalid", "{code:?}");
        }
    }

    #[test]
    fn indent_follows_depth_and_last_line() {
        assert_eq!(
            classify("fn f() {\n    if x {"),
            Completeness::Incomplete {
                indent: "        ".into()
            }
        );
        assert_eq!(
            classify("    let x = 1 +"),
            Completeness::Incomplete {
                indent: "        ".into()
            }
        );
    }
}
