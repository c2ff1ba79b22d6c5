//! "Did you mean …?": the closest known name to a misspelt key, kind or design, by edit
//! distance, when it is close enough to be a typo rather than a different word.

/// Edit distance between `a` and `b` in characters, counting a swap of two neighbours
/// as one edit (optimal string alignment), since `fial` for `fail` is one slip of the
/// fingers, not two.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]; only three rows are needed.
    let mut before_previous: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let substitute = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitute.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before_previous[j - 2] + 1);
            }
            current[j] = best;
        }
        before_previous = std::mem::replace(&mut previous, current);
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

/// "; did you mean \"x\"?" when a candidate is close to `word`, else nothing: appended to
/// a message that names a service or component that does not exist.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|name| format!("; did you mean \"{name}\"?"))
        .unwrap_or_default()
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
        // A swap of neighbours is one slip, even in a short word.
        assert_eq!(distance("fial", "fail"), 1);
        assert_eq!(closest("fial", ["fail", "work", "name"]), Some("fail"));
        assert_eq!(
            closest("crahs", ["crash", "slow", "partition"]),
            Some("crash")
        );
        assert_eq!(distance("kitten", "sitting"), 3);
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
