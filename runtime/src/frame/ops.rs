//! Partition-by-partition operations: `map_partitions`, `with_column`, `filter`,
//! `select`. Each is checked on an empty batch of the input schema when it is built, so
//! a missing column or a type error shows at once and the result's schema is known.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, Field, Schema};

use super::dataframe::{DataFrame, batch};
use super::error::FrameError;
use super::expr::Expr;
use crate::tasks::Value;

impl DataFrame {
    /// A dataframe of `f(partition)` for each partition (`name` shown in task keys). `f`
    /// is tried once on an empty batch to learn the result's schema.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int32Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1, 2, 3])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b; 2])?;
    /// let firsts = df.map_partitions("first", |b| Ok(b.slice(0, b.num_rows().min(1))))?;
    /// assert_eq!(firsts.compute()?.num_rows(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map_partitions<F>(&self, name: &'static str, f: F) -> Result<DataFrame, FrameError>
    where
        F: Fn(&RecordBatch) -> Result<RecordBatch, ArrowError> + Send + Sync + 'static,
    {
        let schema = f(&RecordBatch::new_empty(self.schema.clone()))?.schema();
        let partitions = self.parts.each(name, move |value| {
            let out = f(batch(value)?).map_err(|e| e.to_string())?;
            Ok(Arc::new(out) as Value)
        });
        Ok(self.derive(schema, partitions, name))
    }

    /// The dataframe with a column `name` computed by `expr` (replacing one of that name).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Float64Array, RecordBatch};
    /// use rhpc::frame::col;
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(vec![1.0, 2.0])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// let df = df.with_column("y", (col("x") + 1.0) * 2.0)?;
    /// assert_eq!(df.columns(), vec!["x", "y"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_column(&self, name: &str, expr: Expr) -> Result<DataFrame, FrameError> {
        let name = name.to_string();
        self.map_partitions("assign", move |b| {
            let column = expr.evaluate(b)?;
            let mut fields: Vec<Arc<Field>> = b.schema().fields().iter().cloned().collect();
            let mut columns = b.columns().to_vec();
            let field = Arc::new(Field::new(&name, column.data_type().clone(), true));
            match fields.iter().position(|f| f.name() == &name) {
                Some(i) => {
                    fields[i] = field;
                    columns[i] = column;
                }
                None => {
                    fields.push(field);
                    columns.push(column);
                }
            }
            RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        })
    }

    /// The rows where `condition` is true.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int64Array, RecordBatch};
    /// use rhpc::frame::col;
    /// let b = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1, 5, 9])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// assert_eq!(df.filter(col("x").ge(5))?.compute()?.num_rows(), 2);
    /// assert!(df.filter(col("x") + 1).is_err());           // not a condition
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn filter(&self, condition: Expr) -> Result<DataFrame, FrameError> {
        self.map_partitions("filter", move |b| {
            let mask = condition.evaluate(b)?;
            let mask = mask
                .as_any()
                .downcast_ref::<arrow_array::BooleanArray>()
                .ok_or_else(|| {
                    ArrowError::InvalidArgumentError(format!(
                        "filter needs a condition, not a {} column",
                        mask.data_type()
                    ))
                })?;
            arrow_select::filter::filter_record_batch(b, mask)
        })
    }

    /// Only the columns `names`, in that order.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int64Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([
    ///     ("x", Arc::new(Int64Array::from(vec![1])) as _),
    ///     ("y", Arc::new(Int64Array::from(vec![2])) as _),
    /// ])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// assert_eq!(df.select(&["y"])?.columns(), vec!["y"]);
    /// assert!(df.select(&["z"]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn select(&self, names: &[&str]) -> Result<DataFrame, FrameError> {
        let indices = names
            .iter()
            .map(|n| self.schema.index_of(n))
            .collect::<Result<Vec<usize>, ArrowError>>()?;
        self.map_partitions("select", move |b| b.project(&indices))
    }
}
