//! A JSON Schema (draft 2020-12) checker for the keywords sagasim's own schemas use, so the
//! tests need no validator crate (one took 59 crates to build). A keyword it does not know
//! fails the check loudly, so a schema that grows a new keyword cannot pass unchecked.

use serde_json::Value;

/// Every place where `instance` breaks `schema`, as "what at /json/pointer".
pub fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(schema, schema, instance, "", &mut found);
    found
}

/// Keywords that only describe (annotations): never a reason to reject.
const ANNOTATIONS: [&str; 6] = [
    "$schema",
    "title",
    "description",
    "format",
    "default",
    "$defs",
];

fn check(root: &Value, schema: &Value, instance: &Value, at: &str, found: &mut Vec<String>) {
    let Some(keywords) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            found.push(format!("nothing is allowed at {at}"));
        }
        return;
    };
    for (keyword, value) in keywords {
        match keyword.as_str() {
            "$ref" => check(root, resolve(root, value), instance, at, found),
            "type" => {
                let allowed: Vec<&str> = match value {
                    Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
                    other => other.as_str().into_iter().collect(),
                };
                if !allowed.iter().any(|kind| has_type(instance, kind)) {
                    found.push(format!("{instance} is not of type {allowed:?} at {at}"));
                }
            }
            "enum" => {
                if !value.as_array().is_some_and(|v| v.contains(instance)) {
                    found.push(format!("{instance} is not one of {value} at {at}"));
                }
            }
            "const" => {
                if value != instance {
                    found.push(format!("{instance} is not {value} at {at}"));
                }
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                if let (Some(bound), Some(number)) = (value.as_f64(), instance.as_f64()) {
                    let holds = match keyword.as_str() {
                        "minimum" => number >= bound,
                        "maximum" => number <= bound,
                        "exclusiveMinimum" => number > bound,
                        _ => number < bound,
                    };
                    if !holds {
                        found.push(format!("{number} breaks {keyword} {bound} at {at}"));
                    }
                }
            }
            "pattern" => {
                if let (Some(pattern), Some(text)) = (value.as_str(), instance.as_str())
                    && !matches_quantity_pattern(pattern, text)
                {
                    found.push(format!("{text:?} does not match {pattern} at {at}"));
                }
            }
            "items" => {
                // With `prefixItems`, `items` covers only the items after the prefix.
                let prefix = keywords
                    .get("prefixItems")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                for (index, item) in instance
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .skip(prefix)
                {
                    check(root, value, item, &format!("{at}/{index}"), found);
                }
            }
            "prefixItems" => {
                let items = instance.as_array().map(Vec::as_slice).unwrap_or_default();
                for (index, (item, schema)) in items
                    .iter()
                    .zip(value.as_array().into_iter().flatten())
                    .enumerate()
                {
                    check(root, schema, item, &format!("{at}/{index}"), found);
                }
            }
            "minItems" | "maxItems" => {
                if let (Some(bound), Some(items)) = (value.as_u64(), instance.as_array()) {
                    let count = items.len() as u64;
                    let holds = if keyword == "minItems" {
                        count >= bound
                    } else {
                        count <= bound
                    };
                    if !holds {
                        found.push(format!("{count} items break {keyword} {bound} at {at}"));
                    }
                }
            }
            "required" => {
                if let Some(object) = instance.as_object() {
                    for name in value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !object.contains_key(name) {
                            found.push(format!("{name:?} is required at {at}"));
                        }
                    }
                }
            }
            "properties" => {
                if let (Some(properties), Some(object)) = (value.as_object(), instance.as_object())
                {
                    for (name, property) in properties {
                        if let Some(member) = object.get(name) {
                            check(root, property, member, &format!("{at}/{name}"), found);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(object) = instance.as_object() {
                    let declared = keywords.get("properties").and_then(Value::as_object);
                    for (name, member) in object {
                        if declared.is_none_or(|d| !d.contains_key(name)) {
                            check(root, value, member, &format!("{at}/{name}"), found);
                        }
                    }
                }
            }
            "anyOf" | "oneOf" => {
                let branches = value.as_array().map(Vec::as_slice).unwrap_or_default();
                let passing = branches
                    .iter()
                    .filter(|branch| errors_under(root, branch, instance, at).is_empty())
                    .count();
                let holds = if keyword == "anyOf" {
                    passing >= 1
                } else {
                    passing == 1
                };
                if !holds {
                    found.push(format!("{passing} branches of {keyword} hold at {at}"));
                }
            }
            known if ANNOTATIONS.contains(&known) => {}
            unknown => panic!("the test's schema checker does not know `{unknown}` (at {at})"),
        }
    }
}

fn errors_under(root: &Value, schema: &Value, instance: &Value, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    check(root, schema, instance, at, &mut found);
    found
}

fn resolve<'a>(root: &'a Value, reference: &Value) -> &'a Value {
    let pointer = reference
        .as_str()
        .and_then(|r| r.strip_prefix('#'))
        .unwrap_or_else(|| panic!("only local references are supported: {reference}"));
    root.pointer(pointer)
        .unwrap_or_else(|| panic!("the reference {pointer} resolves to nothing"))
}

