//! [`Shape`]: the extent of a 1-D or 2-D array, written as numpy writes it.

use std::fmt;

/// The shape of a [`DeviceArray`](super::DeviceArray): one or two dimensions, row-major.
///
/// ```
/// use rhpc::gpu::Shape;
///
/// let vector = Shape::from(5);
/// let matrix = Shape::from((2, 3));
/// assert_eq!(vector.to_string(), "(5,)");
/// assert_eq!(matrix.to_string(), "(2, 3)");
/// assert_eq!(matrix.len(), 6);
/// assert_eq!(matrix.dims(), &[2, 3]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: [usize; 2],
    ndim: usize,
}

impl Shape {
    /// A 1-D shape of `len` elements.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Shape::vector(4).ndim(), 1);
    /// ```
    pub fn vector(len: usize) -> Shape {
        Shape {
            dims: [len, 1],
            ndim: 1,
        }
    }

    /// A 2-D shape of `rows` × `cols` elements, row-major.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Shape::matrix(2, 3).len(), 6);
    /// ```
    pub fn matrix(rows: usize, cols: usize) -> Shape {
        Shape {
            dims: [rows, cols],
            ndim: 2,
        }
    }

    /// The extent along each dimension.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Shape::vector(4).dims(), &[4]);
    /// ```
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.ndim]
    }

    /// 1 or 2.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Shape::matrix(1, 1).ndim(), 2);
    /// ```
    pub fn ndim(&self) -> usize {
        self.ndim
    }

    /// The number of elements.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Shape::matrix(3, 0).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.dims().iter().product()
    }

    /// Whether the shape holds no element.
    ///
    /// ```
    /// assert!(rhpc::gpu::Shape::vector(0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<usize> for Shape {
    fn from(len: usize) -> Shape {
        Shape::vector(len)
    }
}

impl From<(usize, usize)> for Shape {
    fn from((rows, cols): (usize, usize)) -> Shape {
        Shape::matrix(rows, cols)
    }
}

impl From<[usize; 1]> for Shape {
    fn from([len]: [usize; 1]) -> Shape {
        Shape::vector(len)
    }
}

impl From<[usize; 2]> for Shape {
    fn from([rows, cols]: [usize; 2]) -> Shape {
        Shape::matrix(rows, cols)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dims() {
            [len] => write!(f, "({len},)"),
            dims => {
                let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
                write!(f, "({})", parts.join(", "))
            }
        }
    }
}
