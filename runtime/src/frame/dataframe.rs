//! [`DataFrame`]: a table cut into partitions, each an arrow `RecordBatch` made by a task,
//! with the schema known up front (Dask's `meta`).

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, SchemaRef};

use super::error::FrameError;
use crate::partitions::Partitions;
use crate::tasks::{AnyDelayed, Compute, Delayed, Graph, Outputs, Scheduler, TaskError, Value};
use crate::tree::{downcast, fresh_name};

/// The fan-in of group-by trees unless [`with_fan_in`](DataFrame::with_fan_in) says
/// otherwise.
pub const DEFAULT_FAN_IN: usize = crate::partitions::DEFAULT_FAN_IN;

/// A lazy table in partitions along its rows, each partition an arrow [`RecordBatch`]
/// ("one Dask DataFrame is comprised of many in-memory pandas DataFrames separated along
/// the index"). Operations build tasks; [`compute`](DataFrame::compute) gives one
/// `RecordBatch`.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Float64Array, RecordBatch, StringArray};
/// use rhpc::frame::{DataFrame, col};
///
/// let part = |names: Vec<&str>, values: Vec<f64>| RecordBatch::try_from_iter([
///     ("name", Arc::new(StringArray::from(names)) as _),
///     ("value", Arc::new(Float64Array::from(values)) as _),
/// ]);
/// let df = DataFrame::from_batches(vec![
///     part(vec!["a", "b"], vec![1.0, 2.0])?,
///     part(vec!["a", "c"], vec![3.0, 4.0])?,
/// ])?;
/// let big = df.filter(col("value").gt(1.5))?;
/// assert_eq!(big.compute()?.num_rows(), 3);
/// let means = df.groupby(&["name"])?.mean("value")?.compute()?;
/// assert_eq!(means.num_rows(), 3);                      // a, b, c
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct DataFrame {
    pub(crate) schema: SchemaRef,
    pub(crate) parts: Partitions,
}

/// `column` cast to `to` (a no-op when it has that type) as the array type `A`.
pub(crate) fn cast_as<A: Array + Clone + 'static>(
    column: &ArrayRef,
    to: &DataType,
) -> Result<A, ArrowError> {
    let cast = arrow_cast::cast(column, to)?;
    cast.as_any().downcast_ref::<A>().cloned().ok_or_else(|| {
        ArrowError::CastError(format!(
            "cannot read a {} column as {to}",
            column.data_type()
        ))
    })
}

/// A partition's batch.
pub(crate) fn batch(value: &Value) -> Result<&RecordBatch, String> {
    value
        .downcast_ref::<RecordBatch>()
        .ok_or_else(|| "a partition is not a RecordBatch".to_string())
}

impl DataFrame {
    pub(crate) fn from_parts(
        schema: SchemaRef,
        partitions: Vec<AnyDelayed>,
        name: &'static str,
    ) -> Result<DataFrame, FrameError> {
        if partitions.is_empty() {
            return Err(FrameError::NoPartitions);
        }
        Ok(DataFrame {
            schema,
            parts: Partitions::new(partitions, name),
        })
    }

    /// The same settings, other partitions and schema.
    pub(crate) fn derive(
        &self,
        schema: SchemaRef,
        partitions: Vec<AnyDelayed>,
        name: &'static str,
    ) -> DataFrame {
        DataFrame {
            schema,
            parts: self.parts.derive(partitions, name),
        }
    }

