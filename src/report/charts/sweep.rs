//! Drawing a sweep chart: a metric against the first swept key, one colour per design
//! and one marker shape per combination of the other keys' values.

use plotters::prelude::*;

use super::draw::{
    Area, Swatch, axis_top, drawable, side_legend, text, tick_label, value_range, with_legend,
};
use super::{FONT, SweepLine, design_color};

/// A metric against the swept parameter: one colour per design, one marker shape per
/// value of the other swept keys, 95 % bands with replications. With categories (a text
/// parameter) points are not joined: there is nothing between two categories.
pub fn sweep<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    x_label: &str,
    categories: Option<&[String]>,
    metric: &str,
    lines: &[SweepLine],
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let point_ok = |p: &(f64, f64, Option<f64>)| drawable(p.0) && drawable(p.1);
    let (x_low, x_high) = value_range(
        lines
            .iter()
            .flat_map(|l| l.points.iter().filter(|p| point_ok(p)).map(|p| p.0)),
        (0.0, 1.0),
    );
    let (x_low, x_high) = if x_high > x_low {
        (x_low, x_high)
    } else {
        (x_low - 0.5, x_high + 0.5)
    };
    let top = axis_top(lines.iter().flat_map(|l| {
        l.points
            .iter()
            .filter(|p| point_ok(p))
            .map(|p| p.1 + p.2.filter(|h| drawable(*h)).unwrap_or(0.0))
    }));
    // Categories sit half a slot from the edges, so that every one of them is a tick.
    let pad = if categories.is_some() {
        0.5
    } else {
        (x_high - x_low) * 0.04
    };
    let mut chart = ChartBuilder::on(&plot)
        .caption(format!("{title}: {metric} against {x_label}"), (FONT, 22))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(x_low - pad..x_high + pad, 0f64..top)
        .map_err(text)?;
    let span = x_high - x_low;
    let y_label = |y: &f64| tick_label(*y, top);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_label)
        .y_desc(metric)
        .light_line_style(WHITE)
        .y_label_formatter(&y_label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18));
    let name_of = |x: &f64| match categories {
        Some(names) => {
            let index = x.round();
            if (x - index).abs() < 1e-6 && index >= 0.0 {
                names.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        None => tick_label(*x, span),
    };
    if let Some(names) = categories {
        // One tick per category: with a finer grid plotters' "nice" steps could miss the
        // last one.
        mesh.x_labels(names.len().max(1));
    }
    mesh.x_label_formatter(&name_of).draw().map_err(text)?;
    let mut entries = Vec::new();
    for line in lines {
        let color = design_color(line.palette_slot);
        let points: Vec<(f64, f64, Option<f64>)> = line
            .points
            .iter()
            .copied()
            .filter(|p| point_ok(p))
            .collect();
        let half = |p: &(f64, f64, Option<f64>)| p.2.filter(|h| drawable(*h)).unwrap_or(0.0);
        if categories.is_none() && points.iter().any(|p| p.2.is_some()) {
            let upper = points.iter().map(|p| (p.0, p.1 + half(p)));
            let lower = points.iter().rev().map(|p| (p.0, (p.1 - half(p)).max(0.0)));
            let band: Vec<(f64, f64)> = upper.chain(lower).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    color.mix(0.15).filled(),
                )))
                .map_err(text)?;
        }
        let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
        if categories.is_none() {
            let width = if line.style == 0 { 3 } else { 2 };
            chart
                .draw_series(LineSeries::new(xy.clone(), color.stroke_width(width)))
                .map_err(text)?;
        } else {
            // Error bars instead of a band: categories are separate points.
            chart
                .draw_series(points.iter().filter(|p| p.2.is_some()).map(|p| {
                    PathElement::new(
                        vec![(p.0, (p.1 - half(p)).max(0.0)), (p.0, p.1 + half(p))],
                        color.stroke_width(2),
                    )
                }))
                .map_err(text)?;
        }
        let style = line.style;
        chart
            .draw_series(xy.iter().map(|&p| {
                EmptyElement::at(p)
                    + match style % 4 {
                        0 => Circle::new((0, 0), 5, color.filled()).into_dyn(),
                        1 => TriangleMarker::new((0, 0), 7, color.filled()).into_dyn(),
                        2 => Rectangle::new([(-5, -5), (5, 5)], color.filled()).into_dyn(),
                        _ => Cross::new((0, 0), 6, color.stroke_width(2)).into_dyn(),
                    }
            }))
            .map_err(text)?;
        entries.push((line.label.clone(), Swatch::Marker(color, line.style)));
    }
    side_legend(&legend, "design", &entries)
}
