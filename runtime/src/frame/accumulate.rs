//! Accumulators of one aggregated column within one group, and the result columns they
//! give. Each column is accumulated in its own kind of number: integers exactly (in
//! `i128`, so merging partial sums of 64-bit values cannot overflow), floats in `f64`,
//! other columns only counted. Results take the types pandas gives them: `count` Int64,
//! `mean` Float64, `sum` Int64 (UInt64 for unsigned columns) or the column's float type,
//! `min` and `max` the column's own type. A sum that does not fit its type is an error,
//! not a wrapped number.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, UInt64Array};
use arrow_schema::{ArrowError, DataType};

use super::dataframe::cast_as;
use super::groupby::Agg;

/// How a column's values are accumulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Signed,
    Unsigned,
    Float,
    /// Not a number: only its non-null values are counted.
    Counted,
}

impl Kind {
    pub(super) fn of(t: &DataType) -> Kind {
        if t.is_signed_integer() {
            Kind::Signed
        } else if t.is_unsigned_integer() {
            Kind::Unsigned
        } else if t.is_floating() {
            Kind::Float
        } else {
            Kind::Counted
        }
    }

    /// Whether sums, means, minima and maxima of the column exist.
    pub(super) fn is_number(self) -> bool {
        self != Kind::Counted
    }
}

/// The type of the `agg` of a column of type `input`.
pub(super) fn result_type(agg: Agg, input: &DataType) -> DataType {
    match (agg, Kind::of(input)) {
        (Agg::Count, _) => DataType::Int64,
        (Agg::Mean, _) => DataType::Float64,
        (Agg::Sum, Kind::Signed) => DataType::Int64,
        (Agg::Sum, Kind::Unsigned) => DataType::UInt64,
        // Float sums, and minima and maxima of any number.
        _ => input.clone(),
    }
}

/// What one group holds of one column so far.
#[derive(Debug, Clone, Copy)]
pub(super) struct Acc {
    count: i64,
    stats: Stats,
}

#[derive(Debug, Clone, Copy)]
enum Stats {
    Exact { sum: i128, min: i128, max: i128 },
    Float { sum: f64, min: f64, max: f64 },
    Counted,
}

impl Acc {
    /// Nothing yet, for a column of this kind.
    pub(super) fn empty(kind: Kind) -> Acc {
        let stats = match kind {
            Kind::Signed | Kind::Unsigned => Stats::Exact {
                sum: 0,
                min: i128::MAX,
                max: i128::MIN,
            },
            Kind::Float => Stats::Float {
                sum: 0.0,
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
            },
            Kind::Counted => Stats::Counted,
        };
        Acc { count: 0, stats }
    }

    #[inline]
    fn add_exact(&mut self, v: i128) {
        self.count += 1;
        if let Stats::Exact { sum, min, max } = &mut self.stats {
            *sum += v;
            *min = (*min).min(v);
            *max = (*max).max(v);
        }
    }

    #[inline]
    fn add_float(&mut self, v: f64) {
        self.count += 1;
        if let Stats::Float { sum, min, max } = &mut self.stats {
            *sum += v;
            *min = min.min(v);
            *max = max.max(v);
        }
    }

    /// Adds what another part of the same group (and column) holds.
    pub(super) fn merge(&mut self, other: &Acc) {
        self.count += other.count;
        match (&mut self.stats, other.stats) {
            (
                Stats::Exact { sum, min, max },
                Stats::Exact {
                    sum: s,
                    min: lo,
                    max: hi,
                },
            ) => {
                *sum += s;
                *min = (*min).min(lo);
                *max = (*max).max(hi);
            }
            (
                Stats::Float { sum, min, max },
                Stats::Float {
                    sum: s,
                    min: lo,
                    max: hi,
                },
            ) => {
                *sum += s;
                *min = min.min(lo);
                *max = max.max(hi);
            }
            _ => {}
        }
    }

    /// The sum, minimum or maximum of an integer column (a sum of no values is 0; the
    /// others are null).
    fn exact(&self, agg: Agg) -> Option<i128> {
        match (self.stats, agg) {
            (Stats::Exact { sum, .. }, Agg::Sum) => Some(sum),
            (_, _) if self.count == 0 => None,
            (Stats::Exact { min, .. }, Agg::Min) => Some(min),
            (Stats::Exact { max, .. }, Agg::Max) => Some(max),
            _ => None,
        }
    }

    /// The sum, minimum or maximum of a float column, or the mean of any number column.
    fn float(&self, agg: Agg) -> Option<f64> {
        match (self.stats, agg) {
            (Stats::Float { sum, .. }, Agg::Sum) => Some(sum),
            (_, _) if self.count == 0 => None,
            (Stats::Float { sum, .. }, Agg::Mean) => Some(sum / self.count as f64),
            (Stats::Exact { sum, .. }, Agg::Mean) => Some(sum as f64 / self.count as f64),
            (Stats::Float { min, .. }, Agg::Min) => Some(min),
            (Stats::Float { max, .. }, Agg::Max) => Some(max),
            _ => None,
        }
    }
}

/// One column of a partition, read as its kind of number.
pub(super) enum Values {
    Signed(Int64Array),
    Unsigned(UInt64Array),
    Float(Float64Array),
    Counted(ArrayRef),
}

