//! How a blocked array shows itself, as Dask's repr does: a table of bytes, shape, chunk
//! shape, counts and element type beside a picture of the chunk grid.

use std::fmt;

use super::blocked::BlockedArray;
use super::chunks::ChunkGrid;
use super::element::Element;
use crate::display::svg::{Anchor, Paint, SvgDoc};
use crate::display::units::format_bytes;
use crate::display::{MimeBundle, Render, Table};

/// The longest side of the grid picture, in pixels.
const SIDE: f64 = 160.0;
/// Beyond this many chunks along an axis, lines are drawn for a sample only.
const MAX_LINES: usize = 100;

fn tuple(values: &[usize]) -> String {
    let items: Vec<String> = values.iter().map(ToString::to_string).collect();
    if items.len() == 1 {
        format!("({},)", items[0])
    } else {
        format!("({})", items.join(", "))
    }
}

/// The offsets of the chunk boundaries along one axis, scaled to `length` pixels.
fn boundaries(sizes: &[usize], length: f64) -> Vec<f64> {
    let total: usize = sizes.iter().sum();
    let step = sizes.len().div_ceil(MAX_LINES).max(1);
    let mut at = 0;
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        if i % step == 0 {
            out.push(at as f64 / total.max(1) as f64 * length);
        }
        at += size;
    }
    out.push(length);
    out
}

/// The chunk grid of the last two axes (one row for 1-D arrays), drawn to scale.
pub(crate) fn grid_picture(grid: &ChunkGrid) -> SvgDoc {
    let (rows, cols): (Vec<usize>, Vec<usize>) = match grid.chunks() {
        [] => (vec![1], vec![1]),
        [only] => (vec![1], only.clone()),
        [.., r, c] => (r.clone(), c.clone()),
    };
    let (height_units, width_units) = if grid.ndim() == 1 {
        (0.0, 1.0)
    } else {
        (
            rows.iter().sum::<usize>() as f64,
            cols.iter().sum::<usize>() as f64,
        )
    };
    let scale = SIDE / height_units.max(width_units).max(1.0);
    let width = (width_units * scale).max(20.0);
    let height = if grid.ndim() == 1 {
        25.0
    } else {
        (height_units * scale).max(20.0)
    };
    let margin = 30.0;
    let description = format!("chunk grid {}", tuple(&grid.grid_shape()));
    let mut doc = SvgDoc::new(width + 2.0 * margin, height + 2.0 * margin, &description);
    doc.rect(
        margin,
        margin,
        width,
        height,
        Paint::Series(0),
        Some(&description),
    );
    for x in boundaries(&cols, width) {
        doc.line(
            margin + x,
            margin,
            margin + x,
            margin + height,
            Paint::Foreground,
            1.0,
            false,
        );
    }
    for y in boundaries(&rows, height) {
        doc.line(
            margin,
            margin + y,
            margin + width,
            margin + y,
            Paint::Foreground,
            1.0,
            false,
        );
    }
    let shape = grid.shape();
    if let Some(&last) = shape.last() {
        doc.text(
            margin + width / 2.0,
            margin + height + 18.0,
            &last.to_string(),
            12.0,
            Anchor::Middle,
            Paint::Foreground,
        );
    }
    if shape.len() >= 2 {
        let second = shape[shape.len() - 2];
        doc.vertical_text(
            margin + width + 16.0,
            margin + height / 2.0,
            &second.to_string(),
            12.0,
            Paint::Foreground,
        );
    }
    doc
}

impl<T: Element> BlockedArray<T> {
    /// The repr's table rows: (label, whole array, one chunk).
    fn summary(&self) -> Vec<(&'static str, String, String)> {
        let chunk = self.grid.chunk_shape();
        let chunk_bytes = chunk.iter().product::<usize>() * std::mem::size_of::<T>();
        vec![
            (
                "Bytes",
                format_bytes(self.nbytes() as f64),
                format_bytes(chunk_bytes as f64),
            ),
            ("Shape", tuple(self.shape()), tuple(&chunk)),
            (
                "Count",
                format!("{} tasks", self.graph().len()),
                format!("{} chunks", self.grid.nblocks()),
            ),
            ("Type", T::DTYPE.to_string(), "ndarray::ArrayD".to_string()),
        ]
    }
}

impl<T: Element> fmt::Display for BlockedArray<T> {
    /// `BlockedArray<name, shape=(1000, 1000), dtype=float64, chunksize=(250, 500)>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BlockedArray<{}, shape={}, dtype={}, chunksize={}, chunks={}>",
            self.name,
            tuple(self.shape()),
            T::DTYPE,
            tuple(&self.grid.chunk_shape()),
            self.grid.nblocks()
        )
    }
}

impl<T: Element> fmt::Debug for BlockedArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T: Element> Render for BlockedArray<T> {
    /// A table (bytes, shape, counts, type) beside the chunk grid, as Dask shows arrays.
    fn render(&self) -> MimeBundle {
        let mut table = Table::new(["", "Array", "Chunk"]);
        for (label, array, chunk) in self.summary() {
            table.push_row([label.to_string(), array, chunk]);
        }
        let html = format!(
            "<table><tr><td style=\"vertical-align:top\">{}</td>\
             <td style=\"vertical-align:top\">{}</td></tr></table>",
            table.to_html(),
            grid_picture(&self.grid).to_svg()
        );
        MimeBundle::text(self.to_string()).with("text/html", html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repr_names_shape_chunks_and_type() {
        let x = BlockedArray::<f64>::ones(&[1000, 1000], &[250, 500]).unwrap();
        let bundle = x.render();
        let html = bundle
            .get("text/html")
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string();
        assert!(html.contains("(1000, 1000)") && html.contains("(250, 500)"));
        assert!(html.contains("8 chunks") && html.contains("float64"));
        assert!(html.contains("7.63 MiB"), "{html}");
        assert!(html.contains("<svg"));
        assert!(bundle.plain_text().contains("chunksize=(250, 500)"));
    }

    #[test]
    fn many_chunks_draw_a_sample_of_lines() {
        let grid = ChunkGrid::regular(&[100_000], &[10]).unwrap();
        let svg = grid_picture(&grid).to_svg();
        assert!(svg.matches("<line").count() <= MAX_LINES + 3);
    }
}
