//! A small SVG builder whose colours follow the notebook's theme.
//!
//! Every chart and picture in rhpc is drawn with [`SvgDoc`]. Colours are CSS custom
//! properties with fallbacks, written as `style="fill: var(--jp-ui-font-color1, #1f1f1f)"`:
//! inline in JupyterLab's HTML output they take the light or dark theme's colours, and
//! anywhere the variables are undefined (an `<img>`, nbconvert's HTML export, a file) the
//! light fallbacks apply on the document's own light background. Hand-written rather than
//! a plotting crate: plotters needs a font engine and an embedded font to lay out SVG text,
//! and cannot express theme variables.

use std::fmt::Write;

use super::bundle::MimeBundle;
use super::html::escape_html;

/// A colour, resolved against the notebook theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paint {
    /// Main text and axis colour.
    Foreground,
    /// Secondary text (labels, notes).
    Muted,
    /// Grid lines and frames.
    Grid,
    /// The page behind the picture.
    Background,
    /// The `n`-th colour of the [series palette](series_color), readable on both themes.
    Series(usize),
    /// A fixed colour, `#rrggbb`.
    Rgb(u8, u8, u8),
    /// No paint.
    None,
}

/// Ten colours with good contrast on white and on JupyterLab's dark theme.
const SERIES: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The `n`-th series colour, as `#rrggbb` (the palette repeats after ten).
///
/// ```
/// assert_eq!(rhpc::display::svg::series_color(0), "#4e79a7");
/// assert_eq!(rhpc::display::svg::series_color(10), rhpc::display::svg::series_color(0));
/// ```
pub fn series_color(n: usize) -> &'static str {
    SERIES[n % SERIES.len()]
}

/// A stable series index for a name, so the same name gets the same colour in every
/// picture (task prefixes in graphs and task streams, for instance).
///
/// ```
/// use rhpc::display::svg::color_index;
/// assert_eq!(color_index("inc"), color_index("inc"));
/// ```
pub fn color_index(name: &str) -> usize {
    // FNV-1a: deterministic across processes, unlike the std hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (hash % SERIES.len() as u64) as usize
}

impl Paint {
    /// The theme variable behind this paint, if it follows the theme.
    fn theme_variable(self) -> Option<&'static str> {
        match self {
            Paint::Foreground => Some("--jp-ui-font-color1"),
            Paint::Muted => Some("--jp-ui-font-color2"),
            Paint::Grid => Some("--jp-border-color2"),
            Paint::Background => Some("--jp-layout-color0"),
            _ => None,
        }
    }

    /// The colour used where theme variables are not available (the light theme's).
    pub fn fallback(self) -> String {
        match self {
            Paint::Foreground => "#1f1f1f".into(),
            Paint::Muted => "#616161".into(),
            Paint::Grid => "#e3e3e3".into(),
            Paint::Background => "#ffffff".into(),
            Paint::Series(n) => series_color(n).into(),
            Paint::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
            Paint::None => "none".into(),
        }
    }

    /// The CSS value: a theme variable with the fallback, or a fixed colour.
    pub fn css(self) -> String {
        match self.theme_variable() {
            Some(variable) => format!("var({variable}, {})", self.fallback()),
            None => self.fallback(),
        }
    }
}

