//! Cursor positions: the protocol counts Unicode code points, Rust strings count bytes.
//!
//! Since protocol 5.2 `cursor_pos`, `cursor_start` and `cursor_end` are offsets in code
//! points. A cell with `é` or `→` before the cursor would otherwise complete the wrong word.

/// Byte offset of the `chars`-th code point of `text`, clamped to the end of `text`.
pub fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(byte, _)| byte)
}

/// Number of code points before byte offset `byte` (rounded down to a char boundary).
pub fn byte_to_char(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    text[..byte].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_offsets_are_identical() {
        assert_eq!(char_to_byte("abc", 2), 2);
        assert_eq!(byte_to_char("abc", 2), 2);
    }

    #[test]
    fn multibyte_characters_count_once() {
        let text = "let é = \"→\"; é";
        let cursor_chars = text.chars().count();
        assert_eq!(char_to_byte(text, cursor_chars), text.len());
        assert_eq!(byte_to_char(text, text.len()), cursor_chars);
        // `é` is two bytes: the space after it is char 6 but byte 7.
        assert_eq!(char_to_byte(text, 5), 6);
        assert_eq!(byte_to_char(text, 6), 5);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        assert_eq!(char_to_byte("ab", 10), 2);
        assert_eq!(byte_to_char("ab", 10), 2);
        // Inside a multibyte char: round down.
        assert_eq!(byte_to_char("é", 1), 0);
    }
}
