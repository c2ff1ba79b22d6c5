//! Drawing the charts on any plotters backend (PNG bitmap or SVG): axes with round tick
//! labels, legends in a panel beside the data, values that are not finite left out and
//! ranges that cannot overflow.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, Series, TimelineData, category_color, design_color, nines};
use crate::metrics::{CategoryShare, MessageCategory};

pub type Area<DB> = DrawingArea<DB, Shift>;

/// Width of the legend panel on the right of every chart.
const LEGEND_WIDTH: u32 = 310;
/// The largest magnitude a chart accepts: beyond it plotters' range arithmetic can
/// overflow, and no simulated figure gets near it.
const LARGEST: f64 = 1e12;

pub(super) fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A value a chart can draw: finite and within `LARGEST`.
pub fn drawable(value: f64) -> bool {
    value.is_finite() && value.abs() <= LARGEST
}

/// The points of a line a chart can draw.
pub fn drawable_points(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|&(x, y)| drawable(x) && drawable(y))
        .collect()
}

/// (low, high) of the drawable values, at least `min_span` apart; `fallback` if none.
pub fn value_range(values: impl Iterator<Item = f64>, fallback: (f64, f64)) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| drawable(*v))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if low.is_finite() {
        (low, high)
    } else {
        fallback
    }
}

/// The top of a y axis from 0: a tenth above the largest drawable value, 1 when there
/// is none above 0 (an all-zero line gets a 0–1 axis, not 0–0.000000001).
pub fn axis_top(values: impl Iterator<Item = f64>) -> f64 {
    let (_, top) = value_range(values, (0.0, 0.0));
    if top > 0.0 { top * 1.1 } else { 1.0 }
}

/// A tick label rounded to the axis' resolution: `0.3`, not `0.30000000000000004`.
pub fn tick_label(value: f64, span: f64) -> String {
    let span = if span > 0.0 && span.is_finite() {
        span
    } else {
        1.0
    };
    let decimals = (2.0 - span.log10().floor()).clamp(0.0, 6.0) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

/// A log-axis label: at most three significant digits (`0.25`, `10`, `1500`).
pub fn log_tick_label(value: f64) -> String {
    if !drawable(value) || value <= 0.0 {
        return String::new();
    }
    let magnitude = value.log10().floor();
    tick_label(value, 10f64.powf(magnitude))
}

/// The decades that enclose the values: a log axis whose ticks do not move between runs.
pub fn decade_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = value_range(values.filter(|v| *v > 0.0), (1.0, 10.0));
    let low = 10f64.powf(low.max(1e-6).log10().floor());
    let high = 10f64.powf(high.max(low).log10().ceil());
    if high > low {
        (low, high)
    } else {
        (low, low * 10.0)
    }
}

/// How an entry of the legend panel is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    Line(RGBColor, u32),
    Block(RGBColor),
    Shade(RGBAColor),
    Marker(RGBColor, usize),
}

/// The legend, in its own panel so it never covers data.
pub fn side_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    title: &str,
    entries: &[(String, Swatch)],
) -> Result<(), String> {
    area.draw(&Text::new(
        title.to_string(),
        (12, 60),
        (FONT, 17).into_font().style(FontStyle::Bold),
    ))
    .map_err(text)?;
    for (index, (label, swatch)) in entries.iter().enumerate() {
        let y = 92 + 24 * index as i32;
        match *swatch {
            Swatch::Line(color, width) => area
                .draw(&PathElement::new(
                    vec![(12, y), (40, y)],
                    color.stroke_width(width),
                ))
                .map_err(text)?,
            Swatch::Block(color) => area
                .draw(&Rectangle::new([(12, y - 7), (40, y + 7)], color.filled()))
                .map_err(text)?,
            Swatch::Shade(color) => area
                .draw(&Rectangle::new([(12, y - 7), (40, y + 7)], color.filled()))
                .map_err(text)?,
            Swatch::Marker(color, style) => {
                area.draw(&PathElement::new(
                    vec![(12, y), (40, y)],
                    color.stroke_width(2),
                ))
                .map_err(text)?;
                draw_marker(area, (26, y), color, style)?;
            }
        }
        let shown: String = if label.chars().count() > 34 {
            label.chars().take(33).chain(std::iter::once('…')).collect()
        } else {
            label.clone()
        };
        area.draw(&Text::new(shown, (48, y - 8), (FONT, 15)))
            .map_err(text)?;
    }
    Ok(())
}

