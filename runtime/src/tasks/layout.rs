//! A layered layout for directed acyclic graphs, in pure Rust (no graphviz).
//!
//! The Sugiyama recipe, kept small: each node's layer is given (its level in the graph),
//! nodes within a layer are ordered by the barycentre of their neighbours in a few
//! alternating sweeps (which untangles trees and reductions), then each layer is spread
//! evenly and centred. Good for the graphs a notebook draws (up to a few hundred nodes);
//! bigger graphs are summarised before they get here.

/// Positions of nodes, in pixels, with the canvas size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// Centre of each node.
    pub(crate) positions: Vec<(f64, f64)>,
    pub(crate) width: f64,
    pub(crate) height: f64,
    /// Horizontal distance between neighbours in the widest layer.
    pub(crate) spacing: f64,
}

/// Spacing limits, in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spacing {
    pub(crate) node: f64,
    pub(crate) layer: f64,
    pub(crate) max_width: f64,
    pub(crate) max_height: f64,
    pub(crate) margin: f64,
}

const SWEEPS: usize = 4;

/// Lays out nodes on their `layers` (0 at the top) with `edges` (from, to).
pub(crate) fn layered(layers: &[usize], edges: &[(usize, usize)], spacing: Spacing) -> Layout {
    let n = layers.len();
    let layer_count = layers.iter().max().map_or(0, |&l| l + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    for (node, &layer) in layers.iter().enumerate() {
        rows[layer].push(node);
    }
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to) in edges {
        down[from].push(to);
        up[to].push(from);
    }
    let mut rank = vec![0.0f64; n];
    let set_ranks = |rows: &Vec<Vec<usize>>, rank: &mut Vec<f64>| {
        for row in rows {
            for (i, &node) in row.iter().enumerate() {
                rank[node] = i as f64 / row.len().max(1) as f64;
            }
        }
    };
    set_ranks(&rows, &mut rank);
    for sweep in 0..SWEEPS {
        let order: Vec<usize> = if sweep % 2 == 0 {
            (1..layer_count).collect()
        } else {
            (0..layer_count.saturating_sub(1)).rev().collect()
        };
        for layer in order {
            let neighbours = if sweep % 2 == 0 { &up } else { &down };
            let mut keyed: Vec<(f64, usize)> = rows[layer]
                .iter()
                .map(|&node| {
                    let around = &neighbours[node];
                    let key = if around.is_empty() {
                        rank[node]
                    } else {
                        around.iter().map(|&m| rank[m]).sum::<f64>() / around.len() as f64
                    };
                    (key, node)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            rows[layer] = keyed.into_iter().map(|(_, node)| node).collect();
            let len = rows[layer].len().max(1) as f64;
            for (i, &node) in rows[layer].iter().enumerate() {
                rank[node] = (i as f64 + 0.5) / len;
            }
        }
    }
    let widest = rows.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64;
    let node_spacing = spacing
        .node
        .min((spacing.max_width - 2.0 * spacing.margin) / widest);
    let layer_spacing = spacing
        .layer
        .min((spacing.max_height - 2.0 * spacing.margin) / layer_count.max(1) as f64);
    let width = widest * node_spacing + 2.0 * spacing.margin;
    let height = layer_count.max(1) as f64 * layer_spacing + 2.0 * spacing.margin;
    let mut positions = vec![(0.0, 0.0); n];
    for (layer, row) in rows.iter().enumerate() {
        let row_width = row.len() as f64 * node_spacing;
        let left = (width - row_width) / 2.0;
        for (i, &node) in row.iter().enumerate() {
            positions[node] = (
                left + (i as f64 + 0.5) * node_spacing,
                spacing.margin + (layer as f64 + 0.5) * layer_spacing,
            );
        }
    }
    Layout {
        positions,
        width,
        height,
        spacing: node_spacing,
    }
}

/// Edge crossings between consecutive layers (for tests and layout quality checks).
#[cfg(test)]
pub(crate) fn crossings(layout: &Layout, edges: &[(usize, usize)]) -> usize {
    let mut count = 0;
    for (i, &(a, b)) in edges.iter().enumerate() {
        for &(c, d) in &edges[i + 1..] {
            let (pa, pb) = (layout.positions[a], layout.positions[b]);
            let (pc, pd) = (layout.positions[c], layout.positions[d]);
            if pa.1 == pc.1 && pb.1 == pd.1 && (pa.0 - pc.0) * (pb.0 - pd.0) < 0.0 {
                count += 1;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACING: Spacing = Spacing {
        node: 60.0,
        layer: 50.0,
        max_width: 1200.0,
        max_height: 1000.0,
        margin: 20.0,
    };

    #[test]
    fn a_scrambled_tree_is_untangled() {
        // Leaves 0..8 on layer 0 in an order that crosses every pair.
        let leaves_to_parent = [
            (0, 8),
            (1, 9),
            (2, 10),
            (3, 11),
            (4, 8),
            (5, 9),
            (6, 10),
            (7, 11),
        ];
        let mut edges: Vec<(usize, usize)> = leaves_to_parent.to_vec();
        edges.extend([(8, 12), (9, 13), (10, 12), (11, 13), (12, 14), (13, 14)]);
        let mut layers = vec![0; 8];
        layers.extend([1, 1, 1, 1, 2, 2, 3]);
        let layout = layered(&layers, &edges, SPACING);
        assert_eq!(crossings(&layout, &edges), 0);
        // Top to bottom, inside the canvas.
        for &(from, to) in &edges {
            assert!(layout.positions[from].1 < layout.positions[to].1);
        }
        for &(x, y) in &layout.positions {
            assert!(x > 0.0 && x < layout.width && y > 0.0 && y < layout.height);
        }
    }

    #[test]
    fn wide_layers_shrink_to_fit() {
        let layers = vec![0; 1000];
        let layout = layered(&layers, &[], SPACING);
        assert!(layout.width <= 1200.0 + 1e-9);
        assert!(layout.spacing < 2.0);
    }
}
