//! Charts: round tick labels, stable latency ticks, axes that never overflow on values
//! that are not finite or absurdly large, a 200,000-point empirical distribution drawn
//! without a crash, SVG output, and the sweep lines' styles, all apart from the pixels.

use crate::common;

use common::{chain_scenario, parse};
use sagasim::report::charts::{
    ChartFormat, HEIGHT, SweepLine, WIDTH, axis_top, decade_range, latency_chart, log_tick_label,
    messages_chart, sweep_chart, tick_label, timeline_chart, timeline_data,
};
use sagasim::sweep::{Manifest, sweep_lines};
use sagasim::{RunOptions, ScenarioResults, run};

#[test]
fn tick_labels_are_rounded_to_the_axis_resolution() {
    assert_eq!(tick_label(0.300_000_000_000_000_04, 1.0), "0.3");
    assert_eq!(tick_label(0.799_999_999_999_999_9, 1.0), "0.8");
    assert_eq!(tick_label(0.030_000_000_000_000_002, 0.05), "0.03");
    assert_eq!(tick_label(250.0, 300.0), "250");
    assert_eq!(tick_label(-0.000_000_1, 1.0), "0");
    assert_eq!(log_tick_label(1500.0), "1500");
    assert_eq!(log_tick_label(0.25), "0.25");
    assert_eq!(log_tick_label(f64::NAN), "");
}

#[test]
fn latency_axes_snap_to_decades_so_their_ticks_do_not_move() {
    assert_eq!(decade_range([12.0, 950.0].into_iter()), (10.0, 1000.0));
    assert_eq!(decade_range([15.0, 990.0].into_iter()), (10.0, 1000.0));
    assert_eq!(decade_range([15.0, 1001.0].into_iter()), (10.0, 10_000.0));
    // Nothing drawable: still a valid decade.
    assert_eq!(decade_range([f64::NAN, -3.0].into_iter()), (1.0, 10.0));
}

#[test]
fn an_all_zero_axis_spans_zero_to_one_and_junk_is_ignored() {
    assert_eq!(axis_top([0.0, 0.0].into_iter()), 1.0);
    assert_eq!(
        axis_top([2.0, f64::INFINITY, f64::NAN, 1e300].into_iter()),
        2.2
    );
}

fn chain_results() -> ScenarioResults {
    run(
        &parse(&chain_scenario(3, Some(2), "")),
        &RunOptions::default(),
    )
}

fn decodes(bytes: &[u8], what: &str) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
    let reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let info = reader.info();
    assert_eq!((info.width, info.height), (WIDTH, HEIGHT), "{what}");
}