/// One of four marker shapes at a pixel position.
fn draw_marker<DB: DrawingBackend>(
    area: &Area<DB>,
    at: (i32, i32),
    color: RGBColor,
    style: usize,
) -> Result<(), String> {
    let (x, y) = at;
    match style % 4 {
        0 => area.draw(&Circle::new(at, 5, color.filled())),
        1 => area.draw(&TriangleMarker::new(at, 7, color.filled())),
        2 => area.draw(&Rectangle::new(
            [(x - 5, y - 5), (x + 5, y + 5)],
            color.filled(),
        )),
        _ => area.draw(&Cross::new(at, 6, color.stroke_width(2))),
    }
    .map_err(text)
}

/// Split off the legend panel.
pub(super) fn with_legend<DB: DrawingBackend>(root: &Area<DB>) -> (Area<DB>, Area<DB>) {
    let (width, _) = root.dim_in_pixel();
    root.split_horizontally(width.saturating_sub(LEGEND_WIDTH))
}

/// Latency by percentile, one line per design, on a log scale snapped to decades, with
/// the median marked.
pub fn latency<DB: DrawingBackend>(
    root: &Area<DB>,
    series: &[Series],
    title: &str,
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let lines: Vec<(&Series, Vec<(f64, f64)>)> = series
        .iter()
        .map(|s| {
            (
                s,
                drawable_points(&s.points)
                    .into_iter()
                    .filter(|p| p.1 > 0.0)
                    .collect(),
            )
        })
        .collect();
    let (low, high) = decade_range(lines.iter().flat_map(|(_, p)| p.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(&plot)
        .caption(format!("{title}: latency by percentile"), (FONT, 26))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..4.2f64, (low..high).log_scale())
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("percentile of every workflow (%); a line ends where failed or stuck ones begin")
        .y_desc("latency (ms, log scale)")
        .x_labels(5)
        .x_label_formatter(&|x| match x.round() as i64 {
            0 => "0 (min)".to_string(),
            1 => "90".to_string(),
            2 => "99".to_string(),
            3 => "99.9".to_string(),
            _ => "99.99".to_string(),
        })
        .y_label_formatter(&|y| log_tick_label(*y))
        .light_line_style(WHITE)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(text)?;
    let median = nines(0.5);
    let grey = RGBColor(110, 110, 110);
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(median, low), (median, high)],
            grey.stroke_width(1),
        )))
        .map_err(text)?;
    chart
        .draw_series(std::iter::once(Text::new(
            "p50".to_string(),
            (median + 0.03, high / 1.6),
            (FONT, 16).into_font().color(&grey),
        )))
        .map_err(text)?;
    let mut entries = Vec::new();
    for (line, points) in &lines {
        let color = design_color(line.palette_slot);
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
            .map_err(text)?;
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))
            .map_err(text)?;
        entries.push((line.label.clone(), Swatch::Line(color, 3)));
    }
    side_legend(&legend, "design", &entries)
}

/// Completions per second and workflows in flight over time; warm-up and faults shaded.
pub fn timeline<DB: DrawingBackend>(
    root: &Area<DB>,
    data: &TimelineData,
    title: &str,
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let panels = plot.split_evenly((2, 1));
    let all = data.completed_per_s.iter().chain(&data.in_flight);
    let (_, end) = value_range(all.flat_map(|s| s.points.iter().map(|p| p.0)), (0.0, 1.0));
    let end = end.max(1.0) * 1.02;
    let warmup = RGBColor(86, 180, 233).mix(0.18);
    let fault = RGBColor(120, 120, 120).mix(0.3);
    let specs = [
        (
            &data.completed_per_s,
            format!("{title}: completed workflows per second"),
            "completed per second (mean)",
        ),
        (
            &data.in_flight,
            "workflows in flight".to_string(),
            "workflows in flight (mean)",
        ),
    ];
    for (panel, (lines, caption, y_desc)) in panels.iter().zip(specs) {
        let top = axis_top(lines.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, (FONT, 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..end, 0f64..top)
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc("simulated time (s)")
            .y_desc(y_desc)
            .x_label_formatter(&|x| tick_label(*x, end))
            .y_label_formatter(&|y| tick_label(*y, top))
            .light_line_style(WHITE)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(text)?;
        if data.warmup_s > 0.0 && drawable(data.warmup_s) {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (data.warmup_s.min(end), top)],
                    warmup.filled(),
                )))
                .map_err(text)?;
        }
        chart
            .draw_series(
                data.faults
                    .iter()
                    .filter(|(start, stop)| drawable(*start) && drawable(*stop))
                    .map(|&(start, stop)| {
                        Rectangle::new(
                            [(start.min(end), 0.0), (stop.min(end), top)],
                            fault.filled(),
                        )
                    }),
            )
            .map_err(text)?;
        for line in lines.iter() {
            let color = design_color(line.palette_slot);
            chart
                .draw_series(LineSeries::new(
                    drawable_points(&line.points),
                    color.stroke_width(2),
                ))
                .map_err(text)?;
        }
    }
    let mut entries: Vec<(String, Swatch)> = data
        .in_flight
        .iter()
        .map(|line| {
            (
                line.label.clone(),
                Swatch::Line(design_color(line.palette_slot), 3),
            )
        })
        .collect();
    if data.warmup_s > 0.0 {
        entries.push(("warm-up (not measured)".to_string(), Swatch::Shade(warmup)));
    }
    if !data.faults.is_empty() {
        entries.push(("fault window".to_string(), Swatch::Shade(fault)));
    }
    side_legend(&legend, "design", &entries)
}

