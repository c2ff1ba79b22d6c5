//! A kill at every file-system call (issue 26). `SAGASIM_FAIL_AT=k` stops the process at
//! its k-th call as `kill -9` would; for k = 1, 2, … until a command completes, the folder
//! must hold one configuration's files, never two side by side, and running the command
//! again must give exactly the bytes of an uninterrupted run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sagasim::files::{FAIL_AT_VARIABLE, FAILPOINT_EXIT_CODE};

const SCENARIO: &str = "[scenario]\nname = \"kills\"\nseed = 5\nduration = \"5s\"\nvariants = [\"choreography\"]\n\
[workload]\narrivals = { poisson = 20 }\n\
[[services]]\nname = \"a\"\nwork = \"2ms\"\n\
[workflow]\nsteps = [\"a\"]\n";

/// Every file under `dir` (by path relative to it) with its bytes, leaving out scratch
/// names that a kill may leave and the next command removes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") || name.starts_with(".write-probe-") {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                let bytes = std::fs::read(&path).unwrap_or_default();
                into.insert(relative.to_string_lossy().into_owned(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// Scratch files under `dir` (temporaries of an atomic write, writability probes), each
/// with its size.
fn scratch(dir: &Path) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            found.extend(scratch(&path));
        } else if name.starts_with(".tmp-") || name.starts_with(".write-probe-") {
            found.push((name, entry.metadata().map_or(0, |m| m.len())));
        }
    }
    found
}

/// Put `files` (a snapshot) into a fresh `dir`.
fn restore(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn run_binary(args: &[String], fail_at: Option<usize>) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sagasim"));
    command.args(args).arg("--quiet");
    if let Some(k) = fail_at {
        command.env(FAIL_AT_VARIABLE, k.to_string());
    }
    command.output().unwrap()
}

struct Trial {
    dir: tempfile::TempDir,
}

