//! Reading CSV files named by a glob pattern, one partition per file. The schema is
//! inferred from the first file's first rows when the dataframe is built (so operations
//! can be checked before anything runs); the files are read when computed.

use std::fs::File;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_csv::ReaderBuilder;
use arrow_csv::reader::Format;

use super::dataframe::DataFrame;
use super::error::FrameError;
use crate::bag::files::matching_files;
use crate::tasks::{AnyDelayed, Value};

/// Rows read to infer the column types.
const INFER_ROWS: usize = 1000;

impl DataFrame {
    /// The CSV files matching `pattern` (with a header row), one partition per file.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("rhpc-doc-csv-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("1.csv"), "name,x\na,1.5\nb,2\n")?;
    /// std::fs::write(dir.join("2.csv"), "name,x\na,3\n")?;
    /// let df = rhpc::frame::DataFrame::read_csv(&format!("{}/*.csv", dir.display()))?;
    /// assert_eq!(df.npartitions(), 2);
    /// assert_eq!(df.columns(), vec!["name", "x"]);
    /// assert_eq!(df.compute()?.num_rows(), 3);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_csv(pattern: &str) -> Result<DataFrame, FrameError> {
        let files = matching_files(pattern)?;
        let first = &files[0];
        let open = |path: &std::path::Path| {
            File::open(path).map_err(|e| FrameError::Arrow(format!("{}: {e}", path.display())))
        };
        let (schema, _) = Format::default()
            .with_header(true)
            .infer_schema(open(first)?, Some(INFER_ROWS))?;
        let schema = Arc::new(schema);
        let partitions = files
            .into_iter()
            .map(|path| {
                let schema = schema.clone();
                AnyDelayed::task("read_csv", Vec::new(), move |_| {
                    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
                    let file = File::open(&path).map_err(|e| fail(&e))?;
                    let reader = ReaderBuilder::new(schema.clone())
                        .with_header(true)
                        .with_batch_size(64 * 1024)
                        .build(file)
                        .map_err(|e| fail(&e))?;
                    let batches: Vec<RecordBatch> =
                        reader.collect::<Result<_, _>>().map_err(|e| fail(&e))?;
                    let batch = arrow_select::concat::concat_batches(&schema, &batches)
                        .map_err(|e| fail(&e))?;
                    Ok(Arc::new(batch) as Value)
                })
            })
            .collect();
        DataFrame::from_parts(schema, partitions, "read_csv")
    }
}
