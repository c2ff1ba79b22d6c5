//! Drawing the advice chart: every candidate's p99 (log scale) against its messages per
//! workflow, marked by verdict and numbered, with a numbered key beside it (labels next to
//! the marks would collide), and the SLO's bounds on these two axes drawn as lines. The
//! front is not joined: it is taken over more objectives than these two, so a line would
//! suggest an order it does not have.

use plotters::prelude::*;

use super::FONT;
use super::draw::{
    Area, Swatch, decade_range, drawable, legend_lines, log_tick_label, side_legend, text,
    tick_label, value_range, with_legend,
};
use super::looks::marker;

/// One candidate on the advice chart.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvicePoint {
    /// The candidate's label.
    pub label: String,
    /// x: messages per workflow.
    pub messages_per_workflow: f64,
    /// y: p99 latency, ms.
    pub latency_p99_ms: f64,
    /// How it fared.
    pub mark: AdviceMark,
}

/// How a candidate fared, as the chart marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdviceMark {
    /// Feasible and on the Pareto front: a large blue disc, labelled.
    Front,
    /// Feasible but dominated: a green disc.
    Feasible,
    /// The data cannot tell: an orange triangle.
    Marginal,
    /// Rejected: a grey cross.
    Rejected,
}

/// A bound of the SLO on one of the chart's axes.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviceBound {
    /// `true`: a p99 bound (a horizontal line); `false`: messages per workflow (vertical).
    pub on_latency: bool,
    /// The bound, in ms or messages per workflow.
    pub value: f64,
    /// As typed (`p99<=1s`).
    pub text: String,
}

const FRONT: RGBColor = RGBColor(0, 114, 178);
const FEASIBLE: RGBColor = RGBColor(0, 158, 115);
const MARGINAL: RGBColor = RGBColor(230, 159, 0);
const REJECTED: RGBColor = RGBColor(160, 160, 160);

