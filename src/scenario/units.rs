//! Quantities with units as scenario files write them: durations (`"250us"`, `"1.5s"`),
//! sizes (`"4KiB"`), bandwidths (`"1Gbps"`). Parsing is strict: a unit is required, and
//! every error says what a valid value looks like.

use crate::engine::SimDuration;

/// Longest duration a scenario may name: about 100 years.
pub const MAX_DURATION: SimDuration = SimDuration(100 * 365 * 24 * 3_600 * 1_000_000_000);
/// Largest message size: 1 TiB.
pub const MAX_SIZE_BYTES: u64 = 1 << 40;

pub const DURATION_HELP: &str =
    "a duration with a unit, like \"250us\", \"5ms\", \"1.5s\", \"2m\" or \"1h\"";
pub const SIZE_HELP: &str = "a size with a unit, like \"512B\", \"4KiB\" or \"1MB\"";
pub const BANDWIDTH_HELP: &str = "a bandwidth with a unit, like \"100Mbps\" or \"1Gbps\"";

/// Split `"1.5s"` into (1.5, "s"); the number must be plain decimal and non-negative.
/// Only ASCII spaces are trimmed: a non-breaking or other Unicode space stays in the unit,
/// which is then refused (`unit_problem` says why).
fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim_ascii();
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '_'))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(end);
    let number = number.replace('_', "");
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some((value, unit.trim_ascii()))
}

/// Why `unit` is not a unit, in words: a Unicode space that looks like an ASCII one (a
/// non-breaking space pasted from a document) is named, since it cannot be seen.
fn unknown_unit(unit: &str) -> String {
    match unit.chars().find(|c| c.is_whitespace() && !c.is_ascii()) {
        Some(space) => format!(
            "unknown unit `{unit}`: it holds U+{:04X}, a space that is not the ASCII space; write the unit right after the number",
            u32::from(space)
        ),
        None => format!("unknown unit `{unit}`"),
    }
}

/// Read a duration with its unit (`"250us"`, `"5ms"`, `"1.5s"`).
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let invalid = || format!("expected {DURATION_HELP}, got \"{text}\"");
    if text.trim() == "0" {
        return Ok(SimDuration::ZERO);
    }
    let (value, unit) = split_number(text).ok_or_else(invalid)?;
    let nanos_per_unit = match unit {
        "ns" => 1.0,
        // The micro sign (U+00B5) and the Greek letter mu (U+03BC) look alike: take both.
        "us" | "\u{b5}s" | "\u{3bc}s" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3_600e9,
        "d" => 86_400e9,
        "" => {
            return Err(format!(
                "expected {DURATION_HELP}, got \"{text}\" (the unit is missing)"
            ));
        }
        _ => {
            return Err(format!(
                "expected {DURATION_HELP}, got \"{text}\" ({})",
                unknown_unit(unit)
            ));
        }
    };
    let nanos = value * nanos_per_unit;
    if nanos > MAX_DURATION.as_nanos_f64() {
        return Err(format!(
            "expected a duration of at most 100 years, got \"{text}\""
        ));
    }
    Ok(SimDuration::from_nanos_f64(nanos))
}

/// Read a size with its unit (`"512B"`, `"4KiB"`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let invalid = || format!("expected {SIZE_HELP}, got \"{text}\"");
    let (value, unit) = split_number(text).ok_or_else(invalid)?;
    let bytes_per_unit = match unit {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1_048_576.0,
        "TB" => 1e12,
        "GiB" => 1_073_741_824.0,
        "TiB" => 1_099_511_627_776.0,
        "" => {
            return Err(format!(
                "expected {SIZE_HELP}, got \"{text}\" (the unit is missing)"
            ));
        }
        _ => {
            return Err(format!(
                "expected {SIZE_HELP}, got \"{text}\" ({})",
                unknown_unit(unit)
            ));
        }
    };
    if unit == "B" && value.fract() != 0.0 {
        return Err(format!(
            "expected a whole number of bytes, got \"{text}\"; a size in a larger unit is rounded to the byte (\"1.5KiB\" is 1536 bytes)"
        ));
    }
    let bytes = (value * bytes_per_unit).round();
    if bytes > MAX_SIZE_BYTES as f64 {
        return Err(format!("expected a size of at most 1TiB, got \"{text}\""));
    }
    Ok(bytes as u64)
}

