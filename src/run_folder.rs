//! A run's output folder as a whole. One writer at a time (a lock file beside the
//! folder); the configuration it holds, recorded in `run.json` (the fingerprint of the
//! effective scenario and flags), so that a run never silently overwrites the results of
//! another configuration; and the new set of files written into a fresh sibling folder
//! and swapped in at once, so that the folder holds the old set or the new, never a mix.
//! A sweep's folder is swapped the same way when its outputs are assembled
//! (`replace_keeping`), its point files carried over.

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::{self as disk, write_atomically};

/// The manifest a run writes beside its results.
pub const MANIFEST: &str = "run.json";

/// Files a run may write (any of them may be absent: charts can be turned off). Only
/// these, the manifest and `KEPT` may be in a folder a run replaces.
pub const RUN_FILES: [&str; 21] = [
    "summary.csv",
    "timeseries.csv",
    "faults.csv",
    "messages.csv",
    "components.csv",
    "replicas.csv",
    "scaling.csv",
    "resilience.csv",
    "breakers.csv",
    "differences.csv",
    "scorecard.csv",
    "report.md",
    "results.json",
    "latency.png",
    "timeline.png",
    "messages.png",
    "latency.svg",
    "timeline.svg",
    "messages.svg",
    "scaling.png",
    "scaling.svg",
];

/// Files `advise` writes into its own folder, which follows the same rules.
pub const ADVICE_FILES: [&str; 3] = ["advice.csv", "advice.md", "advice.png"];

/// Files other commands write into the same folder (`capacity` by default): a run keeps
/// them across its swap.
pub const KEPT: [&str; 1] = ["capacity.csv"];

/// What went wrong with an output folder. `Input` is the user's to fix (another
/// configuration's results, foreign files, a folder in use): exit code 2.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FolderError {
    #[error("{0}")]
    /// Bad input: another writer, a foreign folder, another configuration (exit code 2).
    Input(String),
    #[error("{0}")]
    /// A file or folder could not be read or written.
    Io(String),
}

/// `run.json`: which configuration the folder's results come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunManifest {
    /// The scenario's name.
    pub scenario: String,
    /// Fingerprint of the effective scenario document (after `--set`), the designs, the
    /// seed and the replications: the same configuration reached by any path shares it.
    pub content: String,
    /// Whether a run was stopped early (overload) and its figures end there.
    pub truncated: bool,
}

impl RunManifest {
    /// `run.json`'s bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }
}

/// Held while a process writes a folder; the lock file goes when it is dropped.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
    folder: PathBuf,
    _file: File,
}

impl FolderLock {
    /// The folder the lock holds: `--out` with a symbolic link to a folder followed, so
    /// that the link is never replaced and every way of naming the folder finds one lock.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = disk::remove_file(&self.path);
    }
}

/// `--out` as the folder it names: a symbolic link to a folder followed (to its real
/// path), any other path as it is. A dangling link, or a link to a file, is an error:
/// replacing the link by a folder would break what it points to for other users.
pub fn resolve(out: &Path) -> Result<PathBuf, FolderError> {
    // `link/` (as tab completion writes it) names the link itself: without the trailing
    // separator, `symlink_metadata` sees the link rather than following it.
    let trimmed: PathBuf = out.components().collect();
    let out = if trimmed.as_os_str().is_empty() {
        out
    } else {
        trimmed.as_path()
    };
    let is_link = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(out.to_path_buf());
    }
    let target =
        std::fs::read_link(out).map_or_else(|_| "?".to_string(), |t| t.display().to_string());
    match std::fs::canonicalize(out) {
        Ok(real) if real.is_dir() => Ok(real),
        Ok(real) => Err(FolderError::Input(format!(
            "--out {}: is a symbolic link to {}, which is not a folder; choose a folder with --out",
            out.display(),
            real.display()
        ))),
        Err(error) => {
            // A swap without exchange, killed between its renames, leaves the target's old
            // set beside it: say where, rather than invite a new empty folder there.
            let beside = std::fs::read_link(out).ok().and_then(|target| {
                let target = out.parent().unwrap_or(Path::new(".")).join(target);
                let old = sibling(&target, "old")?;
                old.exists().then(|| format!(
                    "; an interrupted write left its previous results in {}: rename that to {} to restore them",
                    old.display(),
                    target.display()
                ))
            });
            Err(FolderError::Input(format!(
                "--out {}: is a dangling symbolic link (to {target}: {error}){}; otherwise create the folder it points to, remove the link, or choose another --out",
                out.display(),
                beside.unwrap_or_default()
            )))
        }
    }
}