/// `fill`/`stroke` attributes with the fallback colours, plus a `style` carrying the theme
/// variables. Browsers apply the style; renderers without CSS variables (librsvg, PDF
/// converters) drop it and use the attributes, so text never turns invisible.
fn paint_attributes(fill: Paint, stroke: Option<(Paint, f64, bool)>) -> String {
    let mut attributes = format!(r#"fill="{}""#, fill.fallback());
    let mut style = String::new();
    if fill.theme_variable().is_some() {
        let _ = write!(style, "fill:{};", fill.css());
    }
    if let Some((stroke, width, dashed)) = stroke {
        let _ = write!(
            attributes,
            r#" stroke="{}" stroke-width="{}""#,
            stroke.fallback(),
            num(width)
        );
        if dashed {
            attributes.push_str(r#" stroke-dasharray="5 4""#);
        }
        if stroke.theme_variable().is_some() {
            let _ = write!(style, "stroke:{};", stroke.css());
        }
    }
    if !style.is_empty() {
        let _ = write!(attributes, r#" style="{style}""#);
    }
    attributes
}

/// Horizontal alignment of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at x.
    Start,
    /// Text is centred on x.
    Middle,
    /// Text ends at x.
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// An SVG picture under construction.
///
/// ```
/// use rhpc::display::svg::{Anchor, Paint, SvgDoc};
/// use rhpc::display::Render;
///
/// let mut doc = SvgDoc::new(200.0, 100.0, "a square and a word");
/// doc.rect(10.0, 10.0, 40.0, 40.0, Paint::Series(0), Some("the square"));
/// doc.text(100.0, 50.0, "hello", 12.0, Anchor::Middle, Paint::Foreground);
/// let svg = doc.to_svg();
/// assert!(svg.starts_with("<svg") && svg.contains("hello"));
/// assert!(doc.render().get("text/html").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct SvgDoc {
    width: f64,
    height: f64,
    description: String,
    body: String,
}

/// Formats a coordinate compactly (SVGs with thousands of shapes stay small).
fn num(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e9 {
        format!("{}", value as i64)
    } else {
        format!("{value:.1}")
    }
}

impl SvgDoc {
    /// An empty picture; `description` is its accessible title and its `text/plain` form.
    pub fn new(width: f64, height: f64, description: &str) -> SvgDoc {
        let mut doc = SvgDoc {
            width,
            height,
            description: description.to_owned(),
            body: String::new(),
        };
        doc.rect(0.0, 0.0, width, height, Paint::Background, None);
        doc
    }

    /// The picture's size in pixels.
    pub fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    fn tooltip(&mut self, tooltip: Option<&str>) {
        if let Some(tip) = tooltip {
            let _ = write!(self.body, "<title>{}</title>", escape_html(tip));
        }
    }

    /// A filled rectangle, with an optional hover tooltip.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Paint, tooltip: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {}>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            paint_attributes(fill, None)
        );
        self.tooltip(tooltip);
        self.body.push_str("</rect>");
    }

    /// A rectangle outline.
    pub fn frame(&mut self, x: f64, y: f64, w: f64, h: f64, stroke: Paint) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {}/>"#,
            num(x),
            num(y),
            num(w),
            num(h),
            paint_attributes(Paint::None, Some((stroke, 1.0, false)))
        );
    }

    /// A straight line; `dashed` for reference lines such as an ideal speed-up.
    #[allow(clippy::too_many_arguments)]
    pub fn line(
        &mut self,
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        stroke: Paint,
        width: f64,
        dashed: bool,
    ) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            paint_attributes(Paint::None, Some((stroke, width, dashed)))
        );
    }

    /// A connected line through `points`.
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: Paint, width: f64, dashed: bool) {
        let coords: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        let _ = write!(
            self.body,
            r#"<polyline points="{}" {}/>"#,
            coords.join(" "),
            paint_attributes(Paint::None, Some((stroke, width, dashed)))
        );
    }

    /// A filled circle (a scatter point), with an optional tooltip.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: Paint, tooltip: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" {}>"#,
            num(cx),
            num(cy),
            num(r),
            paint_attributes(fill, None)
        );
        self.tooltip(tooltip);
        self.body.push_str("</circle>");
    }

    /// A path given in SVG path syntax (`M x y L ...`), stroked and optionally filled.
    pub fn path(&mut self, d: &str, stroke: Paint, fill: Paint, width: f64) {
        let _ = write!(
            self.body,
            r#"<path d="{}" {}/>"#,
            escape_html(d),
            paint_attributes(fill, Some((stroke, width, false)))
        );
    }

    /// Text at (x, y) (y is the baseline).
    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f64, anchor: Anchor, paint: Paint) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{}" font-size="{}" {}>{}</text>"#,
            num(x),
            num(y),
            anchor.as_str(),
            num(size),
            paint_attributes(paint, None),
            escape_html(text)
        );
    }

    /// Bold text, for titles.
    pub fn title(&mut self, x: f64, y: f64, text: &str, anchor: Anchor) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{}" font-size="14" font-weight="600" {}>{}</text>"#,
            num(x),
            num(y),
            anchor.as_str(),
            paint_attributes(Paint::Foreground, None),
            escape_html(text)
        );
    }

    /// Text rotated 90° counter-clockwise about (x, y): vertical axis labels.
    pub fn vertical_text(&mut self, x: f64, y: f64, text: &str, size: f64, paint: Paint) {
        let _ = write!(
            self.body,
            r#"<text x="{0}" y="{1}" text-anchor="middle" transform="rotate(-90 {0} {1})" font-size="{2}" {3}>{4}</text>"#,
            num(x),
            num(y),
            num(size),
            paint_attributes(paint, None),
            escape_html(text)
        );
    }

    /// The standalone SVG document.
    pub fn to_svg(&self) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"><title>{title}</title>{body}</svg>"#,
            w = num(self.width),
            h = num(self.height),
            title = escape_html(&self.description),
            body = self.body
        )
    }
}

impl super::Render for SvgDoc {
    fn render(&self) -> MimeBundle {
        let svg = self.to_svg();
        MimeBundle::text(self.description.clone())
            .with(
                "text/html",
                format!("<div class=\"rhpc-figure\">{svg}</div>"),
            )
            .with("image/svg+xml", svg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_colours_follow_the_theme() {
        let mut doc = SvgDoc::new(10.0, 10.0, "x < y");
        doc.text(0.0, 0.0, "<script>", 10.0, Anchor::Start, Paint::Foreground);
        let svg = doc.to_svg();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(
            svg.contains(r##"fill="#1f1f1f" style="fill:var(--jp-ui-font-color1, #1f1f1f);""##)
        );
        assert!(svg.contains("<title>x &lt; y</title>"));
    }

    #[test]
    fn coordinates_are_compact() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.25), "2.2");
        assert_eq!(num(-0.5), "-0.5");
    }

    #[test]
    fn colour_indices_are_stable_and_in_range() {
        for name in ["inc", "add", "sum", "x"] {
            assert_eq!(color_index(name), color_index(name));
            assert!(color_index(name) < 10);
        }
    }
}
