//! [`Render`]: how a value describes itself, and wrappers for ready-made content.

use serde_json::Value;

use super::bundle::MimeBundle;

/// A value that can show itself in a notebook.
///
/// Implement [`render`](Render::render) to return a [`MimeBundle`] with at least
/// `text/plain`; add `text/html`, `image/svg+xml`, ... for richer frontends.
///
/// ```
/// use rhpc::display::{MimeBundle, Render, escape_html};
///
/// struct Temperature(f64);
///
/// impl Render for Temperature {
///     fn render(&self) -> MimeBundle {
///         let text = format!("{:.1} °C", self.0);
///         let html = format!("<b>{}</b>", escape_html(&text));
///         MimeBundle::text(text).with("text/html", html)
///     }
/// }
///
/// assert_eq!(Temperature(21.5).render().plain_text(), "21.5 °C");
/// ```
pub trait Render {
    /// This value's representations.
    fn render(&self) -> MimeBundle;
}

impl<T: Render + ?Sized> Render for &T {
    fn render(&self) -> MimeBundle {
        (**self).render()
    }
}

impl Render for MimeBundle {
    fn render(&self) -> MimeBundle {
        self.clone()
    }
}

impl Render for str {
    fn render(&self) -> MimeBundle {
        MimeBundle::text(self)
    }
}

impl Render for String {
    fn render(&self) -> MimeBundle {
        MimeBundle::text(self.as_str())
    }
}

/// Renders a value as a notebook cell's result, through evcxr's `evcxr_display` convention.
///
/// evcxr calls `.evcxr_display()` on the last expression of a cell when such a method
/// exists, and shows what it prints between `EVCXR_BEGIN_CONTENT` and `EVCXR_END_CONTENT`.
/// With `use rhpc::prelude::*;` every [`Render`] type has this method.
///
/// ```
/// use rhpc::prelude::*;
/// Html::new("<i>shown as the cell's value</i>").evcxr_display();
/// ```
pub trait EvcxrDisplay {
    /// Prints this value's representations in evcxr's format.
    fn evcxr_display(&self);
}

impl<T: Render + ?Sized> EvcxrDisplay for T {
    fn evcxr_display(&self) {
        let bundle = self.render();
        let mut out = String::new();
        for (mime, text) in bundle.as_text() {
            out.push_str(&format!(
                "EVCXR_BEGIN_CONTENT {mime}\n{text}\nEVCXR_END_CONTENT\n"
            ));
        }
        print!("{out}");
    }
}

macro_rules! wrapper {
    ($(#[$doc:meta])* $name:ident, $mime:literal, $plain:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Wraps `", $mime, "` content.")]
            pub fn new(content: impl Into<String>) -> $name {
                $name(content.into())
            }

            /// The wrapped content.
            pub fn content(&self) -> &str {
                &self.0
            }
        }

        impl Render for $name {
            fn render(&self) -> MimeBundle {
                let plain: fn(&str) -> String = $plain;
                MimeBundle::text(plain(&self.0)).with($mime, self.0.as_str())
            }
        }
    };
}

wrapper!(
    /// HTML to show as is.
    ///
    /// ```
    /// use rhpc::display::{Html, Render};
    /// assert_eq!(Html::new("<b>x</b>").render().get("text/html").unwrap(), "<b>x</b>");
    /// ```
    Html,
    "text/html",
    |_| "<HTML output>".to_owned()
);
wrapper!(
    /// An SVG image (the text of an `<svg>` element).
    ///
    /// ```
    /// use rhpc::display::{Render, Svg};
    /// let svg = Svg::new(r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#);
    /// assert!(svg.render().get("image/svg+xml").is_some());
    /// ```
    Svg,
    "image/svg+xml",
    |_| "<SVG image>".to_owned()
);
wrapper!(
    /// Markdown text.
    ///
    /// ```
    /// use rhpc::display::{Markdown, Render};
    /// assert_eq!(Markdown::new("*hi*").render().plain_text(), "*hi*");
    /// ```
    Markdown,
    "text/markdown",
    str::to_owned
);
wrapper!(
    /// LaTeX math, such as `$E = mc^2$`.
    ///
    /// ```
    /// use rhpc::display::{Latex, Render};
    /// assert!(Latex::new("$x^2$").render().get("text/latex").is_some());
    /// ```
    Latex,
    "text/latex",
    str::to_owned
);

/// A PNG image, from its encoded bytes (sent base64-encoded, as Jupyter expects).
///
/// ```
/// use rhpc::display::{Png, Render};
/// let png = Png::new(vec![0x89, b'P', b'N', b'G']);
/// assert_eq!(png.render().get("image/png").unwrap(), "iVBORw==");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png(Vec<u8>);

impl Png {
    /// Wraps PNG bytes.
    pub fn new(bytes: Vec<u8>) -> Png {
        Png(bytes)
    }
}

impl Render for Png {
    fn render(&self) -> MimeBundle {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.0);
        MimeBundle::text(format!("<PNG image, {} bytes>", self.0.len())).with("image/png", encoded)
    }
}

/// A JSON document (`application/json`), shown as an interactive tree by JupyterLab.
///
/// ```
/// use rhpc::display::{Json, Render};
/// let json = Json::new(serde_json::json!({"answer": 42}));
/// assert_eq!(json.render().get("application/json").unwrap()["answer"], 42);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Json(Value);

impl Json {
    /// Wraps a JSON value.
    pub fn new(value: Value) -> Json {
        Json(value)
    }
}

impl Render for Json {
    fn render(&self) -> MimeBundle {
        let plain = serde_json::to_string_pretty(&self.0).unwrap_or_default();
        MimeBundle::text(plain).with_json("application/json", self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wrapper_has_plain_text() {
        for bundle in [
            Html::new("<b>x</b>").render(),
            Svg::new("<svg/>").render(),
            Markdown::new("x").render(),
            Latex::new("$x$").render(),
            Png::new(vec![1, 2, 3]).render(),
            Json::new(serde_json::json!([1])).render(),
        ] {
            assert!(!bundle.plain_text().is_empty(), "{bundle:?}");
        }
    }
}
