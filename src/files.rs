//! The one door every output file-system call goes through. Files are written durably
//! (synced before they are renamed into place, their folder synced after) and atomically
//! (an unnamed temporary file where the system has them, so that a kill leaves nothing
//! behind); and each call counts one step, so that a test can stop the process at the k-th
//! one (`SAGASIM_FAIL_AT=k`), exactly as a kill at that moment would.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The environment variable that names the file-system call at which to stop (1 is the
/// first). For crash-consistency tests; unset, the count costs one atomic add per call.
pub const FAIL_AT_VARIABLE: &str = "SAGASIM_FAIL_AT";
/// The exit code of a process stopped by `SAGASIM_FAIL_AT`: 128 + SIGKILL, as a kill.
pub const FAILPOINT_EXIT_CODE: i32 = 137;

static CALLS: AtomicU64 = AtomicU64::new(0);
static DURABLE: AtomicBool = AtomicBool::new(true);

/// Whether files are synced to the disk before they are renamed into place, and folders
/// after (`--no-sync` turns it off: a kill is still safe, a power loss no longer).
pub fn set_durable(durable: bool) {
    DURABLE.store(durable, Ordering::Relaxed);
}

fn durable() -> bool {
    DURABLE.load(Ordering::Relaxed)
}

fn fail_at() -> Option<u64> {
    static FAIL_AT: OnceLock<Option<u64>> = OnceLock::new();
    *FAIL_AT.get_or_init(|| {
        std::env::var(FAIL_AT_VARIABLE)
            .ok()
            .and_then(|value| value.trim().parse().ok())
    })
}

/// Make a write beyond the file-size limit (`ulimit -f`) fail with an error the command
/// reports (EFBIG, "File too large"), rather than end the process by SIGXFSZ with no
/// message of ours. Call once, at the start of the program.
pub fn report_oversized_writes() {
    // SAFETY: setting a signal's disposition to "ignore" has no handler to race with.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Count one file-system call, and stop the process here if it is the one named by
/// `SAGASIM_FAIL_AT`: no destructor runs and nothing is flushed, as under `kill -9`.
fn step() {
    if let Some(at) = fail_at()
        && CALLS.fetch_add(1, Ordering::Relaxed) + 1 == at
    {
        // SAFETY: `_exit` ends the process at once; nothing of ours runs after it.
        #[cfg(target_os = "linux")]
        unsafe {
            libc::_exit(FAILPOINT_EXIT_CODE)
        };
        #[cfg(not(target_os = "linux"))]
        std::process::abort();
    }
}

/// Create one folder (its parent must exist).
pub fn create_dir(path: &Path) -> std::io::Result<()> {
    step();
    std::fs::create_dir(path)
}

/// Create a folder and any missing parents.
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    step();
    std::fs::create_dir_all(path)
}

/// Rename a file or folder (replacing a file at `to`).
pub fn rename(from: &Path, to: &Path) -> std::io::Result<()> {
    step();
    std::fs::rename(from, to)
}

/// Remove a file.
pub fn remove_file(path: &Path) -> std::io::Result<()> {
    step();
    std::fs::remove_file(path)
}

/// Remove a folder and everything in it.
pub fn remove_dir_all(path: &Path) -> std::io::Result<()> {
    step();
    std::fs::remove_dir_all(path)
}

/// Open (creating it if need be) a folder's lock file.
pub fn open_lock(path: &Path) -> std::io::Result<File> {
    step();
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// A hard link, or a copy (synced) where links fail (across file systems).
pub fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    step();
    std::fs::hard_link(from, to).or_else(|_| {
        step();
        std::fs::copy(from, to)?;
        sync_file(&File::open(to)?)
    })
}

/// Write a new file and sync it to the disk before returning: a file renamed into place
/// afterwards is never found empty after a power loss.
pub fn write_synced(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    step();
    let mut file = File::create(path)?;
    file.write_all(contents)?;
    sync_file(&file)
}

fn sync_file(file: &File) -> std::io::Result<()> {
    if !durable() {
        return Ok(());
    }
    step();
    file.sync_all()
}