#[test]
fn values_that_are_not_finite_or_absurdly_large_never_reach_an_axis() {
    let mut results = chain_results();
    for run in &mut results.runs {
        run.result.latency_ladder = vec![
            (0.0, f64::NAN),
            (0.5, f64::INFINITY),
            (0.9, 1e308),
            (0.99, -5.0),
            (0.999, 3.0),
        ];
        for fault in &mut run.result.faults {
            fault.end_s = f64::INFINITY;
        }
    }
    for format in [ChartFormat::Png, ChartFormat::Svg] {
        for (name, bytes) in [
            ("latency", latency_chart(&results, "junk", format)),
            ("timeline", timeline_chart(&results, "junk", format)),
            ("messages", messages_chart(&results, "junk", format)),
        ] {
            let bytes = bytes.unwrap_or_else(|e| panic!("{name}: {e}"));
            if format == ChartFormat::Png {
                decodes(&bytes, name);
            }
        }
    }
    let junk = SweepLine {
        label: "junk".to_string(),
        palette_slot: 0,
        style: 0,
        points: vec![
            (f64::NAN, 1.0, None),
            (0.0, f64::INFINITY, Some(1.0)),
            (1.0, 1e308, Some(f64::INFINITY)),
            (-1e308, 2.0, None),
            (2.0, 3.0, Some(f64::NAN)),
        ],
    };
    let zeros = SweepLine {
        label: "zeros".to_string(),
        palette_slot: 1,
        style: 1,
        points: vec![(0.0, 0.0, None), (1.0, 0.0, None)],
    };
    for lines in [vec![junk], vec![zeros], Vec::new()] {
        let bytes = sweep_chart("junk", "x", None, "y", &lines, ChartFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        decodes(&bytes, "sweep");
    }
}

#[test]
fn a_200000_point_empirical_distribution_is_charted() {
    let values: Vec<String> = (0..200_000u64)
        .map(|i| format!("\"{}us\"", 1 + (i * 7919) % 3_600_000_000))
        .collect();
    let text = chain_scenario(2, None, "").replacen(
        "work = \"1ms\"",
        &format!("work = {{ empirical = [{}] }}", values.join(", ")),
        1,
    );
    let results = run(&parse(&text), &RunOptions::default());
    for format in [ChartFormat::Png, ChartFormat::Svg] {
        latency_chart(&results, "big", format).unwrap_or_else(|e| panic!("{e}"));
        timeline_chart(&results, "big", format).unwrap_or_else(|e| panic!("{e}"));
        messages_chart(&results, "big", format).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn svg_charts_keep_text_as_text_and_are_identical_for_the_same_input() {
    let results = chain_results();
    let svg = latency_chart(&results, "chain", ChartFormat::Svg).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(svg.clone()).unwrap_or_default();
    assert!(text.starts_with("<svg"), "{}", &text[..text.len().min(80)]);
    assert!(
        text.contains("<text") && text.contains("\norchestrator\n") && text.contains("\np50\n"),
        "labels are text"
    );
    let again = latency_chart(&chain_results(), "chain", ChartFormat::Svg).unwrap_or_default();
    assert!(svg == again, "same input, same bytes");
}

#[test]
fn the_timeline_shades_the_warm_up() {
    let text = chain_scenario(2, None, "")
        .replace("duration = \"20s\"", "duration = \"20s\"\nwarmup = \"5s\"");
    let results = run(&parse(&text), &RunOptions::default());
    let data = timeline_data(&results);
    assert_eq!(data.warmup_s, 5.0);
    assert_eq!(timeline_data(&chain_results()).warmup_s, 0.0);
}

/// A two-key sweep.csv by hand: the second key's values get their own marker style, a
/// label with a comma is read whole, and categories sit at their index.
#[test]
fn sweep_lines_read_the_csv_and_style_the_second_key() {
    let manifest = Manifest {
        scenario: "s".to_string(),
        file: "s.toml".to_string(),
        sets: Vec::new(),
        params: vec![
            (
                "network.delivery".to_string(),
                vec!["broker".to_string(), "direct".to_string()],
            ),
            (
                "orchestrator.workers".to_string(),
                vec!["2".to_string(), "8".to_string()],
            ),
        ],
        variants: vec!["orchestrator".to_string()],
        seed: 1,
        replications: 1,
        points: 4,
        content: String::new(),
    };
    let mut csv = String::from("network.delivery,orchestrator.workers");
    for name in sagasim::report::SUMMARY_COLUMNS {
        csv.push(',');
        csv.push_str(name);
    }
    csv.push('\n');
    for (delivery, workers, failed) in [
        ("broker", "2", 1),
        ("broker", "8", 2),
        ("direct", "2", 3),
        ("direct", "8", 4),
    ] {
        let mut cells = vec![String::new(); sagasim::report::SUMMARY_COLUMNS.len()];
        cells[0] = "orchestrator".to_string();
        cells[1] = "1".to_string();
        cells[sagasim::report::Column::Failed.index()] = failed.to_string();
        cells[sagasim::report::Column::Bottleneck.index()] = "\"pay, ment\"".to_string();
        cells[sagasim::report::Column::Started.index()] = "50".to_string();
        csv.push_str(&format!("{delivery},{workers},{}\n", cells.join(",")));
    }
    let lines = sweep_lines(&manifest, &csv, sagasim::report::Column::Failed, false);
    type Line<'a> = (&'a str, usize, Vec<(f64, f64)>);
    let summary: Vec<Line> = lines
        .iter()
        .map(|l| {
            (
                l.label.as_str(),
                l.style,
                l.points.iter().map(|p| (p.0, p.1)).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "orchestrator, orchestrator.workers=2",
                0,
                vec![(0.0, 1.0), (1.0, 3.0)]
            ),
            (
                "orchestrator, orchestrator.workers=8",
                1,
                vec![(0.0, 2.0), (1.0, 4.0)]
            ),
        ]
    );
    // As a share of the 50 started: 1 failed of 50 is 2 %.
    let shares = sweep_lines(&manifest, &csv, sagasim::report::Column::Failed, true);
    let first: Vec<f64> = shares[0].points.iter().map(|p| p.1).collect();
    assert_eq!(first, [2.0, 6.0]);
}

#[test]
fn swept_keys_read_as_words_with_their_unit() {
    use sagasim::sweep::axis_name;
    assert_eq!(
        axis_name("workload.arrivals.poisson"),
        "arrival rate (workflows/s)"
    );
    assert_eq!(axis_name("services.payment.workers"), "payment's workers");
    assert_eq!(
        axis_name("orchestrator.workers"),
        "the orchestrator's workers"
    );
    assert_eq!(
        axis_name("network.loss"),
        "message loss (share of messages)"
    );
    assert_eq!(axis_name("unknown.key"), "unknown.key");
}

#[test]
fn a_sweep_over_text_values_labels_every_category() {
    let categories: Vec<String> = ["1MB", "10MB", "25MB", "50MB", "100MB"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let line = SweepLine {
        label: "orchestrator".into(),
        palette_slot: 0,
        style: 0,
        points: (0..5)
            .map(|i| (f64::from(i), f64::from(i) * 10.0, None))
            .collect(),
    };
    let svg = sweep_chart(
        "t",
        "defaults.output",
        Some(&categories),
        "p50 latency (ms)",
        &[line],
        ChartFormat::Svg,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&svg);
    // plotters writes each label on a line of its own inside its <text> element.
    for category in &categories {
        assert!(
            text.contains(&format!(">\n{category}\n<")),
            "no tick for {category}"
        );
    }
}

/// The texts of an SVG chart, in order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let body = part.split_once('>')?.1;
            Some(body.split("</text>").next()?.trim().to_string())
        })
        .collect()
}

