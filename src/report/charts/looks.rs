//! Telling lines apart where they coincide: every line of a chart gets its own dash
//! pattern and marker shape besides its design's colour, lines that coincide are drawn
//! from thick to thin so each stays visible, and a line identical to an earlier one says
//! so in the legend ("(same as X)").

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::draw::text;

/// A line as `looks` takes it: label, colour, points.
pub type Keyed<'a> = (&'a str, RGBColor, &'a [(f64, f64)]);

/// Dash and gap lengths in pixels, by line; (0, 0) is a solid line.
const DASHES: [(u32, u32); 5] = [(0, 0), (16, 6), (7, 5), (3, 4), (12, 4)];

/// How one line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub color: RGBColor,
    /// Index into the dash patterns (0: solid).
    pub dash: usize,
    /// One of four marker shapes.
    pub marker: usize,
    /// Stroke width in pixels: thicker for the first of lines that coincide.
    pub width: u32,
    /// Whether the chart marks the line's points (the legend shows the marker only then).
    pub marked: bool,
}

/// Lines within this relative distance of each other at most of their points (three in
/// four) are drawn as one group, thick to thin, so that each shows around the next.
const NEAR: f64 = 0.05;

fn near(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    let close = a
        .iter()
        .zip(b)
        .filter(|(p, q)| {
            p.0 == q.0 && (p.1 - q.1).abs() <= NEAR * p.1.abs().max(q.1.abs()).max(1e-12)
        })
        .count();
    !a.is_empty() && 4 * close >= 3 * a.len().max(b.len())
}

/// The look and legend label of each line, in order. `lines` are (label, colour,
/// points). A line equal to an earlier one is labelled "(same as …)"; lines near each
/// other are drawn from 6 px down to 2 px wide, dashed after the first; others 3 px.
pub fn looks(lines: &[Keyed<'_>]) -> Vec<(String, Look)> {
    lines
        .iter()
        .enumerate()
        .map(|(index, (label, color, points))| {
            let same = lines[..index]
                .iter()
                .find(|(_, _, p)| p == points && !points.is_empty());
            let label = match same {
                // The design's name, without what its label adds ("(99.6 % answered)").
                Some((first, _, _)) => {
                    let name = first.split(" (").next().unwrap_or(first);
                    format!("{label} (same as {name})")
                }
                None => (*label).to_string(),
            };
            let near_before = lines[..index]
                .iter()
                .filter(|(_, _, p)| near(p, points))
                .count();
            let near_after = lines[index + 1..]
                .iter()
                .filter(|(_, _, p)| near(p, points))
                .count();
            // A line alone is solid, 3 px; lines near each other go from a solid 6 px
            // line to dashed 4 and 2 px ones, so each shows around the next.
            let (width, dash) = match (near_before, near_after) {
                (0, 0) => (3, 0),
                (0, _) => (6, 0),
                (1, _) => (4, 1 + index % (DASHES.len() - 1)),
                _ => (2, 1 + index % (DASHES.len() - 1)),
            };
            let look = Look {
                color: *color,
                dash,
                marker: index % 4,
                width,
                marked: true,
            };
            (label, look)
        })
        .collect()
}

/// Draw a polyline in its look (dashes, width), without markers.
pub fn draw_line<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    points: &[(f64, f64)],
    look: Look,
) -> Result<(), String> {
    let style = look.color.stroke_width(look.width);
    match DASHES[look.dash % DASHES.len()] {
        (0, _) => chart
            .draw_series(LineSeries::new(points.iter().copied(), style))
            .map(|_| ())
            .map_err(text),
        (dash, gap) => chart
            .draw_series(DashedLineSeries::new(
                points.iter().copied(),
                dash,
                gap,
                style,
            ))
            .map(|_| ())
            .map_err(text),
    }
}

/// Draw a marker of the look's shape at each point.
pub fn draw_markers<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    points: &[(f64, f64)],
    look: Look,
) -> Result<(), String> {
    let color = look.color;
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| EmptyElement::at(p) + marker(look.marker, color)),
        )
        .map(|_| ())
        .map_err(text)
}

/// One of four marker shapes, centred on (0, 0).
pub fn marker<DB: DrawingBackend>(
    shape: usize,
    color: RGBColor,
) -> DynElement<'static, DB, (i32, i32)> {
    match shape % 4 {
        0 => Circle::new((0, 0), 5, color.filled()).into_dyn(),
        1 => TriangleMarker::new((0, 0), 7, color.filled()).into_dyn(),
        2 => Rectangle::new([(-5, -5), (5, 5)], color.filled()).into_dyn(),
        _ => Cross::new((0, 0), 6, color.stroke_width(2)).into_dyn(),
    }
}

/// A legend swatch of the look: a short stretch of the line with its marker.
pub fn swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    look: Look,
) -> Result<(), String> {
    let (x, y) = at;
    let style = look.color.stroke_width(look.width.min(3));
    match DASHES[look.dash % DASHES.len()] {
        (0, _) => area
            .draw(&PathElement::new(vec![(x, y), (x + 34, y)], style))
            .map_err(text)?,
        (dash, gap) => {
            let mut start = x;
            while start < x + 34 {
                let end = (start + dash as i32).min(x + 34);
                area.draw(&PathElement::new(vec![(start, y), (end, y)], style))
                    .map_err(text)?;
                start = end + gap as i32;
            }
        }
    }
    if look.marked {
        area.draw(&(EmptyElement::at((x + 17, y)) + marker(look.marker, look.color)))
            .map_err(text)?;
    }
    Ok(())
}
