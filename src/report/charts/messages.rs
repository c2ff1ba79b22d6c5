//! Drawing `messages.png`: per design, the workflow's own messages and bytes per workflow
//! stacked by kind (they add up to the summary's figures) and, on a panel and scale of its
//! own, status traffic, with "not supported" where no component can answer a status query.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{Area, Swatch, drawable, side_legend, text, tick_label, with_legend};
use super::{FONT, MessageBar, category_color};
use crate::metrics::{CategoryShare, MessageCategory};

/// Which number of a category share a bar shows.
type Measure = fn(&CategoryShare) -> f64;

const MEASURES: [(&str, Measure); 2] = [
    ("messages per workflow", |s| s.messages_per_workflow),
    ("KiB per workflow", |s| s.bytes_per_workflow / 1024.0),
];

/// What the legend says of a design whose status bar reads "not supported".
pub const NOT_SUPPORTED: &str = "not supported: no component holds the workflow's state";

pub fn messages<DB: DrawingBackend>(
    root: &Area<DB>,
    bars: &[MessageBar],
    title: &str,
) -> Result<(), String> {
    let (plot, legend) = with_legend(root);
    let polled = bars.iter().any(|bar| bar.status_polled);
    let (_, height) = plot.dim_in_pixel();
    let (own_area, status_area) = if polled {
        let (own, status) = plot.split_vertically(height * 60 / 100);
        (own, Some(status))
    } else {
        (plot.clone(), None)
    };
    let own_panels = own_area.split_evenly((1, 2));
    for (index, (panel, (measure, value))) in own_panels.iter().zip(MEASURES).enumerate() {
        let caption = if index == 0 {
            format!("{title}: {measure}")
        } else {
            measure.to_string()
        };
        bar_panel(
            panel,
            &caption,
            measure,
            bars,
            (index == 0, false),
            |shares| {
                shares
                    .iter()
                    .filter(|s| s.category != MessageCategory::Status)
                    .map(|s| (s.category, value(s)))
                    .collect()
            },
        )?;
    }
    if let Some(area) = status_area {
        let panels = area.split_evenly((1, 2));
        for (index, (panel, (measure, value))) in panels.iter().zip(MEASURES).enumerate() {
            let caption = format!("status traffic: {measure} (own scale)");
            bar_panel(
                panel,
                &caption,
                measure,
                bars,
                (index == 0, true),
                |shares| {
                    shares
                        .iter()
                        .filter(|s| s.category == MessageCategory::Status)
                        .map(|s| (s.category, value(s)))
                        .collect()
                },
            )?;
        }
    }
    let mut used: Vec<(String, Swatch)> = MessageCategory::ALL
        .into_iter()
        .filter(|c| {
            bars.iter().any(|bar| {
                bar.shares.iter().any(|s| {
                    s.category == *c
                        && (s.messages_per_workflow > 0.0 || s.bytes_per_workflow > 0.0)
                })
            })
        })
        .map(|c| {
            let label = match c {
                MessageCategory::Status => "status queries and replies".to_string(),
                MessageCategory::Data => "data (bytes carried, no messages)".to_string(),
                _ => c.label().to_string(),
            };
            (label, Swatch::Block(category_color(c)))
        })
        .collect();
    if bars
        .iter()
        .any(|bar| bar.status_polled && !bar.status_answered)
    {
        used.push((NOT_SUPPORTED.to_string(), Swatch::Blank));
    }
    side_legend(&legend, "kind of message", &used)
}

/// One panel of horizontal bars, a row per design, each stacked from `parts(shares)`.
/// `(names, status_panel)`: whether the panel shows the designs' names, and whether it is
/// a status panel, where a design that is polled but answers nobody reads "not supported".
fn bar_panel<DB: DrawingBackend>(
    panel: &Area<DB>,
    caption: &str,
    measure: &str,
    bars: &[MessageBar],
    (names, status_panel): (bool, bool),
    parts: impl Fn(&[CategoryShare]) -> Vec<(MessageCategory, f64)>,
) -> Result<(), String> {
    let n = bars.len() as u32;
    let widest = bars
        .iter()
        .map(|bar| {
            parts(&bar.shares)
                .iter()
                .map(|p| p.1)
                .filter(|v| drawable(*v))
                .sum::<f64>()
        })
        .fold(0.0_f64, f64::max);
    let widest = if widest > 0.0 { widest * 1.15 } else { 1.0 };
    let mut chart = ChartBuilder::on(panel)
        .caption(caption, (FONT, 17))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(if names { 150 } else { 10 })
        .build_cartesian_2d(0f64..widest, (0u32..n.saturating_sub(1)).into_segmented())
        .map_err(text)?;
    let labels: Vec<&str> = bars.iter().map(|bar| bar.label.as_str()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_desc(measure)
        .x_labels(6)
        .x_label_formatter(&|x| tick_label(*x, widest))
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|y| match y {
            // The first design is drawn at the top.
            SegmentValue::CenterOf(i) if names => {
                labels.get((n - 1 - i) as usize).unwrap_or(&"").to_string()
            }
            _ => String::new(),
        })
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(text)?;
    let (_, panel_height) = panel.dim_in_pixel();
    let row_px = (panel_height.saturating_sub(100) / n.max(1)).max(6);
    let margin = (f64::from(row_px) * 0.18) as u32;
    for (row, bar) in bars.iter().enumerate() {
        let row = n - 1 - row as u32;
        let mut left = 0.0;
        let mut boxes = Vec::new();
        for (category, width) in parts(&bar.shares) {
            if width > 0.0 && drawable(width) {
                let mut block = Rectangle::new(
                    [
                        (left, SegmentValue::Exact(row)),
                        (left + width, SegmentValue::Exact(row + 1)),
                    ],
                    category_color(category).filled(),
                );
                block.set_margin(margin, margin, 0, 0);
                boxes.push(block);
                left += width;
            }
        }
        chart.draw_series(boxes).map_err(text)?;
        if status_panel && bar.status_polled && !bar.status_answered {
            let style = (FONT, 14)
                .into_font()
                .color(&RGBColor(90, 90, 90))
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .draw_series(std::iter::once(Text::new(
                    "not supported".to_string(),
                    (widest * 0.02, SegmentValue::CenterOf(row)),
                    style,
                )))
                .map_err(text)?;
        }
    }
    Ok(())
}
