//! Replicas against queueing theory and against their own promises: a broker's
//! competing consumers are one pooled M/M/c station (exactly, figure for figure, and
//! within 3 % of Erlang C); a balancer's random choice splits Poisson arrivals into c
//! M/M/1 queues, its round robin gives each replica Erlang-c interarrival times
//! (E_c/M/1); least-outstanding beats power-of-two beats random; a journaled coordinator
//! shard fails over and loses nothing, an in-memory one loses its third; a zone outage
//! downs exactly the replicas placed there.
//!
//! Tolerance: as in `queueing_theory`, 10 replications, theory within the 99.9 %
//! Student-t interval of their means and within 3 %.

use std::path::Path;

use crate::common;

use common::theory::{T_999_DF9, assert_mean_matches, erlang_c};
use sagasim::{RunOptions, Scenario, ScenarioResults, run};

/// One station of `replicas` × `workers` with Exp(1 s) service, Poisson(`rate`) arrivals,
/// the given delivery and balance; 10 replications of `duration_s`.
fn station(rate: f64, replicas: u32, workers: u32, delivery: &str, balance: &str) -> String {
    format!(
        "[scenario]\nname = \"replicas\"\nseed = 17\nduration = \"{duration}s\"\ndrain = \"3000s\"\nwarmup = \"1000s\"\n\
         variants = [\"choreography\"]\nreplications = 10\n\n\
         [workload]\narrivals = {{ poisson = {rate} }}\n\n\
         [network]\ndelivery = \"{delivery}\"\n\n\
         [[services]]\nname = \"station\"\nworkers = {workers}\nreplicas = {replicas}\nbalance = \"{balance}\"\nwork = {{ exponential = \"1s\" }}\n\n\
         [workflow]\nsteps = [\"station\"]\n",
        duration = 40_000,
    )
}

fn run_text(text: &str) -> ScenarioResults {
    let scenario = Scenario::from_toml_str(text).unwrap_or_else(|e| panic!("{e}"));
    run(&scenario, &RunOptions::default())
}

/// Mean sojourn (ms) per replication; every workflow conserved and none stuck.
fn means(results: &ScenarioResults, context: &str) -> Vec<f64> {
    results
        .runs
        .iter()
        .map(|run| {
            common::assert_conserved(&run.result.summary, context);
            assert_eq!(
                run.result.summary.stuck, 0,
                "{context}: the drain lets all finish"
            );
            run.result.summary.latency_mean_ms.unwrap_or(f64::NAN)
        })
        .collect()
}

#[test]
fn a_brokers_replicas_are_one_pooled_station_exactly_and_match_erlang_c() {
    let pooled = run_text(&station(1.8, 3, 1, "broker", "round-robin"));
    let single = run_text(&station(1.8, 1, 3, "broker", "round-robin"));
    for (a, b) in pooled.runs.iter().zip(&single.runs) {
        assert_eq!(
            a.result.summary, b.result.summary,
            "3 replicas × 1 worker and 1 replica × 3 workers, replication {}",
            a.replication
        );
        assert_eq!(a.result.timeseries, b.result.timeseries);
    }
    // The pooled replicas share the work: each is about a third of the whole.
    let replicas = &pooled.runs[0].result.replicas;
    assert_eq!(replicas.len(), 3);
    let handled: u64 = replicas.iter().map(|r| r.handled).sum();
    for replica in replicas {
        let share = replica.handled as f64 / handled as f64;
        assert!((0.25..0.42).contains(&share), "{replica:?}");
    }
    let wait_s = erlang_c(3, 1.8) / (3.0 - 1.8);
    assert_mean_matches(
        "M/M/3 as 3 pooled replicas",
        &means(&pooled, "pooled"),
        (wait_s + 1.0) * 1000.0,
    );
}

