//! Group-by aggregations (`sum`, `mean`, `count`, `min`, `max`) as tree reductions: each
//! partition is reduced to partial results per group (see `accumulate`), partials are
//! merged `fan_in` at a time, and one task finishes the table, sorted by the keys. The
//! result is a dataframe of one partition; its columns' types follow pandas (integer sums
//! stay integers, means are floats).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};

use super::accumulate::{Acc, Kind, Values, result_column};
use super::dataframe::{DataFrame, batch};
use super::error::FrameError;
use super::keys::{KeyValue, encode, key_column};
use crate::tasks::Value;
use crate::tree::downcast;

/// An aggregation of a column within each group.
///
/// ```
/// use rhpc::frame::Agg;
/// assert_eq!(Agg::Mean.name(), "mean");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    /// The sum (`Int64` for signed integers, `UInt64` for unsigned ones, the column's
    /// type for floats).
    Sum,
    /// The mean (`Float64`).
    Mean,
    /// The number of non-null values (`Int64`).
    Count,
    /// The minimum (the column's type).
    Min,
    /// The maximum (the column's type).
    Max,
}

impl Agg {
    /// The suffix of the result column (`value_mean`).
    ///
    /// ```
    /// assert_eq!(rhpc::frame::Agg::Count.name(), "count");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Agg::Sum => "sum",
            Agg::Mean => "mean",
            Agg::Count => "count",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

/// Partial results: per group (its key values), one accumulator per aggregated column.
type Groups = HashMap<Vec<KeyValue>, Vec<Acc>>;

/// What one group-by computes.
struct Plan {
    keys: Vec<usize>,
    values: Vec<usize>,
    aggs: Vec<(String, Agg)>,
    input: SchemaRef,
}

impl Plan {
    /// Reduces one partition to its groups' partial results.
    fn partial(&self, b: &RecordBatch) -> Result<Groups, ArrowError> {
        let encoded = self
            .keys
            .iter()
            .map(|&k| encode(b.column(k)))
            .collect::<Result<Vec<_>, _>>()?;
        let columns = self
            .values
            .iter()
            .map(|&v| Values::read(b.column(v)))
            .collect::<Result<Vec<_>, _>>()?;
        let empty: Vec<Acc> = columns.iter().map(Values::empty).collect();
        let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut accs: Vec<Vec<Acc>> = Vec::new();
        let mut firsts: Vec<Vec<u32>> = Vec::new();
        let mut key = Vec::with_capacity(encoded.len());
        for row in 0..b.num_rows() {
            key.clear();
            key.extend(encoded.iter().map(|(codes, _)| codes[row]));
            let group = match index.get(key.as_slice()) {
                Some(&g) => g,
                None => {
                    index.insert(key.clone(), accs.len());
                    accs.push(empty.clone());
                    firsts.push(key.clone());
                    accs.len() - 1
                }
            };
            for (acc, values) in accs[group].iter_mut().zip(&columns) {
                values.add(row, acc);
            }
        }
        Ok(firsts
            .into_iter()
            .zip(accs)
            .map(|(codes, acc)| {
                let values = codes
                    .iter()
                    .zip(&encoded)
                    .map(|(&c, (_, dictionary))| dictionary[c as usize].clone())
                    .collect();
                (values, acc)
            })
            .collect())
    }

    /// The result table: keys, then one column per aggregation, sorted by the keys.
    fn finish(&self, groups: Groups) -> Result<RecordBatch, ArrowError> {
        let mut rows: Vec<(Vec<KeyValue>, Vec<Acc>)> = groups.into_iter().collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        for (j, &k) in self.keys.iter().enumerate() {
            let field = self.input.field(k);
            let built = key_column(rows.iter().map(|r| &r.0[j]), field.data_type())?;
            fields.push(Field::new(field.name(), built.data_type().clone(), true));
            columns.push(built);
        }
        for (i, (name, agg)) in self.aggs.iter().enumerate() {
            let input = self.input.field(self.values[i]).data_type();
            let column = result_column(rows.iter().map(|r| &r.1[i]), *agg, name, input)?;
            fields.push(Field::new(
                format!("{name}_{}", agg.name()),
                column.data_type().clone(),
                true,
            ));
            columns.push(column);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
    }
}

/// A dataframe grouped by key columns, waiting for its aggregation
/// ([`DataFrame::groupby`]).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Float64Array, RecordBatch, StringArray};
/// use rhpc::frame::{Agg, DataFrame};
/// let b = RecordBatch::try_from_iter([
///     ("k", Arc::new(StringArray::from(vec!["a", "b", "a"])) as _),
///     ("v", Arc::new(Float64Array::from(vec![1.0, 2.0, 5.0])) as _),
/// ])?;
/// let df = DataFrame::from_batches(vec![b.clone(), b])?;
/// let out = df.groupby(&["k"])?.agg(&[("v", Agg::Sum), ("v", Agg::Max)])?.compute()?;
/// assert_eq!(out.num_rows(), 2);
/// assert_eq!(out.schema().field(1).name(), "v_sum");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct GroupBy {
    df: DataFrame,
    keys: Vec<usize>,
}

impl DataFrame {
    /// Groups the rows by the values of the `keys` columns.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int64Array, RecordBatch};
    /// let b = RecordBatch::try_from_iter([("k", Arc::new(Int64Array::from(vec![1, 1, 2])) as _)])?;
    /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
    /// assert!(df.groupby(&["k"]).is_ok());
    /// assert!(df.groupby(&["missing"]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn groupby(&self, keys: &[&str]) -> Result<GroupBy, FrameError> {
        let keys = keys
            .iter()
            .map(|k| self.schema.index_of(k))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GroupBy {
            df: self.clone(),
            keys,
        })
    }
}

