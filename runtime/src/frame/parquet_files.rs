//! Parquet files: reading the files a glob pattern names into partitions, one per row
//! group, and writing a dataframe as one file per partition.
//!
//! The footers (schema, row groups) are read when the dataframe is built, so a file that
//! is not Parquet, or whose columns differ from the others', fails at once, and the
//! operations built on the dataframe are checked against the schema; each task then reads
//! its row group with the footer it was given, not parsing it again.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::dataframe::{DataFrame, batch};
use super::error::FrameError;
use crate::bag::files::matching_files;
use crate::tasks::{AnyDelayed, Compute, Value};

/// Rows per batch while a row group is decoded (the batches are then joined).
const BATCH_ROWS: usize = 64 * 1024;

/// `error` prefixed by the file it happened in.
fn in_file(path: &Path, error: impl std::fmt::Display) -> String {
    format!("{}: {error}", path.display())
}

/// The columns of `schema` (names and types), every one nullable and without the writer's
/// metadata (pandas', arrow's), so that files written by different tools, or with and
/// without nulls, read as one dataframe.
fn columns_of(schema: &Schema) -> SchemaRef {
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_nullable(true)
                .with_metadata(arrow_schema::Metadata::default())
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// One file's footer.
fn footer(path: &Path) -> Result<ArrowReaderMetadata, FrameError> {
    let file = File::open(path).map_err(|e| FrameError::Arrow(in_file(path, e)))?;
    ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| FrameError::Arrow(in_file(path, e)))
}

/// The row groups `groups` of the file at `path`, as one batch of `schema`.
fn read_row_groups(
    path: &Path,
    footer: &ArrowReaderMetadata,
    groups: Vec<usize>,
    schema: &SchemaRef,
) -> Result<RecordBatch, String> {
    let file = File::open(path).map_err(|e| in_file(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, footer.clone())
        .with_row_groups(groups)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| in_file(path, e))?;
    let batches: Vec<RecordBatch> = reader
        .collect::<Result<_, _>>()
        .map_err(|e| in_file(path, e))?;
    arrow_select::concat::concat_batches(schema, &batches).map_err(|e| in_file(path, e))
}

/// Writes `batch` to `path` (snappy-compressed, as pyarrow and Dask write by default),
/// through a temporary file renamed into place, so a failed write leaves no half file for
/// a later `read_parquet` to trip over.
fn write_file(path: &Path, batch: &RecordBatch) -> Result<(), String> {
    let partial = path.with_extension("parquet.partial");
    let write = || -> Result<(), String> {
        let file = File::create(&partial).map_err(|e| in_file(&partial, e))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties))
            .map_err(|e| in_file(path, e))?;
        writer.write(batch).map_err(|e| in_file(path, e))?;
        writer.close().map_err(|e| in_file(path, e))?;
        std::fs::rename(&partial, path).map_err(|e| in_file(path, e))
    };
    write().inspect_err(|_| {
        // Best effort: the error that matters is the one returned.
        let _ = std::fs::remove_file(&partial);
    })
}

