//! How dataframes show themselves: a lazy [`DataFrame`] as Dask's structure table (columns,
//! types, partitions, tasks), a computed `RecordBatch` as an HTML table of its first rows.

use std::fmt;

use arrow_array::RecordBatch;
use arrow_cast::display::{ArrayFormatter, FormatOptions};

use super::dataframe::DataFrame;
use crate::display::{Align, MimeBundle, Render, Table};

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
        let mut header = vec![String::new()];
        header.extend(self.columns());
        let mut types = vec![format!("npartitions={}", self.npartitions())];
        types.extend(
            self.schema
                .fields()
                .iter()
                .map(|f| f.data_type().to_string()),
        );
        let table = Table::new(header)
            .caption(format!(
                "DataFrame structure ({}: {} partitions, {} tasks)",
                self.parts.name(),
                self.npartitions(),
                self.graph().len()
            ))
            .row(types);
        table.render().with("text/plain", self.to_string())
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
    /// The first rows as a table (numbers right-aligned), with the table's size.
    fn render(&self) -> MimeBundle {
        let schema = self.schema();
        let mut table = Table::new(schema.fields().iter().map(|f| f.name().clone())).caption(
            format!("{} rows × {} columns", self.num_rows(), self.num_columns()),
        );
        for (i, field) in schema.fields().iter().enumerate() {
            let number = field.data_type().is_numeric();
            table = table.align(i, if number { Align::Right } else { Align::Left });
        }
        for row in cells(self, self.num_rows().min(SHOWN_ROWS)) {
            table.push_row(row);
        }
        table.render()
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
