//! How dataframes show themselves: a lazy [`DataFrame`] as Dask's structure table (columns,
//! types, partitions, tasks), a computed `RecordBatch` as an HTML table of its first rows.

use std::fmt;

use arrow_array::RecordBatch;
use arrow_cast::display::{ArrayFormatter, FormatOptions};

use super::dataframe::DataFrame;
use crate::display::{MimeBundle, Render, escape_html};

/// Rows shown of a computed table (the first ones).
const SHOWN_ROWS: usize = 20;

impl fmt::Display for DataFrame {
    /// `DataFrame<read_csv, npartitions=4, columns=[name, x]>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DataFrame<{}, npartitions={}, columns=[{}]>",
            self.parts.name(),
            self.npartitions(),
            self.columns().join(", ")
        )
    }
}

impl fmt::Debug for DataFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Render for DataFrame {
    /// The structure, as Dask shows a dataframe: one column per column with its type,
    /// the partition count, and the number of tasks.
    fn render(&self) -> MimeBundle {
        let mut head = String::from("<th></th>");
        let mut types = format!("<th>npartitions={}</th>", self.npartitions());
        for field in self.schema.fields() {
            head.push_str(&format!("<th>{}</th>", escape_html(field.name())));
            types.push_str(&format!(
                "<td>{}</td>",
                escape_html(&field.data_type().to_string())
            ));
        }
        let html = format!(
            "<div><strong>DataFrame structure</strong></div>\
             <table><thead><tr>{head}</tr></thead><tbody><tr>{types}</tr></tbody></table>\
             <div>{}: {} partitions, {} tasks</div>",
            escape_html(self.parts.name()),
            self.npartitions(),
            self.graph().len()
        );
        MimeBundle::text(self.to_string()).with("text/html", html)
    }
}

/// The cells of `batch`'s first `rows` rows, as text.
fn cells(batch: &RecordBatch, rows: usize) -> Vec<Vec<String>> {
    let options = FormatOptions::default().with_null("null");
    let formatters: Vec<Option<ArrayFormatter<'_>>> = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
        .collect();
    (0..rows)
        .map(|r| {
            formatters
                .iter()
                .map(|f| f.as_ref().map_or("?".into(), |f| f.value(r).to_string()))
                .collect()
        })
        .collect()
}

impl Render for RecordBatch {
    /// The first rows as an HTML table, with the table's size.
    fn render(&self) -> MimeBundle {
        let rows = self.num_rows().min(SHOWN_ROWS);
        let schema = self.schema();
        let mut html = String::from("<table><thead><tr>");
        let mut text = String::new();
        for field in schema.fields() {
            html.push_str(&format!("<th>{}</th>", escape_html(field.name())));
            text.push_str(&format!("{}\t", field.name()));
        }
        html.push_str("</tr></thead><tbody>");
        text.push('\n');
        for row in cells(self, rows) {
            html.push_str("<tr>");
            for cell in &row {
                html.push_str(&format!("<td>{}</td>", escape_html(cell)));
            }
            html.push_str("</tr>");
            text.push_str(&row.join("\t"));
            text.push('\n');
        }
        let size = format!("{} rows × {} columns", self.num_rows(), self.num_columns());
        html.push_str(&format!("</tbody></table><div>{size}</div>"));
        text.push_str(&size);
        MimeBundle::text(text).with("text/html", html)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};

    use super::*;

    #[test]
    fn tables_show_rows_and_structure() {
        let batch = RecordBatch::try_from_iter([
            ("k", Arc::new(StringArray::from(vec!["<a>", "b"])) as _),
            ("v", Arc::new(Int64Array::from(vec![Some(1), None])) as _),
        ])
        .unwrap();
        let bundle = batch.render();
        let html = bundle.get("text/html").and_then(|v| v.as_str()).unwrap();
        assert!(html.contains("&lt;a&gt;") && html.contains("null"));
        assert!(html.contains("2 rows × 2 columns"));
        let df = DataFrame::from_batches(vec![batch.clone(), batch]).unwrap();
        let html = df
            .render()
            .get("text/html")
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string();
        assert!(html.contains("npartitions=2") && html.contains("Int64"));
    }
}
