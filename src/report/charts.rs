//! Charts for a run: the data series behind each PNG (plain numbers, tested apart from the
//! pixels) and their rendering with plotters into PNG bytes. Every design keeps one
//! colour in every chart and report (Okabe–Ito first, safe for colour-blind readers); the font
//! is DejaVu Sans, embedded, so rendering needs no system library and is byte-identical.

use std::sync::Once;

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::coordination::Design;
use crate::metrics::{CategoryShare, MessageCategory};
use crate::runner::{DesignRun, ScenarioResults};

/// Chart width in pixels.
pub const WIDTH: u32 = 1200;
/// Chart height in pixels.
pub const HEIGHT: u32 = 700;
const FONT: &str = "sans-serif";

/// Design colours by palette slot (`Design::palette_slot`): the five styles in Okabe–Ito,
/// the eight patterns in Paul Tol's muted and vibrant schemes, then the scenario's own.
const PALETTE: [RGBColor; 16] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(213, 94, 0),
    RGBColor(51, 34, 136),
    RGBColor(136, 204, 238),
    RGBColor(68, 170, 153),
    RGBColor(17, 119, 51),
    RGBColor(153, 153, 51),
    RGBColor(221, 204, 119),
    RGBColor(204, 102, 119),
    RGBColor(136, 34, 85),
    RGBColor(0, 0, 0),
    RGBColor(86, 180, 233),
    RGBColor(153, 153, 153),
];

/// The colour of a design's palette slot, fixed across every chart.
pub fn design_color(palette_slot: usize) -> RGBColor {
    PALETTE[palette_slot % PALETTE.len()]
}

/// The same colour as a `#rrggbb` string, for Markdown.
pub fn design_hex(palette_slot: usize) -> String {
    let RGBColor(r, g, b) = design_color(palette_slot);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn category_color(category: MessageCategory) -> RGBColor {
    match category {
        MessageCategory::StartDone => RGBColor(0, 0, 0),
        MessageCategory::Command => RGBColor(0, 114, 178),
        MessageCategory::Reply => RGBColor(86, 180, 233),
        MessageCategory::Event => RGBColor(230, 159, 0),
        MessageCategory::Progress => RGBColor(0, 158, 115),
        MessageCategory::Compensation => RGBColor(213, 94, 0),
        MessageCategory::Status => RGBColor(204, 121, 167),
        MessageCategory::RetryDuplicate => RGBColor(153, 153, 153),
    }
}

/// A line per design.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The design's label.
    pub label: String,
    /// Its colour slot.
    pub palette_slot: usize,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
}

/// The charts draw each design's first replication: one real run, not an average.
fn first_runs(results: &ScenarioResults) -> Vec<&DesignRun> {
    results
        .runs
        .iter()
        .filter(|run| run.replication == 1)
        .collect()
}

/// "Nines" of a quantile: 0.9 → 1, 0.99 → 2, 0.999 → 3; the latency chart's x axis.
pub fn nines(quantile: f64) -> f64 {
    -(1.0 - quantile).max(1e-12).log10()
}

/// Latency (ms) against percentile, per design: x in nines, y in ms.
pub fn latency_series(results: &ScenarioResults) -> Vec<Series> {
    first_runs(results)
        .into_iter()
        .map(|run| Series {
            label: run.design.label.clone(),
            palette_slot: run.design.palette_slot,
            points: run
                .result
                .latency_ladder
                .iter()
                .map(|&(q, ms)| (nines(q), ms))
                .collect(),
        })
        .collect()
}

/// Completions per second and workflows in flight over time, and the fault windows.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineData {
    /// Completions per second, per design.
    pub completed_per_s: Vec<Series>,
    /// Workflows in flight, per design.
    pub in_flight: Vec<Series>,
    /// (start s, end s) of every fault occurrence.
    pub faults: Vec<(f64, f64)>,
}

/// Most points a timeline line has: buckets are merged in groups so that one line stays
/// readable over any run length (and per-bucket noise averages out).
pub const TIMELINE_POINTS: usize = 150;

/// The series `timeline.png` draws.
pub fn timeline_data(results: &ScenarioResults) -> TimelineData {
    let runs = first_runs(results);
    let line = |run: &DesignRun, value: fn(&[crate::metrics::TimeBucket], f64) -> f64| {
        let buckets = &run.result.timeseries;
        let width = match buckets.as_slice() {
            [first, second, ..] => second.start.as_secs_f64() - first.start.as_secs_f64(),
            _ => 1.0,
        };
        let group = buckets.len().div_ceil(TIMELINE_POINTS).max(1);
        Series {
            label: run.design.label.clone(),
            palette_slot: run.design.palette_slot,
            points: buckets
                .chunks(group)
                .map(|chunk| {
                    let middle = chunk[0].start.as_secs_f64() + width * chunk.len() as f64 / 2.0;
                    (middle, value(chunk, width))
                })
                .collect(),
        }
    };
    let completed_per_s = runs
        .iter()
        .map(|run| {
            line(run, |chunk, width| {
                chunk.iter().map(|b| b.completed).sum::<u64>() as f64 / (width * chunk.len() as f64)
            })
        })
        .collect();
    let in_flight = runs
        .iter()
        .map(|run| {
            line(run, |chunk, _| {
                chunk.iter().map(|b| b.in_flight).sum::<u64>() as f64 / chunk.len() as f64
            })
        })
        .collect();
    let faults = runs
        .first()
        .map(|run| {
            run.result
                .faults
                .iter()
                .map(|f| (f.start_s, f.end_s))
                .collect()
        })
        .unwrap_or_default();
    TimelineData {
        completed_per_s,
        in_flight,
        faults,
    }
}