#[test]
fn random_balancing_splits_poisson_arrivals_into_independent_mm1_queues() {
    // c = 3 replicas of M/M/1 at total λ = 1.8: each sees Poisson(0.6), W = 1 / (1 − 0.6).
    let results = run_text(&station(1.8, 3, 1, "direct", "random"));
    assert_mean_matches("random over 3 replicas", &means(&results, "random"), 2500.0);
}

#[test]
fn round_robin_gives_each_replica_erlang_interarrival_times() {
    // E_c/M/1: σ solves σ = (λ / (λ + μ(1 − σ)))^c, with λ the total rate; W = 1/(μ(1−σ)).
    let (lambda, mu, c) = (1.8f64, 1.0f64, 3);
    let mut sigma = 0.5;
    for _ in 0..200 {
        sigma = (lambda / (lambda + mu * (1.0 - sigma))).powi(c);
    }
    let theory_ms = 1000.0 / (mu * (1.0 - sigma));
    assert!(
        (theory_ms - 1813.4).abs() < 0.5,
        "E3/M/1 itself: {theory_ms}"
    );
    let results = run_text(&station(1.8, 3, 1, "direct", "round-robin"));
    assert_mean_matches(
        "round robin over 3 replicas",
        &means(&results, "round-robin"),
        theory_ms,
    );
}

