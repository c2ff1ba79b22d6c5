//! Drawing the timeline: completions per second and workflows in flight over the whole
//! run, warm-up, faults and drain shaded, and close-ups of the fault windows beneath.

use plotters::prelude::*;

use super::draw::{
    Area, Swatch, axis_top, drawable, drawable_points, side_legend, text, tick_label, value_range,
    with_legend,
};
use super::looks::{self, Look};
use super::{FONT, MAX_ZOOMS, Series, TimelineData, Zoom, design_color};

const WARMUP: RGBAColor = RGBAColor(86, 180, 233, 0.18);
const FAULT: RGBAColor = RGBAColor(120, 120, 120, 0.3);
const DRAIN: RGBAColor = RGBAColor(230, 159, 0, 0.12);

/// The looks of a panel's lines (the same designs in the same order in every panel).
fn line_looks(lines: &[Series]) -> Vec<(String, Look)> {
    let keyed: Vec<looks::Keyed<'_>> = lines
        .iter()
        .map(|l| {
            (
                l.label.as_str(),
                design_color(l.palette_slot),
                l.points.as_slice(),
            )
        })
        .collect();
    looks::looks(&keyed)
}

/// The offered rate's line: dashed, in black.
const OFFERED: Look = Look {
    color: BLACK,
    dash: 2,
    marker: 0,
    width: 2,
    marked: false,
};

/// One panel: `lines` over [from, to], with shaded spans (start, end, colour) and, where
/// given, the offered rate (a load profile) dashed over them.
#[allow(clippy::too_many_arguments)]
fn panel<DB: DrawingBackend>(
    area: &Area<DB>,
    caption: &str,
    caption_size: u32,
    y_desc: &str,
    (from, to): (f64, f64),
    lines: &[Series],
    shades: &[(f64, f64, RGBAColor)],
    offered: &[(f64, f64)],
) -> Result<(), String> {
    let top = axis_top(
        lines
            .iter()
            .flat_map(|s| s.points.iter())
            .chain(offered)
            .filter(|p| p.0 >= from && p.0 <= to)
            .map(|p| p.1),
    );
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, caption_size))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(from..to, 0f64..top)
        .map_err(text)?;
    let span = to - from;
    chart
        .configure_mesh()
        .x_desc("simulated time (s)")
        .y_desc(y_desc)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| tick_label(*x, span))
        .y_label_formatter(&|y| tick_label(*y, top))
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(text)?;
    chart
        .draw_series(
            shades
                .iter()
                .filter(|(a, b, _)| drawable(*a) && drawable(*b) && *b > from && *a < to)
                .map(|&(a, b, color)| {
                    Rectangle::new([(a.max(from), 0.0), (b.min(to), top)], color.filled())
                }),
        )
        .map_err(text)?;
    for (line, (_, look)) in lines.iter().zip(line_looks(lines)) {
        let points: Vec<(f64, f64)> = drawable_points(&line.points)
            .into_iter()
            .filter(|p| p.0 >= from && p.0 <= to)
            .collect();
        looks::draw_line(
            &mut chart,
            &points,
            Look {
                width: look.width.min(4),
                ..look
            },
        )?;
    }
    // On top: where a design keeps up, its line hides under the offered rate's dashes.
    if !offered.is_empty() {
        let points: Vec<(f64, f64)> = drawable_points(offered);
        looks::draw_line(&mut chart, &points, OFFERED)?;
    }
    Ok(())
}

