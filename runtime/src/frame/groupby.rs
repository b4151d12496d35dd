//! Group-by aggregations (`sum`, `mean`, `count`, `min`, `max`) as tree reductions: each
//! partition is reduced to one row of partial results per group (count, sum, min, max of
//! each column), partials are merged `fan_in` at a time, and one task finishes the table,
//! sorted by the keys. The result is a dataframe of one partition.
//!
//! Keys are found per partition through small dictionaries (one code per distinct value
//! of each key column), so a row costs a hash of its key, not a copy of it.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use super::dataframe::{DataFrame, batch};
use super::error::FrameError;
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
    /// The sum (`Float64`).
    Sum,
    /// The mean (`Float64`).
    Mean,
    /// The number of non-null values (`Int64`).
    Count,
    /// The minimum (`Float64`).
    Min,
    /// The maximum (`Float64`).
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

/// One key value (null, or a value of a key column).
#[derive(Debug, Clone)]
enum KeyValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl KeyValue {
    fn rank(&self) -> u8 {
        match self {
            KeyValue::Null => 0,
            KeyValue::Bool(_) => 1,
            KeyValue::Int(_) => 2,
            KeyValue::Float(_) => 3,
            KeyValue::Str(_) => 4,
        }
    }
}

impl Ord for KeyValue {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (KeyValue::Bool(a), KeyValue::Bool(b)) => a.cmp(b),
            (KeyValue::Int(a), KeyValue::Int(b)) => a.cmp(b),
            (KeyValue::Float(a), KeyValue::Float(b)) => a.total_cmp(b),
            (KeyValue::Str(a), KeyValue::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for KeyValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for KeyValue {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for KeyValue {}

impl Hash for KeyValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            KeyValue::Null => {}
            KeyValue::Bool(v) => v.hash(state),
            KeyValue::Int(v) => v.hash(state),
            KeyValue::Float(v) => v.to_bits().hash(state),
            KeyValue::Str(v) => v.hash(state),
        }
    }
}