impl Values {
    pub(super) fn read(column: &ArrayRef) -> Result<Values, ArrowError> {
        Ok(match Kind::of(column.data_type()) {
            Kind::Signed => Values::Signed(cast_as(column, &DataType::Int64)?),
            Kind::Unsigned => Values::Unsigned(cast_as(column, &DataType::UInt64)?),
            Kind::Float => Values::Float(cast_as(column, &DataType::Float64)?),
            Kind::Counted => Values::Counted(column.clone()),
        })
    }

    /// An empty accumulator for this column.
    pub(super) fn empty(&self) -> Acc {
        Acc::empty(match self {
            Values::Signed(_) => Kind::Signed,
            Values::Unsigned(_) => Kind::Unsigned,
            Values::Float(_) => Kind::Float,
            Values::Counted(_) => Kind::Counted,
        })
    }

    /// Adds the value in `row`, unless it is null, to `acc`.
    #[inline]
    pub(super) fn add(&self, row: usize, acc: &mut Acc) {
        match self {
            Values::Signed(a) if a.is_valid(row) => acc.add_exact(i128::from(a.value(row))),
            Values::Unsigned(a) if a.is_valid(row) => acc.add_exact(i128::from(a.value(row))),
            Values::Float(a) if a.is_valid(row) => acc.add_float(a.value(row)),
            Values::Counted(a) if a.is_valid(row) => acc.count += 1,
            _ => {}
        }
    }
}

/// The `agg` of column `name` (of type `input`) in each group, from the groups'
/// accumulators, as a column of [`result_type`].
pub(super) fn result_column<'a>(
    accs: impl Iterator<Item = &'a Acc>,
    agg: Agg,
    name: &str,
    input: &DataType,
) -> Result<ArrayRef, ArrowError> {
    let too_big = |to: &str| {
        ArrowError::ComputeError(format!(
            "the {} of {name} in a group does not fit in {to}",
            agg.name()
        ))
    };
    let column: ArrayRef = match (agg, Kind::of(input)) {
        (Agg::Count, _) => Arc::new(accs.map(|a| Some(a.count)).collect::<Int64Array>()),
        (Agg::Mean, _) | (_, Kind::Float) => {
            Arc::new(accs.map(|a| a.float(agg)).collect::<Float64Array>())
        }
        (_, Kind::Signed) => Arc::new(
            accs.map(|a| a.exact(agg).map(i64::try_from).transpose())
                .collect::<Result<Int64Array, _>>()
                .map_err(|_| too_big("Int64"))?,
        ),
        (_, Kind::Unsigned) => Arc::new(
            accs.map(|a| a.exact(agg).map(u64::try_from).transpose())
                .collect::<Result<UInt64Array, _>>()
                .map_err(|_| too_big("UInt64"))?,
        ),
        (_, Kind::Counted) => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "cannot take the {} of {name}, a {input} column",
                agg.name()
            )));
        }
    };
    arrow_cast::cast(&column, &result_type(agg, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(kind: Kind, values: &[i64]) -> Acc {
        let mut acc = Acc::empty(kind);
        values.iter().for_each(|&v| match kind {
            Kind::Float => acc.add_float(v as f64),
            _ => acc.add_exact(i128::from(v)),
        });
        acc
    }

    #[test]
    fn integer_sums_are_exact_beyond_float_precision() {
        let big = (1i64 << 53) + 1;
        let mut acc = filled(Kind::Signed, &[big]);
        acc.merge(&filled(Kind::Signed, &[1]));
        let sums = result_column([acc].iter(), Agg::Sum, "n", &DataType::Int64).unwrap();
        let sums = sums.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(sums.value(0), big + 1);
    }

    #[test]
    fn a_sum_that_overflows_is_an_error() {
        let mut acc = filled(Kind::Signed, &[i64::MAX]);
        acc.merge(&filled(Kind::Signed, &[i64::MAX]));
        let error = result_column([acc].iter(), Agg::Sum, "n", &DataType::Int64).unwrap_err();
        assert!(
            error.to_string().contains("does not fit in Int64"),
            "{error}"
        );
        // The mean of the same values is still fine.
        let means = result_column([acc].iter(), Agg::Mean, "n", &DataType::Int64).unwrap();
        assert_eq!(means.data_type(), &DataType::Float64);
    }

    #[test]
    fn results_have_the_types_pandas_gives() {
        use DataType::*;
        assert_eq!(result_type(Agg::Sum, &Int32), Int64);
        assert_eq!(result_type(Agg::Sum, &UInt8), UInt64);
        assert_eq!(result_type(Agg::Sum, &Float32), Float32);
        assert_eq!(result_type(Agg::Min, &Int16), Int16);
        assert_eq!(result_type(Agg::Max, &UInt64), UInt64);
        assert_eq!(result_type(Agg::Mean, &Int64), Float64);
        assert_eq!(result_type(Agg::Count, &Utf8), Int64);
        let acc = filled(Kind::Signed, &[-3, 7]);
        let mins = result_column([acc].iter(), Agg::Min, "n", &Int16).unwrap();
        assert_eq!(mins.data_type(), &Int16);
        assert_eq!(
            mins.as_any()
                .downcast_ref::<arrow_array::Int16Array>()
                .unwrap()
                .value(0),
            -3
        );
    }

    #[test]
    fn empty_groups_sum_to_zero_and_have_no_minimum() {
        let acc = Acc::empty(Kind::Float);
        assert_eq!(acc.float(Agg::Sum), Some(0.0));
        assert_eq!(acc.float(Agg::Mean), None);
        assert_eq!(Acc::empty(Kind::Signed).exact(Agg::Max), None);
    }
}