impl Trial {
    fn new() -> Trial {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("scenario.toml"), SCENARIO).unwrap();
        std::fs::write(
            dir.path().join("other.toml"),
            SCENARIO.replace("seed = 5", "seed = 6"),
        )
        .unwrap();
        Trial { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Run `args` once to completion and insist that it succeeds.
    fn complete(&self, args: &[String]) {
        let output = run_binary(args, None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starting from `before` in the folder each time, run `args` killed at its 1st, 2nd, …
    /// file-system call until one completes; after each kill, `check` judges the folder
    /// and then `args` is run again to completion, which must give `after`. Returns how
    /// many kills there were.
    fn kill_at_every_call(
        &self,
        before: &BTreeMap<String, Vec<u8>>,
        args: &[String],
        after: &BTreeMap<String, Vec<u8>>,
        check: impl Fn(&BTreeMap<String, Vec<u8>>, usize),
    ) -> usize {
        for k in 1..1000 {
            restore(&self.out(), before);
            let output = run_binary(args, Some(k));
            match output.status.code() {
                Some(0) => {
                    assert_eq!(&snapshot(&self.out()), after, "completed at {k}");
                    return k - 1;
                }
                Some(code) if code == FAILPOINT_EXIT_CODE => {}
                other => panic!(
                    "{args:?} killed at call {k}: exit {other:?}: {}",
                    String::from_utf8_lossy(&output.stderr)
                ),
            }
            check(&snapshot(&self.out()), k);
            // Temporaries are unnamed until they are complete: a kill leaves at most a
            // whole one (between its link and its rename), never a probe or a stub.
            for (name, size) in scratch(&self.out()) {
                assert!(
                    name.starts_with(".tmp-") && size > 0,
                    "{args:?} killed at call {k} left {name} ({size} bytes)"
                );
            }
            self.complete(args);
            assert_eq!(
                scratch(&self.out()),
                [],
                "the next command removes leftovers"
            );
            assert_eq!(
                &snapshot(&self.out()),
                after,
                "{args:?}: rerun after a kill at call {k} differs from an uninterrupted run"
            );
        }
        panic!("{args:?} never completed");
    }

    /// The folder after `args` ran to completion from `before`.
    fn outcome(
        &self,
        before: &BTreeMap<String, Vec<u8>>,
        args: &[String],
    ) -> BTreeMap<String, Vec<u8>> {
        restore(&self.out(), before);
        self.complete(args);
        snapshot(&self.out())
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// A run that replaces another configuration's results: after any kill the folder holds
/// exactly the old set or exactly the new one.
#[test]
fn a_run_killed_at_any_call_leaves_the_old_set_or_the_new() {
    let trial = Trial::new();
    let out = trial.path("out");
    let old_args = strings(&["run", &trial.path("scenario.toml"), "--out", &out]);
    let new_args = strings(&["run", &trial.path("other.toml"), "--out", &out, "--force"]);
    let old = trial.outcome(&BTreeMap::new(), &old_args);
    let new = trial.outcome(&old, &new_args);
    assert_ne!(old, new);
    let kills = trial.kill_at_every_call(&old, &new_args, &new, |state, k| {
        assert!(
            *state == old || *state == new,
            "run killed at call {k}: a mix of two sets: {:?}",
            state.keys().collect::<Vec<_>>()
        );
    });
    eprintln!("run: {kills} kills");
    assert!(kills >= 10, "{kills}");
}

/// `sweep --force` over another sweep, and a sweep resumed after a kill: the folder never
/// holds files of two sweeps, and the resumed sweep is byte-identical to an uninterrupted
/// one.
#[test]
fn a_sweep_killed_at_any_call_never_holds_two_sweeps() {
    let trial = Trial::new();
    let out = trial.path("out");
    let sweep = |values: &str| {
        strings(&[
            "sweep",
            &trial.path("scenario.toml"),
            "--param",
            &format!("workload.arrivals.poisson={values}"),
            "--out",
            &out,
            "--force",
        ])
    };
    let old = trial.outcome(&BTreeMap::new(), &sweep("10,20"));
    let new = trial.outcome(&old, &sweep("30,40"));
    let new_content = sweep_content(&new).unwrap();
    // From the old sweep, the folder holds it whole or the new one's manifest; from an
    // empty folder, it may still be empty.
    let consistent = |from_empty: bool| {
        let (old, new, new_content) = (&old, &new, &new_content);
        move |state: &BTreeMap<String, Vec<u8>>, k: usize| {
            consistent_sweep(state, k, old, new, new_content, from_empty);
        }
    };
    let forced = trial.kill_at_every_call(&old, &sweep("30,40"), &new, consistent(false));
    let resumed =
        trial.kill_at_every_call(&BTreeMap::new(), &sweep("30,40"), &new, consistent(true));
    eprintln!("sweep --force: {forced} kills; sweep into an empty folder: {resumed} kills");
    assert!(forced >= 10 && resumed >= 10, "{forced} {resumed}");
}

/// The sweep a folder's `sweep.json` names (its content hash).
fn sweep_content(files: &BTreeMap<String, Vec<u8>>) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(files.get("sweep.json")?).ok()?;
    Some(json["content"].as_str()?.to_string())
}

/// A sweep folder after a kill: the old sweep whole, or (from an empty folder) nothing,
/// or the new sweep's manifest with only files of the new sweep beside it.
fn consistent_sweep(
    state: &BTreeMap<String, Vec<u8>>,
    k: usize,
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
    new_content: &str,
    from_empty: bool,
) {
    {
        if (!from_empty && state == old) || (from_empty && state.is_empty()) {
            return;
        }
        assert_eq!(
            sweep_content(state).as_deref(),
            Some(new_content),
            "killed at call {k}: neither the old sweep whole nor the new one's manifest: {:?}",
            state.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in state {
            if name == "sweep.json" {
                continue;
            }
            assert_eq!(
                Some(bytes),
                new.get(name),
                "killed at call {k}: {name} is not the new sweep's"
            );
        }
    }
}

/// `merge` and `advise` killed at any call: the merged folder never shows assembled
/// outputs of a half merge, and advice files come as a set.
#[test]
fn merge_and_advise_killed_at_any_call_leave_consistent_folders() {
    let trial = Trial::new();
    let out = trial.path("out");
    let shard = |k: u32| {
        let dir = trial.path(&format!("shard-{k}"));
        trial.complete(&strings(&[
            "sweep",
            &trial.path("scenario.toml"),
            "--param",
            "workload.arrivals.poisson=10,20,30",
            "--out",
            &dir,
            "--shard",
            &format!("{k}/2"),
            "--no-charts",
        ]));
        dir
    };
    let shards = [shard(1), shard(2)];
    let merge = strings(&[
        "merge",
        &shards[0],
        &shards[1],
        "--out",
        &out,
        "--no-charts",
    ]);
    let merged = trial.outcome(&BTreeMap::new(), &merge);
    let merges = trial.kill_at_every_call(&BTreeMap::new(), &merge, &merged, |state, k| {
        let assembled = ["sweep.csv"]
            .iter()
            .filter(|n| state.contains_key(**n))
            .count();
        for (name, bytes) in state {
            if name != "sweep.json" {
                assert_eq!(Some(bytes), merged.get(name), "merge killed at {k}: {name}");
            }
        }
        assert!(
            assembled == 0 || state.len() == merged.len(),
            "merge killed at {k}"
        );
    });
    let advise = |file: &str| {
        strings(&[
            "advise",
            &trial.path(file),
            "--slo",
            "p99<=50ms",
            "--only",
            "design=horror-story",
            "--out",
            &out,
            "--force",
            "--no-charts",
        ])
    };
    let old = trial.outcome(&BTreeMap::new(), &advise("scenario.toml"));
    let new = trial.outcome(&old, &advise("other.toml"));
    assert_ne!(old, new);
    let advises = trial.kill_at_every_call(&old, &advise("other.toml"), &new, |state, k| {
        assert!(*state == old || *state == new, "advise killed at call {k}");
    });
    eprintln!("merge: {merges} kills; advise: {advises} kills");
    assert!(merges >= 5 && advises >= 5, "{merges} {advises}");
}