#[test]
fn least_outstanding_beats_power_of_two_beats_random() {
    // ρ = 0.8 over c = 4 replicas of one worker; the same arrivals and service times for
    // each balancer (common random numbers), so paired differences are tight.
    let mean_of = |balance: &str| {
        let text = station(3.2, 4, 1, "direct", balance)
            .replace("duration = \"40000s\"", "duration = \"20000s\"");
        means(&run_text(&text), balance)
    };
    let least = mean_of("least-outstanding");
    let two = mean_of("power-of-two");
    let random = mean_of("random");
    let average = |means: &[f64]| means.iter().sum::<f64>() / means.len() as f64;
    eprintln!(
        "ρ = 0.8, c = 4: least-outstanding {:.1} ms, power-of-two {:.1} ms, random {:.1} ms",
        average(&least),
        average(&two),
        average(&random)
    );
    for (better, worse, what) in [
        (&least, &two, "least-outstanding < power-of-two"),
        (&two, &random, "power-of-two < random"),
    ] {
        let differences: Vec<f64> = worse.iter().zip(better).map(|(w, b)| w - b).collect();
        let n = differences.len() as f64;
        let mean = differences.iter().sum::<f64>() / n;
        let sd = (differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        eprintln!("{what}: by {mean:.1} ms ± {:.1}", T_999_DF9 * sd / n.sqrt());
        assert!(
            mean - T_999_DF9 * sd / n.sqrt() > 0.0,
            "{what}: paired difference {mean:.1} ms ± {:.1} (99.9 %)",
            T_999_DF9 * sd / n.sqrt()
        );
    }
}

/// Three orchestrator replicas, 1 s of work per step (so about 30 workflows are in
/// flight), and a crash of replica 0 from 10 s to 40 s.
fn sharded(journal: &str, replicas: u32) -> String {
    format!(
        "[scenario]\nname = \"shards\"\nseed = 3\nduration = \"60s\"\ndrain = \"60s\"\nvariants = [\"orchestrator\"]\n\n\
         [workload]\narrivals = {{ constant = 10 }}\n\n\
         [network]\ndelivery = \"broker\"\n\n\
         [orchestrator]\nworkers = 64\nreplicas = {replicas}\njournal = \"{journal}\"\nfailover = \"5s\"\n\n\
         [[services]]\nname = \"a\"\nworkers = 64\nwork = \"1s\"\n\n\
         [[services]]\nname = \"b\"\nworkers = 64\nwork = \"1s\"\n\n\
         [[services]]\nname = \"c\"\nworkers = 64\nwork = \"1s\"\n\n\
         [workflow]\nsteps = [\"a\", \"b\", \"c\"]\n\n\
         [[faults]]\ncrash = \"orchestrator\"\nreplicas = 1\nat = \"10s\"\nfor = \"30s\"\n"
    )
}

#[test]
fn a_journaled_shard_fails_over_and_loses_nothing() {
    let results = run_text(&sharded("1ms", 3));
    let summary = &results.runs[0].result.summary;
    common::assert_conserved(summary, "journaled shards");
    assert_eq!(
        (summary.stuck, summary.failed),
        (0, 0),
        "a journaled shard loses no workflow"
    );
    // Its workflows wait for the failover (5 s after the crash), not for the restart
    // (30 s): the slowest takes its 3 s plus about 5 s.
    let max_s = summary.latency_max_ms.unwrap_or(f64::NAN) / 1000.0;
    assert!((7.9..8.2).contains(&max_s), "slowest workflow {max_s} s");
    // Without failover to another replica (one replica), they wait for the restart.
    let single = run_text(&sharded("1ms", 1).replace("replicas = 1\nat", "at"));
    let max_single_s = single.runs[0].result.summary.latency_max_ms.unwrap_or(0.0) / 1000.0;
    assert!(
        max_single_s > 30.0,
        "one replica waits for its restart: {max_single_s} s"
    );
}

#[test]
fn an_in_memory_shard_loses_its_third_of_the_workflows_in_flight() {
    let three = run_text(&sharded("0ms", 3));
    let one = run_text(&sharded("0ms", 1).replace("replicas = 1\nat", "at"));
    let stuck_three = three.runs[0].result.summary.stuck;
    let stuck_one = one.runs[0].result.summary.stuck;
    // About 30 in flight at the crash: one replica loses all, three lose a third.
    assert!(
        (25..=35).contains(&stuck_one),
        "one replica: {stuck_one} stuck"
    );
    let third = stuck_one as f64 / 3.0;
    assert!(
        (stuck_three as f64 - third).abs() <= 1.0,
        "three replicas: {stuck_three} stuck, a third of {stuck_one}"
    );
    for results in [&three, &one] {
        common::assert_conserved(&results.runs[0].result.summary, "in-memory shards");
    }
}

#[test]
fn a_zone_outage_downs_exactly_the_replicas_placed_there() {
    let text = "[scenario]\nname = \"zones\"\nseed = 9\nduration = \"60s\"\ndrain = \"10s\"\n\
        variants = [\"orchestrator\", \"choreography\", \"front-controller\", \"stamp-coupling\", \"stateless\"]\n\n\
        [workload]\narrivals = { poisson = 20 }\n\n\
        [network]\ndelivery = \"broker\"\n\n\
        [orchestrator]\nworkers = 4\nreplicas = 3\nzones = [\"a\", \"b\", \"c\"]\njournal = \"1ms\"\n\n\
        [defaults]\nworkers = 2\nreplicas = 2\nzones = [\"b\", \"a\"]\n\n\
        [[services]]\nname = \"s1\"\nwork = { exponential = \"5ms\" }\n\n\
        [[services]]\nname = \"s2\"\nreplicas = 4\nwork = { exponential = \"5ms\" }\n\n\
        [workflow]\nsteps = [\"s1\", \"s2\"]\n\n\
        [[faults]]\nzone = \"a\"\nat = \"20s\"\nfor = \"10s\"\n";
    let results = run_text(text);
    for run in &results.runs {
        common::assert_conserved(&run.result.summary, &run.design.to_string());
        for replica in &run.result.replicas {
            let crashed = replica.zone.as_deref() == Some("a");
            let expected_s = if crashed { 10.0 } else { 0.0 };
            assert!(
                (replica.crashed_s - expected_s).abs() < 1e-9,
                "{}: {replica:?}",
                run.design
            );
        }
        // s2's four replicas over [b, a]: replicas 1 and 3 are in zone a.
        let s2_zones: Vec<_> = run
            .result
            .replicas
            .iter()
            .filter(|r| r.component == "s2")
            .map(|r| r.zone.clone().unwrap_or_default())
            .collect();
        assert_eq!(s2_zones, ["b", "a", "b", "a"]);
        // With a broker and replicas left in other zones, nothing is lost.
        assert_eq!(run.result.summary.stuck, 0, "{}", run.design);
    }
    let faults = &results.runs[0].result.faults;
    assert_eq!(faults[0].target, "zone a");
}

#[test]
fn a_health_check_lets_a_dead_replica_receive_until_it_notices() {
    // Direct delivery, two replicas, replica 0 down from 10 s to 30 s. With detect = 0s
    // the balancer stops at once: nothing sent to the dead replica. With 5 s checks, up to
    // 5 s of its share is lost (choreography: those workflows end stuck).
    let text = |detect: &str| {
        format!(
            "[scenario]\nname = \"detect\"\nseed = 2\nduration = \"60s\"\ndrain = \"10s\"\nvariants = [\"choreography\"]\n\n\
             [workload]\narrivals = {{ constant = 20 }}\n\n\
             [[services]]\nname = \"s\"\nworkers = 4\nreplicas = 2\ndetect = \"{detect}\"\nwork = \"10ms\"\n\n\
             [workflow]\nsteps = [\"s\"]\n\n\
             [[faults]]\ncrash = \"s\"\nreplicas = 1\nat = \"10s\"\nfor = \"20s\"\n"
        )
    };
    let at_once = run_text(&text("0s"));
    assert_eq!(at_once.runs[0].result.summary.stuck, 0);
    let checked = run_text(&text("5s"));
    let stuck = checked.runs[0].result.summary.stuck;
    // Round robin sends every other workflow to replica 0 until the check: at most 5 s ×
    // 10/s (and at the restart, replica 0 is not used until the next check either).
    assert!((1..=51).contains(&stuck), "{stuck} stuck");
    common::assert_conserved(&checked.runs[0].result.summary, "detect");
}

/// A scenario with replicas, zones, a balancer, an autoscaled service, a broker-pooled
/// service and a zone outage.
const DEPLOYED: &str = "[scenario]\nname = \"deployed\"\nseed = 4\nduration = \"30s\"\ndrain = \"5s\"\n\
    variants = [\"orchestrator\", \"choreography\", \"front-controller\"]\n\n\
    [workload]\narrivals = { poisson = 40 }\nstatus_queries = { every = \"500ms\" }\n\n\
    [policy]\ntimeout = \"500ms\"\nretries = 2\nbackoff = \"50ms\"\njitter = true\n\n\
    [orchestrator]\nworkers = 4\nreplicas = 3\njournal = \"1ms\"\nzones = [\"a\", \"b\", \"c\"]\nfailover = \"2s\"\n\n\
    [defaults]\nworkers = 2\nreplicas = 3\nbalance = \"power-of-two\"\nzones = [\"a\", \"b\", \"c\"]\n\n\
    [[services]]\nname = \"s1\"\nwork = { exponential = \"10ms\" }\n\
    autoscale = { min = 2, max = 5, target = 0.05, every = \"3s\", startup = \"1s\", cooldown = \"6s\" }\n\n\
    [[services]]\nname = \"s2\"\ndelivery = \"broker\"\nwork = { exponential = \"20ms\" }\nfail = 0.05\n\n\
    [workflow]\nsteps = [\"s1\", \"s2\"]\n\n\
    [[faults]]\nzone = \"b\"\nat = \"10s\"\nfor = \"5s\"\n";

#[test]
fn replicated_runs_are_byte_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("deployed.toml");
    std::fs::write(&file, DEPLOYED).unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().to_string();
    let files = [
        "summary.csv",
        "timeseries.csv",
        "components.csv",
        "replicas.csv",
        "faults.csv",
    ];
    let outputs: Vec<Vec<Vec<u8>>> = ["1", "2"]
        .iter()
        .map(|jobs| {
            let out = dir.path().join(format!("jobs-{jobs}"));
            let out_arg = out.to_string_lossy().to_string();
            common::ok(&[
                "run",
                &file,
                "--out",
                &out_arg,
                "--jobs",
                jobs,
                "--replications",
                "2",
            ]);
            files
                .iter()
                .map(|name| std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
                .collect()
        })
        .collect();
    for (index, name) in files.iter().enumerate() {
        assert!(
            outputs[0][index] == outputs[1][index],
            "{name} differs between --jobs 1 and 2"
        );
    }
    let components = String::from_utf8_lossy(&outputs[0][2]).to_string();
    assert!(
        components
            .lines()
            .next()
            .unwrap_or_default()
            .ends_with(",replicas_mean,replica_seconds"),
        "{components}"
    );
    let replicas = String::from_utf8_lossy(&outputs[0][3]).to_string();
    assert!(
        replicas.starts_with(
            "variant,replication,component,replica,zone,utilization,crashed_s,handled\n"
        )
    );
    // Zone b holds replicas 1 and 4 of each component: down 5 s each, the others never.
    for line in replicas.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let expected = if cells[4] == "b" { "5" } else { "0" };
        let crashed = cells[6];
        assert_eq!(crashed, expected, "{line}");
    }
}

