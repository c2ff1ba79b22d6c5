//! A run's output folder (issue 11): one writer at a time, the set of files replaced as a
//! whole, and never the results of another configuration overwritten without `--force`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;

use common::{names, sagasim};

const SCENARIO: &str = "[scenario]\nname = \"folder\"\nseed = 5\nduration = \"5s\"\nvariants = [\"choreography\"]\n\
[workload]\narrivals = { poisson = 20 }\n\
[[services]]\nname = \"a\"\nwork = \"2ms\"\n\
[workflow]\nsteps = [\"a\"]\n";

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("scenario.toml"), SCENARIO)
            .unwrap_or_else(|e| panic!("{e}"));
        Setup { dir }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn run(&self, flags: &[&str]) -> Output {
        let file = self.dir.path().join("scenario.toml");
        let out = self.out();
        let (file, out) = (file.to_string_lossy(), out.to_string_lossy());
        let mut args = vec!["run", &*file, "--out", &*out, "--no-charts"];
        args.extend(flags);
        sagasim(&args)
    }

    /// Names in the folder that holds `out`.
    fn beside(&self) -> Vec<String> {
        names(self.dir.path())
    }
}

fn code(output: &Output) -> (Option<i32>, String) {
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn the_same_configuration_reruns_and_a_different_one_needs_force() {
    let setup = Setup::new();
    assert_eq!(code(&setup.run(&[])).0, Some(0));
    let first = std::fs::read(setup.out().join("summary.csv")).unwrap_or_default();
    let (rerun, stderr) = code(&setup.run(&[]));
    assert_eq!(rerun, Some(0), "same configuration, same folder: {stderr}");
    let (other, stderr) = code(&setup.run(&["--seed", "6"]));
    assert_eq!(other, Some(2), "{stderr}");
    assert!(
        stderr.contains("holds the results of a different configuration"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        std::fs::read(setup.out().join("summary.csv")).unwrap_or_default(),
        first,
        "refused: nothing touched"
    );
    let (forced, stderr) = code(&setup.run(&["--seed", "6", "--force"]));
    assert_eq!(forced, Some(0), "{stderr}");
    assert_ne!(
        std::fs::read(setup.out().join("summary.csv")).unwrap_or_default(),
        first
    );
    let (set, _) = code(&setup.run(&["--seed", "6", "--set", "services.a.work=3ms"]));
    assert_eq!(set, Some(2), "a --set value is part of the configuration");
}

#[test]
fn the_same_values_reached_another_way_are_the_same_configuration() {
    let setup = Setup::new();
    assert_eq!(code(&setup.run(&[])).0, Some(0));
    // Another file, other comments and layout, a value given by --set: same values.
    let elsewhere = setup.dir.path().join("copy.toml");
    let text = format!(
        "# a copy\n{}",
        SCENARIO.replace("seed = 5\n", "seed   =  1 # later\n")
    );
    std::fs::write(&elsewhere, text).unwrap_or_else(|e| panic!("{e}"));
    let out = setup.out();
    let output = sagasim(&[
        "run",
        &elsewhere.to_string_lossy(),
        "--set",
        "scenario.seed=5",
        "--out",
        &out.to_string_lossy(),
        "--no-charts",
    ]);
    let (status, stderr) = code(&output);
    assert_eq!(status, Some(0), "{stderr}");
}

#[test]
fn a_folder_holding_other_files_is_not_replaced() {
    let setup = Setup::new();
    std::fs::create_dir_all(setup.out()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(setup.out().join("notes.txt"), "mine").unwrap_or_else(|e| panic!("{e}"));
    let (status, stderr) = code(&setup.run(&["--force"]));
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("`notes.txt`"), "{stderr}");
    assert_eq!(names(&setup.out()), ["notes.txt"]);
}

#[test]
fn the_files_are_replaced_as_a_set_and_nothing_is_left_beside_them() {
    let setup = Setup::new();
    let file = setup.dir.path().join("scenario.toml");
    let out = setup.out();
    // With charts first, then without: the charts of the first run do not linger.
    let output = sagasim(&[
        "run",
        &file.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(code(&output).0, Some(0), "{}", code(&output).1);
    assert!(out.join("latency.png").exists());
    std::fs::write(out.join("capacity.csv"), "variant,max_arrivals_per_s,slo\n")
        .unwrap_or_else(|e| panic!("{e}"));
    // A staging folder left by an interrupted run is tidied away.
    std::fs::create_dir_all(setup.dir.path().join(".out.new")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&setup.run(&[])).0, Some(0));
    assert!(
        !out.join("latency.png").exists(),
        "the old set went as a whole"
    );
    assert!(out.join("capacity.csv").exists(), "capacity's file is kept");
    assert!(out.join("run.json").exists());
    assert_eq!(
        setup.beside(),
        ["out", "scenario.toml"],
        "no lock, no staging left"
    );
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_folder() {
    let setup = Setup::new();
    let lock_path = setup.dir.path().join(".out.lock");
    let lock = std::fs::File::create(&lock_path).unwrap_or_else(|e| panic!("{e}"));
    lock.try_lock().unwrap_or_else(|e| panic!("{e}"));
    let (status, stderr) = code(&setup.run(&[]));
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("another sagasim process is writing this folder"),
        "{stderr}"
    );
    assert!(!setup.out().exists(), "refused before anything was written");
    drop(lock);
    assert_eq!(code(&setup.run(&[])).0, Some(0), "free again once released");
}

/// Every file a run can write, in either chart format, is one the folder rules know: a
/// new output file must be added to `RUN_FILES`, or the next run into the folder would
/// refuse it as foreign.
#[test]
fn the_folder_rules_know_every_file_a_run_writes() {
    use sagasim::report::{ChartFormat, ReportInputs, run_files};
    use sagasim::run_folder::RUN_FILES;
    let scenario = sagasim::Scenario::load(
        std::path::Path::new("scenarios/order-placement.toml"),
        &[
            sagasim::scenario::Override::parse("scenario.duration=70s").unwrap(),
            sagasim::scenario::Override::parse("faults.0.at=30s").unwrap(),
        ],
    )
    .unwrap();
    let results = sagasim::run(&scenario, &sagasim::RunOptions::default());
    for chart_format in [ChartFormat::Png, ChartFormat::Svg] {
        let inputs = ReportInputs {
            scenario: &scenario,
            command: "sagasim run x.toml".to_string(),
            charts: true,
            chart_format,
            flows: &[],
        };
        for (name, _) in run_files(&results, &inputs).unwrap() {
            assert!(RUN_FILES.contains(&name), "{name} is not in RUN_FILES");
        }
    }
}

/// A sweep folder has one writer at a time too, with the same lock as a run's folder.
#[test]
fn a_second_sweep_into_a_folder_being_written_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let held = sagasim::run_folder::lock(&out).unwrap();
    let output = common::short_sweep(
        &["workload.arrivals.poisson=50,150"],
        &["--out", &out.to_string_lossy()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("another sagasim process is writing"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop(held);
    let output = common::short_sweep(
        &["workload.arrivals.poisson=50,150"],
        &["--out", &out.to_string_lossy()],
    );
    assert_eq!(output.status.code(), Some(0));
}

/// A symbolic link to the folder leads to the same lock (a second writer through the link
/// is refused), and a run through it writes into the real folder, leaving the link a link;
/// the same with a trailing separator (`link/`, as tab completion writes it).
#[cfg(unix)]
#[test]
fn a_symlinked_out_shares_the_real_folders_lock_and_survives() {
    let setup = Setup::new();
    let real = setup.out();
    std::fs::create_dir(&real).unwrap();
    let link = setup.dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let file = setup
        .dir
        .path()
        .join("scenario.toml")
        .to_string_lossy()
        .to_string();
    let run_into = |out: &str| sagasim(&["run", &file, "--out", out, "--no-charts"]);
    for name in [link.display().to_string(), format!("{}/", link.display())] {
        let held = sagasim::run_folder::lock(&real).unwrap();
        let (status, stderr) = code(&run_into(&name));
        assert_eq!(status, Some(2), "{name}: the real folder is held: {stderr}");
        assert!(stderr.contains("another sagasim process"), "{stderr}");
        drop(held);
        let held = sagasim::run_folder::lock(Path::new(&name)).unwrap();
        let (status, stderr) = code(&setup.run(&[]));
        assert_eq!(status, Some(2), "held through {name}: {stderr}");
        drop(held);
        assert_eq!(code(&run_into(&name)).0, Some(0));
        let kind = std::fs::symlink_metadata(&link).unwrap().file_type();
        assert!(kind.is_symlink(), "{name}: the link is still a link");
        assert!(
            real.join("summary.csv").exists(),
            "results in the real folder"
        );
        assert_eq!(
            setup.beside(),
            ["link", "out", "scenario.toml"],
            "nothing beside"
        );
    }
    let dangling = setup.dir.path().join("dangling");
    std::os::unix::fs::symlink(setup.dir.path().join("nowhere"), &dangling).unwrap();
    let (status, stderr) = code(&run_into(&dangling.to_string_lossy()));
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("dangling symbolic link"), "{stderr}");
    assert!(!setup.dir.path().join("nowhere").exists());
}

/// `capacity` into a folder another process holds still prints its answer, then exits 2
/// without writing; into a folder it cannot write, it stops before searching.
#[test]
fn capacity_prints_its_answer_before_a_busy_folder_and_stops_early_for_an_unwritable_one() {
    let setup = Setup::new();
    let out = setup.out();
    std::fs::create_dir(&out).unwrap();
    let capacity = |out: &std::path::Path| {
        sagasim(&[
            "capacity",
            &setup.dir.path().join("scenario.toml").to_string_lossy(),
            "--slo",
            "p99<=50ms",
            "--out",
            &out.to_string_lossy(),
        ])
    };
    let held = sagasim::run_folder::lock(&out).unwrap();
    let output = capacity(&out);
    drop(held);
    let (status, stderr) = code(&output);
    assert_eq!(status, Some(2), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("max arrivals/s"), "the answer: {stdout}");
    assert!(
        stderr.contains("searching anyway"),
        "said at once: {stderr}"
    );
    assert!(!out.join("capacity.csv").exists());
    // Read-only, where permissions bind (not for root); otherwise a file where the folder
    // should be, which the lock takes (beside it) and the writability check refuses.
    let unwritable = setup.dir.path().join("read-only");
    std::fs::create_dir(&unwritable).unwrap();
    let mut permissions = std::fs::metadata(&unwritable).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&unwritable, permissions).unwrap();
    let binds = std::fs::write(unwritable.join("x"), b"").is_err();
    let (target, expected) = if binds {
        (unwritable.clone(), "cannot write in the output folder")
    } else {
        let file = setup.dir.path().join("a-file");
        std::fs::write(&file, b"").unwrap();
        (file, "cannot create the output folder")
    };
    let output = capacity(&target);
    let (status, stderr) = code(&output);
    assert_ne!(status, Some(0), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "stopped before searching: {stderr}"
    );
    assert!(stderr.contains(expected), "{stderr}");
}

/// A scenario read from a pipe is read once: the size check and the parse see the same
/// text.
#[cfg(unix)]
#[test]
fn a_scenario_from_a_pipe_is_read_once() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sagasim"))
        .args(["check", "/dev/stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(SCENARIO.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output).0, Some(0), "{}", code(&output).1);
}

/// Under a file-size limit (`ulimit -f`), a run that cannot write its files says so and
/// exits 1, rather than dying by SIGXFSZ with no message; the folder keeps its old set.
#[cfg(target_os = "linux")]
#[test]
fn a_file_size_limit_is_reported_not_a_silent_death() {
    let setup = Setup::new();
    assert_eq!(code(&setup.run(&[])).0, Some(0));
    let before = names(&setup.out());
    let script = format!(
        "ulimit -f 4 && exec '{}' run '{}' --out '{}' --no-charts --force --seed 9",
        env!("CARGO_BIN_EXE_sagasim"),
        setup.dir.path().join("scenario.toml").display(),
        setup.out().display()
    );
    let output = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let (status, stderr) = code(&output);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_eq!(names(&setup.out()), before, "the old set stays");
}

/// A swap without an atomic exchange, killed between its two renames, leaves no folder and
/// the old set beside it (`.NAME.old`): the next lock moves it back. Beside a whole new set
/// it is dropped; beside a folder made since without one, nothing is deleted and the lock
/// is refused, naming both.
#[test]
fn a_swap_interrupted_between_its_renames_is_put_back() {
    let setup = Setup::new();
    assert_eq!(code(&setup.run(&[])).0, Some(0));
    let out = setup.out();
    let old = setup.dir.path().join(".out.old");
    let before = names(&out);
    std::fs::rename(&out, &old).unwrap();
    drop(sagasim::run_folder::lock(&out).unwrap());
    assert_eq!(names(&out), before, "the old set is back");
    assert!(!old.exists());
    // Beside a whole set (its manifest): the leftover goes.
    std::fs::create_dir(&old).unwrap();
    drop(sagasim::run_folder::lock(&out).unwrap());
    assert!(!old.exists());
    // Beside a folder made since without a set: refused, nothing deleted.
    std::fs::rename(&out, &old).unwrap();
    std::fs::create_dir(&out).unwrap();
    let error = sagasim::run_folder::lock(&out).unwrap_err().to_string();
    assert!(
        error.contains("interrupted write") && error.contains(".out.old"),
        "{error}"
    );
    assert_eq!(names(&old), before, "the only copy is kept");
}
