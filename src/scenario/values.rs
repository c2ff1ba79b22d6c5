//! Serde types for the scenario's scalar values: each parses and range-checks itself, so a
//! deserialization error already names the key (via the path) and what was expected.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

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

/// A rate in a load profile: like `Rate`, but 0 is allowed (a pause).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileRate(pub f64);
number_value!(
    ProfileRate,
    |r| (0.0..=1e9).contains(&r),
    "a rate in workflows per second, from 0 to 1e9",
    { "type": "number", "minimum": 0, "maximum": 1e9, "description": "workflows per second" }
);

/// A count of workers: a whole number from 1 to 1,000,000 (a type error names the same
/// range, not `u32`'s, which would offer 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkerCount(pub f64);
number_value!(
    WorkerCount,
    |x| (1.0..=1e6).contains(&x) && x.fract() == 0.0,
    "a whole number of workers from 1 to 1000000",
    { "type": "integer", "minimum": 1, "maximum": 1000000 }
);

impl WorkerCount {
    /// The count, checked whole and in range when read.
    pub fn get(self) -> u32 {
        self.0 as u32
    }
}

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

/// What a distribution's parameters measure: durations (work, latency) or sizes (a step's
/// output). Sizes are held as a `DurationDistribution` whose nanoseconds count bytes, so
/// that both share one sampler.
trait Quantity {
    /// One parameter, as written.
    type Value: for<'de> Deserialize<'de>;
    /// What a plain value is, for messages.
    const HELP: &'static str;
    /// What one value is called: `duration` or `size`.
    const NOUN: &'static str;
    /// A parameter as the sampler's unit.
    fn amount(value: Self::Value) -> SimDuration;
    /// A plain value (a constant distribution).
    fn parse(text: &str) -> Result<SimDuration, String>;
    /// An amount, for messages.
    fn show(amount: SimDuration) -> String;
}

struct Durations;

impl Quantity for Durations {
    type Value = DurationValue;
    const HELP: &'static str = DURATION_HELP;
    const NOUN: &'static str = "duration";
    fn amount(value: DurationValue) -> SimDuration {
        value.0
    }
    fn parse(text: &str) -> Result<SimDuration, String> {
        parse_duration(text)
    }
    fn show(amount: SimDuration) -> String {
        amount.to_string()
    }
}

struct Sizes;

impl Quantity for Sizes {
    type Value = SizeValue;
    const HELP: &'static str = SIZE_HELP;
    const NOUN: &'static str = "size";
    fn amount(value: SizeValue) -> SimDuration {
        SimDuration::from_nanos(value.0)
    }
    fn parse(text: &str) -> Result<SimDuration, String> {
        parse_size(text).map(SimDuration::from_nanos)
    }
    fn show(amount: SimDuration) -> String {
        format!("{}B", amount.as_nanos())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound = "V: Deserialize<'de>")]
struct NormalParameters<V> {
    mean: V,
    sd: V,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound = "V: Deserialize<'de>")]
struct LogNormalParameters<V> {
    median: V,
    p99: V,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound = "V: Deserialize<'de>")]
struct GammaParameters<V> {
    mean: V,
    cv: Positive,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound = "V: Deserialize<'de>")]
struct ParetoParameters<V> {
    scale: V,
    shape: Positive,
}

impl<'de> Deserialize<'de> for DistributionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(DistributionVisitor::<Durations>(PhantomData))
            .map(DistributionValue)
    }
}

/// A size distribution: a plain size (constant) or a table with one family key, its
/// parameters sizes (`{ exponential = "10MB" }`). Held in a `DurationDistribution` whose
/// nanoseconds count bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeDistributionValue(pub DurationDistribution);

impl<'de> Deserialize<'de> for SizeDistributionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(DistributionVisitor::<Sizes>(PhantomData))
            .map(SizeDistributionValue)
    }
}

struct DistributionVisitor<Q>(PhantomData<Q>);