impl GroupBy {
    /// The aggregations `aggs` (column, aggregation) of each group: a dataframe of one
    /// partition with the key columns, then a `{column}_{aggregation}` column each.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int64Array, RecordBatch};
    /// use rhpc::frame::{Agg, DataFrame};
    /// let b = RecordBatch::try_from_iter([
    ///     ("k", Arc::new(Int64Array::from(vec![1, 1, 2])) as _),
    ///     ("v", Arc::new(Int64Array::from(vec![3, 4, 5])) as _),
    /// ])?;
    /// let out = DataFrame::from_batches(vec![b])?.groupby(&["k"])?.agg(&[("v", Agg::Count)])?;
    /// assert_eq!(out.columns(), vec!["k", "v_count"]);
    /// let by_value = DataFrame::from_batches(vec![out.compute()?])?;
    /// assert!(by_value.groupby(&["v_count"])?.agg(&[("k", Agg::Count)]).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn agg(&self, aggs: &[(&str, Agg)]) -> Result<DataFrame, FrameError> {
        let schema = &self.df.schema;
        let values = aggs
            .iter()
            .map(|(c, _)| schema.index_of(c))
            .collect::<Result<Vec<_>, _>>()?;
        for (&v, (name, agg)) in values.iter().zip(aggs) {
            let t = schema.field(v).data_type();
            if *agg != Agg::Count && !Kind::of(t).is_number() {
                return Err(FrameError::Arrow(format!(
                    "cannot take the {} of {name}, a {t} column",
                    agg.name()
                )));
            }
        }
        let plan = Arc::new(Plan {
            keys: self.keys.clone(),
            values,
            aggs: aggs.iter().map(|(c, a)| (c.to_string(), *a)).collect(),
            input: schema.clone(),
        });
        let output = plan.finish(Groups::new())?.schema();
        let merge_all = |values: &[Value]| -> Result<Groups, String> {
            let mut all = Groups::new();
            for value in values {
                for (key, accs) in downcast::<Groups>(value)? {
                    match all.get_mut(key) {
                        Some(mine) => mine.iter_mut().zip(accs).for_each(|(m, a)| m.merge(a)),
                        None => {
                            all.insert(key.clone(), accs.clone());
                        }
                    }
                }
            }
            Ok(all)
        };
        let finish_plan = plan.clone();
        let part_plan = plan.clone();
        let total = self.df.parts.aggregate(
            "groupby",
            move |value| {
                let groups = part_plan
                    .partial(batch(value)?)
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(groups) as Value)
            },
            Arc::new(move |v: &[Value]| Ok(Arc::new(merge_all(v)?) as Value)),
            move |v| {
                let table = finish_plan
                    .finish(merge_all(v)?)
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(table) as Value)
            },
        );
        Ok(self.df.derive(output, vec![total], "groupby"))
    }
}

/// The one-aggregation shortcuts (`groupby(..)?.mean("x")`), all alike.
macro_rules! shortcuts {
    ($($method:ident $agg:ident $what:literal;)+) => {
        impl GroupBy {$(
            #[doc = concat!("The ", $what, " of `column` in each group (as `{column}_", stringify!($method), "`).")]
            ///
            /// ```
            /// use std::sync::Arc;
            /// use arrow_array::{Int64Array, RecordBatch};
            /// let b = RecordBatch::try_from_iter([
            ///     ("k", Arc::new(Int64Array::from(vec![1, 1, 2])) as _),
            ///     ("v", Arc::new(Int64Array::from(vec![3, 4, 5])) as _),
            /// ])?;
            /// let df = rhpc::frame::DataFrame::from_batches(vec![b])?;
            #[doc = concat!("let out = df.groupby(&[\"k\"])?.", stringify!($method), "(\"v\")?;")]
            #[doc = concat!("assert_eq!(out.columns(), vec![\"k\", \"v_", stringify!($method), "\"]);")]
            /// assert_eq!(out.compute()?.num_rows(), 2);
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn $method(&self, column: &str) -> Result<DataFrame, FrameError> {
                self.agg(&[(column, Agg::$agg)])
            }
        )+}
    };
}

