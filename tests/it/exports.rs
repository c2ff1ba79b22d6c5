//! Full exports: `results.json` holds every table of the CSV files and the scenario as
//! validated, and validates against `sagasim schema --output results`; the effective
//! scenario reads back as the same scenario, for every bundled scenario.

use crate::common;

use sagasim::Scenario;
use sagasim::report::results_schema;
use sagasim::scenario::{Override, effective_scenario};

use common::json_schema::errors;
use common::{ok, short_sweep};

fn bundled() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.push("scenarios/sweeps/load.toml".into());
    files.push("tests/scenarios/sync-mm3.toml".into());
    files.sort();
    files
}

/// Every default filled in, and nothing lost: written back as TOML, the effective scenario
/// validates to exactly the scenario it came from.
#[test]
fn the_effective_scenario_reads_back_as_the_same_scenario() {
    let scenario_schema = sagasim::scenario::json_schema();
    for file in bundled() {
        let scenario = Scenario::load(&file, &[]).unwrap();
        let effective = effective_scenario(&scenario);
        let problems = errors(&scenario_schema, &effective);
        assert!(problems.is_empty(), "{}: {problems:?}", file.display());
        let table: toml::Table = serde_json::from_value(effective).unwrap();
        let text = toml::to_string(&table).unwrap();
        let again = Scenario::from_toml_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", file.display()));
        assert_eq!(again, scenario, "{}:\n{text}", file.display());
    }
}

#[test]
fn results_json_holds_every_table_and_validates_against_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = ok(&[
        "run",
        "scenarios/payment-outage.toml",
        "--set",
        "scenario.duration=5m",
        "--replications",
        "2",
        "--variants",
        "orchestrator,choreography",
        "--no-charts",
        "--out",
        out,
        "--format",
        "json",
    ]);
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("results.json")).unwrap())
            .unwrap();
    assert_eq!(
        printed, written,
        "stdout and results.json are the same document"
    );
    let schema: serde_json::Value =
        serde_json::from_slice(&ok(&["schema", "--output", "results"]).stdout).unwrap();
    assert_eq!(schema, results_schema());
    let problems = errors(&schema, &written);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(written["schema_version"], 2);
    assert_eq!(written["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        written["command"]
            .as_str()
            .unwrap()
            .starts_with("sagasim run scenarios/payment-outage.toml")
    );
    // The same rows as the CSV files, value for value.
    for (key, file) in [
        ("summary", "summary.csv"),
        ("faults", "faults.csv"),
        ("messages", "messages.csv"),
        ("components", "components.csv"),
        ("differences", "differences.csv"),
        ("scorecard", "scorecard.csv"),
    ] {
        let csv = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<&str> = lines.collect();
        let json_rows = written[key].as_array().unwrap();
        assert_eq!(json_rows.len(), rows.len(), "{key}");
        assert!(!rows.is_empty(), "{key} is empty");
        for (line, object) in rows.iter().zip(json_rows) {
            for (column, field) in header.iter().zip(line.split(',')) {
                let value = &object[*column];
                let shown = match value {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let same = shown == field
                    || shown.parse::<f64>().ok() == field.parse::<f64>().ok() && !field.is_empty();
                assert!(same, "{key}.{column}: json {shown} vs csv {field}");
            }
        }
    }
    // Mean and interval rows with two replications.
    let summary = written["summary"].as_array().unwrap();
    assert!(summary.iter().any(|row| row["replication"] == "ci95"));
    // A broken document fails the schema: the check can fail.
    let mut broken = written.clone();
    broken["summary"][0]
        .as_object_mut()
        .unwrap()
        .remove("latency_p99_ms");
    assert!(!errors(&schema, &broken).is_empty());
    let mut broken = written;
    broken["effective_scenario"]["services"][0]["fail"] = serde_json::json!(1.5);
    assert!(!errors(&schema, &broken).is_empty());
}

#[test]
fn overrides_show_in_the_effective_scenario() {
    let overrides = [Override::parse("services.payment.fail=0.25").unwrap()];
    let scenario = Scenario::load(
        std::path::Path::new("scenarios/order-placement.toml"),
        &overrides,
    )
    .unwrap();
    let effective = effective_scenario(&scenario);
    assert_eq!(effective["services"][1]["name"], "payment");
    assert_eq!(effective["services"][1]["fail"], 0.25);
    // A default the file leaves out, made explicit.
    assert_eq!(effective["services"][1]["workers"], 4);
    assert_eq!(effective["network"]["bandwidth"], "1Gbps");
}

/// `sweep.json` keeps the manifest's keys (resuming and merging read them) and, once the
/// sweep is complete, every point's rows; it validates against its schema and is the same
/// bytes whether the sweep ran whole or in shards.
#[test]
fn sweep_json_carries_the_points_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let sweep = |extra: &[&str]| {
        let output = short_sweep(
            &[
                "workload.arrivals.poisson=50,150",
                "network.delivery=broker,direct",
            ],
            extra,
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    sweep(&["--out", &out("whole")]);
    sweep(&["--out", &out("a"), "--shard", "1/2"]);
    sweep(&["--out", &out("b"), "--shard", "2/2"]);
    ok(&[
        "merge",
        &out("a"),
        &out("b"),
        "--out",
        &out("merged"),
        "--no-charts",
    ]);
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(name).join("sweep.json")).unwrap(),
        )
        .unwrap()
    };
    let whole = read("whole");
    let schema: serde_json::Value =
        serde_json::from_slice(&ok(&["schema", "--output", "sweep"]).stdout).unwrap();
    let problems = errors(&schema, &whole);
    assert!(problems.is_empty(), "{problems:?}");
    let results = whole["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "one entry per point");
    assert_eq!(results[3]["params"]["network.delivery"], "direct");
    assert_eq!(results[3]["params"]["workload.arrivals.poisson"], "150");
    let rows = results[3]["summary"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "a row per design");
    assert!(rows[0]["latency_p99_ms"].as_f64().unwrap() > 0.0);
    let mut merged = read("merged");
    let mut whole = whole;
    // Only where the scenario was read from may differ; it is not the sweep's identity.
    merged["file"] = serde_json::Value::Null;
    whole["file"] = serde_json::Value::Null;
    assert_eq!(merged, whole);
    let csv = std::fs::read_to_string(dir.path().join("whole/sweep.csv")).unwrap();
    assert_eq!(csv.lines().count() - 1, 4 * 2, "the same rows as sweep.csv");
}
