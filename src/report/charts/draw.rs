//! Drawing the charts on any plotters backend (PNG bitmap or SVG): axes with round tick
//! labels, legends in a panel beside the data, values that are not finite left out and
//! ranges that cannot overflow.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::looks::{self, Look};
use super::{FONT, Series, design_color, nines};

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
    Block(RGBColor),
    Shade(RGBAColor),
    /// A scatter mark alone (no line): one of the four marker shapes.
    Point(RGBColor, usize),
    /// A line as drawn: its dashes, width and marker.
    Look(Look),
    /// No swatch: a note.
    Blank,
    /// A dashed line (a bound).
    Dashed(RGBColor),
}

/// Longest legend line in characters; a longer label wraps at a space.
const LEGEND_LINE_CHARS: usize = 32;

/// A label in lines of at most `LEGEND_LINE_CHARS` (two at most, the second cut with "…").
pub(super) fn legend_lines(label: &str) -> Vec<String> {
    if label.chars().count() <= LEGEND_LINE_CHARS {
        return vec![label.to_string()];
    }
    // Break after the last space or hyphen that keeps the first line short enough.
    let cut = label
        .char_indices()
        .filter(|&(i, c)| {
            (c == ' ' || c == '-') && label[..=i].chars().count() <= LEGEND_LINE_CHARS
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back()
        .unwrap_or(0);
    let (first, rest) = if cut > 0 {
        (label[..cut].trim_end(), label[cut..].to_string())
    } else {
        (label, String::new())
    };
    let clip = |text: &str| -> String {
        if text.chars().count() > LEGEND_LINE_CHARS {
            text.chars()
                .take(LEGEND_LINE_CHARS - 1)
                .chain(std::iter::once('…'))
                .collect()
        } else {
            text.to_string()
        }
    };
    let mut lines = vec![clip(first)];
    if !rest.is_empty() {
        lines.push(clip(&rest));
    }
    lines
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
    let mut y = 92;
    for (label, swatch) in entries {
        match *swatch {
            Swatch::Block(color) => area
                .draw(&Rectangle::new([(12, y - 7), (40, y + 7)], color.filled()))
                .map_err(text)?,
            Swatch::Shade(color) => area
                .draw(&Rectangle::new([(12, y - 7), (40, y + 7)], color.filled()))
                .map_err(text)?,
            Swatch::Point(color, style) => area
                .draw(&(EmptyElement::at((26, y)) + looks::marker(style, color)))
                .map_err(text)?,
            Swatch::Look(look) => looks::swatch(area, (9, y), look)?,
            Swatch::Blank => {}
            Swatch::Dashed(color) => {
                for start in [12, 25, 38] {
                    area.draw(&PathElement::new(
                        vec![(start, y), (start + 8, y)],
                        color.stroke_width(2),
                    ))
                    .map_err(text)?;
                }
            }
        }
        for line in legend_lines(label) {
            area.draw(&Text::new(line, (48, y - 8), (FONT, 15)))
                .map_err(text)?;
            y += 19;
        }
        y += 5;
    }
    Ok(())
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
    let keyed: Vec<looks::Keyed<'_>> = lines
        .iter()
        .map(|(line, points)| {
            (
                line.label.as_str(),
                design_color(line.palette_slot),
                points.as_slice(),
            )
        })
        .collect();
    let mut entries = Vec::new();
    for ((_, points), (label, look)) in lines.iter().zip(looks::looks(&keyed)) {
        looks::draw_line(&mut chart, points, look)?;
        looks::draw_markers(&mut chart, points, look)?;
        entries.push((label, Swatch::Look(look)));
    }
    side_legend(&legend, "design", &entries)
}
