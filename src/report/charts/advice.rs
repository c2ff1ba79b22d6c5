//! Drawing the advice chart: every candidate's p99 (log scale) against its messages per
//! workflow, marked by verdict, with the Pareto front labelled. The front is not joined:
//! it is taken over more objectives than these two, so a line would suggest an order it
//! does not have.

use plotters::prelude::*;

use super::FONT;
use super::draw::{
    Area, Swatch, decade_range, drawable, log_tick_label, side_legend, text, tick_label,
    value_range, with_legend,
};

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

const FRONT: RGBColor = RGBColor(0, 114, 178);
const FEASIBLE: RGBColor = RGBColor(0, 158, 115);
const MARGINAL: RGBColor = RGBColor(230, 159, 0);
const REJECTED: RGBColor = RGBColor(160, 160, 160);

/// p99 against messages per workflow, one marker per candidate.
pub fn advice<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    points: &[AdvicePoint],
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
    let (x_low, x_high) = value_range(points.iter().map(|p| p.messages_per_workflow), (0.0, 1.0));
    let pad = ((x_high - x_low) * 0.08).max(0.5);
    let (y_low, y_high) = decade_range(points.iter().map(|p| p.latency_p99_ms));
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
    // Rejected first, so that the candidates that matter are drawn on top.
    for mark in [
        AdviceMark::Rejected,
        AdviceMark::Marginal,
        AdviceMark::Feasible,
        AdviceMark::Front,
    ] {
        for point in points.iter().filter(|p| p.mark == mark) {
            let at = (point.messages_per_workflow, point.latency_p99_ms);
            let marker = match mark {
                AdviceMark::Front => Circle::new((0, 0), 8, FRONT.filled()).into_dyn(),
                AdviceMark::Feasible => Circle::new((0, 0), 6, FEASIBLE.filled()).into_dyn(),
                AdviceMark::Marginal => {
                    TriangleMarker::new((0, 0), 8, MARGINAL.filled()).into_dyn()
                }
                AdviceMark::Rejected => Cross::new((0, 0), 5, REJECTED.stroke_width(2)).into_dyn(),
            };
            chart
                .draw_series(std::iter::once(EmptyElement::at(at) + marker))
                .map_err(text)?;
            if mark == AdviceMark::Front {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(at)
                            + Text::new(point.label.clone(), (10, -18), (FONT, 15).into_font()),
                    ))
                    .map_err(text)?;
            }
        }
    }
    let entries = vec![
        ("on the Pareto front".to_string(), Swatch::Marker(FRONT, 0)),
        (
            "feasible, dominated".to_string(),
            Swatch::Marker(FEASIBLE, 0),
        ),
        ("marginal".to_string(), Swatch::Marker(MARGINAL, 1)),
        ("rejected".to_string(), Swatch::Marker(REJECTED, 3)),
    ];
    side_legend(&legend, "candidates", &entries)
}
