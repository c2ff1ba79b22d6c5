//! A cheap pass over a scenario's text before it is parsed, on TOML's own tokens: how many
//! tables and values it holds, which assignment holds the most values, how many entries
//! each array of tables has, and the few scalars that multiply a run's cost (replications,
//! variants). With it a file whose parse alone would exceed the memory budget is refused
//! before it is parsed, naming the key that makes it large. It allocates nothing per value.

use std::collections::BTreeMap;

use toml_parser::Source;
use toml_parser::lexer::TokenKind;

/// What a scenario's text holds, as far as its cost goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// The text's length.
    pub bytes: usize,
    /// Tables: headers, entries of arrays of tables and inline tables.
    pub tables: usize,
    /// Scalar values (strings, numbers, booleans, dates), in arrays or not.
    pub values: usize,
    /// The assignment with the most values (`services[0].work`), and how many.
    pub largest: Option<(String, usize)>,
    /// Entries of each array of tables (`services`, `faults`, `links`, …).
    pub entries: BTreeMap<String, usize>,
    /// `scenario.replications`, if the file sets it.
    pub replications: Option<u32>,
    /// How many names `scenario.variants` lists, if the file sets it.
    pub variants: Option<usize>,
    /// Whether the file has an `[orchestrator]` table.
    pub orchestrator: bool,
}

impl Shape {
    /// Entries of the array of tables `name`.
    pub fn entries(&self, name: &str) -> usize {
        self.entries.get(name).copied().unwrap_or(0)
    }
}

/// One open bracket inside a value: an array, or an inline table (and whether a key is
/// expected next in it).
#[derive(Clone, Copy)]
enum Open {
    Array,
    Table { expect_key: bool },
}

/// Scan `text`. Invalid TOML gives an approximate shape; the parser reports the error.
pub fn scan(text: &str) -> Shape {
    let mut shape = Shape {
        bytes: text.len(),
        ..Shape::default()
    };
    let mut header = String::new();
    // At the top level: the key being read (before `=`), or the header being read.
    let mut key = String::new();
    let mut reading_key = true;
    let mut header_brackets = 0u8;
    let mut in_header = false;
    let mut path = String::new();
    let mut assigned = 0usize;
    let mut open: Vec<Open> = Vec::new();
    let mut after_dot = false;
    // In a top-level inline table (`scenario = { replications = 3, … }`): its key being
    // assigned, and the values assigned to it so far.
    let mut inline_key = String::new();
    let mut inline_values = 0usize;
    let finish = |shape: &mut Shape, path: &str, assigned: usize| {
        if assigned > shape.largest.as_ref().map_or(0, |(_, n)| *n) {
            shape.largest = Some((path.to_string(), assigned));
        }
        if path == "scenario.variants" {
            shape.variants = Some(assigned);
        }
    };
    for token in Source::new(text).lex() {
        let kind = token.kind();
        let raw = &text[token.span().start()..token.span().end()];
        match kind {
            TokenKind::Whitespace | TokenKind::Comment => continue,
            TokenKind::Eof => break,
            TokenKind::Newline if open.is_empty() => {
                if !reading_key {
                    finish(&mut shape, &path, assigned);
                }
                reading_key = true;
                in_header = false;
                header_brackets = 0;
                key.clear();
                after_dot = false;
                continue;
            }
            TokenKind::Newline => continue,
            _ => {}
        }
        if open.is_empty() && reading_key {
            match kind {
                TokenKind::LeftSquareBracket if key.is_empty() && !in_header => {
                    header_brackets += 1;
                }
                TokenKind::RightSquareBracket if header_brackets > 0 && !in_header => {
                    in_header = true;
                    let name = std::mem::take(&mut key);
                    shape.tables += 1;
                    shape.orchestrator |= name == "orchestrator";
                    header = if header_brackets >= 2 {
                        let count = shape.entries.entry(name.clone()).or_insert(0);
                        *count += 1;
                        format!("{name}[{}]", *count - 1)
                    } else {
                        name
                    };
                }
                TokenKind::RightSquareBracket => {}
                TokenKind::Dot => key.push('.'),
                TokenKind::Equals => {
                    reading_key = false;
                    path = if header.is_empty() {
                        key.clone()
                    } else {
                        format!("{header}.{key}")
                    };
                    // `orchestrator = { … }` or `orchestrator.workers = 2` at the top.
                    shape.orchestrator |=
                        path == "orchestrator" || path.starts_with("orchestrator.");
                    assigned = 0;
                    after_dot = false;
                }
                _ => key.push_str(unquoted(raw)),
            }
            continue;
        }
        match kind {
            TokenKind::LeftSquareBracket => open.push(Open::Array),
            TokenKind::LeftCurlyBracket => {
                shape.tables += 1;
                // `services = [{ … }, { … }]` is `[[services]]` written inline.
                if matches!(open.as_slice(), [Open::Array]) {
                    *shape.entries.entry(path.clone()).or_insert(0) += 1;
                }
                if open.is_empty() {
                    inline_key.clear();
                }
                open.push(Open::Table { expect_key: true });
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                if kind == TokenKind::RightCurlyBracket && open.len() == 1 {
                    finish_inline(&mut shape, &path, &inline_key, inline_values);
                }
                open.pop();
            }
            TokenKind::Comma => {
                if open.len() == 1 {
                    finish_inline(&mut shape, &path, &inline_key, inline_values);
                    inline_key.clear();
                }
                if let Some(Open::Table { expect_key }) = open.last_mut() {
                    *expect_key = true;
                }
            }
            TokenKind::Equals => {
                if let Some(Open::Table { expect_key }) = open.last_mut() {
                    *expect_key = false;
                }
                inline_values = 0;
            }
            TokenKind::Dot => {
                if matches!(open.as_slice(), [Open::Table { expect_key: true }]) {
                    inline_key.push('.');
                }
                after_dot = true;
                continue;
            }
            _ => {
                let is_key = matches!(open.last(), Some(Open::Table { expect_key: true }));
                if is_key && open.len() == 1 {
                    if !inline_key.is_empty() && !after_dot {
                        inline_key.clear();
                    }
                    inline_key.push_str(unquoted(raw));
                }
                // A float's digits after its point come as a token of their own.
                if !is_key && !after_dot {
                    shape.values += 1;
                    assigned += 1;
                    inline_values += 1;
                    let replications = (path == "scenario.replications" && open.is_empty())
                        || (path == "scenario" && open.len() == 1 && inline_key == "replications");
                    if replications {
                        shape.replications = raw.replace('_', "").parse().ok();
                    }
                }
            }
        }
        after_dot = false;
    }
    if !reading_key {
        finish(&mut shape, &path, assigned);
    }
    shape
}