/// Messages and bytes per workflow by category, per design.
pub fn message_bars(results: &ScenarioResults) -> Vec<(&Design, Vec<CategoryShare>)> {
    first_runs(results)
        .into_iter()
        .map(|run| (&run.design, run.result.messages_by_category.clone()))
        .collect()
}

/// A chart that could not be drawn (never expected; reported, not panicked on).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {chart}: {message}")]
pub struct ChartError {
    /// Which chart.
    pub chart: &'static str,
    /// What went wrong.
    pub message: String,
}

fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // The embedded font is valid TrueType; a failure would only mean missing labels.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draw into an RGB buffer with `draw`, then encode it as PNG.
fn render(
    chart: &'static str,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    let error = |message: String| ChartError { chart, message };
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| error(e.to_string()))?;
        draw(&root).map_err(error)?;
        root.present().map_err(|e| error(e.to_string()))?;
    }
    encode_png(&pixels).map_err(|e| error(e.to_string()))
}

fn encode_png(pixels: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // fdeflate: several times faster than zlib level 6 for these flat-coloured charts, at a
        // somewhat larger file; the bytes stay deterministic.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
    }
    Ok(bytes)
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The legend box every chart uses.
fn draw_legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, font_size))
        .draw()
        .map_err(text)
}

/// Latency by percentile, one line per design, log scale.
pub fn latency_png(results: &ScenarioResults, title: &str) -> Result<Vec<u8>, ChartError> {
    let series = latency_series(results);
    render("latency.png", |root| {
        let values = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
        let high = values.clone().fold(1e-3_f64, f64::max) * 1.5;
        let low = values
            .fold(f64::INFINITY, f64::min)
            .max(1e-3)
            .min(high / 10.0)
            / 1.5;
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{title}: latency by percentile"), (FONT, 28))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..4.2f64, (low..high).log_scale())
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc("percentile of completed workflows (%)")
            .y_desc("latency (ms, log scale)")
            .x_labels(5)
            .x_label_formatter(&|x| match x.round() as i64 {
                0 => "0 (min)".to_string(),
                1 => "90".to_string(),
                2 => "99".to_string(),
                3 => "99.9".to_string(),
                _ => "99.99".to_string(),
            })
            .y_label_formatter(&|y| format!("{y}"))
            .light_line_style(WHITE)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(text)?;
        for line in &series {
            let color = design_color(line.palette_slot);
            chart
                .draw_series(LineSeries::new(line.points.clone(), color.stroke_width(3)))
                .map_err(text)?
                .label(line.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                });
            chart
                .draw_series(
                    line.points
                        .iter()
                        .map(|&p| Circle::new(p, 4, color.filled())),
                )
                .map_err(text)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 18)
    })
}

/// Throughput and workflows in flight over simulated time, fault windows shaded.
pub fn timeline_png(results: &ScenarioResults, title: &str) -> Result<Vec<u8>, ChartError> {
    let data = timeline_data(results);
    render("timeline.png", |root| {
        let panels = root.split_evenly((2, 1));
        let end = data
            .in_flight
            .iter()
            .flat_map(|s| s.points.last().map(|p| p.0))
            .fold(1.0_f64, f64::max);
        let bucket = data
            .in_flight
            .first()
            .and_then(|s| s.points.first())
            .map_or(1.0, |p| p.0);
        let panel_specs = [
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
        for (panel, (lines, caption, y_desc)) in panels.iter().zip(panel_specs) {
            let top = lines
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .fold(1.0_f64, f64::max)
                * 1.1;
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, (FONT, 24))
                .margin(15)
                .x_label_area_size(45)
                .y_label_area_size(80)
                .build_cartesian_2d(0f64..end + bucket, 0f64..top)
                .map_err(text)?;
            chart
                .configure_mesh()
                .x_desc("simulated time (s)")
                .y_desc(y_desc)
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{y}"))
                .light_line_style(WHITE)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 17))
                .draw()
                .map_err(text)?;
            if !data.faults.is_empty() {
                let shade = RGBColor(120, 120, 120).mix(0.25);
                chart
                    .draw_series(data.faults.iter().map(|&(start, end)| {
                        Rectangle::new([(start, 0.0), (end, top)], shade.filled())
                    }))
                    .map_err(text)?
                    .label("fault window")
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 24, y + 6)], shade.filled())
                    });
            }
            for line in lines {
                let color = design_color(line.palette_slot);
                chart
                    .draw_series(LineSeries::new(line.points.clone(), color.stroke_width(2)))
                    .map_err(text)?
                    .label(line.label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                    });
            }
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)?;
        }
        Ok(())
    })
}

