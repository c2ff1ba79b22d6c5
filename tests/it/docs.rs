//! Docs that cannot go stale: every relative link and anchor in the README and the user
//! guide resolves, and every runnable example (a ```console block: `$ sagasim …` lines,
//! each followed by what it prints) prints exactly what is shown.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common;

use common::sagasim;

/// The README and every chapter of the guide.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap_or_else(|e| panic!("docs/: {e}"))
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    chapters.sort();
    assert!(chapters.len() >= 12, "the guide's chapters: {chapters:?}");
    files.extend(chapters);
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines outside fenced code blocks, numbered from 1.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return None;
            }
            (!fenced).then_some((index + 1, line))
        })
        .collect()
}

/// GitHub's anchor for a heading: lower case, letters, digits, `-` and `_` kept, spaces to
/// hyphens, a repeated anchor numbered `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (_, line) in prose(text) {
        let Some(heading) = line.trim_start_matches('#').strip_prefix(' ') else {
            continue;
        };
        if !line.starts_with('#') {
            continue;
        }
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut candidate = slug.clone();
        let mut n = 0;
        while found.contains(&candidate) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        found.insert(candidate);
    }
    found
}

/// The targets of `[text](target)` links in prose, with their line numbers (inline code
/// spans left out).
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in prose(text) {
        // Drop inline code: a `](` inside backticks is not a link.
        let mut plain = String::new();
        let mut code = false;
        for c in line.chars() {
            if c == '`' {
                code = !code;
            } else if !code {
                plain.push(c);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((number, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    for file in documents() {
        let text = read(&file);
        let here = file.parent().unwrap_or(Path::new("."));
        for (line, target) in links(&text) {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                here.join(path)
            };
            if !resolved.exists() {
                broken.push(format!("{}:{line}: {target}: no such file", file.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                let known = anchors(&read(&resolved));
                if !known.contains(anchor) {
                    broken.push(format!(
                        "{}:{line}: {target}: no such anchor",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Words of a shell command line: single and double quotes group, nothing else is
/// interpreted (the examples need no more).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

/// One runnable example: where it is, the command's arguments after `sagasim`, and the
/// lines it must print (`…` alone matches any number of lines).
struct Example {
    place: String,
    args: Vec<String>,
    expected: Vec<String>,
}

fn examples() -> Vec<Example> {
    let mut found = Vec::new();
    for file in documents() {
        let text = read(&file);
        let mut lines = text.lines().enumerate();
        while let Some((index, line)) = lines.next() {
            if line.trim() != "```console" {
                continue;
            }
            let mut current: Option<Example> = None;
            for (number, line) in lines.by_ref() {
                if line.trim_start().starts_with("```") {
                    break;
                }
                if let Some(command) = line.strip_prefix("$ ") {
                    found.extend(current.take());
                    let words = shell_words(command);
                    assert_eq!(
                        words.first().map(String::as_str),
                        Some("sagasim"),
                        "{}:{}: a runnable example runs sagasim",
                        file.display(),
                        number + 1
                    );
                    current = Some(Example {
                        place: format!("{}:{}", file.display(), number + 1),
                        args: words[1..].to_vec(),
                        expected: Vec::new(),
                    });
                } else if let Some(example) = current.as_mut() {
                    example.expected.push(line.trim_end().to_string());
                } else {
                    panic!(
                        "{}:{}: output before any command",
                        file.display(),
                        index + 1
                    );
                }
            }
            found.extend(current);
        }
    }
    found
}

/// Whether `actual` matches `expected`, where a `…` line (indented or not) stands for any
/// lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "…" => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => {
            actual.first().is_some_and(|line| line.trim_end() == first)
                && matches(rest, &actual[1..])
        }
    }
}

#[test]
fn every_runnable_example_prints_what_the_docs_show() {
    let examples = examples();
    assert!(
        examples.len() >= 3,
        "runnable examples found: {}",
        examples.len()
    );
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (index, example) in examples.iter().enumerate() {
        let mut args: Vec<String> = example.args.clone();
        // Commands that write results get a folder of their own, so that the examples
        // never touch the committed results/ nor each other.
        let writes = ["run", "sweep", "advise", "capacity"];
        if args.first().is_some_and(|c| writes.contains(&c.as_str()))
            && !args.iter().any(|a| a == "--out")
        {
            args.push("--out".into());
            args.push(scratch.path().join(index.to_string()).display().to_string());
        }
        let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = sagasim(&borrowed);
        let stdout = String::from_utf8_lossy(&output.stdout);
        // Trailing blank lines are not shown in the docs.
        let mut actual: Vec<&str> = stdout.lines().collect();
        while actual.last().is_some_and(|line| line.trim().is_empty()) {
            actual.pop();
        }
        assert!(
            matches(&example.expected, &actual),
            "{}: `sagasim {}` printed:\n{stdout}\nstderr:\n{}\nthe docs show:\n{}",
            example.place,
            example.args.join(" "),
            String::from_utf8_lossy(&output.stderr),
            example.expected.join("\n")
        );
    }
}

#[test]
fn the_helpers_read_links_anchors_and_quotes_as_github_and_a_shell_do() {
    let text =
        "# A title\n\n## `sagasim run`: the run\n\n```\n## not a heading\n```\n\n## A title\n";
    let found = anchors(text);
    assert!(
        found.contains("a-title") && found.contains("a-title-1"),
        "{found:?}"
    );
    assert!(found.contains("sagasim-run-the-run"), "{found:?}");
    assert!(!found.contains("not-a-heading"));
    let linked = links("see [x](a.md#b) and `[y](not.md)` or [z](#c)\n```\n[w](no.md)\n```\n");
    assert_eq!(
        linked,
        vec![(1, "a.md#b".to_string()), (1, "#c".to_string())]
    );
    assert_eq!(
        shell_words("advise f.toml --slo 'p99<=300ms' --slo \"a b\""),
        ["advise", "f.toml", "--slo", "p99<=300ms", "--slo", "a b"]
    );
    let lines = ["a", "b", "c"];
    assert!(matches(&["a".into(), "…".into()], &lines));
    assert!(matches(&["…".into(), "c".into()], &lines));
    assert!(!matches(&["a".into(), "c".into()], &lines));
}