/// (stroke colour, stroke width, polyline count) of an SVG's coloured lines.
fn strokes(svg: &str) -> std::collections::BTreeMap<String, (String, usize)> {
    let mut found = std::collections::BTreeMap::new();
    for part in svg.split("<polyline").skip(1) {
        let attribute = |name: &str| {
            part.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("")
                .to_string()
        };
        let color = attribute("stroke");
        if color == "#000000" || color.is_empty() {
            continue;
        }
        let entry = found.entry(color).or_insert((attribute("stroke-width"), 0));
        entry.1 += 1;
    }
    found
}

/// One step and nothing to coordinate: every style's latency line is the same. Each
/// still gets its own style (width or dashes), and the legend says which are the same.
#[test]
fn coinciding_latency_lines_get_distinct_styles_and_say_so() {
    let text = chain_scenario(1, None, "").replace("duration = \"20s\"", "duration = \"60s\"");
    let results = run(&parse(&text), &RunOptions::default());
    let svg = String::from_utf8(
        latency_chart(&results, "same", ChartFormat::Svg).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_default();
    let texts = svg_texts(&svg);
    let same: Vec<&String> = texts.iter().filter(|t| t.contains("(same as")).collect();
    let lines = strokes(&svg);
    // Five designs, five colours drawn.
    assert!(lines.len() >= 5, "{lines:?}");
    // No two designs with identical lines are drawn alike (width and dash segments).
    let series = sagasim::report::charts::latency_series(&results);
    let style_of = |slot: usize| {
        let colour = sagasim::report::charts::design_hex(slot).to_uppercase();
        lines
            .get(&colour)
            .cloned()
            .unwrap_or_else(|| panic!("{colour} not drawn: {lines:?}"))
    };
    let mut pairs = 0;
    for (i, a) in series.iter().enumerate() {
        for b in &series[i + 1..] {
            if a.points == b.points {
                pairs += 1;
                assert_ne!(
                    style_of(a.palette_slot),
                    style_of(b.palette_slot),
                    "{} and {} coincide and are drawn alike",
                    a.label,
                    b.label
                );
            }
        }
    }
    assert!(
        pairs > 0,
        "the scenario should make some designs coincide: {series:?}"
    );
    // Whatever coincides exactly is named in the legend.
    let identical = series
        .iter()
        .enumerate()
        .filter(|(i, s)| series[..*i].iter().any(|e| e.points == s.points))
        .count();
    assert_eq!(same.len(), identical, "{texts:?}");
}

/// Every kind with a count is in the legend (data too), and a design no component can
/// answer status for reads "not supported", not an empty (free-looking) bar.
#[test]
fn the_messages_legend_lists_every_kind_and_marks_unsupported_status() {
    let text = chain_scenario(3, None, "")
        .replacen("work = \"1ms\"", "work = \"1ms\"\noutput = \"4KiB\"", 1)
        .replacen(
            "[workload]\n",
            "[workload]\nstatus_queries = { every = \"5ms\" }\n",
            1,
        );
    let results = run(&parse(&text), &RunOptions::default());
    let svg = String::from_utf8(
        messages_chart(&results, "kinds", ChartFormat::Svg).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_default();
    let texts = svg_texts(&svg);
    for (design, shares) in sagasim::report::charts::message_bars(&results) {
        for share in shares {
            if share.messages_per_workflow > 0.0 || share.bytes_per_workflow > 0.0 {
                let label = share.category.label();
                assert!(
                    texts.iter().any(|t| t.starts_with(label)),
                    "{design}: kind {label} missing from {texts:?}"
                );
            }
        }
    }
    assert!(texts.iter().any(|t| t.starts_with("data")), "{texts:?}");
    // Choreography and stamp coupling answer no status query.
    let unsupported = texts.iter().filter(|t| *t == "not supported").count();
    assert_eq!(unsupported, 2 * 2, "two designs in two panels: {texts:?}");
}

/// Every candidate of an advice chart is numbered on the chart and named in the key, even
/// where marks fall on each other; the SLO's bound is drawn and named.
#[test]
fn every_candidate_of_the_advice_chart_is_labelled() {
    use sagasim::report::charts::{AdviceBound, AdviceMark, AdvicePoint, advice_chart};
    let points: Vec<AdvicePoint> = (0..9)
        .map(|i| AdvicePoint {
            label: format!("design-{i}"),
            // Three groups of three marks on the same spot.
            messages_per_workflow: 5.0 + f64::from(i / 3),
            latency_p99_ms: 100.0,
            mark: [
                AdviceMark::Front,
                AdviceMark::Feasible,
                AdviceMark::Rejected,
            ][i as usize % 3],
        })
        .collect();
    let bounds = [AdviceBound {
        on_latency: true,
        value: 300.0,
        text: "p99<=300ms".to_string(),
    }];
    let svg = String::from_utf8(
        advice_chart("labels", &points, &bounds, ChartFormat::Svg)
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_default();
    let texts = svg_texts(&svg);
    for (index, point) in points.iter().enumerate() {
        let number = (index + 1).to_string();
        assert!(
            texts.contains(&format!("{number} {}", point.label)),
            "{} not in the key: {texts:?}",
            point.label
        );
        assert!(
            texts.iter().any(|t| t.split(", ").any(|n| n == number)),
            "{number} not on the chart: {texts:?}"
        );
    }
    assert!(texts.contains(&"1, 2, 3".to_string()), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t == "SLO p99&lt;=300ms" || t == "SLO p99<=300ms"),
        "{texts:?}"
    );
}