/// Which number of a category share a bar shows.
type Measure = fn(&CategoryShare) -> f64;

/// Messages and bytes per workflow by kind: stacked horizontal bars per design.
pub fn messages_png(results: &ScenarioResults, title: &str) -> Result<Vec<u8>, ChartError> {
    let bars = message_bars(results);
    render("messages.png", |root| {
        let panels = root.split_evenly((1, 2));
        let n = bars.len() as u32;
        let measures: [(&str, Measure); 2] = [
            ("messages per workflow", |s| s.messages_per_workflow),
            ("KiB per workflow", |s| s.bytes_per_workflow / 1024.0),
        ];
        let used: Vec<MessageCategory> = MessageCategory::ALL
            .into_iter()
            .filter(|c| {
                bars.iter().any(|(_, shares)| {
                    shares
                        .iter()
                        .any(|s| s.category == *c && s.messages_per_workflow > 0.0)
                })
            })
            .collect();
        for (index, (panel, (measure, value))) in panels.iter().zip(measures).enumerate() {
            let widest = bars
                .iter()
                .map(|(_, shares)| shares.iter().map(value).sum::<f64>())
                .fold(1e-9_f64, f64::max)
                * 1.15;
            let caption = if index == 0 {
                format!("{title}: {measure}")
            } else {
                measure.to_string()
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, (FONT, 22))
                .margin(15)
                .x_label_area_size(45)
                .y_label_area_size(if index == 0 { 150 } else { 10 })
                .build_cartesian_2d(0f64..widest, (0u32..n.saturating_sub(1)).into_segmented())
                .map_err(text)?;
            let names: Vec<&str> = bars.iter().map(|(d, _)| d.label.as_str()).collect();
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(WHITE)
                .x_desc(measure)
                .x_label_formatter(&|x| format!("{x}"))
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
                let mut left = 0.0;
                let mut boxes = Vec::new();
                for share in shares {
                    let width = value(share);
                    if width > 0.0 {
                        let row = n - 1 - row as u32;
                        let mut bar = Rectangle::new(
                            [
                                (left, SegmentValue::Exact(row)),
                                (left + width, SegmentValue::Exact(row + 1)),
                            ],
                            category_color(share.category).filled(),
                        );
                        bar.set_margin(12, 12, 0, 0);
                        boxes.push(bar);
                        left += width;
                    }
                }
                chart.draw_series(boxes).map_err(text)?;
            }
            if index == 1 {
                for &category in &used {
                    let color = category_color(category);
                    chart
                        .draw_series(std::iter::empty::<Rectangle<(f64, SegmentValue<u32>)>>())
                        .map_err(text)?
                        .label(category.label())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled())
                        });
                }
                draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)?;
            }
        }
        Ok(())
    })
}

/// One line of a sweep chart: (x, y, 95 % half-width if there are replications).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    /// The line's label.
    pub label: String,
    /// Its colour slot.
    pub palette_slot: usize,
    /// (x, value, 95 % half-width) per point.
    pub points: Vec<(f64, f64, Option<f64>)>,
}

/// A metric against the swept parameter, one line per design, with CI bands.
/// `categories` names the x positions when the swept values are not numbers.
pub fn sweep_png(
    title: &str,
    x_label: &str,
    categories: Option<&[String]>,
    metric: &str,
    lines: &[SweepLine],
) -> Result<Vec<u8>, ChartError> {
    render("sweep chart", |root| {
        let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (x_low, x_high) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        let (x_low, x_high) = if x_low.is_finite() {
            (x_low, x_high.max(x_low + 1e-9))
        } else {
            (0.0, 1.0)
        };
        let top = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1 + p.2.unwrap_or(0.0)))
            .fold(1e-9_f64, f64::max)
            * 1.1;
        let pad = (x_high - x_low) * 0.03;
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{title}: {metric} against {x_label}"), (FONT, 26))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(90)
            .build_cartesian_2d(x_low - pad..x_high + pad, 0f64..top)
            .map_err(text)?;
        let names = categories.map(<[String]>::to_vec);
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(metric)
            .light_line_style(WHITE)
            .x_label_formatter(&|x| match &names {
                Some(names) => {
                    let index = x.round();
                    if (x - index).abs() < 1e-6 && index >= 0.0 {
                        names.get(index as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                }
                None => format!("{x}"),
            })
            .y_label_formatter(&|y| format!("{y}"))
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(text)?;
        for line in lines {
            let color = design_color(line.palette_slot);
            if line.points.iter().any(|p| p.2.is_some()) {
                let upper = line.points.iter().map(|p| (p.0, p.1 + p.2.unwrap_or(0.0)));
                let lower = line
                    .points
                    .iter()
                    .rev()
                    .map(|p| (p.0, (p.1 - p.2.unwrap_or(0.0)).max(0.0)));
                let band: Vec<(f64, f64)> = upper.chain(lower).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
                    .map_err(text)?;
            }
            let points: Vec<(f64, f64)> = line.points.iter().map(|p| (p.0, p.1)).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(text)?
                .label(line.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(text)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 16)
    })
}