impl DataFrame {
    /// The Parquet files matching `pattern`, one partition per row group (a file without
    /// row groups is one empty partition). Every file must have the same columns.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int64Array, RecordBatch, StringArray};
    /// use rhpc::frame::DataFrame;
    ///
    /// let dir = std::env::temp_dir().join(format!("rhpc-doc-parquet-{}", std::process::id()));
    /// let day = RecordBatch::try_from_iter([
    ///     ("name", Arc::new(StringArray::from(vec!["alice", "bob"])) as _),
    ///     ("amount", Arc::new(Int64Array::from(vec![10, 20])) as _),
    /// ])?;
    /// DataFrame::from_batches(vec![day.clone(), day])?.to_parquet(&dir)?;
    ///
    /// let df = DataFrame::read_parquet(&format!("{}/*.parquet", dir.display()))?;
    /// assert_eq!(df.npartitions(), 2);
    /// assert_eq!(df.columns(), vec!["name", "amount"]);
    /// assert_eq!(df.groupby(&["name"])?.sum("amount")?.compute()?.num_rows(), 2);
    /// assert!(DataFrame::read_parquet(&format!("{}/*.nothing", dir.display())).is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_parquet(pattern: &str) -> Result<DataFrame, FrameError> {
        let files = matching_files(pattern)?;
        let footers = files
            .iter()
            .map(|path| footer(path))
            .collect::<Result<Vec<_>, _>>()?;
        let schema = columns_of(footers[0].schema());
        let mut partitions = Vec::new();
        for (path, footer) in files.into_iter().zip(footers) {
            let columns = columns_of(footer.schema());
            if columns != schema {
                return Err(FrameError::Arrow(in_file(
                    &path,
                    format!("its columns {columns} differ from the first file's {schema}"),
                )));
            }
            let row_groups = footer.metadata().num_row_groups();
            let pieces: Vec<Vec<usize>> = if row_groups == 0 {
                vec![Vec::new()]
            } else {
                (0..row_groups).map(|g| vec![g]).collect()
            };
            let (path, footer) = (Arc::new(path), Arc::new(footer));
            for groups in pieces {
                let (path, footer, schema) = (path.clone(), footer.clone(), schema.clone());
                partitions.push(AnyDelayed::task("read_parquet", Vec::new(), move |_| {
                    let batch = read_row_groups(&path, &footer, groups.clone(), &schema)?;
                    Ok(Arc::new(batch) as Value)
                }));
            }
        }
        DataFrame::from_parts(schema, partitions, "read_parquet")
    }

    /// Computes the dataframe and writes each partition to `dir` as
    /// `part.{i}.parquet` (numbered from 0, zero-padded so the files sort in partition
    /// order), creating `dir` if needed; returns the files' paths.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Float64Array, RecordBatch};
    /// use rhpc::frame::{DataFrame, col};
    ///
    /// let dir = std::env::temp_dir().join(format!("rhpc-doc-to-parquet-{}", std::process::id()));
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(vec![1.0, 2.0])) as _)])?;
    /// let df = DataFrame::from_batches(vec![b; 12])?.with_column("y", col("x") * 2.0)?;
    /// let files = df.to_parquet(&dir)?;
    /// assert_eq!(files.len(), 12);
    /// assert!(files[0].ends_with("part.00.parquet"));
    /// let back = DataFrame::read_parquet(&format!("{}/*.parquet", dir.display()))?;
    /// // The same values; every column reads back nullable (files from other writers may have nulls).
    /// assert_eq!(back.compute()?.columns(), df.compute()?.columns());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_parquet(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, FrameError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| FrameError::Arrow(in_file(dir, e)))?;
        let width = self.npartitions().saturating_sub(1).to_string().len();
        let writes: Vec<_> = self
            .to_delayed()
            .into_iter()
            .enumerate()
            .map(|(i, partition)| {
                let path = dir.join(format!("part.{i:0width$}.parquet"));
                AnyDelayed::task("to_parquet", vec![partition], move |inputs| {
                    write_file(&path, batch(&inputs[0])?)?;
                    Ok(Arc::new(path.clone()) as Value)
                })
                .typed::<PathBuf>()
            })
            .collect();
        Ok(Compute::default().run(&writes)?)
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{Int32Array, StringArray};

    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rhpc-parquet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn numbers(values: Vec<i32>) -> RecordBatch {
        RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(values)) as _)]).unwrap()
    }

    #[test]
    fn a_partition_per_row_group() {
        let dir = temp_dir("row-groups");
        let path = dir.join("many.parquet");
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(4))
            .build();
        let file = File::create(&path).unwrap();
        let batch = numbers((0..10).collect());
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        let df = DataFrame::read_parquet(path.to_str().unwrap()).unwrap();
        assert_eq!(df.npartitions(), 3);
        assert_eq!(df.compute().unwrap().num_rows(), 10);
        assert_eq!(df.head(5).unwrap().num_rows(), 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_that_are_not_parquet_or_disagree_fail_when_built() {
        let dir = temp_dir("bad");
        DataFrame::from_batches(vec![numbers(vec![1])])
            .unwrap()
            .to_parquet(dir.join("ints"))
            .unwrap();
        let text = RecordBatch::try_from_iter([("x", Arc::new(StringArray::from(vec!["a"])) as _)])
            .unwrap();
        DataFrame::from_batches(vec![text])
            .unwrap()
            .to_parquet(dir.join("text"))
            .unwrap();
        let mixed = DataFrame::read_parquet(&format!("{}/*/*.parquet", dir.display()));
        assert!(matches!(mixed, Err(FrameError::Arrow(m)) if m.contains("differ")));

        std::fs::write(dir.join("ints").join("part.1.parquet"), "not parquet").unwrap();
        let broken = DataFrame::read_parquet(&format!("{}/ints/*.parquet", dir.display()));
        assert!(matches!(broken, Err(FrameError::Arrow(m)) if m.contains("part.1.parquet")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = temp_dir("failed-write");
        let blocked = dir.join("blocked");
        std::fs::write(&blocked, "a file where the folder should be").unwrap();
        let df = DataFrame::from_batches(vec![numbers(vec![1, 2])]).unwrap();
        assert!(df.to_parquet(&blocked).is_err());
        assert!(write_file(&dir.join("missing").join("x.parquet"), &numbers(vec![1])).is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