/// Count, sum, minimum and maximum of one column within one group.
#[derive(Debug, Clone, Copy)]
struct Acc {
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Acc {
    const EMPTY: Acc = Acc {
        count: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    fn merge(&mut self, o: &Acc) {
        self.count += o.count;
        self.sum += o.sum;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    fn value(&self, agg: Agg) -> Option<f64> {
        match agg {
            Agg::Sum => Some(self.sum),
            Agg::Count => Some(self.count as f64),
            _ if self.count == 0 => None,
            Agg::Mean => Some(self.sum / self.count as f64),
            Agg::Min => Some(self.min),
            Agg::Max => Some(self.max),
        }
    }
}

/// Partial results: per group (its key values), one accumulator per aggregated column.
type Groups = HashMap<Vec<KeyValue>, Vec<Acc>>;

/// Codes for the values of one key column (equal values, equal codes) and the value of
/// each code.
fn encode(column: &ArrayRef) -> Result<(Vec<u32>, Vec<KeyValue>), ArrowError> {
    fn build<K: Hash + Eq>(
        len: usize,
        key: impl Fn(usize) -> Option<K>,
        value: impl Fn(&K) -> KeyValue,
    ) -> (Vec<u32>, Vec<KeyValue>) {
        let mut codes = Vec::with_capacity(len);
        let mut seen: HashMap<Option<K>, u32> = HashMap::new();
        let mut values = Vec::new();
        for row in 0..len {
            let k = key(row);
            let next = values.len() as u32;
            let code = *seen.entry(k).or_insert_with_key(|k| {
                values.push(k.as_ref().map_or(KeyValue::Null, &value));
                next
            });
            codes.push(code);
        }
        (codes, values)
    }
    let len = column.len();
    let valid = |row: usize| column.is_valid(row);
    let t = column.data_type();
    Ok(if t.is_integer() {
        let ints: Int64Array = cast_as(column, &DataType::Int64)?;
        build(
            len,
            |r| valid(r).then(|| ints.value(r)),
            |v| KeyValue::Int(*v),
        )
    } else if is_number(t) {
        let floats: Float64Array = cast_as(column, &DataType::Float64)?;
        let bits = |r| valid(r).then(|| floats.value(r).to_bits());
        build(len, bits, |v| KeyValue::Float(f64::from_bits(*v)))
    } else if t == &DataType::Boolean {
        let bools: BooleanArray = cast_as(column, &DataType::Boolean)?;
        build(
            len,
            |r| valid(r).then(|| bools.value(r)),
            |v| KeyValue::Bool(*v),
        )
    } else {
        let text: StringArray = cast_as(column, &DataType::Utf8)?;
        build(
            len,
            |r| valid(r).then(|| text.value(r)),
            |v| KeyValue::Str(v.to_string()),
        )
    })
}

/// `column` cast to `to` (a no-op when it has that type) as the array type `A`.
fn cast_as<A: Array + Clone + 'static>(column: &ArrayRef, to: &DataType) -> Result<A, ArrowError> {
    let cast = arrow_cast::cast(column, to)?;
    cast.as_any()
        .downcast_ref::<A>()
        .cloned()
        .ok_or_else(|| bad(column.data_type()))
}

fn is_number(t: &DataType) -> bool {
    t.is_integer() || matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64)
}

fn bad(t: &DataType) -> ArrowError {
    ArrowError::CastError(format!("cannot group by a {t} column"))
}

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
        // Numbers as Float64; other columns (only counted) as they are.
        let columns = self
            .values
            .iter()
            .map(|&v| {
                let column = b.column(v);
                if !is_number(column.data_type()) {
                    return Ok((column.clone(), None));
                }
                let floats: Float64Array = cast_as(column, &DataType::Float64)?;
                Ok((column.clone(), Some(floats)))
            })
            .collect::<Result<Vec<(ArrayRef, Option<Float64Array>)>, ArrowError>>()?;
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
                    accs.push(vec![Acc::EMPTY; columns.len()]);
                    firsts.push(key.clone());
                    accs.len() - 1
                }
            };
            for (acc, (column, numbers)) in accs[group].iter_mut().zip(&columns) {
                match numbers {
                    Some(numbers) if numbers.is_valid(row) => acc.add(numbers.value(row)),
                    None if column.is_valid(row) => acc.count += 1,
                    _ => {}
                }
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
            let values = rows.iter().map(|r| r.1[i].value(*agg));
            let column: ArrayRef = if *agg == Agg::Count {
                Arc::new(values.map(|v| v.map(|c| c as i64)).collect::<Int64Array>())
            } else {
                Arc::new(values.collect::<Float64Array>())
            };
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

/// A key column in the type it had (when arrow can cast back to it).
fn key_column<'a>(
    values: impl Iterator<Item = &'a KeyValue>,
    original: &DataType,
) -> Result<ArrayRef, ArrowError> {
    let values: Vec<&KeyValue> = values.collect();
    let built = if original.is_integer() {
        column::<Int64Array, _>(&values, |v| match v {
            KeyValue::Int(i) => Some(*i),
            _ => None,
        })
    } else if is_number(original) {
        column::<Float64Array, _>(&values, |v| match v {
            KeyValue::Float(f) => Some(*f),
            _ => None,
        })
    } else if original == &DataType::Boolean {
        column::<BooleanArray, _>(&values, |v| match v {
            KeyValue::Bool(b) => Some(*b),
            _ => None,
        })
    } else {
        column::<StringArray, _>(&values, |v| match v {
            KeyValue::Str(s) => Some(s.as_str()),
            _ => None,
        })
    };
    Ok(arrow_cast::cast(&built, original).unwrap_or(built))
}

/// An arrow column of what `pick` finds in each key value (null where it finds nothing).
fn column<'a, A, V>(values: &[&'a KeyValue], pick: impl Fn(&'a KeyValue) -> Option<V>) -> ArrayRef
where
    A: Array + FromIterator<Option<V>> + 'static,
{
    Arc::new(values.iter().map(|v| pick(v)).collect::<A>())
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
            if *agg != Agg::Count && !is_number(t) {
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
    use arrow_array::types::Int64Type;

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
}
