//! Serde types for the scenario's scalar values: each parses and range-checks itself, so a
//! deserialization error already names the key (via the path) and what was expected.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::engine::SimDuration;
use crate::model::DurationDistribution;

use super::units::{
    BANDWIDTH_HELP, DURATION_HELP, SIZE_HELP, parse_bandwidth, parse_duration, parse_size,
};

/// Implements `Deserialize` for a newtype parsed from a string with units.
macro_rules! text_value {
    ($name:ident, $inner:ty, $parse:path, $help:expr, $schema_name:literal, $pattern:literal) => {
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct TextVisitor;
                impl Visitor<'_> for TextVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($help)
                    }
                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$name, E> {
                        $parse(text).map($name).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(TextVisitor)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "pattern": $pattern, "description": $help })
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationValue(pub SimDuration);
text_value!(
    DurationValue,
    SimDuration,
    parse_duration,
    DURATION_HELP,
    "Duration",
    "^(0|[0-9][0-9_]*(\\.[0-9]+)?\\s*(ns|us|µs|ms|s|m|min|h|d))$"
);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeValue(pub u64);
text_value!(
    SizeValue,
    u64,
    parse_size,
    SIZE_HELP,
    "Size",
    "^[0-9][0-9_]*(\\.[0-9]+)?\\s*(B|KB|kB|MB|GB|KiB|MiB|GiB)$"
);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandwidthValue(pub f64);
text_value!(
    BandwidthValue,
    f64,
    parse_bandwidth,
    BANDWIDTH_HELP,
    "Bandwidth",
    "^[0-9][0-9_]*(\\.[0-9]+)?\\s*(bps|Kbps|kbps|Mbps|Gbps|Tbps)$"
);

/// Implements `Deserialize` for a float newtype with a range check.
macro_rules! number_value {
    ($name:ident, $check:expr, $help:literal, $schema:tt) => {
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct NumberVisitor;
                impl Visitor<'_> for NumberVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($help)
                    }
                    fn visit_f64<E: de::Error>(self, value: f64) -> Result<$name, E> {
                        let check: fn(f64) -> bool = $check;
                        if check(value) {
                            Ok($name(value))
                        } else {
                            Err(E::custom(format!("expected {}, got {}", $help, value)))
                        }
                    }
                    fn visit_i64<E: de::Error>(self, value: i64) -> Result<$name, E> {
                        self.visit_f64(value as f64)
                    }
                    fn visit_u64<E: de::Error>(self, value: u64) -> Result<$name, E> {
                        self.visit_f64(value as f64)
                    }
                }
                deserializer.deserialize_f64(NumberVisitor)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

/// A probability in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability(pub f64);
number_value!(
    Probability,
    |p| (0.0..=1.0).contains(&p),
    "a probability between 0 and 1",
    { "type": "number", "minimum": 0, "maximum": 1, "description": "a probability between 0 and 1" }
);

/// Workflows per second: positive and at most one billion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(pub f64);
number_value!(
    Rate,
    |r| r > 0.0 && r <= 1e9,
    "a rate in workflows per second, greater than 0 and at most 1e9",
    { "type": "number", "exclusiveMinimum": 0, "maximum": 1e9, "description": "workflows per second" }
);

/// A positive, finite real (coefficients of variation, Pareto shapes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Positive(pub f64);
number_value!(
    Positive,
    |x| x > 0.0 && x <= 1e6,
    "a number greater than 0 (and at most 1e6)",
    { "type": "number", "exclusiveMinimum": 0, "maximum": 1e6 }
);

/// A duration distribution: a plain duration (constant) or a table with one family key.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionValue(pub DurationDistribution);