    /// A dataframe of these batches, one partition each (they must share one schema).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b.clone(), b])?;
    /// assert_eq!(df.npartitions(), 2);
    /// assert!(rhpc::frame::DataFrame::from_batches(vec![]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_batches(batches: Vec<RecordBatch>) -> Result<DataFrame, FrameError> {
        let schema = batches.first().ok_or(FrameError::NoPartitions)?.schema();
        if let Some(other) = batches.iter().find(|b| b.schema() != schema) {
            return Err(FrameError::Arrow(format!(
                "partitions have different schemas: {schema} and {}",
                other.schema()
            )));
        }
        let base = fresh_name("from_batches");
        let partitions = batches
            .into_iter()
            .enumerate()
            .map(|(i, b)| AnyDelayed::value(format!("{base}{i:x}"), Arc::new(b)))
            .collect();
        DataFrame::from_parts(schema, partitions, "from_batches")
    }

    /// The columns' names and types (known without computing).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// assert_eq!(df.schema().field(0).name(), "x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The column names.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// assert_eq!(rhpc::frame::DataFrame::from_batches(vec![b])?.columns(), vec!["x"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The number of partitions.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// assert_eq!(rhpc::frame::DataFrame::from_batches(vec![b])?.npartitions(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn npartitions(&self) -> usize {
        self.parts.len()
    }

    /// The same dataframe with group-bys combining `fan_in` partial results per task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 4])?.with_fan_in(2)?;
    /// assert_eq!(df.len().graph().len(), 4 + 4 + 2 + 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_fan_in(&self, fan_in: usize) -> Result<DataFrame, FrameError> {
        let parts = self
            .parts
            .with_fan_in(fan_in)
            .ok_or(FrameError::BadFanIn(fan_in))?;
        Ok(DataFrame {
            schema: self.schema.clone(),
            parts,
        })
    }

    /// One task per partition, giving its `RecordBatch`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// assert_eq!(df.to_delayed()[0].typed::<RecordBatch>().compute()?.num_rows(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_delayed(&self) -> Vec<AnyDelayed> {
        self.parts.tasks().to_vec()
    }

    /// The task graph computing every partition.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 3])?;
    /// assert_eq!(df.graph().len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn graph(&self) -> Graph {
        self.parts.graph()
    }

    /// A picture of the task graph.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// assert!(df.visualize().to_svg().contains("from_batches"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn visualize(&self) -> crate::display::svg::SvgDoc {
        self.graph().visualize()
    }

    /// The number of rows, as a tree over the partitions.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1, 2])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 3])?;
    /// assert_eq!(df.len().compute()?, 6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::len_without_is_empty)] // the length is lazy: is_empty would compute it
    pub fn len(&self) -> Delayed<usize> {
        let sum = |values: &[Value]| -> Result<Value, String> {
            let mut total = 0usize;
            for v in values {
                total += downcast::<usize>(v)?;
            }
            Ok(Arc::new(total) as Value)
        };
        let rows = |v: &Value| Ok(Arc::new(batch(v)?.num_rows()) as Value);
        self.parts
            .aggregate("len", rows, Arc::new(sum), sum)
            .typed()
    }

    /// Every partition, concatenated into one batch (default scheduler).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1, 2])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 2])?;
    /// assert_eq!(df.compute()?.num_rows(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(&self) -> Result<RecordBatch, TaskError> {
        Compute::default().run(self)
    }

    /// Every partition, concatenated, computed with the given scheduler.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// use rhpc::tasks::Synchronous;
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 2])?;
    /// assert_eq!(df.compute_with(&Synchronous)?.num_rows(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute_with(&self, scheduler: &dyn Scheduler) -> Result<RecordBatch, TaskError> {
        Compute::with_borrowed(scheduler).run(self)
    }

    /// The first `n` rows, computing partitions in order only until there are enough.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1, 2, 3])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 5])?;
    /// assert_eq!(df.head(4)?.num_rows(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn head(&self, n: usize) -> Result<RecordBatch, TaskError> {
        let mut rows = 0;
        let batches = self.parts.leading(&Compute::default(), |b: &RecordBatch| {
            rows += b.num_rows();
            rows >= n
        })?;
        let all = concat(&self.schema, &batches)?;
        Ok(all.slice(0, n.min(all.num_rows())))
    }

    /// Computes every partition now (with `how`) and returns a dataframe holding them.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// use rhpc::frame::col;
    /// use rhpc::tasks::Compute;
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 2])?.with_column("y", col("x") + 1)?;
    /// let kept = df.persist(&Compute::default())?;
    /// assert_eq!(kept.graph().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn persist(&self, how: &Compute<'_>) -> Result<DataFrame, TaskError> {
        Ok(DataFrame {
            schema: self.schema.clone(),
            parts: self.parts.persist(how)?,
        })
    }
}

/// Concatenates batches of one schema.
fn concat(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<RecordBatch, TaskError> {
    arrow_select::concat::concat_batches(schema, batches)
        .map_err(|e| TaskError::Scheduler(format!("cannot concatenate partitions: {e}")))
}

impl Outputs for DataFrame {
    type Values = RecordBatch;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        into.extend(self.parts.tasks().iter().cloned());
    }

    /// Concatenates the partitions.
    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<RecordBatch, TaskError> {
        let mut batches = Vec::with_capacity(self.parts.len());
        for _ in 0..self.parts.len() {
            let value = values.next().ok_or_else(|| {
                TaskError::Scheduler("a scheduler returned too few values".into())
            })?;
            batches.push(batch(&value).map_err(TaskError::Scheduler)?.clone());
        }
        concat(&self.schema, &batches)
    }
}
