//! Snapshot files for reports: `tests/it/snapshots/NAME.snap` holds the expected text.
//! `SAGASIM_UPDATE_SNAPSHOTS=1 cargo test` rewrites them after a deliberate change (review
//! the diff with git); otherwise a difference fails with the first line that differs.

use std::path::PathBuf;

pub fn assert_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/snapshots")
        .join(format!("{name}.snap"));
    let actual = format!("{}\n", actual.trim_end());
    if std::env::var_os("SAGASIM_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (SAGASIM_UPDATE_SNAPSHOTS=1 writes it)",
            path.display()
        )
    });
    if expected == actual {
        return;
    }
    let (line, (want, got)) = expected
        .lines()
        .chain(std::iter::repeat("<end>"))
        .zip(actual.lines().chain(std::iter::repeat("<end>")))
        .enumerate()
        .find(|(_, (want, got))| want != got)
        .unwrap_or((0, ("", "")));
    panic!(
        "{} differs at line {}:\n  expected: {want}\n  actual:   {got}\n\
         After a deliberate change: SAGASIM_UPDATE_SNAPSHOTS=1 cargo test, then review git diff.",
        path.display(),
        line + 1
    );
}
