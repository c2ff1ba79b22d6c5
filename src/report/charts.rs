//! Charts for a run: the data series behind each chart (plain numbers, tested apart from
//! the pixels) and their rendering with plotters into PNG or SVG bytes (`draw` does the
//! drawing on either backend). Every design keeps one
//! colour in every chart and report (Okabe–Ito first, safe for colour-blind readers); the font
//! is DejaVu Sans, embedded, so rendering needs no system library and is byte-identical.

mod advice;
mod draw;
mod glyphs;
mod looks;
mod messages;
mod scaling;
mod sweep;
mod timeline;
mod timeline_data;

pub use advice::{AdviceBound, AdviceMark, AdvicePoint};

pub use draw::{axis_top, decade_range, drawable, log_tick_label, tick_label, value_range};
pub use scaling::scaling_chart;
pub use timeline_data::{MAX_ZOOMS, TIMELINE_POINTS, TimelineData, Zoom, timeline_data};

use std::sync::Once;

use plotters::coord::Shift;
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

/// Message kinds in Paul Tol's "light" scheme, which no design uses: a kind is never
/// mistaken for a design.
pub fn category_color(category: MessageCategory) -> RGBColor {
    match category {
        MessageCategory::StartDone => RGBColor(221, 221, 221),
        MessageCategory::Command => RGBColor(119, 170, 221),
        MessageCategory::Reply => RGBColor(153, 221, 255),
        MessageCategory::Event => RGBColor(238, 221, 136),
        MessageCategory::Progress => RGBColor(68, 187, 153),
        MessageCategory::Compensation => RGBColor(238, 136, 102),
        MessageCategory::Status => RGBColor(255, 170, 187),
        MessageCategory::RetryDuplicate => RGBColor(170, 170, 0),
        MessageCategory::Data => RGBColor(68, 68, 68),
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

/// Latency (ms) against percentile over every measured workflow, per design: x in
/// nines, y in ms. A design's line stops at the share that reached a business outcome
/// (failed and stuck workflows are slower than any answer), so a design that fails 5 %
/// never reaches p99; its label then gives that share.
pub fn latency_series(results: &ScenarioResults) -> Vec<Series> {
    first_runs(results)
        .into_iter()
        .map(|run| {
            let summary = &run.result.summary;
            let lost = summary.failed + summary.stuck;
            let label = if lost > 0 && summary.started > 0 {
                let answered = 1.0 - lost as f64 / summary.started as f64;
                format!(
                    "{} ({:.1} % answered)",
                    run.design.label,
                    (answered * 1000.0).floor() / 10.0
                )
            } else {
                run.design.label.clone()
            };
            Series {
                label,
                palette_slot: run.design.palette_slot,
                points: run
                    .result
                    .outcome_ladder
                    .iter()
                    .map(|&(q, ms)| (nines(q), ms))
                    .collect(),
            }
        })
        .collect()
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

/// The file format of the charts (`--charts png|svg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartFormat {
    /// 1200 × 700 PNG, the embedded font rasterised: the same input gives the same bytes.
    #[default]
    Png,
    /// SVG for slides: text stays text (font family `sans-serif`), scales without blur.
    Svg,
}

impl ChartFormat {
    /// The file extension: `png` or `svg`.
    pub const fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // The embedded font is valid TrueType; a failure would only mean missing labels.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A chart drawn on both backends: plotters' drawing areas differ by backend type, so
/// each chart is one generic function called through this trait.
trait Drawing {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draw `chart` in `format` and return the file's bytes.
fn render(
    chart: &'static str,
    format: ChartFormat,
    drawing: &impl Drawing,
) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    let error = |message: String| ChartError { chart, message };
    match format {
        ChartFormat::Png => {
            let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
            {
                let root =
                    glyphs::Kerned::new(BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)))
                        .into_drawing_area();
                root.fill(&WHITE).map_err(|e| error(e.to_string()))?;
                drawing.draw(&root).map_err(error)?;
                root.present().map_err(|e| error(e.to_string()))?;
            }
            encode_png(&pixels).map_err(|e| error(e.to_string()))
        }
        ChartFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
                root.fill(&WHITE).map_err(|e| error(e.to_string()))?;
                drawing.draw(&root).map_err(error)?;
                root.present().map_err(|e| error(e.to_string()))?;
            }
            Ok(svg.into_bytes())
        }
    }
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

struct LatencyChart<'a> {
    series: Vec<Series>,
    title: &'a str,
}