#[test]
fn a_sharded_sweep_over_replicas_merges_into_the_unsharded_bytes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("deployed.toml");
    std::fs::write(&file, DEPLOYED).unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().to_string();
    let sweep = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "sweep",
            &file,
            "--param",
            "orchestrator.replicas=1..3:1",
            "--out",
            out,
        ];
        args.extend(extra);
        common::sagasim(&args)
    };
    let whole = dir.path().join("whole").to_string_lossy().to_string();
    assert!(sweep(&whole, &[]).status.success());
    let mut shards = Vec::new();
    for k in 1..=2 {
        let shard = dir
            .path()
            .join(format!("shard-{k}"))
            .to_string_lossy()
            .to_string();
        sweep(&shard, &["--shard", &format!("{k}/2")]);
        shards.push(shard);
    }
    let merged = dir.path().join("merged").to_string_lossy().to_string();
    common::ok(&["merge", &shards[0], &shards[1], "--out", &merged]);
    let read =
        |folder: &str| std::fs::read(Path::new(folder).join("sweep.csv")).unwrap_or_default();
    assert!(!read(&whole).is_empty());
    assert!(
        read(&whole) == read(&merged),
        "sweep.csv of the merged shards"
    );
}

/// One autoscaled station: constant arrivals at `rate`, constant work of `work_ms`,
/// `workers` per replica, aiming at `target`; 20 minutes.
fn autoscaled(rate: u32, work_ms: u32, workers: u32, target: f64, bounds: (u32, u32)) -> String {
    format!(
        "[scenario]\nname = \"auto\"\nseed = 1\nduration = \"20m\"\ndrain = \"1m\"\nvariants = [\"choreography\"]\n\n\
         [workload]\narrivals = {{ constant = {rate} }}\n\n\
         [[services]]\nname = \"s\"\nworkers = {workers}\nwork = \"{work_ms}ms\"\n\
         autoscale = {{ min = {}, max = {}, target = {target}, every = \"15s\", startup = \"10s\", cooldown = \"1m\" }}\n\n\
         [workflow]\nsteps = [\"s\"]\n",
        bounds.0, bounds.1
    )
}