/// Where a folder's lock and staging folder go: beside it, since the folder itself is
/// replaced. `None` when the folder cannot be swapped (it has no name of its own, like
/// `.`, or is the working directory or one of its parents).
fn sibling(out: &Path, suffix: &str) -> Option<PathBuf> {
    let absolute = std::path::absolute(out).ok()?;
    let name = absolute.file_name()?.to_str()?;
    // The parent resolved (symlinks, `..`), so that every process finds the same lock.
    let parent = std::fs::canonicalize(absolute.parent()?).ok()?;
    if std::env::current_dir().ok()?.starts_with(parent.join(name)) {
        return None;
    }
    Some(parent.join(format!(".{name}.{suffix}")))
}

/// Names in a folder that runs leave behind or work with, not results: temporary files
/// of an atomic write, the writability probe, the in-place lock.
fn is_scratch(name: &str) -> bool {
    disk::is_leftover(name) || name == ".sagasim.lock"
}

/// Take the folder's lock, or fail at once if another process holds it. `--out` is
/// resolved first (`resolve`): work on the folder through `FolderLock::folder`.
pub fn lock(out: &Path) -> Result<FolderLock, FolderError> {
    let folder = resolve(out)?;
    if let Some(parent) = std::path::absolute(&folder)
        .ok()
        .and_then(|a| a.parent().map(Path::to_path_buf))
    {
        disk::create_dir_all(&parent)
            .map_err(|error| io_error("cannot create the output folder", out, error))?;
    }
    let path = match sibling(&folder, "lock") {
        Some(path) => path,
        None => {
            disk::create_dir_all(&folder)
                .map_err(|error| io_error("cannot create the output folder", out, error))?;
            folder.join(".sagasim.lock")
        }
    };
    loop {
        let file = disk::open_lock(&path).map_err(|error| {
            FolderError::Io(format!(
                "cannot create the lock file {}: {error}",
                path.display()
            ))
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(FolderError::Input(format!(
                    "--out {}: another sagasim process is writing this folder (lock {}); wait for it to finish, or use another --out",
                    out.display(),
                    path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(FolderError::Io(format!(
                    "cannot lock {}: {error}",
                    path.display()
                )));
            }
        }
        // The previous holder removes the file when it is done: if it did so between our
        // open and our lock, we hold a lock on a file no one else will see. Try again.
        if same_file(&file, &path) {
            // Whatever a killed writer left goes now that the folder is ours.
            recover_swap(&folder)?;
            disk::remove_scratch(&folder);
            return Ok(FolderLock {
                path,
                folder,
                _file: file,
            });
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.ino() == named.ino() && held.dev() == named.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Refuse to replace `out` when it holds files a run did not write, or (unless `force`)
/// the results of another configuration than `content`.
pub fn check_replaceable(out: &Path, content: &str, force: bool) -> Result<(), FolderError> {
    check_replaceable_with(out, &RUN_FILES, content, force)
}

/// `check_replaceable` for a folder whose results are `results` (a run's `RUN_FILES`,
/// `advise`'s `ADVICE_FILES`).
pub fn check_replaceable_with(
    out: &Path,
    results: &[&str],
    content: &str,
    force: bool,
) -> Result<(), FolderError> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(FolderError::Io(format!(
                "cannot read the output folder {}: {error}",
                out.display()
            )));
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let ours = |name: &str| results.contains(&name) || KEPT.contains(&name) || name == MANIFEST;
    let foreign: Vec<&String> = names
        .iter()
        .filter(|name| !ours(name) && !is_scratch(name))
        .collect();
    if !foreign.is_empty() {
        let shown: Vec<String> = foreign.iter().take(3).map(|n| format!("`{n}`")).collect();
        return Err(FolderError::Input(format!(
            "--out {}: holds files sagasim did not write ({}{}); a run replaces its folder's files as a whole, so choose a new or empty folder with --out",
            out.display(),
            shown.join(", "),
            if foreign.len() > 3 { ", …" } else { "" }
        )));
    }
    let has_results = names.iter().any(|name| results.contains(&name.as_str()));
    if !has_results || force {
        return Ok(());
    }
    let recorded = std::fs::read(out.join(MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<RunManifest>(&bytes).ok());
    match recorded {
        Some(manifest) if manifest.content == content => Ok(()),
        Some(_) => Err(FolderError::Input(format!(
            "--out {}: holds the results of a different configuration (the scenario's values, its --set values, the designs, the seed or the replications differ); rerun with --force to overwrite them, or use another --out",
            out.display()
        ))),
        None => Err(FolderError::Input(format!(
            "--out {}: holds results without a readable {MANIFEST} (from an older sagasim, or edited), so their configuration is unknown; rerun with --force to overwrite them, or use another --out",
            out.display()
        ))),
    }
}

/// Replace the files in `out` by `files` as a whole: written into a fresh sibling folder
/// (with `KEPT` files carried over), then swapped in. Where the folder cannot be swapped
/// (see `sibling`), the files are written in place, each atomically. Call with the lock
/// held.
pub fn replace(out: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), FolderError> {
    replace_keeping(out, files, |name| KEPT.contains(&name))
}

/// Like `replace`, but every entry of `out` that `keep` names (and `files` does not) is
/// carried into the new set, not only `KEPT`: files hard-linked (copied where a link
/// fails), folders entry by entry. A sweep keeps its point files this way: they are its
/// resumable work, not part of the set its assembly replaces.
pub fn replace_keeping(
    out: &Path,
    files: &[(&str, Vec<u8>)],
    keep: impl Fn(&str) -> bool,
) -> Result<(), FolderError> {
    let Some(staging) = sibling(out, "new") else {
        return write_in_place(out, files, keep);
    };
    // A staging folder left by an interrupted run (we hold the lock: it is no one's).
    remove_folder(&staging)?;
    if disk::create_dir(&staging).is_err() {
        // The parent takes no new folder (read-only, say): write in place instead.
        return write_in_place(out, files, keep);
    }
    let staged = stage(out, &staging, files, keep);
    if let Err(error) = staged {
        let _ = remove_folder(&staging);
        return Err(error);
    }
    let parent = staging.parent().unwrap_or(Path::new("."));
    if !out.exists() {
        disk::rename(&staging, out).map_err(|error| {
            let _ = remove_folder(&staging);
            io_error("cannot move the new results into", out, error)
        })?;
        return disk::sync_folder(parent).map_err(|e| io_error("cannot sync", parent, e));
    }
    match disk::exchange(&staging, out) {
        Ok(()) => {
            disk::sync_folder(parent).map_err(|e| io_error("cannot sync", parent, e))?;
            remove_folder(&staging)
        }
        Err(error) if !exchange_unsupported(&error) => {
            let _ = remove_folder(&staging);
            Err(io_error("cannot swap the new results into", out, error))
        }
        Err(_) => {
            // No atomic exchange here (another system, or a file system without it): move
            // the old folder aside, the new one in, then drop the old. A kill between the
            // two renames leaves no `out` but the old set beside it, which the next
            // command's lock moves back (`recover_swap`).
            let old = sibling(out, "old").unwrap_or_else(|| staging.with_extension("old"));
            remove_folder(&old)?;
            disk::rename(out, &old).map_err(|e| io_error("cannot move aside", out, e))?;
            if let Err(error) = disk::rename(&staging, out) {
                // Put the old set back at once rather than leave no folder.
                let _ = disk::rename(&old, out);
                let _ = remove_folder(&staging);
                return Err(io_error("cannot move into", out, error));
            }
            disk::sync_folder(parent).map_err(|e| io_error("cannot sync", parent, e))?;
            remove_folder(&old)
        }
    }
}

/// Whether `renameat2(RENAME_EXCHANGE)` failed for want of support (the system or the
/// file system has none), rather than for a reason the user must hear about.
fn exchange_unsupported(error: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        // EPERM: a seccomp filter that does not know renameat2 (older container runtimes).
        matches!(
            error.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP | libc::EPERM)
        ) || error.kind() == ErrorKind::Unsupported
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = error;
        true
    }
}

/// Put back the old set that a kill between the two renames of a swap without exchange
/// left beside the folder (`replace_keeping`): the folder then holds the old set again,
/// never nothing. The old set is dropped only when the folder holds a whole new set (its
/// manifest); a folder made meanwhile by other means is refused, naming both, so that the
/// only copy of the results is never deleted. Call with the lock held.
fn recover_swap(folder: &Path) -> Result<(), FolderError> {
    let Some(old) = sibling(folder, "old") else {
        return Ok(());
    };
    if std::fs::symlink_metadata(&old).is_err() {
        return Ok(());
    }
    if std::fs::symlink_metadata(folder).is_err() {
        return disk::rename(&old, folder)
            .map_err(|error| io_error("cannot move back the previous results", &old, error));
    }
    let whole = [MANIFEST, "sweep.json"]
        .iter()
        .any(|name| folder.join(name).is_file());
    if whole {
        return remove_folder(&old);
    }
    Err(FolderError::Input(format!(
        "{}: an interrupted write left the previous results in {}, and the folder has been made again since without them; move one of the two away, then rerun",
        folder.display(),
        old.display()
    )))
}

fn stage(
    out: &Path,
    staging: &Path,
    files: &[(&str, Vec<u8>)],
    keep: impl Fn(&str) -> bool,
) -> Result<(), FolderError> {
    for (name, contents) in files {
        // Named as the user knows it; the folder keeps its previous set of files.
        disk::write_synced(&staging.join(name), contents).map_err(|error| {
            FolderError::Io(format!(
                "cannot write {} (the folder keeps its previous files): {error}",
                out.join(name).display()
            ))
        })?;
    }
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return disk::sync_folder(staging).map_err(|e| io_error("cannot sync", staging, e));
        }
        Err(error) => return Err(io_error("cannot read the output folder", out, error)),
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let replaced = files.iter().any(|(file, _)| *file == name);
        if keep(&name) && !replaced && !is_scratch(&name) {
            carry(&entry.path(), &staging.join(&name))?;
        }
    }
    disk::sync_folder(staging).map_err(|e| io_error("cannot sync", staging, e))
}

/// Carry `from` into the staging folder as `to`: a file hard-linked (copied where a link
/// fails, as across file systems), a folder entry by entry, leaving scratch files behind.
fn carry(from: &Path, to: &Path) -> Result<(), FolderError> {
    let kind = std::fs::symlink_metadata(from)
        .map_err(|error| io_error("cannot keep", from, error))?
        .file_type();
    if !kind.is_dir() {
        return disk::link_or_copy(from, to).map_err(|error| io_error("cannot keep", from, error));
    }
    disk::create_dir(to).map_err(|error| io_error("cannot keep", from, error))?;
    let entries = std::fs::read_dir(from).map_err(|error| io_error("cannot keep", from, error))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if !is_scratch(&name.to_string_lossy()) {
            carry(&entry.path(), &to.join(&name))?;
        }
    }
    Ok(())
}

/// Where the folder cannot be swapped: first the entries the new set drops (neither kept
/// nor written again) are removed, then each file is written atomically on its own, the
/// manifest last as `files` lists it. A kill in between leaves a part of the old set, or
/// the old set's remains with some new files; the error names the file that failed.
fn write_in_place(
    out: &Path,
    files: &[(&str, Vec<u8>)],
    keep: impl Fn(&str) -> bool,
) -> Result<(), FolderError> {
    disk::create_dir_all(out)
        .map_err(|error| io_error("cannot create the output folder", out, error))?;
    let entries = std::fs::read_dir(out).map_err(|e| io_error("cannot read", out, e))?;
    let mut dropped: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            !keep(&name) && !is_scratch(&name) && !files.iter().any(|(file, _)| *file == name)
        })
        .map(|entry| entry.path())
        .collect();
    dropped.sort();
    for path in dropped {
        let removed = if path.is_dir() {
            disk::remove_dir_all(&path)
        } else {
            disk::remove_file(&path)
        };
        removed.map_err(|error| io_error("cannot remove", &path, error))?;
    }
    for (name, contents) in files {
        let path = out.join(name);
        write_atomically(&path, contents)
            .map_err(|error| io_error("cannot write", &path, error))?;
    }
    Ok(())
}

fn remove_folder(path: &Path) -> Result<(), FolderError> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    match disk::remove_dir_all(path) {
        Err(error) if error.kind() != ErrorKind::NotFound => {
            Err(io_error("cannot remove the leftover folder", path, error))
        }
        _ => Ok(()),
    }
}

fn io_error(context: &str, path: &Path, error: std::io::Error) -> FolderError {
    FolderError::Io(format!(
        "{context} {}: {}",
        path.display(),
        explain(path, &error)
    ))
}

/// An I/O error on `path` in words a user can act on: where a part of the path is a file
/// (`--out afile/sub`), say which; otherwise the system's message.
pub fn explain(path: &Path, error: &std::io::Error) -> String {
    let blocking_file = path
        .ancestors()
        .filter(|ancestor| !ancestor.as_os_str().is_empty())
        .find(|ancestor| ancestor.is_file());
    match blocking_file {
        Some(file) => format!(
            "{} is a file, not a folder: choose another --out, or move the file",
            file.display()
        ),
        None => error.to_string(),
    }
}
