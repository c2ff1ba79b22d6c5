//! "Did you mean …?": the closest known name to a misspelt key, kind or design, by edit
//! distance, when it is close enough to be a typo rather than a different word.

/// Levenshtein distance between `a` and `b`, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `word`, if within a third of its length (at least one edit).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or `expected `a``), with a
/// suggestion appended when one of the expected names is close to `x`.
pub fn with_suggestion(message: &str) -> String {
    let Some(word) = backticked(message).next() else {
        return message.to_string();
    };
    let Some((_, expected)) = message.split_once("expected") else {
        return message.to_string();
    };
    match closest(word, backticked(expected)) {
        Some(name) => format!("{message}; did you mean `{name}`?"),
        None => message.to_string(),
    }
}

/// The `quoted` words of `text`, in order.
fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_are_not() {
        assert_eq!(distance("duraton", "duration"), 1);
        assert_eq!(
            closest("duraton", ["name", "duration", "drain"]),
            Some("duration")
        );
        assert_eq!(
            closest("orchestratr", ["orchestrator", "choreography"]),
            Some("orchestrator")
        );
        assert_eq!(closest("zzz", ["name", "seed"]), None);
        assert_eq!(
            with_suggestion("unknown key `duraton`, expected one of `name`, `duration`"),
            "unknown key `duraton`, expected one of `name`, `duration`; did you mean `duration`?"
        );
        assert_eq!(
            with_suggestion("unknown key `x`, expected `name`"),
            "unknown key `x`, expected `name`"
        );
    }
}
