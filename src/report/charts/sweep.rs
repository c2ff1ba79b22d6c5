//! Drawing a sweep chart: a metric against the first swept key, one colour per design
//! and one marker shape per combination of the other keys' values.

use plotters::prelude::*;

use super::draw::{
    Area, Swatch, axis_top, drawable, side_legend, text, tick_label, value_range, with_legend,
};
use super::looks::{self, Look};
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
    // A long caption gets a smaller font rather than running off the chart.
    let caption = format!("{title}: {metric} against {x_label}");
    let caption_size = if caption.chars().count() > 70 { 17 } else { 22 };
    let mut chart = ChartBuilder::on(&plot)
        .caption(&caption, (FONT, caption_size))
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
    // Whole-number parameters (workers, retries) get whole-number ticks only.
    let whole = lines
        .iter()
        .flat_map(|l| l.points.iter())
        .all(|p| p.0.fract() == 0.0);
    let name_of = |x: &f64| match categories {
        Some(names) => {
            let index = x.round();
            if (x - index).abs() < 1e-6 && index >= 0.0 {
                names.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        None if whole && (x - x.round()).abs() > 1e-9 => String::new(),
        None => tick_label(*x, span),
    };
    if let Some(names) = categories {
        // One tick per category: with a finer grid plotters' "nice" steps could miss the
        // last one.
        mesh.x_labels(names.len().max(1));
    }
    mesh.x_label_formatter(&name_of).draw().map_err(text)?;
    let drawn: Vec<Vec<(f64, f64, Option<f64>)>> = lines
        .iter()
        .map(|line| {
            line.points
                .iter()
                .copied()
                .filter(|p| point_ok(p))
                .collect()
        })
        .collect();
    let xys: Vec<Vec<(f64, f64)>> = drawn
        .iter()
        .map(|points| points.iter().map(|p| (p.0, p.1)).collect())
        .collect();
    let keyed: Vec<looks::Keyed<'_>> = lines
        .iter()
        .zip(&xys)
        .map(|(line, xy)| {
            (
                line.label.as_str(),
                design_color(line.palette_slot),
                xy.as_slice(),
            )
        })
        .collect();
    let mut entries = Vec::new();
    for (((line, points), xy), (label, look)) in
        lines.iter().zip(&drawn).zip(&xys).zip(looks::looks(&keyed))
    {
        // The marker tells the other swept keys' values apart.
        let look = Look {
            marker: line.style,
            ..look
        };
        let color = look.color;
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
        if categories.is_none() {
            looks::draw_line(&mut chart, xy, look)?;
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
        looks::draw_markers(&mut chart, xy, look)?;
        // Categories' points are not joined: the legend shows the mark alone.
        let swatch = match categories {
            Some(_) => Swatch::Point(look.color, look.marker),
            None => Swatch::Look(look),
        };
        entries.push((label, swatch));
    }
    side_legend(&legend, "design", &entries)
}