/// The replicas after each of the run's autoscaler decisions while arrivals last (20
/// minutes; in the drain the load stops and the replicas follow it down).
fn replicas_over_time(results: &ScenarioResults) -> Vec<u32> {
    results.runs[0]
        .result
        .scaling
        .iter()
        .filter(|row| row.time_s < 1200.0)
        .map(|row| row.replicas)
        .collect()
}

#[test]
fn at_constant_load_the_autoscaler_settles_at_the_replicas_its_rule_gives() {
    // (rate /s, work ms, workers, target): ceil(λ·s ÷ (workers · target)) replicas.
    for (rate, work_ms, workers, target) in [(60, 25, 1, 0.5), (100, 30, 2, 0.6), (200, 10, 1, 0.7)]
    {
        let expected =
            (f64::from(rate) * f64::from(work_ms) / 1000.0 / (f64::from(workers) * target)).ceil()
                as u32;
        let results = run_text(&autoscaled(rate, work_ms, workers, target, (1, 20)));
        let replicas = replicas_over_time(&results);
        let settled = &replicas[replicas.len() - 40..];
        assert!(
            settled.iter().all(|&r| r == expected),
            "{rate}/s × {work_ms} ms over {workers} workers at {target}: expected {expected}, got {replicas:?}"
        );
        let summary = &results.runs[0].result.summary;
        common::assert_conserved(summary, "autoscaled");
        assert_eq!((summary.stuck, summary.dead_letters), (0, 0));
    }
}