shortcuts! {
    sum Sum "sum";
    mean Mean "mean";
    count Count "number of non-null values";
    min Min "minimum";
    max Max "maximum";
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Int32Type, Int64Type, UInt64Type};
    use arrow_array::{Float32Array, Int32Array, Int64Array, StringArray, UInt32Array};
    use arrow_schema::DataType;

    use super::*;

    fn strings_and_numbers() -> DataFrame {
        let b = RecordBatch::try_from_iter([
            ("k", Arc::new(Int64Array::from(vec![1, 1, 2])) as ArrayRef),
            (
                "s",
                Arc::new(StringArray::from(vec![Some("x"), None, Some("z")])) as ArrayRef,
            ),
        ])
        .unwrap();
        DataFrame::from_batches(vec![b.clone(), b]).unwrap()
    }

    #[test]
    fn text_columns_are_counted_but_not_summed() {
        let df = strings_and_numbers();
        let counts = df
            .groupby(&["k"])
            .unwrap()
            .count("s")
            .unwrap()
            .compute()
            .unwrap();
        let counts: Vec<i64> = counts
            .column(1)
            .as_primitive::<Int64Type>()
            .values()
            .to_vec();
        assert_eq!(counts, vec![2, 2]);
        assert!(matches!(
            df.groupby(&["k"]).unwrap().sum("s"),
            Err(FrameError::Arrow(_))
        ));
    }

    #[test]
    fn aggregations_keep_integers_exact_and_types_as_pandas_does() {
        let part = |n: Vec<i32>, u: Vec<u32>, f: Vec<f32>| {
            RecordBatch::try_from_iter([
                (
                    "k",
                    Arc::new(StringArray::from(vec!["a", "b", "a"])) as ArrayRef,
                ),
                ("n", Arc::new(Int32Array::from(n)) as ArrayRef),
                ("u", Arc::new(UInt32Array::from(u)) as ArrayRef),
                ("f", Arc::new(Float32Array::from(f)) as ArrayRef),
            ])
            .unwrap()
        };
        let df = DataFrame::from_batches(vec![
            part(
                vec![i32::MAX, 5, i32::MAX],
                vec![u32::MAX, 1, 2],
                vec![0.5, 1.0, 2.0],
            ),
            part(vec![-7, 6, 1], vec![3, 4, u32::MAX], vec![4.0, 8.0, 16.0]),
        ])
        .unwrap()
        .with_fan_in(2)
        .unwrap();
        let aggs = [
            ("n", Agg::Sum),
            ("n", Agg::Min),
            ("n", Agg::Max),
            ("n", Agg::Mean),
            ("u", Agg::Sum),
            ("f", Agg::Sum),
        ];
        let out = df.groupby(&["k"]).unwrap().agg(&aggs).unwrap();
        let types: Vec<DataType> = out
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        use DataType::*;
        assert_eq!(
            types,
            vec![Utf8, Int64, Int32, Int32, Float64, UInt64, Float32]
        );
        let table = out.compute().unwrap();
        assert_eq!(table.schema(), *out.schema());
        // Group "a": n = MAX, MAX, -7, 1; u = MAX, 2, 3, MAX; f = 0.5, 2, 4, 16.
        let big = 2 * i64::from(i32::MAX) - 6;
        assert_eq!(table.column(1).as_primitive::<Int64Type>().value(0), big);
        assert_eq!(table.column(2).as_primitive::<Int32Type>().value(0), -7);
        assert_eq!(
            table.column(3).as_primitive::<Int32Type>().value(0),
            i32::MAX
        );
        let mean = table
            .column(4)
            .as_primitive::<arrow_array::types::Float64Type>()
            .value(0);
        assert_eq!(mean, big as f64 / 4.0);
        let unsigned = 2 * u64::from(u32::MAX) + 5;
        assert_eq!(
            table.column(5).as_primitive::<UInt64Type>().value(0),
            unsigned
        );
        assert_eq!(table.column(6).as_primitive::<Float32Type>().value(0), 22.5);
    }
}