/// p99 against messages per workflow, one marker per candidate.
pub fn advice<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    points: &[AdvicePoint],
    bounds: &[AdviceBound],
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let points: Vec<&AdvicePoint> = points
        .iter()
        .filter(|p| {
            drawable(p.messages_per_workflow)
                && drawable(p.latency_p99_ms)
                && p.latency_p99_ms > 0.0
        })
        .collect();
    let bounds: Vec<&AdviceBound> = bounds
        .iter()
        .filter(|b| drawable(b.value) && b.value > 0.0)
        .collect();
    let (x_low, x_high) = value_range(
        points
            .iter()
            .map(|p| p.messages_per_workflow)
            .chain(bounds.iter().filter(|b| !b.on_latency).map(|b| b.value)),
        (0.0, 1.0),
    );
    let pad = ((x_high - x_low) * 0.08).max(0.5);
    let (y_low, y_high) = decade_range(
        points
            .iter()
            .map(|p| p.latency_p99_ms)
            .chain(bounds.iter().filter(|b| b.on_latency).map(|b| b.value)),
    );
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!("{title}: p99 against messages per workflow"),
            (FONT, 24),
        )
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(x_low - pad..x_high + pad, (y_low..y_high).log_scale())
        .map_err(text)?;
    let span = x_high - x_low + 2.0 * pad;
    chart
        .configure_mesh()
        .x_desc("messages per workflow")
        .y_desc("p99 latency (ms, log scale)")
        .x_label_formatter(&|x| tick_label(*x, span))
        .y_label_formatter(&|y| log_tick_label(*y))
        .light_line_style(WHITE)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(text)?;
    let slo = RGBColor(200, 30, 30);
    for bound in &bounds {
        let line = if bound.on_latency {
            vec![(x_low - pad, bound.value), (x_high + pad, bound.value)]
        } else {
            vec![(bound.value, y_low), (bound.value, y_high)]
        };
        chart
            .draw_series(DashedLineSeries::new(line, 10, 6, slo.stroke_width(2)))
            .map_err(text)?;
    }
    // Rejected first, so that the candidates that matter are drawn on top.
    for mark in [
        AdviceMark::Rejected,
        AdviceMark::Marginal,
        AdviceMark::Feasible,
        AdviceMark::Front,
    ] {
        for point in points.iter().filter(|p| p.mark == mark) {
            let at = (point.messages_per_workflow, point.latency_p99_ms);
            let (shape, color) = swatch(mark);
            chart
                .draw_series(std::iter::once(EmptyElement::at(at) + marker(shape, color)))
                .map_err(text)?;
        }
    }
    // Each mark numbered by its place in the key; marks within a few pixels of each other
    // share one label ("5, 11, 13"), so that numbers never print over each other.
    // (pixel, data point, numbers) of each label.
    type Label = ((i32, i32), (f64, f64), Vec<usize>);
    let mut groups: Vec<Label> = Vec::new();
    for (number, point) in points.iter().enumerate() {
        let at = (point.messages_per_workflow, point.latency_p99_ms);
        let pixel = chart.backend_coord(&at);
        match groups
            .iter_mut()
            .find(|(p, _, _)| (p.0 - pixel.0).abs() <= 12 && (p.1 - pixel.1).abs() <= 12)
        {
            Some((_, _, numbers)) => numbers.push(number + 1),
            None => groups.push((pixel, at, vec![number + 1])),
        }
    }
    chart
        .draw_series(groups.iter().map(|(_, at, numbers)| {
            let label: Vec<String> = numbers.iter().map(usize::to_string).collect();
            EmptyElement::at(*at)
                + Text::new(
                    label.join(", "),
                    (8, -18),
                    (FONT, 14).into_font().color(&RGBColor(40, 40, 40)),
                )
        }))
        .map_err(text)?;
    let mut entries: Vec<(String, Swatch)> = [
        (AdviceMark::Front, "on the Pareto front"),
        (AdviceMark::Feasible, "feasible, dominated"),
        (AdviceMark::Marginal, "marginal"),
        (AdviceMark::Rejected, "rejected"),
    ]
    .into_iter()
    .filter(|(mark, _)| points.iter().any(|p| p.mark == *mark))
    .map(|(mark, label)| {
        let (shape, color) = swatch(mark);
        (label.to_string(), Swatch::Point(color, shape))
    })
    .collect();
    entries.extend(
        bounds
            .iter()
            .map(|b| (format!("SLO {}", b.text), Swatch::Dashed(slo))),
    );
    // The key, as far as the panel holds it (a long label takes two lines), keeping a
    // line for how many more there are.
    let (_, height) = legend.dim_in_pixel();
    let mut room_px = height.saturating_sub(100) as usize;
    let height_of = |label: &str| 19 * legend_lines(label).len() + 5;
    for (label, _) in &entries {
        room_px = room_px.saturating_sub(height_of(label));
    }
    room_px = room_px.saturating_sub(height_of("99 more in advice.csv"));
    let mut listed = 0;
    for (number, point) in points.iter().enumerate() {
        let label = format!("{} {}", number + 1, point.label);
        let needed = height_of(&label);
        if needed > room_px {
            break;
        }
        room_px -= needed;
        entries.push((label, Swatch::Blank));
        listed += 1;
    }
    if points.len() > listed {
        entries.push((
            format!("{} more in advice.csv", points.len() - listed),
            Swatch::Blank,
        ));
    }
    side_legend(&legend, "candidates", &entries)
}

/// The marker shape and colour of a verdict.
fn swatch(mark: AdviceMark) -> (usize, RGBColor) {
    match mark {
        AdviceMark::Front => (0, FRONT),
        AdviceMark::Feasible => (2, FEASIBLE),
        AdviceMark::Marginal => (1, MARGINAL),
        AdviceMark::Rejected => (3, REJECTED),
    }
}
