//! Column expressions: `col("price") * col("qty")`, `col("x").gt(lit(0.5))`, evaluated
//! against each partition with arrow's compute kernels.
//!
//! Numbers of different types are brought to a common one first, as pandas does: any
//! float makes the operation `Float64`, integers alone `Int64`; division always gives
//! `Float64` (true division).

use std::fmt;
use std::ops::{Add, Div, Mul, Sub};
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Datum, Float64Array, Int64Array, RecordBatch, Scalar,
    StringArray, UInt32Array,
};
use arrow_schema::{ArrowError, DataType};

/// A constant in an expression.
///
/// ```
/// use rhpc::frame::Literal;
/// assert!(matches!(Literal::from(2.5), Literal::Float(_)));
/// assert!(matches!(Literal::from("a"), Literal::Str(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer (`Int64`).
    Int(i64),
    /// A float (`Float64`).
    Float(f64),
    /// A string (`Utf8`).
    Str(String),
    /// A boolean.
    Bool(bool),
}

impl From<i64> for Literal {
    fn from(v: i64) -> Self {
        Literal::Int(v)
    }
}
impl From<i32> for Literal {
    fn from(v: i32) -> Self {
        Literal::Int(v.into())
    }
}
impl From<f64> for Literal {
    fn from(v: f64) -> Self {
        Literal::Float(v)
    }
}
impl From<&str> for Literal {
    fn from(v: &str) -> Self {
        Literal::Str(v.to_string())
    }
}
impl From<String> for Literal {
    fn from(v: String) -> Self {
        Literal::Str(v)
    }
}
impl From<bool> for Literal {
    fn from(v: bool) -> Self {
        Literal::Bool(v)
    }
}

/// An operator between two expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (true division, `Float64`)
    Div,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// logical and
    And,
    /// logical or
    Or,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Eq => "==",
            Op::NotEq => "!=",
            Op::Lt => "<",
            Op::LtEq => "<=",
            Op::Gt => ">",
            Op::GtEq => ">=",
            Op::And => "&",
            Op::Or => "|",
        }
    }
}

/// A computation on a partition's columns giving one column.
///
/// ```
/// use rhpc::frame::{col, lit};
/// let total = col("price") * col("qty") + 1.0;
/// assert_eq!(total.to_string(), "((price * qty) + 1)");
/// let cheap = col("price").lt(lit(10)).and(col("qty").gt(lit(0)));
/// assert_eq!(cheap.to_string(), "((price < 10) & (qty > 0))");
/// ```
#[derive(Debug, Clone)]
pub enum Expr {
    /// A column by name.
    Column(String),
    /// A constant.
    Literal(Literal),
    /// Two expressions combined.
    Binary(Box<Expr>, Op, Box<Expr>),
    /// Logical negation.
    Not(Box<Expr>),
}

/// The column `name`.
///
/// ```
/// assert_eq!(rhpc::frame::col("x").to_string(), "x");
/// ```
pub fn col(name: &str) -> Expr {
    Expr::Column(name.to_string())
}

/// A constant.
///
/// ```
/// assert_eq!(rhpc::frame::lit(3).to_string(), "3");
/// ```
pub fn lit(value: impl Into<Literal>) -> Expr {
    Expr::Literal(value.into())
}

/// A value during evaluation: a column, or a constant (one element) to broadcast.
struct Operand {
    array: ArrayRef,
    constant: bool,
}

impl Operand {
    fn datum(&self) -> Box<dyn Datum + '_> {
        if self.constant {
            Box::new(Scalar::new(self.array.clone()))
        } else {
            Box::new(self.array.clone())
        }
    }
}

fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64)
}

fn is_number(t: &DataType) -> bool {
    t.is_integer() || is_float(t)
}

/// Brings two numeric operands to one type (`Float64` if either is a float or if `float`
/// is asked, else `Int64`); other types are left as they are.
fn coerce(a: Operand, b: Operand, float: bool) -> Result<(Operand, Operand), ArrowError> {
    let (ta, tb) = (a.array.data_type().clone(), b.array.data_type().clone());
    if !(is_number(&ta) && is_number(&tb)) {
        return Ok((a, b));
    }
    let target = if float || is_float(&ta) || is_float(&tb) {
        DataType::Float64
    } else {
        DataType::Int64
    };
    let cast = |o: Operand| -> Result<Operand, ArrowError> {
        Ok(Operand {
            array: arrow_cast::cast(&o.array, &target)?,
            constant: o.constant,
        })
    };
    Ok((cast(a)?, cast(b)?))
}

fn boolean(array: &ArrayRef) -> Result<&BooleanArray, ArrowError> {
    array
        .as_any()
        .downcast_ref::<BooleanArray>()
        .ok_or_else(|| {
            ArrowError::InvalidArgumentError(format!("{} is not boolean", array.data_type()))
        })
}

/// An arrow kernel for two operands.
type Kernel = fn(&dyn Datum, &dyn Datum) -> Result<ArrayRef, ArrowError>;

