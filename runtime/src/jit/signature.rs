//! Parameter lists in CuPy's notation: `"float32 x, float32 y"`, `"T x, raw T table"`.
//!
//! Each parameter is a type and a name. The type is a numpy name (`float32`, `uint64`, ...)
//! or a type placeholder, a name starting with a capital letter (`T`, `U`, `Acc`), that is
//! bound by the arguments of each call: one compiled variant per combination of types, as
//! CuPy does. `raw` marks an array that the operation indexes itself (`table[i / 2]`)
//! instead of receiving element `i`.

use std::fmt;

use crate::gpu::DType;

/// A parameter's type: fixed, or a placeholder bound at call time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeSpec {
    Concrete(DType),
    Generic(String),
}

impl fmt::Display for TypeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeSpec::Concrete(dtype) => write!(f, "{dtype}"),
            TypeSpec::Generic(name) => f.write_str(name),
        }
    }
}

/// One parameter of a kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) ty: TypeSpec,
    pub(crate) raw: bool,
}

/// Names generated code uses itself, and C's keywords.
const RESERVED: &[&str] = &[
    "i", "n", "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "min", "max",
];

/// Whether `name` is a C identifier.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a type: a numpy name or a placeholder.
pub(crate) fn parse_type(text: &str) -> Result<TypeSpec, String> {
    if let Some(dtype) = DType::from_name(text) {
        return Ok(TypeSpec::Concrete(dtype));
    }
    if is_identifier(text) && text.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Ok(TypeSpec::Generic(text.to_owned()));
    }
    Err(format!(
        "unknown type `{text}` (expected float32, float64, int32, int64, uint32, uint64, or a \
         type placeholder starting with a capital letter such as T)"
    ))
}

/// Parses `"float32 x, raw T y"`; an empty string is an empty list.
pub(crate) fn parse_params(text: &str) -> Result<Vec<Param>, String> {
    let mut params: Vec<Param> = Vec::new();
    for item in text.split(',') {
        let words: Vec<&str> = item.split_whitespace().collect();
        let (raw, ty, name) = match words.as_slice() {
            [] if text.trim().is_empty() => continue,
            [ty, name] => (false, *ty, *name),
            ["raw", ty, name] => (true, *ty, *name),
            _ => {
                return Err(format!(
                    "`{}` is not `type name` or `raw type name`",
                    item.trim()
                ));
            }
        };
        let ty = parse_type(ty)?;
        if !is_identifier(name) {
            return Err(format!("`{name}` is not a valid name"));
        }
        if RESERVED.contains(&name) || name.starts_with('_') || name.starts_with("rhpc") {
            return Err(format!(
                "`{name}` is reserved (i and n are the element index and count; names may not \
                 start with _ or rhpc)"
            ));
        }
        if params.iter().any(|p| p.name == name) {
            return Err(format!("`{name}` appears twice"));
        }
        params.push(Param {
            name: name.to_owned(),
            ty,
            raw,
        });
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concrete_generic_and_raw_parameters() {
        let params = parse_params("float32 x, T y, raw uint64 table").unwrap();
        assert_eq!(params[0].ty, TypeSpec::Concrete(DType::F32));
        assert_eq!(params[1].ty, TypeSpec::Generic("T".into()));
        assert!(params[2].raw && !params[0].raw);
        assert!(parse_params("  ").unwrap().is_empty());
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(parse_params("flaot32 x").unwrap_err().contains("flaot32"));
        assert!(parse_params("float32").unwrap_err().contains("type name"));
        assert!(parse_params("float32 i").unwrap_err().contains("reserved"));
        assert!(
            parse_params("float32 x, int32 x")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            parse_params("float32 2x")
                .unwrap_err()
                .contains("valid name")
        );
    }
}
