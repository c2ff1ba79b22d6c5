//! Errors in user input, located: which file (or `--set` flag), line and column, which key,
//! and what was expected.

use std::fmt;
use std::ops::Range;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in the scenario file (1-based line and column).
    File {
        /// The file as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// A `--set KEY=VALUE` flag.
    Flag(String),
    /// A command-line flag other than `--set`.
    Option(String),
}

/// A scenario that cannot be run, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// Where the bad value came from.
    pub origin: Origin,
    /// Dotted key path, `services[1].fail`; `(top level)` for the document itself.
    pub key: String,
    /// What was expected, and what was found.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File { path, line, column } => write!(f, "{path}:{line}:{column}: ")?,
            Origin::Flag(flag) => write!(f, "--set {flag}: ")?,
            Origin::Option(flag) => write!(f, "{flag}: ")?,
        }
        // A whole-file problem (unreadable, not text) needs no key.
        if self.key.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// The scenario text with its origin, for turning byte spans into locations.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The file as given.
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
    /// The `--set` flags, in order: spans past the end of `text` point at them.
    pub flags: &'a [String],
}

impl Source<'_> {
    /// The span that stands for the `index`-th `--set` flag.
    pub fn flag_span(&self, index: usize) -> Range<usize> {
        let at = self.text.len() + 1 + index;
        at..at
    }

    /// The origin of byte span `span`.
    pub fn origin(&self, span: Option<Range<usize>>) -> Origin {
        let start = span.map_or(0, |span| span.start);
        if start > self.text.len() {
            let index = start - self.text.len() - 1;
            return Origin::Flag(self.flags.get(index).cloned().unwrap_or_default());
        }
        let (line, column) = line_column(self.text, start);
        Origin::File {
            path: self.path.to_string(),
            line,
            column,
        }
    }

    /// Whether `span` lies in a `--set` flag rather than the file.
    pub fn is_flag(&self, span: &Range<usize>) -> bool {
        span.start > self.text.len()
    }

    /// An error at `span` (in the file, or in the flag it falls in).
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            origin: self.origin(span),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of byte offset `offset`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 11), (2, 6));
    }

    #[test]
    fn spans_past_the_text_name_the_flag() {
        let flags = vec!["services.a.fail=2".to_string()];
        let source = Source {
            path: "x.toml",
            text: "abc",
            flags: &flags,
        };
        let error = source.error(Some(source.flag_span(0)), "services[0].fail", "bad");
        assert_eq!(
            error.to_string(),
            "--set services.a.fail=2: services[0].fail: bad"
        );
    }
}
