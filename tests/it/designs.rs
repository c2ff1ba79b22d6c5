//! Designs: the eight saga patterns by name, `patterns` for all of them, plain styles that
//! take the scenario's communication and consistency, a scenario's own `[[designs]]`, and
//! the design columns of `summary.csv`.

use crate::common;

use common::{chain_scenario, parse, run_all, sagasim, summary_of};
use sagasim::report::{Column, SUMMARY_COLUMNS, summary_rows, to_csv};
use sagasim::{Coordination, Design};

/// The book's table (ch. 12), as the issue states it.
const BOOK: [(&str, &str, &str, &str); 8] = [
    ("epic", "sync", "atomic", "orchestrator"),
    ("phone-tag", "sync", "atomic", "front-controller"),
    ("fairy-tale", "sync", "eventual", "orchestrator"),
    ("time-travel", "sync", "eventual", "choreography"),
    ("fantasy-fiction", "async", "atomic", "orchestrator"),
    ("horror-story", "async", "atomic", "choreography"),
    ("parallel", "async", "eventual", "orchestrator"),
    ("anthology", "async", "eventual", "choreography"),
];

#[test]
fn patterns_stand_for_the_eight_sagas_and_report_their_coordinates() {
    let text =
        chain_scenario(3, None, "").replace("seed = 3\n", "seed = 3\nvariants = [\"patterns\"]\n");
    let scenario = parse(&text);
    let labels: Vec<&str> = scenario.designs.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, BOOK.map(|b| b.0));
    let results = run_all(&scenario);
    let csv = to_csv(&SUMMARY_COLUMNS, &summary_rows(&results));
    for (name, communication, consistency, coordination) in BOOK {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{name},1,")))
            .unwrap_or_else(|| panic!("{name} missing:\n{csv}"));
        let cells: Vec<&str> = line.split(',').collect();
        let at = |column: Column| cells.get(column.index()).copied().unwrap_or_default();
        assert_eq!(
            [
                at(Column::Coordination),
                at(Column::Communication),
                at(Column::Consistency)
            ],
            [coordination, communication, consistency],
            "{line}"
        );
    }
    // Eventual designs answer after the first step; atomic ones after the last.
    let answered = |name: &str| summary_of(&results, name).latency_mean_ms.unwrap_or(0.0);
    assert!(answered("anthology") < answered("horror-story"));
    assert!(answered("fairy-tale") < answered("epic"));
}

#[test]
fn a_plain_style_takes_the_scenarios_communication_and_consistency() {
    let text = chain_scenario(2, None, "").replace(
        "seed = 3\n",
        "seed = 3\ncommunication = \"sync\"\nconsistency = \"eventual\"\nvariants = [\"choreography\", \"anthology\"]\n",
    );
    let scenario = parse(&text);
    let style = &scenario.designs[0];
    assert_eq!(style.coordinates(), "choreography · sync · eventual");
    // A pattern keeps its own, whatever the scenario says.
    assert_eq!(
        scenario.designs[1].coordinates(),
        "choreography · async · eventual"
    );
}

#[test]
fn a_scenario_declares_its_own_designs() {
    let extra = "\n[[designs]]\nname = \"anthology-on-stamps\"\npattern = \"anthology\"\n\
        coordination = \"stamp-coupling\"\n\n\
        [[designs]]\nname = \"blocking-chain\"\ncoordination = \"choreography\"\ncommunication = \"sync\"\n";
    let text = chain_scenario(3, None, extra);
    let scenario = parse(&text);
    // Without `variants`: the five styles, then the scenario's own.
    let labels: Vec<&str> = scenario.designs.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "orchestrator",
            "choreography",
            "front-controller",
            "stamp-coupling",
            "stateless",
            "anthology-on-stamps",
            "blocking-chain"
        ]
    );
    let on_stamps = &scenario.designs[5];
    assert_eq!(on_stamps.coordinates(), "stamp-coupling · async · eventual");
    assert_eq!(
        scenario.designs[6].coordinates(),
        "choreography · sync · atomic"
    );
    let results = run_all(&scenario);
    // Stamp coupling's bytes, plus the base-size `accepted` answer of eventual consistency.
    let stamps = summary_of(&results, Coordination::StampCoupling)
        .bytes_per_workflow
        .unwrap_or(0.0);
    assert_eq!(
        summary_of(&results, "anthology-on-stamps").bytes_per_workflow,
        Some(stamps + 1024.0)
    );
    assert_eq!(
        summary_of(&results, "blocking-chain").messages_per_workflow,
        Some(6.0),
        "n+1 messages plus n−1 acks"
    );
    // --variants picks among them by name.
    let mut chosen = parse(&text);
    chosen
        .set_designs(&["blocking-chain", "epic"])
        .unwrap_or_else(|e| panic!("{e}"));
    let labels: Vec<&str> = chosen.designs.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, ["blocking-chain", "epic"]);
}

#[test]
fn every_predefined_name_resolves_and_colours_are_fixed() {
    let scenario = parse(&chain_scenario(1, None, ""));
    let mut slots = Vec::new();
    for name in Design::predefined_names() {
        let designs = Design::predefined(name, &scenario.system)
            .unwrap_or_else(|| panic!("{name} does not resolve"));
        for design in designs {
            assert_eq!(
                Design::palette_slot_of(&design.label, 99),
                design.palette_slot
            );
            slots.push(design.palette_slot);
        }
    }
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(
        slots.len(),
        13,
        "five styles and eight patterns, each its own colour"
    );
}

#[test]
fn a_design_listed_twice_on_the_command_line_is_bad_input() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().to_string_lossy().to_string();
    let output = sagasim(&[
        "run",
        "scenarios/order-placement.toml",
        "--variants",
        "orchestrator,orchestrator",
        "--out",
        &out,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--variants: `orchestrator` is listed twice"),
        "{stderr}"
    );
}