/// `a op b` with arrow's kernels.
fn apply(op: Op, a: Operand, b: Operand) -> Result<ArrayRef, ArrowError> {
    use arrow_arith::numeric;
    use arrow_ord::cmp;
    let kernel: Kernel = match op {
        Op::Add => numeric::add,
        Op::Sub => numeric::sub,
        Op::Mul => numeric::mul,
        Op::Div => numeric::div,
        Op::Eq => |a, b| Ok(Arc::new(cmp::eq(a, b)?)),
        Op::NotEq => |a, b| Ok(Arc::new(cmp::neq(a, b)?)),
        Op::Lt => |a, b| Ok(Arc::new(cmp::lt(a, b)?)),
        Op::LtEq => |a, b| Ok(Arc::new(cmp::lt_eq(a, b)?)),
        Op::Gt => |a, b| Ok(Arc::new(cmp::gt(a, b)?)),
        Op::GtEq => |a, b| Ok(Arc::new(cmp::gt_eq(a, b)?)),
        Op::And | Op::Or => {
            let (a, b) = (boolean(&a.array)?, boolean(&b.array)?);
            if a.len() != b.len() {
                return Err(ArrowError::InvalidArgumentError(
                    "& and | combine two columns".into(),
                ));
            }
            let both = if op == Op::And {
                arrow_arith::boolean::and(a, b)?
            } else {
                arrow_arith::boolean::or(a, b)?
            };
            return Ok(Arc::new(both));
        }
    };
    let (a, b) = coerce(a, b, op == Op::Div)?;
    kernel(a.datum().as_ref(), b.datum().as_ref())
}

/// The comparison and logical methods (`col("x").gt(1)`), all alike.
macro_rules! comparisons {
    ($($method:ident $op:ident $symbol:literal $what:literal;)+) => {
        impl Expr {$(
            #[doc = concat!($what, ": `self ", $symbol, " other`.")]
            ///
            /// ```
            #[doc = concat!("assert_eq!(rhpc::frame::col(\"x\").", stringify!($method), "(1).to_string(), \"(x ", $symbol, " 1)\");")]
            /// ```
            pub fn $method(self, other: impl Into<Expr>) -> Expr {
                self.binary(Op::$op, other)
            }
        )+}
    };
}

comparisons! {
    equals Eq "==" "Equal";
    not_equals NotEq "!=" "Not equal";
    lt Lt "<" "Less than";
    le LtEq "<=" "Less than or equal";
    gt Gt ">" "Greater than";
    ge GtEq ">=" "Greater than or equal";
    and And "&" "Both conditions";
    or Or "|" "Either condition";
}

impl Expr {
    /// The opposite condition.
    ///
    /// ```
    /// assert_eq!(rhpc::frame::col("a").gt(1).negate().to_string(), "!(a > 1)");
    /// ```
    pub fn negate(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    fn binary(self, op: Op, other: impl Into<Expr>) -> Expr {
        Expr::Binary(Box::new(self), op, Box::new(other.into()))
    }

    fn operand(&self, batch: &RecordBatch) -> Result<Operand, ArrowError> {
        match self {
            Expr::Column(name) => {
                let index = batch.schema().index_of(name)?;
                Ok(Operand {
                    array: batch.column(index).clone(),
                    constant: false,
                })
            }
            Expr::Literal(literal) => {
                let array: ArrayRef = match literal {
                    Literal::Int(v) => Arc::new(Int64Array::from(vec![*v])),
                    Literal::Float(v) => Arc::new(Float64Array::from(vec![*v])),
                    Literal::Str(v) => Arc::new(StringArray::from(vec![v.as_str()])),
                    Literal::Bool(v) => Arc::new(BooleanArray::from(vec![*v])),
                };
                Ok(Operand {
                    array,
                    constant: true,
                })
            }
            Expr::Not(inner) => {
                let inner = inner.operand(batch)?;
                Ok(Operand {
                    array: Arc::new(arrow_arith::boolean::not(boolean(&inner.array)?)?),
                    constant: inner.constant,
                })
            }
            Expr::Binary(left, op, right) => {
                let (a, b) = (left.operand(batch)?, right.operand(batch)?);
                let constant = a.constant && b.constant;
                Ok(Operand {
                    array: apply(*op, a, b)?,
                    constant,
                })
            }
        }
    }

    /// The expression's column for `batch` (constants repeated to the batch's length).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Array, Float64Array, RecordBatch};
    /// use rhpc::frame::col;
    /// let batch = RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(vec![1.0, 2.0])) as _)])?;
    /// let doubled = (col("x") * 2.0).evaluate(&batch)?;
    /// assert_eq!(doubled.len(), 2);
    /// # Ok::<(), arrow_schema::ArrowError>(())
    /// ```
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<ArrayRef, ArrowError> {
        let operand = self.operand(batch)?;
        if !operand.constant {
            return Ok(operand.array);
        }
        let zeros = UInt32Array::from(vec![0u32; batch.num_rows()]);
        arrow_select::take::take(&operand.array, &zeros, None)
    }
}

impl From<Literal> for Expr {
    fn from(value: Literal) -> Self {
        Expr::Literal(value)
    }
}

macro_rules! literal_exprs {
    ($($t:ty),+) => {$(
        impl From<$t> for Expr {
            fn from(value: $t) -> Self {
                Expr::Literal(value.into())
            }
        }
    )+};
}

literal_exprs!(i64, i32, f64, bool, &str, String);

macro_rules! arithmetic {
    ($($trait:ident $method:ident $op:ident;)+) => {$(
        impl<R: Into<Expr>> $trait<R> for Expr {
            type Output = Expr;
            fn $method(self, other: R) -> Expr {
                self.binary(Op::$op, other)
            }
        }
    )+};
}

arithmetic! {
    Add add Add;
    Sub sub Sub;
    Mul mul Mul;
    Div div Div;
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column(name) => f.write_str(name),
            Expr::Literal(Literal::Int(v)) => write!(f, "{v}"),
            Expr::Literal(Literal::Float(v)) => write!(f, "{v}"),
            Expr::Literal(Literal::Str(v)) => write!(f, "{v}"),
            Expr::Literal(Literal::Bool(v)) => write!(f, "{v}"),
            Expr::Binary(a, op, b) => write!(f, "({a} {} {b})", op.symbol()),
            Expr::Not(inner) => write!(f, "!{inner}"),
        }
    }
}
