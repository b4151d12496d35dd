//! [`Table`]: a table from plain Rust data, shown as HTML in the notebook, as aligned text in a
//! terminal, and as Markdown for a README.

use std::fmt::Write;

use super::bundle::MimeBundle;
use super::html::escape_html;
use super::render::Render;

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left (text).
    Left,
    /// Right (numbers).
    Right,
}

/// A table of text cells with a header row; the first column is left-aligned, the others
/// right-aligned (they usually hold numbers) unless [`align`](Table::align) says otherwise.
///
/// ```
/// use rhpc::display::{Render, Table};
///
/// let mut table = Table::new(["n", "time"]).caption("matrix multiply");
/// table.push_row(["64", "0.04 ms"]);
/// table.push_row(["128", "0.33 ms"]);
/// assert!(table.render().get("text/html").unwrap().as_str().unwrap().contains("<td style=\"text-align:right\">0.33 ms</td>"));
/// assert_eq!(table.to_markdown(), "| n | time |\n|---|---:|\n| 64 | 0.04 ms |\n| 128 | 0.33 ms |\n");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    caption: Option<String>,
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings and no rows.
    ///
    /// ```
    /// let table = rhpc::display::Table::new(["a", "b"]);
    /// assert_eq!(table.columns(), 2);
    /// ```
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let align = (0..header.len())
            .map(|i| if i == 0 { Align::Left } else { Align::Right })
            .collect();
        Table {
            header,
            align,
            ..Table::default()
        }
    }

    /// Sets the caption shown above the table.
    ///
    /// ```
    /// let table = rhpc::display::Table::new(["a"]).caption("results");
    /// assert!(table.to_text().starts_with("results\n"));
    /// ```
    pub fn caption(mut self, caption: impl Into<String>) -> Table {
        self.caption = Some(caption.into());
        self
    }

    /// Sets one column's alignment (columns past the header are ignored).
    ///
    /// ```
    /// use rhpc::display::{Align, Table};
    /// let table = Table::new(["a", "b"]).align(1, Align::Left);
    /// assert!(table.to_markdown().contains("|---|---|"));
    /// ```
    pub fn align(mut self, column: usize, align: Align) -> Table {
        if let Some(slot) = self.align.get_mut(column) {
            *slot = align;
        }
        self
    }

    /// Adds a row; missing cells show empty, extra cells are dropped.
    ///
    /// ```
    /// let mut table = rhpc::display::Table::new(["a", "b"]);
    /// table.push_row(["1"]);
    /// assert_eq!(table.rows()[0], ["1", ""]);
    /// ```
    pub fn push_row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells
            .into_iter()
            .map(Into::into)
            .take(self.header.len())
            .collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// Adds a row, builder style.
    ///
    /// ```
    /// let table = rhpc::display::Table::new(["x"]).row(["1"]).row(["2"]);
    /// assert_eq!(table.rows().len(), 2);
    /// ```
    pub fn row<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Table {
        self.push_row(cells);
        self
    }

    /// The number of columns.
    ///
    /// ```
    /// assert_eq!(rhpc::display::Table::new(["a", "b", "c"]).columns(), 3);
    /// ```
    pub fn columns(&self) -> usize {
        self.header.len()
    }

    /// The rows added so far.
    ///
    /// ```
    /// assert!(rhpc::display::Table::new(["a"]).rows().is_empty());
    /// ```
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Aligned plain text, columns separated by two spaces.
    ///
    /// ```
    /// let table = rhpc::display::Table::new(["n", "time"]).row(["64", "1 ms"]);
    /// assert_eq!(table.to_text(), "n   time\n--  ----\n64  1 ms");
    /// ```
    pub fn to_text(&self) -> String {
        let widths: Vec<usize> = (0..self.columns())
            .map(|c| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|row| row[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .zip(&self.align)
                .map(|((cell, &width), align)| match align {
                    Align::Left => format!("{cell:<width$}"),
                    Align::Right => format!("{cell:>width$}"),
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let mut lines: Vec<String> = self.caption.iter().cloned().collect();
        lines.push(line(&self.header));
        lines.push(rule.join("  ").trim_end().to_owned());
        lines.extend(self.rows.iter().map(|row| line(row)));
        lines.join("\n")
    }

    /// GitHub-flavoured Markdown (`|` in cells escaped).
    ///
    /// ```
    /// let table = rhpc::display::Table::new(["a|b"]).row(["1"]);
    /// assert!(table.to_markdown().starts_with("| a\\|b |"));
    /// ```
    pub fn to_markdown(&self) -> String {
        let line = |cells: &[String]| {
            let escaped: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
            format!("| {} |\n", escaped.join(" | "))
        };
        let mut out = line(&self.header);
        let rule: Vec<&str> = self
            .align
            .iter()
            .map(|a| match a {
                Align::Left => "---",
                Align::Right => "---:",
            })
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    /// An HTML `<table>`, styled by the notebook's own table CSS (so it follows the theme).
    ///
    /// ```
    /// let html = rhpc::display::Table::new(["<x>"]).to_html();
    /// assert!(html.contains("<th style=\"text-align:left\">&lt;x&gt;</th>"));
    /// ```
    pub fn to_html(&self) -> String {
        let mut html = String::from("<table class=\"rhpc-table\">");
        if let Some(caption) = &self.caption {
            let _ = write!(
                html,
                "<caption style=\"caption-side:top;text-align:left;font-weight:600\">{}</caption>",
                escape_html(caption)
            );
        }
        let cells = |tag: &str, row: &[String]| {
            let mut out = String::from("<tr>");
            for (cell, align) in row.iter().zip(&self.align) {
                let side = match align {
                    Align::Left => "left",
                    Align::Right => "right",
                };
                let _ = write!(
                    out,
                    "<{tag} style=\"text-align:{side}\">{}</{tag}>",
                    escape_html(cell)
                );
            }
            out.push_str("</tr>");
            out
        };
        let _ = write!(html, "<thead>{}</thead><tbody>", cells("th", &self.header));
        for row in &self.rows {
            html.push_str(&cells("td", row));
        }
        html.push_str("</tbody></table>");
        html
    }
}

impl Render for Table {
    fn render(&self) -> MimeBundle {
        MimeBundle::text(self.to_text()).with("text/html", self.to_html())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_line_up_with_wide_characters() {
        let table = Table::new(["impl", "speed-up"])
            .row(["µs-scale", "431x"])
            .row(["numpy", "2192x"]);
        let text = table.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "µs-scale      431x");
        assert_eq!(lines[3], "numpy        2192x");
    }

    #[test]
    fn html_is_escaped_and_well_formed() {
        let table = Table::new(["a"]).caption("x & y").row(["<b>"]);
        let html = table.to_html();
        assert!(html.contains("x &amp; y") && html.contains("&lt;b&gt;"));
        assert!(roxmltree::Document::parse(&html).is_ok());
    }
}
