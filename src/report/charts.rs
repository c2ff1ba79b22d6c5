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
mod sweep;
mod timeline;

pub use advice::{AdviceBound, AdviceMark, AdvicePoint};

pub use draw::{axis_top, decade_range, drawable, log_tick_label, tick_label, value_range};

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

/// Completions per second and workflows in flight over time, and the fault windows.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineData {
    /// Completions per second, per design.
    pub completed_per_s: Vec<Series>,
    /// Workflows in flight, per design.
    pub in_flight: Vec<Series>,
    /// (start s, end s) of every fault occurrence.
    pub faults: Vec<(f64, f64)>,
    /// End of the warm-up (s): the first measured bucket's start.
    pub warmup_s: f64,
    /// Start of the drain (s): arrivals have stopped, in-flight workflows finish.
    pub drain_s: f64,
    /// Close-ups of the first fault windows, bucket by bucket.
    pub zooms: Vec<Zoom>,
    /// The load profile's arrival rate over time (empty without a profile).
    pub offered_per_s: Vec<(f64, f64)>,
}

/// Completions per second bucket by bucket around a fault window (or a few that lie close
/// together), so that a 5-second outage in a 10-minute run is more than a sliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Zoom {
    /// Where the span drawn starts, in seconds.
    pub from_s: f64,
    /// Where it ends, in seconds.
    pub to_s: f64,
    /// The fault windows inside it.
    pub faults: Vec<(f64, f64)>,
    /// Completions per second, per design, one point per bucket.
    pub completed_per_s: Vec<Series>,
}

/// At most this many close-ups under the timeline; a caption says how many windows there
/// were when there are more.
pub const MAX_ZOOMS: usize = 3;

/// The spans of the close-ups: each fault window with a margin before (its length, at
/// least 3 buckets) and after (three times its length, at least 10 buckets, for the
/// recovery), overlapping spans merged; the first `MAX_ZOOMS`.
fn zoom_spans(faults: &[(f64, f64)], bucket_s: f64, end_s: f64) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let mut sorted: Vec<(f64, f64)> = faults
        .iter()
        .copied()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (start, stop) in sorted {
        let length = (stop - start).max(bucket_s);
        let from = (start - length.max(3.0 * bucket_s)).max(0.0);
        let to = (stop + (3.0 * length).max(10.0 * bucket_s)).min(end_s);
        match spans.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => spans.push((from, to)),
        }
    }
    spans.truncate(MAX_ZOOMS);
    spans
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
    let faults: Vec<(f64, f64)> = runs
        .first()
        .map(|run| {
            run.result
                .faults
                .iter()
                .map(|f| (f.start_s, f.end_s))
                .collect()
        })
        .unwrap_or_default();
    let warmup_s = runs.first().map_or(0.0, |run| {
        run.result.measured_buckets.start as f64 * run.result.bucket_s
    });
    let drain_s = runs.first().map_or(0.0, |run| {
        run.result.measured_buckets.end as f64 * run.result.bucket_s
    });
    let bucket_s = runs.first().map_or(1.0, |run| run.result.bucket_s);
    let end_s = runs.first().map_or(0.0, |run| {
        run.result.timeseries.len() as f64 * run.result.bucket_s
    });
    let zooms = zoom_spans(&faults, bucket_s, end_s)
        .into_iter()
        .map(|(from_s, to_s)| Zoom {
            from_s,
            to_s,
            faults: faults
                .iter()
                .copied()
                .filter(|&(a, b)| b >= from_s && a <= to_s)
                .collect(),
            completed_per_s: runs
                .iter()
                .map(|run| Series {
                    label: run.design.label.clone(),
                    palette_slot: run.design.palette_slot,
                    points: run
                        .result
                        .timeseries
                        .iter()
                        .map(|b| (b.start.as_secs_f64(), b.completed as f64 / bucket_s))
                        .filter(|&(t, _)| t + bucket_s >= from_s && t <= to_s)
                        .map(|(t, rate)| (t + bucket_s / 2.0, rate))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    TimelineData {
        completed_per_s,
        in_flight,
        faults,
        warmup_s,
        drain_s,
        zooms,
        offered_per_s: runs
            .first()
            .map(|run| run.result.offered_per_s.clone())
            .unwrap_or_default(),
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

/// `scaling.png`: the replicas of every autoscaled component over time, one line per
/// design and component (drawn as a sweep chart against time); `None` when nothing
/// autoscales.
pub fn scaling_chart(
    results: &ScenarioResults,
    title: &str,
    format: ChartFormat,
) -> Option<Result<Vec<u8>, ChartError>> {
    let mut components: Vec<&str> = Vec::new();
    for run in first_runs(results) {
        for row in run.result.scaling.iter().filter(|r| r.autoscaled) {
            if !components.contains(&row.component.as_str()) {
                components.push(&row.component);
            }
        }
    }
    if components.is_empty() {
        return None;
    }
    let mut lines: Vec<SweepLine> = Vec::new();
    for run in first_runs(results) {
        for (style, component) in components.iter().enumerate() {
            // A component the design does not run (the orchestrator of a choreography).
            if !run.result.scaling.iter().any(|r| r.component == *component) {
                continue;
            }
            lines.push(SweepLine {
                label: if components.len() == 1 {
                    run.design.label.clone()
                } else {
                    format!("{} · {component}", run.design.label)
                },
                palette_slot: run.design.palette_slot,
                style,
                points: run
                    .result
                    .scaling
                    .iter()
                    .filter(|r| r.component == *component)
                    .map(|r| (r.time_s, f64::from(r.replicas), None))
                    .collect(),
            });
        }
    }
    let metric = if components.len() == 1 {
        format!("replicas of {}", components[0])
    } else {
        "replicas".to_string()
    };
    Some(sweep_chart(
        title,
        "simulated time (s)",
        None,
        &metric,
        &lines,
        format,
    ))
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