/// Each design's open circuit breakers, as bars in its colour along the top of the
/// completions panel (one row per design, so that overlapping windows stay apart).
fn breaker_bars<DB: DrawingBackend>(
    area: &Area<DB>,
    (from, to): (f64, f64),
    data: &TimelineData,
) -> Result<(), String> {
    if data.breakers_open.is_empty() {
        return Ok(());
    }
    // The same plotting area as the panel's chart, in a unit square of rows.
    let rows = data.breakers_open.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(" ", (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(from..to, 0f64..1.0)
        .map_err(text)?;
    for (row, (slot, windows)) in data.breakers_open.iter().enumerate() {
        let y = 1.0 - 0.02 * (row as f64 + 1.0).min(rows);
        let color = design_color(*slot);
        chart
            .draw_series(
                windows
                    .iter()
                    .filter(|(a, b)| drawable(*a) && drawable(*b) && *b > from && *a < to)
                    .map(|&(a, b)| {
                        Rectangle::new([(a.max(from), y - 0.008), (b.min(to), y)], color.filled())
                    }),
            )
            .map_err(text)?;
    }
    Ok(())
}

/// Completions per second and workflows in flight over time; warm-up, faults and drain
/// shaded; close-ups of the fault windows beneath when there are any.
pub fn timeline<DB: DrawingBackend>(
    root: &Area<DB>,
    data: &TimelineData,
    title: &str,
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let all = data.completed_per_s.iter().chain(&data.in_flight);
    let (_, end) = value_range(all.flat_map(|s| s.points.iter().map(|p| p.0)), (0.0, 1.0));
    let end = end.max(1.0) * 1.02;
    let mut shades = Vec::new();
    if data.warmup_s > 0.0 {
        shades.push((0.0, data.warmup_s, WARMUP));
    }
    shades.extend(data.faults.iter().map(|&(a, b)| (a, b, FAULT)));
    if data.drain_s > 0.0 && data.drain_s < end {
        shades.push((data.drain_s, end, DRAIN));
    }
    let (_, height) = plot.dim_in_pixel();
    let (main, zoom_row) = if data.zooms.is_empty() {
        (plot.clone(), None)
    } else {
        let (main, rest) = plot.split_vertically(height * 62 / 100);
        (main, Some(rest))
    };
    let rows = main.split_evenly((2, 1));
    panel(
        &rows[0],
        &format!("{title}: completed workflows per second"),
        20,
        "completed per second",
        (0.0, end),
        &data.completed_per_s,
        &shades,
        &data.offered_per_s,
    )?;
    breaker_bars(&rows[0], (0.0, end), data)?;
    panel(
        &rows[1],
        "workflows in flight",
        17,
        "in flight",
        (0.0, end),
        &data.in_flight,
        &shades,
        &[],
    )?;
    if let Some(row) = zoom_row {
        zooms(&row, &data.zooms)?;
    }
    let mut entries: Vec<(String, Swatch)> = line_looks(&data.in_flight)
        .into_iter()
        .zip(line_looks(&data.completed_per_s))
        .map(|((label, look), (same_throughput, _))| {
            // "(same as X)" only where both panels' lines are identical.
            let label = if label == same_throughput {
                label
            } else {
                label
                    .split(" (same as")
                    .next()
                    .unwrap_or(&label)
                    .to_string()
            };
            (
                label,
                Swatch::Look(Look {
                    marked: false,
                    ..look
                }),
            )
        })
        .collect();
    if !data.offered_per_s.is_empty() {
        entries.push(("offered (load profile)".to_string(), Swatch::Look(OFFERED)));
    }
    if data.warmup_s > 0.0 {
        entries.push(("warm-up (not measured)".to_string(), Swatch::Shade(WARMUP)));
    }
    if !data.faults.is_empty() {
        entries.push(("fault window".to_string(), Swatch::Shade(FAULT)));
    }
    if data.drain_s > 0.0 && data.drain_s < end {
        entries.push(("drain (no new arrivals)".to_string(), Swatch::Shade(DRAIN)));
    }
    if !data.breakers_open.is_empty() {
        entries.push((
            "bars on top: a breaker open, in its design's colour".to_string(),
            Swatch::Blank,
        ));
    }
    let spans = data.zooms.len();
    if data.faults.len() > spans && spans == MAX_ZOOMS {
        entries.push((
            format!(
                "close-ups: the first {spans} spans of {} fault windows",
                data.faults.len()
            ),
            Swatch::Blank,
        ));
    }
    side_legend(&legend, "design", &entries)
}

/// The close-ups, side by side.
fn zooms<DB: DrawingBackend>(row: &Area<DB>, zooms: &[Zoom]) -> Result<(), String> {
    let panels = row.split_evenly((1, zooms.len().max(1)));
    for (area, zoom) in panels.iter().zip(zooms) {
        let shades: Vec<(f64, f64, RGBAColor)> =
            zoom.faults.iter().map(|&(a, b)| (a, b, FAULT)).collect();
        panel(
            area,
            &format!("close-up {:.0}–{:.0} s", zoom.from_s, zoom.to_s),
            15,
            "completed per second",
            (zoom.from_s, zoom.to_s),
            &zoom.completed_per_s,
            &shades,
            &[],
        )?;
    }
    Ok(())
}