fn has_type(instance: &Value, kind: &str) -> bool {
    match kind {
        "null" => instance.is_null(),
        "boolean" => instance.is_boolean(),
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "number" => instance.is_number(),
        "integer" => instance.as_f64().is_some_and(|n| n.fract() == 0.0),
        other => panic!("unknown JSON Schema type {other}"),
    }
}

/// The one shape of `pattern` sagasim's schemas use: a quantity with a unit,
/// `^(0|)?[0-9][0-9_]*(\.[0-9]+)?\s*(unit|unit…)$`. Any other pattern fails the test.
fn matches_quantity_pattern(pattern: &str, text: &str) -> bool {
    let (zero_alone, body) = match pattern.strip_prefix("^(0|") {
        Some(rest) => (true, rest.strip_suffix(")$").expect("a closed group")),
        None => (
            false,
            pattern
                .strip_prefix('^')
                .and_then(|p| p.strip_suffix('$'))
                .unwrap_or(""),
        ),
    };
    let units = body
        .strip_prefix(r"[0-9][0-9_]*(\.[0-9]+)?\s*(")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("the test's schema checker does not know the pattern {pattern}"));
    if zero_alone && text == "0" {
        return true;
    }
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (whole, rest) = text.split_at(digits_end);
    if !whole.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let rest = match rest.strip_prefix('.') {
        Some(fraction) => {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if end == 0 {
                return false;
            }
            &fraction[end..]
        }
        None => rest,
    };
    let unit = rest.trim_start_matches(char::is_whitespace);
    units.split('|').any(|allowed| allowed == unit)
}

#[test]
fn the_checker_can_fail() {
    let schema = serde_json::json!({
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": { "type": "integer", "minimum": 1 },
            "d": { "type": "string", "pattern": r"^(0|[0-9][0-9_]*(\.[0-9]+)?\s*(ms|s))$" },
            "k": { "oneOf": [{ "const": "x" }, { "enum": ["y", "z"] }] }
        },
        "additionalProperties": false
    });
    assert!(
        errors(
            &schema,
            &serde_json::json!({ "a": 2, "d": "1.5 ms", "k": "z" })
        )
        .is_empty()
    );
    assert!(errors(&schema, &serde_json::json!({ "a": 2, "d": "0" })).is_empty());
    for broken in [
        serde_json::json!({}),
        serde_json::json!({ "a": 0 }),
        serde_json::json!({ "a": 1.5 }),
        serde_json::json!({ "a": 1, "d": "1.ms" }),
        serde_json::json!({ "a": 1, "d": "5 min" }),
        serde_json::json!({ "a": 1, "k": "w" }),
        serde_json::json!({ "a": 1, "extra": true }),
    ] {
        assert!(!errors(&schema, &broken).is_empty(), "{broken}");
    }
}
