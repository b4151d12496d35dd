//! [`MimeBundle`]: one value, several representations.

use std::collections::BTreeMap;

use serde_json::Value;

/// Representations of one value, keyed by MIME type (`text/plain`, `text/html`,
/// `image/svg+xml`, `image/png` as base64, `application/json`, ...). Frontends show the
/// richest one they understand.
///
/// ```
/// use rhpc::display::MimeBundle;
///
/// let bundle = MimeBundle::text("42").with("text/html", "<b>42</b>");
/// assert_eq!(bundle.plain_text(), "42");
/// assert_eq!(bundle.mime_types().collect::<Vec<_>>(), ["text/html", "text/plain"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MimeBundle {
    data: BTreeMap<String, Value>,
}

impl MimeBundle {
    /// An empty bundle.
    ///
    /// ```
    /// assert!(rhpc::display::MimeBundle::new().is_empty());
    /// ```
    pub fn new() -> MimeBundle {
        MimeBundle::default()
    }

    /// A bundle with just `text/plain`.
    ///
    /// ```
    /// assert_eq!(rhpc::display::MimeBundle::text("hi").plain_text(), "hi");
    /// ```
    pub fn text(plain: impl Into<String>) -> MimeBundle {
        MimeBundle::new().with("text/plain", plain)
    }

    /// Adds (or replaces) a textual representation.
    ///
    /// ```
    /// let bundle = rhpc::display::MimeBundle::text("x").with("text/markdown", "*x*");
    /// assert!(bundle.get("text/markdown").is_some());
    /// ```
    pub fn with(mut self, mime: &str, content: impl Into<String>) -> MimeBundle {
        self.insert(mime, content);
        self
    }

    /// Adds (or replaces) a JSON representation (`application/json`, `*+json`).
    ///
    /// ```
    /// let bundle = rhpc::display::MimeBundle::text("{}")
    ///     .with_json("application/json", serde_json::json!({"a": 1}));
    /// assert_eq!(bundle.get("application/json").unwrap()["a"], 1);
    /// ```
    pub fn with_json(mut self, mime: &str, value: Value) -> MimeBundle {
        self.data.insert(mime.to_owned(), value);
        self
    }

    /// Adds (or replaces) a textual representation in place.
    ///
    /// ```
    /// let mut bundle = rhpc::display::MimeBundle::new();
    /// bundle.insert("text/plain", "x");
    /// assert_eq!(bundle.plain_text(), "x");
    /// ```
    pub fn insert(&mut self, mime: &str, content: impl Into<String>) {
        self.data
            .insert(mime.to_owned(), Value::String(content.into()));
    }

    /// The representation for `mime`, if present.
    ///
    /// ```
    /// assert!(rhpc::display::MimeBundle::text("x").get("text/html").is_none());
    /// ```
    pub fn get(&self, mime: &str) -> Option<&Value> {
        self.data.get(mime)
    }

    /// The `text/plain` representation ("" if absent).
    ///
    /// ```
    /// assert_eq!(rhpc::display::MimeBundle::new().plain_text(), "");
    /// ```
    pub fn plain_text(&self) -> &str {
        self.data
            .get("text/plain")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The MIME types present, in order.
    ///
    /// ```
    /// assert_eq!(rhpc::display::MimeBundle::text("x").mime_types().count(), 1);
    /// ```
    pub fn mime_types(&self) -> impl Iterator<Item = &str> {
        self.data.keys().map(String::as_str)
    }

    /// Whether there are no representations.
    ///
    /// ```
    /// assert!(!rhpc::display::MimeBundle::text("x").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The bundle as the JSON object Jupyter messages carry.
    ///
    /// ```
    /// let json = rhpc::display::MimeBundle::text("x").to_json();
    /// assert_eq!(json, serde_json::json!({"text/plain": "x"}));
    /// ```
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.data
                .iter()
                .map(|(mime, value)| (mime.clone(), value.clone()))
                .collect(),
        )
    }

    /// Each representation as text: strings as they are, JSON serialized on one line.
    pub(crate) fn as_text(&self) -> impl Iterator<Item = (&str, String)> {
        self.data.iter().map(|(mime, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (mime.as_str(), text)
        })
    }
}