/// Sync a folder's entries (names created, renamed or removed in it) to the disk.
pub fn sync_folder(path: &Path) -> std::io::Result<()> {
    if !durable() {
        return Ok(());
    }
    step();
    #[cfg(unix)]
    {
        File::open(path)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Swap two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`): readers see
/// the old folder or the new one, never neither.
#[cfg(target_os = "linux")]
pub fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    step();
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call, and
    // renameat2 reads nothing else of ours.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    os_result(result)
}

/// A system call's result: 0 is success, anything else the error it left in `errno`.
#[cfg(target_os = "linux")]
fn os_result(result: libc::c_long) -> std::io::Result<()> {
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
pub fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Whether a file can be created in `folder`, found without leaving one there: an unnamed
/// temporary file where the system has them (nothing to remove, even after a kill), a
/// named one removed at once otherwise.
pub fn probe_writable(folder: &Path) -> std::io::Result<()> {
    if let Some(result) = unnamed_file(folder) {
        return result.map(drop);
    }
    let probe = folder.join(format!(".write-probe-{}", std::process::id()));
    step();
    File::create(&probe)?;
    remove_file(&probe)
}

/// An unnamed file in `folder` (Linux `O_TMPFILE`), or `None` where the system or the file
/// system has none.
#[cfg(target_os = "linux")]
fn unnamed_file(folder: &Path) -> Option<std::io::Result<File>> {
    use std::os::unix::fs::OpenOptionsExt;
    step();
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open(folder);
    match opened {
        Err(error)
            if matches!(
                error.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
            ) =>
        {
            None
        }
        other => Some(other),
    }
}

#[cfg(not(target_os = "linux"))]
fn unnamed_file(_folder: &Path) -> Option<std::io::Result<File>> {
    None
}

/// Give the unnamed `file` the name `path` (Linux `linkat` through `/proc/self/fd`).
#[cfg(target_os = "linux")]
fn name_file(file: &File, path: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    step();
    let source = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let target = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated strings that outlive the call.
    let result = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            source.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    os_result(libc::c_long::from(result))
}

#[cfg(not(target_os = "linux"))]
fn name_file(_file: &File, _path: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Write `contents` to `path` atomically and durably: the whole file is written and synced
/// under another name, renamed over `path`, and the folder synced. Under a kill or a power
/// loss, `path` holds its old contents or the new, never a part. Where the system has
/// unnamed files, the temporary name exists only between two calls (link, rename), so a
/// kill almost never leaves it behind; the next command into the folder removes it if so.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temporary = path.with_file_name(format!(".tmp-{}-{file_name}", std::process::id()));
    let written = match unnamed_file(folder) {
        Some(opened) => opened.and_then(|mut file| {
            file.write_all(contents)?;
            sync_file(&file)?;
            match name_file(&file, &temporary) {
                // No /proc (a container without it, say): the named way.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    write_synced(&temporary, contents)
                }
                // A temporary left by a killed process that had our PID (containers
                // reuse low PIDs): it is no one's now.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    remove_file(&temporary)?;
                    name_file(&file, &temporary)
                }
                other => other,
            }
        }),
        // A named temporary: `File::create` truncates any left by a killed namesake.
        None => write_synced(&temporary, contents),
    };
    let result = written
        .and_then(|()| rename(&temporary, path))
        .and_then(|()| sync_folder(folder));
    if result.is_err() && std::fs::symlink_metadata(&temporary).is_ok() {
        let _ = remove_file(&temporary);
    }
    result
}

/// Whether `name` is one of ours that only a killed command leaves behind: a temporary
/// of an atomic write (`.tmp-PID-NAME`) or a writability probe (`.write-probe-PID`).
/// Other names starting alike (a user's own `.tmp-notes`) are not.
pub fn is_leftover(name: &str) -> bool {
    let pid_then = |rest: &str, separator: Option<char>| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0
            && match separator {
                Some(separator) => rest[digits..].starts_with(separator),
                None => rest.len() == digits,
            }
    };
    name.strip_prefix(".tmp-")
        .is_some_and(|rest| pid_then(rest, Some('-')))
        || name
            .strip_prefix(".write-probe-")
            .is_some_and(|rest| pid_then(rest, None))
}

/// Remove what earlier commands, stopped by a kill, left in `folder` and in a sweep's
/// `points/` beside them: temporaries and probes (`is_leftover`). Nowhere else: another
/// folder below (`--out .` holds the working directory's) may be another process's.
pub fn remove_scratch(folder: &Path) {
    for folder in [folder.to_path_buf(), folder.join("points")] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            if is_leftover(&entry.file_name().to_string_lossy()) {
                let _ = remove_file(&entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_leftovers_are_removed() {
        assert!(is_leftover(".tmp-123-summary.csv"));
        assert!(is_leftover(".write-probe-7"));
        assert!(!is_leftover(".tmp-notes"));
        assert!(!is_leftover(".tmp--x"));
        assert!(!is_leftover(".write-probe-7x"));
        assert!(!is_leftover("summary.csv"));
    }

    #[test]
    fn a_temporary_left_by_a_namesake_does_not_block_a_write() {
        let dir = std::env::temp_dir().join(format!("sagasim-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("x.toml");
        let stale = dir.join(format!(".tmp-{}-x.toml", std::process::id()));
        std::fs::write(&stale, b"stale").unwrap();
        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert!(!stale.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