/// Which number of a category share a bar shows.
type Measure = fn(&CategoryShare) -> f64;

/// Messages and bytes per workflow by kind: per design a stacked bar of the workflow's
/// own messages (they add up to the summary's figure) and, below it, a separate bar of
/// status traffic.
pub fn messages<DB: DrawingBackend>(
    root: &Area<DB>,
    bars: &[(String, Vec<CategoryShare>)],
    title: &str,
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let panels = plot.split_evenly((1, 2));
    let n = bars.len() as u32;
    let measures: [(&str, Measure); 2] = [
        ("messages per workflow", |s| s.messages_per_workflow),
        ("KiB per workflow", |s| s.bytes_per_workflow / 1024.0),
    ];
    let own = |shares: &[CategoryShare], value: Measure| -> f64 {
        shares
            .iter()
            .filter(|s| s.category != MessageCategory::Status)
            .map(value)
            .filter(|v| drawable(*v))
            .sum()
    };
    let status = |shares: &[CategoryShare], value: Measure| -> f64 {
        shares
            .iter()
            .filter(|s| s.category == MessageCategory::Status)
            .map(value)
            .filter(|v| drawable(*v))
            .sum()
    };
    for (index, (panel, (measure, value))) in panels.iter().zip(measures).enumerate() {
        let widest = bars
            .iter()
            .map(|(_, shares)| own(shares, value).max(status(shares, value)))
            .fold(0.0_f64, f64::max);
        let widest = if widest > 0.0 { widest * 1.15 } else { 1.0 };
        let caption = if index == 0 {
            format!("{title}: {measure}")
        } else {
            measure.to_string()
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, (FONT, 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(if index == 0 { 150 } else { 10 })
            .build_cartesian_2d(0f64..widest, (0u32..n.saturating_sub(1)).into_segmented())
            .map_err(text)?;
        let names: Vec<&str> = bars.iter().map(|(label, _)| label.as_str()).collect();
        // Each design's row: the workflow's own messages on top, status traffic below.
        let (_, panel_height) = panel.dim_in_pixel();
        let row_px = (panel_height.saturating_sub(120) / n.max(1)).max(10);
        let part = |fraction: f64| (f64::from(row_px) * fraction) as u32;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .x_desc(measure)
            .x_label_formatter(&|x| tick_label(*x, widest))
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|y| match y {
                // The first design is drawn at the top.
                SegmentValue::CenterOf(i) if index == 0 => {
                    names.get((n - 1 - i) as usize).unwrap_or(&"").to_string()
                }
                _ => String::new(),
            })
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(text)?;
        for (row, (_, shares)) in bars.iter().enumerate() {
            let row = n - 1 - row as u32;
            let mut left = 0.0;
            let mut boxes = Vec::new();
            for share in shares
                .iter()
                .filter(|s| s.category != MessageCategory::Status)
            {
                let width = value(share);
                if width > 0.0 && drawable(width) {
                    let mut bar = Rectangle::new(
                        [
                            (left, SegmentValue::Exact(row)),
                            (left + width, SegmentValue::Exact(row + 1)),
                        ],
                        category_color(share.category).filled(),
                    );
                    bar.set_margin(part(0.1), part(0.38), 0, 0);
                    boxes.push(bar);
                    left += width;
                }
            }
            let queries = status(shares, value);
            if queries > 0.0 {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (queries, SegmentValue::Exact(row + 1)),
                    ],
                    category_color(MessageCategory::Status).filled(),
                );
                bar.set_margin(part(0.66), part(0.1), 0, 0);
                boxes.push(bar);
            }
            chart.draw_series(boxes).map_err(text)?;
        }
    }
    let used: Vec<(String, Swatch)> = MessageCategory::ALL
        .into_iter()
        .filter(|c| {
            bars.iter().any(|(_, shares)| {
                shares
                    .iter()
                    .any(|s| s.category == *c && s.messages_per_workflow > 0.0)
            })
        })
        .map(|c| {
            let label = if c == MessageCategory::Status {
                "status (the lower bar)".to_string()
            } else {
                c.label().to_string()
            };
            (label, Swatch::Block(category_color(c)))
        })
        .collect();
    side_legend(&legend, "kind of message", &used)
}
