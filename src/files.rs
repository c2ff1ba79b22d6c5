//! Writing output files atomically: to a temporary name in the same folder, then renamed,
//! so an interrupted run never leaves a half-written file.

use std::path::Path;

/// Write `contents` to `path` atomically.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let temporary = path.with_file_name(format!(".tmp-{}-{file_name}", std::process::id()));
    let result =
        std::fs::write(&temporary, contents).and_then(|_| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
