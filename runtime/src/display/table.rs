//! [`Table`]: rows of text shown as an HTML table in the notebook and aligned columns elsewhere.
//!
//! Reports (device lists, cache statistics, transfer summaries) are small tables of already
//! formatted cells; this type keeps their layout in one place.

use super::bundle::MimeBundle;
use super::html::escape_html;
use super::render::Render;

/// A table of text cells with a header row and an optional caption.
///
/// Columns whose cells all look numeric (`12`, `3.4 ms`, `17.3 GB/s`, `-`) are right-aligned.
///
/// ```
/// use rhpc::display::{Render, Table};
///
/// let mut table = Table::new(["device", "memory"]).with_caption("devices");
/// table.push_row(["host", "24.0 GiB"]);
/// let bundle = table.render();
/// assert!(bundle.plain_text().contains("24.0 GiB"));
/// assert!(bundle.get("text/html").unwrap().as_str().unwrap().contains("<table"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    caption: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Table {
        Table {
            caption: None,
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Sets the caption shown above the table.
    ///
    /// ```
    /// let table = rhpc::display::Table::new(["a"]).with_caption("results");
    /// assert!(rhpc::display::Render::render(&table).plain_text().starts_with("results"));
    /// ```
    pub fn with_caption(mut self, caption: impl Into<String>) -> Table {
        self.caption = Some(caption.into());
        self
    }

    /// Appends a row; missing cells are left empty, extra cells are kept.
    ///
    /// ```
    /// let mut table = rhpc::display::Table::new(["a", "b"]);
    /// table.push_row(["1"]);
    /// assert_eq!(table.rows()[0], vec!["1".to_string()]);
    /// ```
    pub fn push_row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The rows added so far.
    ///
    /// ```
    /// assert!(rhpc::display::Table::new(["a"]).rows().is_empty());
    /// ```
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    fn columns(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain([self.headers.len()])
            .max()
            .unwrap_or(0)
    }

    fn cell(row: &[String], column: usize) -> &str {
        row.get(column).map_or("", String::as_str)
    }

    /// Whether every non-empty cell of `column` starts like a number.
    fn is_numeric(&self, column: usize) -> bool {
        self.rows.iter().all(|row| {
            let cell = Self::cell(row, column).trim();
            cell.is_empty()
                || cell == "-"
                || cell
                    .trim_start_matches(['-', '+', '×', 'x'])
                    .starts_with(|c: char| c.is_ascii_digit())
        })
    }

    fn plain(&self) -> String {
        let columns = self.columns();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|row| Self::cell(row, c).chars().count())
                    .chain([Self::cell(&self.headers, c).chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric: Vec<bool> = (0..columns).map(|c| self.is_numeric(c)).collect();
        let line = |row: &[String]| {
            let cells: Vec<String> = (0..columns)
                .map(|c| {
                    let text = Self::cell(row, c);
                    let pad = widths[c].saturating_sub(text.chars().count());
                    if numeric[c] {
                        format!("{}{text}", " ".repeat(pad))
                    } else {
                        format!("{text}{}", " ".repeat(pad))
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned()
        };
        let mut out = String::new();
        if let Some(caption) = &self.caption {
            out.push_str(caption);
            out.push('\n');
        }
        out.push_str(&line(&self.headers));
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&rule.join("  "));
        for row in &self.rows {
            out.push('\n');
            out.push_str(&line(row));
        }
        out
    }

    fn html(&self) -> String {
        let columns = self.columns();
        let numeric: Vec<bool> = (0..columns).map(|c| self.is_numeric(c)).collect();
        let mut out = String::from("<table class=\"rhpc-table\">");
        if let Some(caption) = &self.caption {
            out.push_str(&format!(
                "<caption style=\"text-align:left;font-weight:bold\">{}</caption>",
                escape_html(caption)
            ));
        }
        let row_html = |row: &[String], tag: &str| {
            let mut html = String::from("<tr>");
            for (c, numeric) in numeric.iter().enumerate() {
                let align = if *numeric { "right" } else { "left" };
                html.push_str(&format!(
                    "<{tag} style=\"text-align:{align}\">{}</{tag}>",
                    escape_html(Self::cell(row, c))
                ));
            }
            html.push_str("</tr>");
            html
        };
        out.push_str("<thead>");
        out.push_str(&row_html(&self.headers, "th"));
        out.push_str("</thead><tbody>");
        for row in &self.rows {
            out.push_str(&row_html(row, "td"));
        }
        out.push_str("</tbody></table>");
        out
    }
}

impl Render for Table {
    fn render(&self) -> MimeBundle {
        MimeBundle::text(self.plain()).with("text/html", self.html())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_columns_align_right_and_text_left() {
        let mut table = Table::new(["name", "time"]);
        table.push_row(["a", "1.00 ms"]);
        table.push_row(["longer", "12.0 ms"]);
        let text = table.plain();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "name       time");
        assert_eq!(lines[2], "a       1.00 ms");
        assert_eq!(lines[3], "longer  12.0 ms");
    }

    #[test]
    fn html_is_escaped() {
        let mut table = Table::new(["<x>"]);
        table.push_row(["a & b"]);
        let html = table.html();
        assert!(html.contains("&lt;x&gt;") && html.contains("a &amp; b"));
    }
}
