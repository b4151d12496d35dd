//! Group keys: each key column's values encoded as small codes (equal values, equal
//! codes) with a dictionary of the values, so a row of a partition costs a hash of its
//! codes rather than a copy of its key; and the key columns of the result, rebuilt in the
//! types the input had.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow_schema::{ArrowError, DataType};

use super::dataframe::cast_as;

/// One key value (null, or a value of a key column).
#[derive(Debug, Clone)]
pub(super) enum KeyValue {
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

/// Codes for the values of one key column (equal values, equal codes) and the value of
/// each code.
pub(super) fn encode(column: &ArrayRef) -> Result<(Vec<u32>, Vec<KeyValue>), ArrowError> {
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
    } else if t.is_floating() {
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
        let text: StringArray = cast_as(column, &DataType::Utf8)
            .map_err(|_| ArrowError::CastError(format!("cannot group by a {t} column")))?;
        build(
            len,
            |r| valid(r).then(|| text.value(r)),
            |v| KeyValue::Str(v.to_string()),
        )
    })
}

/// A key column in the type it had (when arrow can cast back to it).
pub(super) fn key_column<'a>(
    values: impl Iterator<Item = &'a KeyValue>,
    original: &DataType,
) -> Result<ArrayRef, ArrowError> {
    let values: Vec<&KeyValue> = values.collect();
    let built = if original.is_integer() {
        column::<Int64Array, _>(&values, |v| match v {
            KeyValue::Int(i) => Some(*i),
            _ => None,
        })
    } else if original.is_floating() {
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
