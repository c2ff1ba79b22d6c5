//! What the command line prints on standard error: notes (`wrote …`, hidden by `--quiet`),
//! warnings and errors, coloured only on a terminal and never under `NO_COLOR`; a scenario
//! error also shows the offending line with a caret under the value.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use sagasim::scenario::{Origin, ScenarioError};

use super::CliError;

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: notes and progress bars are not printed; results, warnings and errors are.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A note about what was done (`wrote results/x/summary.csv`).
pub fn note(text: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("{text}");
    }
}

/// Colour on standard error: only for a terminal, and never when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>).
pub fn colour() -> bool {
    colour_for(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

fn colour_for(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

fn label(word: &str, ansi: &str) -> String {
    if colour() {
        format!("\x1b[1;{ansi}m{word}\x1b[0m")
    } else {
        word.to_string()
    }
}

/// A warning: something the user should know about the results.
pub fn warn(text: impl std::fmt::Display) {
    eprintln!("{} {text}", label("warning:", "33"));
}

/// The whole message for `error`: `error: …`, then, for a value in a scenario file, the
/// line it is on with a caret under it.
pub fn render_error(error: &CliError) -> String {
    if let CliError::Scenario(scenario_error) = error
        && let Some(snippet) = snippet(scenario_error)
    {
        return snippet;
    }
    format!("{} {error}", label("error:", "31"))
}

/// The error with its source line, as rustc and cargo show theirs.
fn snippet(error: &ScenarioError) -> Option<String> {
    let Origin::File { path, line, column } = &error.origin else {
        return None;
    };
    let text = std::fs::read_to_string(path).ok()?;
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text.get(line_start..)?.lines().next()?;
    let start = line_start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(offset, _)| offset);
    // Underline the value: up to the end of the token it starts.
    let rest = &text[start..];
    let length = rest.find(['\n', ',', '}', ']', '#']).unwrap_or(rest.len());
    let length = rest[..length].trim_end().len().max(1);
    let end = (start + length).min(text.len());
    let title = error.to_string();
    let report = [Level::ERROR.primary_title(&title).element(
        Snippet::source(&text)
            .path(path.as_str())
            .annotation(AnnotationKind::Primary.span(start..end).label(&error.key)),
    )];
    let renderer = if colour() {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    Some(renderer.render(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_and_never_under_no_color() {
        assert!(colour_for(true, None));
        assert!(colour_for(true, Some(std::ffi::OsStr::new(""))));
        assert!(!colour_for(true, Some(std::ffi::OsStr::new("1"))));
        assert!(!colour_for(false, None));
    }
}