/// Bits per second.
pub fn parse_bandwidth(text: &str) -> Result<f64, String> {
    let invalid = || format!("expected {BANDWIDTH_HELP}, got \"{text}\"");
    let (value, unit) = split_number(text).ok_or_else(invalid)?;
    let bits_per_unit = match unit {
        "bps" => 1.0,
        "Kbps" | "kbps" => 1e3,
        "Mbps" => 1e6,
        "Gbps" => 1e9,
        "Tbps" => 1e12,
        "" => {
            return Err(format!(
                "expected {BANDWIDTH_HELP}, got \"{text}\" (the unit is missing)"
            ));
        }
        _ => {
            return Err(format!(
                "expected {BANDWIDTH_HELP}, got \"{text}\" ({})",
                unknown_unit(unit)
            ));
        }
    };
    let bits = value * bits_per_unit;
    if bits <= 0.0 {
        return Err(format!("expected a positive bandwidth, got \"{text}\""));
    }
    Ok(bits)
}

/// A number of bytes as people read it: `3.2 GiB`, `512 B`.
pub fn bytes_text(value: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("TiB", 1_099_511_627_776.0),
        ("GiB", 1_073_741_824.0),
        ("MiB", 1_048_576.0),
        ("KiB", 1024.0),
    ];
    if !value.is_finite() {
        return "unboundedly much".to_string();
    }
    for (unit, size) in UNITS {
        if value >= size {
            return format!(
                "{} {unit}",
                trim_decimals((value / size * 10.0).round() / 10.0)
            );
        }
    }
    format!("{} B", trim_decimals(value))
}

/// At most three decimals, trailing zeros trimmed.
fn trim_decimals(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_known_unit() {
        assert_eq!(
            parse_duration("250us"),
            Ok(SimDuration::from_nanos(250_000))
        );
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(SimDuration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(SimDuration::from_secs(3600)));
        assert_eq!(parse_duration("0"), Ok(SimDuration::ZERO));
        // The micro sign and the Greek mu alike.
        assert_eq!(
            parse_duration("7\u{b5}s"),
            Ok(SimDuration::from_nanos(7_000))
        );
        assert_eq!(
            parse_duration("7\u{3bc}s"),
            Ok(SimDuration::from_nanos(7_000))
        );
        assert!(parse_duration("5").unwrap_err().contains("unit is missing"));
        assert!(
            parse_duration("5 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("-5ms").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("101y").is_err());
        assert!(parse_duration("200000d").unwrap_err().contains("100 years"));
    }

    #[test]
    fn sizes_and_bandwidths() {
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("512B"), Ok(512));
        // Every unit an error offers is one the parser takes.
        assert_eq!(parse_size("1TiB"), Ok(1 << 40));
        assert_eq!(parse_size("1TB"), Ok(1_000_000_000_000));
        assert!(parse_size("2TiB").unwrap_err().contains("at most 1TiB"));
        assert!(
            parse_size("1.5B")
                .unwrap_err()
                .contains("whole number of bytes")
        );
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size(" 2KiB "), Ok(2048));
        // A non-breaking space is named, not silently taken for a space.
        let error = parse_duration("5\u{a0}ms").unwrap_err();
        assert!(error.contains("U+00A0"), "{error}");
        assert!(parse_size("5\u{a0}KiB").unwrap_err().contains("U+00A0"));
        assert!(parse_size("4").is_err());
        assert_eq!(parse_bandwidth("1Gbps"), Ok(1e9));
        assert!(parse_bandwidth("0Mbps").is_err());
        assert!(parse_bandwidth("1GB").is_err());
    }
}