const FAMILIES: &[&str] = &[
    "constant",
    "exponential",
    "uniform",
    "normal",
    "lognormal",
    "gamma",
    "pareto",
    "empirical",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalParameters {
    mean: DurationValue,
    sd: DurationValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalParameters {
    median: DurationValue,
    p99: DurationValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GammaParameters {
    mean: DurationValue,
    cv: Positive,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParetoParameters {
    scale: DurationValue,
    shape: Positive,
}

impl<'de> Deserialize<'de> for DistributionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DistributionVisitor)
    }
}

struct DistributionVisitor;

impl<'de> Visitor<'de> for DistributionVisitor {
    type Value = DistributionValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{DURATION_HELP}, or a table with exactly one of {}",
            FAMILIES.join(", ")
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse_duration(text)
            .map(|value| DistributionValue(DurationDistribution::Constant(value)))
            .map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use DurationDistribution::*;
        let Some(family) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "expected a table with exactly one of {}, got an empty table",
                FAMILIES.join(", ")
            )));
        };
        let distribution = match family.as_str() {
            "constant" => Constant(map.next_value::<DurationValue>()?.0),
            "exponential" => Exponential {
                mean: map.next_value::<DurationValue>()?.0,
            },
            "uniform" => {
                let [low, high] = map.next_value::<[DurationValue; 2]>()?;
                if low.0 > high.0 {
                    return Err(de::Error::custom(format!(
                        "uniform bounds must be [low, high] with low <= high, got [{}, {}]",
                        low.0, high.0
                    )));
                }
                Uniform {
                    low: low.0,
                    high: high.0,
                }
            }
            "normal" => {
                let p: NormalParameters = map.next_value()?;
                Normal {
                    mean: p.mean.0,
                    sd: p.sd.0,
                }
            }
            "lognormal" => {
                let p: LogNormalParameters = map.next_value()?;
                if p.median.0.is_zero() || p.p99.0 < p.median.0 {
                    return Err(de::Error::custom(format!(
                        "lognormal needs 0 < median <= p99, got median {} and p99 {}",
                        p.median.0, p.p99.0
                    )));
                }
                DurationDistribution::lognormal(p.median.0, p.p99.0)
            }
            "gamma" => {
                let p: GammaParameters = map.next_value()?;
                // Below this the shape 1/cv² is past what the sampler resolves (at 1e-154 it
                // overflows and every draw is 0); use a constant duration instead.
                if !(1e-6..=100.0).contains(&p.cv.0) {
                    return Err(de::Error::custom(format!(
                        "gamma needs a cv between 0.000001 and 100 (for less variation use a constant duration), got {:e}",
                        p.cv.0
                    )));
                }
                Gamma {
                    mean: p.mean.0,
                    cv: p.cv.0,
                }
            }
            "pareto" => {
                let p: ParetoParameters = map.next_value()?;
                if p.scale.0.is_zero() {
                    return Err(de::Error::custom("pareto needs a scale greater than 0"));
                }
                Pareto {
                    scale: p.scale.0,
                    shape: p.shape.0,
                }
            }
            "empirical" => {
                let values: Vec<DurationValue> = map.next_value()?;
                if values.is_empty() {
                    return Err(de::Error::custom("empirical needs at least one value"));
                }
                Empirical(values.into_iter().map(|v| v.0).collect())
            }
            other => return Err(de::Error::unknown_variant(other, FAMILIES)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution names exactly one family, got `{family}` and `{extra}`"
            )));
        }
        Ok(DistributionValue(distribution))
    }
}

impl JsonSchema for DistributionValue {
    fn schema_name() -> Cow<'static, str> {
        "DurationDistribution".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<DurationValue>();
        let positive = generator.subschema_for::<Positive>();
        let family = |name: &str, value: serde_json::Value| {
            json_schema!({
                "type": "object",
                "properties": { name: value },
                "required": [name],
                "additionalProperties": false
            })
        };
        let pair = |a: &str, a_schema: &Schema, b: &str, b_schema: &Schema| {
            serde_json::json!({
                "type": "object",
                "properties": { a: a_schema, b: b_schema },
                "required": [a, b],
                "additionalProperties": false
            })
        };
        let duration_json = serde_json::to_value(&duration).unwrap_or_default();
        json_schema!({
            "description": "a constant duration, or a table with exactly one distribution family",
            "oneOf": [
                duration,
                family("constant", duration_json.clone()),
                family("exponential", duration_json.clone()),
                family("uniform", serde_json::json!({ "type": "array", "items": duration, "minItems": 2, "maxItems": 2 })),
                family("normal", pair("mean", &duration, "sd", &duration)),
                family("lognormal", pair("median", &duration, "p99", &duration)),
                family("gamma", pair("mean", &duration, "cv", &positive)),
                family("pareto", pair("scale", &duration, "shape", &positive)),
                family("empirical", serde_json::json!({ "type": "array", "items": duration, "minItems": 1 })),
            ]
        })
    }
}