#[test]
fn the_autoscaler_stays_within_its_bounds() {
    // Far more load than 4 replicas carry, then far less than 2 need.
    let text = autoscaled(400, 20, 1, 0.5, (2, 4)).replace(
        "arrivals = { constant = 400 }",
        "arrivals = { constant = 400 }\nprofile = [{ at = \"0s\", rate = 400 }, { at = \"8m\", rate = 400 }, { at = \"481s\", rate = 1 }]",
    );
    let results = run_text(&text);
    let replicas = replicas_over_time(&results);
    assert!(replicas.iter().all(|r| (2..=4).contains(r)), "{replicas:?}");
    assert!(
        replicas.contains(&4) && replicas.ends_with(&[2]),
        "{replicas:?}"
    );
}

#[test]
fn a_scale_down_drains_and_loses_no_work() {
    // A step down from 200/s to 20/s: the replicas go from about 9 to 1, each draining
    // first, whether a broker or a balancer feeds them, and in every design.
    for delivery in ["broker", "direct"] {
        let text = autoscaled(200, 22, 1, 0.5, (1, 20))
            .replace(
                "arrivals = { constant = 200 }",
                "arrivals = { poisson = 200 }\nprofile = [{ at = \"0s\", rate = 200 }, { at = \"10m\", rate = 200 }, { at = \"601s\", rate = 20 }]",
            )
            .replace(
                "variants = [\"choreography\"]",
                "variants = [\"orchestrator\", \"choreography\", \"front-controller\", \"stamp-coupling\", \"stateless\"]\n\n[orchestrator]\nworkers = 2\nwork = \"1ms\"\njournal = \"1ms\"\nautoscale = { min = 1, max = 8, target = 0.5, every = \"15s\", startup = \"5s\", cooldown = \"1m\" }",
            )
            .replace("[workflow]", &format!("[network]\ndelivery = \"{delivery}\"\n\n[workflow]"));
        let results = run_text(&text);
        for run in &results.runs {
            let summary = &run.result.summary;
            common::assert_conserved(summary, &format!("{} {delivery}", run.design));
            assert_eq!(
                (summary.stuck, summary.failed, summary.dead_letters),
                (0, 0, 0),
                "{} {delivery}: a drained replica loses nothing",
                run.design
            );
            let replicas: Vec<u32> = run
                .result
                .scaling
                .iter()
                .filter(|r| r.component == "s" && r.time_s < 1200.0)
                .map(|r| r.replicas)
                .collect();
            let peak = replicas.iter().copied().max().unwrap_or(0);
            assert!(
                peak >= 9 && replicas.ends_with(&[1]),
                "{}: {replicas:?}",
                run.design
            );
        }
    }
}