/// At the end of a key's value inside a top-level inline table: `scenario = { variants =
/// [...] }` lists its designs there.
fn finish_inline(shape: &mut Shape, path: &str, key: &str, values: usize) {
    if path == "scenario" && key == "variants" {
        shape.variants = Some(values);
    }
}

/// A key or string token without its quotes (escapes left as they are: only a name).
fn unquoted(raw: &str) -> &str {
    raw.trim_matches(|c| c == '"' || c == '\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tables_values_and_the_largest_assignment() {
        let text = "# a comment with [brackets] and = signs\n\
            [scenario]\nname = \"x\"\nreplications = 3\nvariants = [\"orchestrator\", \"choreography\"]\n\
            [orchestrator]\nworkers = 2\n\
            [[services]]\nname = \"a\"\nwork = { empirical = [\"1ms\", \"2ms\", \"3.5ms\",\n  \"4ms\"] }\n\
            [[services]]\nname = \"b\"\nwork = 1.5\n\
            [[faults]]\ncrash = \"a\"\nat = \"1s\"\n";
        let shape = scan(text);
        assert_eq!(shape.replications, Some(3));
        assert_eq!(shape.variants, Some(2));
        assert!(shape.orchestrator);
        assert_eq!(shape.entries("services"), 2);
        assert_eq!(shape.entries("faults"), 1);
        assert_eq!(shape.largest, Some(("services[0].work".to_string(), 4)));
        // [scenario], [orchestrator], two services, one fault, one inline table.
        assert_eq!(shape.tables, 6);
        // name, 3, 2 variants, 2, (a, 4 samples), (b, 1.5), (a, 1s).
        assert_eq!(shape.values, 1 + 1 + 2 + 1 + 5 + 2 + 2);
    }

    #[test]
    fn arrays_of_tables_and_the_scenario_written_inline_count_the_same() {
        let text = "scenario = { name = \"x\", replications = 7, variants = [\"a\", \"b\", \"c\"] }\n\
            services = [{ name = \"a\", work = \"1ms\" }, { name = \"b\", work = 2.5 },\n  { name = \"c\" }]\n\
            network.links = [{ from = \"a\", to = \"b\" }]\n\
            faults = [{ crash = \"a\", at = -1 }, { crash = \"b\", at = 1979-05-27T07:32:00.5Z }]\n";
        let shape = scan(text);
        assert_eq!(shape.replications, Some(7));
        assert_eq!(shape.variants, Some(3));
        assert_eq!(shape.entries("services"), 3);
        assert_eq!(shape.entries("network.links"), 1);
        assert_eq!(shape.entries("faults"), 2);
        assert!(!shape.orchestrator);
        assert!(scan("orchestrator = { workers = 2 }\n").orchestrator);
        assert!(scan("orchestrator.workers = 2\n").orchestrator);
        // name 7 a b c | a 1ms b 2.5 c | a b | a -1 b date.
        assert_eq!(shape.values, 5 + 5 + 2 + 4);
    }
}