impl Drawing for LatencyChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw::latency(root, &self.series, self.title)
    }
}

struct TimelineChart<'a> {
    data: TimelineData,
    title: &'a str,
}

impl Drawing for TimelineChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        timeline::timeline(root, &self.data, self.title)
    }
}

/// One design's row of `messages.png`.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageBar {
    /// The design's label.
    pub label: String,
    /// Messages and bytes per workflow by kind.
    pub shares: Vec<CategoryShare>,
    /// The scenario polls status.
    pub status_polled: bool,
    /// Some status query got an answer (else: not supported by this design).
    pub status_answered: bool,
}

struct MessagesChart<'a> {
    bars: Vec<MessageBar>,
    title: &'a str,
}

impl Drawing for MessagesChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        messages::messages(root, &self.bars, self.title)
    }
}

struct SweepChart<'a> {
    title: &'a str,
    x_label: &'a str,
    categories: Option<&'a [String]>,
    metric: &'a str,
    lines: &'a [SweepLine],
}

impl Drawing for SweepChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        sweep::sweep(
            root,
            self.title,
            self.x_label,
            self.categories,
            self.metric,
            self.lines,
        )
    }
}

/// Latency by percentile over every workflow, one line per design (see `latency_series`).
pub fn latency_chart(
    results: &ScenarioResults,
    title: &str,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    let series = latency_series(results);
    render("latency chart", format, &LatencyChart { series, title })
}

/// Throughput and workflows in flight over simulated time, warm-up and faults shaded.
pub fn timeline_chart(
    results: &ScenarioResults,
    title: &str,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    render(
        "timeline chart",
        format,
        &TimelineChart {
            data: timeline_data(results),
            title,
        },
    )
}

/// Messages and bytes per workflow by kind, status traffic in its own bar.
pub fn messages_chart(
    results: &ScenarioResults,
    title: &str,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    let bars = first_runs(results)
        .into_iter()
        .map(|run| {
            let summary = &run.result.summary;
            MessageBar {
                label: run.design.label.clone(),
                shares: run.result.messages_by_category.clone(),
                status_polled: summary.status_answered_ratio.is_some(),
                status_answered: summary.status_answered_ratio.is_some_and(|r| r > 0.0),
            }
        })
        .collect();
    render("messages chart", format, &MessagesChart { bars, title })
}

/// `latency.png`: latency by percentile, one line per design.
pub fn latency_png(results: &ScenarioResults, title: &str) -> Result<Vec<u8>, ChartError> {
    latency_chart(results, title, ChartFormat::Png)
}

/// `timeline.png`: throughput and workflows in flight over time.
pub fn timeline_png(results: &ScenarioResults, title: &str) -> Result<Vec<u8>, ChartError> {
    timeline_chart(results, title, ChartFormat::Png)
}

/// `messages.png`: messages and bytes per workflow by kind.
pub fn messages_png(results: &ScenarioResults, title: &str) -> Result<Vec<u8>, ChartError> {
    messages_chart(results, title, ChartFormat::Png)
}

/// One line of a sweep chart: (x, y, 95 % half-width if there are replications).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    /// The line's label.
    pub label: String,
    /// Its colour slot.
    pub palette_slot: usize,
    /// Marker shape: which combination of the other swept keys' values (0 when one key).
    pub style: usize,
    /// (x, value, 95 % half-width) per point.
    pub points: Vec<(f64, f64, Option<f64>)>,
}

/// A metric against the swept parameter, one line per design, with CI bands.
/// `categories` names the x positions when the swept values are not numbers.
pub fn sweep_chart(
    title: &str,
    x_label: &str,
    categories: Option<&[String]>,
    metric: &str,
    lines: &[SweepLine],
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    render(
        "sweep chart",
        format,
        &SweepChart {
            title,
            x_label,
            categories,
            metric,
            lines,
        },
    )
}

struct AdviceChart<'a> {
    title: &'a str,
    points: &'a [AdvicePoint],
    bounds: &'a [AdviceBound],
}

impl Drawing for AdviceChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        advice::advice(root, self.title, self.points, self.bounds)
    }
}

/// `advice.png`: every candidate of `advise`, p99 against messages per workflow, with
/// the SLO's bounds on those two axes.
pub fn advice_chart(
    title: &str,
    points: &[AdvicePoint],
    bounds: &[AdviceBound],
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    render(
        "advice chart",
        format,
        &AdviceChart {
            title,
            points,
            bounds,
        },
    )
}