impl<'de, Q: Quantity> Visitor<'de> for DistributionVisitor<Q> {
    type Value = DurationDistribution;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, or a table with exactly one of {}",
            Q::HELP,
            FAMILIES.join(", ")
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Q::parse(text)
            .map(DurationDistribution::Constant)
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
            "constant" => Constant(Q::amount(map.next_value::<Q::Value>()?)),
            "exponential" => Exponential {
                mean: Q::amount(map.next_value::<Q::Value>()?),
            },
            "uniform" => {
                let [low, high] = map.next_value::<[Q::Value; 2]>()?;
                let (low, high) = (Q::amount(low), Q::amount(high));
                if low > high {
                    return Err(de::Error::custom(format!(
                        "uniform bounds must be [low, high] with low <= high, got [{}, {}]",
                        Q::show(low),
                        Q::show(high)
                    )));
                }
                Uniform { low, high }
            }
            "normal" => {
                let p: NormalParameters<Q::Value> = map.next_value()?;
                Normal {
                    mean: Q::amount(p.mean),
                    sd: Q::amount(p.sd),
                }
            }
            "lognormal" => {
                let p: LogNormalParameters<Q::Value> = map.next_value()?;
                let (median, p99) = (Q::amount(p.median), Q::amount(p.p99));
                if median.is_zero() || p99 < median {
                    return Err(de::Error::custom(format!(
                        "lognormal needs 0 < median <= p99, got median {} and p99 {}",
                        Q::show(median),
                        Q::show(p99)
                    )));
                }
                DurationDistribution::lognormal(median, p99)
            }
            "gamma" => {
                let p: GammaParameters<Q::Value> = map.next_value()?;
                // Below this the shape 1/cv² is past what the sampler resolves (at 1e-154 it
                // overflows and every draw is 0); use a constant instead.
                if !(1e-6..=100.0).contains(&p.cv.0) {
                    return Err(de::Error::custom(format!(
                        "gamma needs a cv between 0.000001 and 100 (for less variation use a constant {}), got {:e}",
                        Q::NOUN,
                        p.cv.0
                    )));
                }
                Gamma {
                    mean: Q::amount(p.mean),
                    cv: p.cv.0,
                }
            }
            "pareto" => {
                let p: ParetoParameters<Q::Value> = map.next_value()?;
                let scale = Q::amount(p.scale);
                if scale.is_zero() {
                    return Err(de::Error::custom("pareto needs a scale greater than 0"));
                }
                if p.shape.0 <= 1.0 {
                    return Err(de::Error::custom(format!(
                        "pareto needs a shape greater than 1: with shape ≤ 1 its mean is \
                         infinite, so no mean or percentile of the run converges (and with \
                         shape ≤ 2 its variance is infinite: percentiles converge slowly), \
                         got {}",
                        p.shape.0
                    )));
                }
                Pareto {
                    scale,
                    shape: p.shape.0,
                }
            }
            "empirical" => {
                let values: Vec<Q::Value> = map.next_value()?;
                if values.is_empty() {
                    return Err(de::Error::custom("empirical needs at least one value"));
                }
                Empirical(values.into_iter().map(Q::amount).collect())
            }
            other => return Err(de::Error::unknown_variant(other, FAMILIES)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution names exactly one family, got `{family}` and `{extra}`"
            )));
        }
        Ok(distribution)
    }
}

impl JsonSchema for DistributionValue {
    fn schema_name() -> Cow<'static, str> {
        "DurationDistribution".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<DurationValue>();
        distribution_schema(
            generator,
            duration,
            "a constant duration, or a table with exactly one distribution family",
        )
    }
}

impl JsonSchema for SizeDistributionValue {
    fn schema_name() -> Cow<'static, str> {
        "SizeDistribution".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let size = generator.subschema_for::<SizeValue>();
        distribution_schema(
            generator,
            size,
            "a constant size, or a table with exactly one distribution family of sizes",
        )
    }
}

/// A distribution's schema, its parameters of the `quantity` schema.
fn distribution_schema(
    generator: &mut SchemaGenerator,
    duration: Schema,
    description: &str,
) -> Schema {
    let positive = generator.subschema_for::<Positive>();
    // Above 1: the mean exists (the validation refuses less, naming why).
    let pareto_shape = json_schema!({ "type": "number", "exclusiveMinimum": 1, "maximum": 1e6 });
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
        "description": description,
        "oneOf": [
            duration,
            family("constant", duration_json.clone()),
            family("exponential", duration_json.clone()),
            family("uniform", serde_json::json!({ "type": "array", "items": duration, "minItems": 2, "maxItems": 2 })),
            family("normal", pair("mean", &duration, "sd", &duration)),
            family("lognormal", pair("median", &duration, "p99", &duration)),
            family("gamma", pair("mean", &duration, "cv", &positive)),
            family("pareto", pair("scale", &duration, "shape", &pareto_shape)),
            family("empirical", serde_json::json!({ "type": "array", "items": duration, "minItems": 1 })),
        ]
    })
}