#[test]
fn the_budget_counts_replicas_their_random_crashes_and_the_autoscalers_readings() {
    let memory = |text: &str| {
        let estimate = sagasim::budget::estimate_run(&common::parse(text).system);
        let working: f64 = estimate.working_costs.iter().map(|c| c.amount).sum();
        (working, estimate.events, estimate)
    };
    let base = common::chain_scenario(3, None, "");
    let replicated = base.replace("workers = 64\nwork", "workers = 64\nreplicas = 64\nwork");
    let (single, single_events, _) = memory(&base);
    let (many, _, estimate) = memory(&replicated);
    assert!(
        many > single + 150.0 * 1024.0,
        "{single} B against {many} B"
    );
    assert!(
        estimate
            .working_costs
            .iter()
            .any(|c| c.cause.contains("194 in all")),
        "{estimate:?}"
    );
    // Random crashes strike each replica: 64 times the windows of one.
    let crashes = "\n[[faults]]\ncrash = \"s1\"\nmtbf = \"1s\"\nmttr = \"1s\"\n";
    let (_, one_events, _) = memory(&format!("{base}{crashes}"));
    let (_, all_events, _) = memory(&format!("{replicated}{crashes}"));
    let ratio = (all_events - single_events) / (one_events - single_events);
    assert!(
        (ratio - 64.0).abs() < 1e-6,
        "64 replicas crash 64 times as often: {ratio}"
    );
    // An autoscaler reads every `every`: 3 services × (20 s + 20 s drain) ÷ 10 ms.
    let autoscaled = base.replace(
        "workers = 64\nwork",
        "workers = 64\nautoscale = { max = 4, every = \"10ms\" }\nwork",
    );
    let (_, scaled_events, estimate) = memory(&autoscaled);
    assert!(
        (scaled_events - single_events - 3.0 * 4_000.0).abs() < 1e-6,
        "{estimate:?}"
    );
}

#[test]
fn partitions_between_replicated_components_keep_the_books() {
    // A message counted on its way to a replica meets a partition: lost (direct) or held
    // by the broker and sent again; either way the counts of messages in flight to each
    // replica stay right (a balancer reads them), and every workflow ends once.
    for (delivery, balance) in [("direct", "least-outstanding"), ("broker", "power-of-two")] {
        let text = format!(
            "[scenario]\nname = \"partitioned\"\nseed = 6\nduration = \"40s\"\ndrain = \"20s\"\n\
             variants = [\"orchestrator\", \"choreography\", \"front-controller\"]\n\n\
             [workload]\narrivals = {{ poisson = 30 }}\n\n\
             [network]\ndelivery = \"{delivery}\"\nlatency = \"5ms\"\n\n\
             [policy]\ntimeout = \"300ms\"\nretries = 2\nbackoff = \"50ms\"\n\n\
             [orchestrator]\nworkers = 2\nreplicas = 2\njournal = \"1ms\"\nfailover = \"1s\"\n\n\
             [defaults]\nworkers = 2\nreplicas = 3\nbalance = \"{balance}\"\ndetect = \"1s\"\njournal = \"1ms\"\n\n\
             [[services]]\nname = \"s1\"\nwork = {{ exponential = \"5ms\" }}\n\n\
             [[services]]\nname = \"s2\"\nwork = {{ exponential = \"5ms\" }}\n\n\
             [workflow]\nsteps = [\"s1\", \"s2\"]\n\n\
             [[faults]]\npartition = [\"s1\", \"s2\"]\nat = \"10s\"\nfor = \"5s\"\n\n\
             [[faults]]\npartition = [\"orchestrator\", \"s2\"]\nat = \"20s\"\nfor = \"5s\"\n\n\
             [[faults]]\ncrash = \"orchestrator\"\nreplicas = 1\nat = \"27s\"\nfor = \"3s\"\n"
        );
        let results = run_text(&text);
        for run in &results.runs {
            common::assert_conserved(&run.result.summary, &format!("{} {delivery}", run.design));
        }
    }
}
