//! `--set KEY=VALUE` (and `sweep --param`): overriding any scenario key by its dotted path
//! before the scenario is read. Services, and any array of named tables, are addressed by
//! name (`services.payment.fail`); other arrays by 0-based index (`network.links.0.latency`).

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// One parsed `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The dotted key.
    pub key: String,
    /// The value, as typed.
    pub value: String,
}

impl Override {
    /// Parse `KEY=VALUE`; the value is TOML (`0.05`, `"5ms"`, `{ exponential = "5ms" }`) or,
    /// if it does not parse as TOML, a bare string (`5ms`).
    pub fn parse(flag: &str) -> Result<Override, String> {
        let expected =
            "expected KEY=VALUE, like services.payment.fail=0.05 or workload.arrivals.poisson=80";
        let (key, value) = flag
            .split_once('=')
            .ok_or_else(|| format!("{expected}, got `{flag}`"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|segment| segment.trim().is_empty()) {
            return Err(format!("{expected}; the key `{key}` has an empty part"));
        }
        Ok(Override {
            key: key.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// The flag as the user wrote it.
    pub fn flag(&self) -> String {
        format!("{}={}", self.key, self.value)
    }
}

/// Set `item.key` to `item.value` in `root`; every span of the new value is `span`, so
/// later errors about it point at the flag.
pub fn apply<'i>(
    root: &mut DeTable<'i>,
    item: &'i Override,
    span: Range<usize>,
) -> Result<(), String> {
    let mut value = parse_value(&item.value);
    respan(&mut value, &span);
    let segments: Vec<&'i str> = item.key.split('.').map(str::trim).collect();
    let (last, parents) = segments.split_last().expect("keys have at least one part");
    let mut document = DeValue::Table(std::mem::take(root));
    let result = set_in(&mut document, parents, last, value, &span);
    if let DeValue::Table(table) = document {
        *root = table;
    }
    result
}

fn set_in<'i>(
    document: &mut DeValue<'i>,
    parents: &[&'i str],
    last: &'i str,
    value: Spanned<DeValue<'i>>,
    span: &Range<usize>,
) -> Result<(), String> {
    let mut node = document;
    let mut path = String::new();
    for (depth, segment) in parents.iter().enumerate() {
        node = match node {
            DeValue::Table(table) => {
                if !table.contains_key(*segment) {
                    // A missing table can be created; a missing array cannot be indexed.
                    let next = parents.get(depth + 1).copied().unwrap_or(last);
                    if next.parse::<usize>().is_ok() {
                        let missing = if path.is_empty() {
                            segment.to_string()
                        } else {
                            format!("{path}.{segment}")
                        };
                        return Err(format!(
                            "`{missing}` is not in the scenario, so it has no element {next}; define it in the file first"
                        ));
                    }
                    let key = Spanned::new(span.clone(), Cow::Borrowed(*segment));
                    table.insert(
                        key,
                        Spanned::new(span.clone(), DeValue::Table(DeTable::new())),
                    );
                }
                table.get_mut(*segment).expect("just ensured").get_mut()
            }
            DeValue::Array(items) => element(items, segment, &path)?,
            other => {
                let kind = other.type_str();
                return Err(format!(
                    "`{path}` is a {kind}, not a table: cannot set `{segment}` inside it"
                ));
            }
        };
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(segment);
    }
    match node {
        DeValue::Table(table) => {
            table.insert(Spanned::new(span.clone(), Cow::Borrowed(last)), value);
            Ok(())
        }
        DeValue::Array(_) => Err(format!(
            "`{path}` is an array: set a key of one element, like `{path}.NAME.KEY`"
        )),
        other => Err(format!(
            "`{path}` is a {}, not a table: cannot set `{last}` inside it",
            other.type_str()
        )),
    }
}

/// The element of an array of tables named by `segment`: its `name`, or a 0-based index.
fn element<'a, 'i>(
    items: &'a mut DeArray<'i>,
    segment: &str,
    path: &str,
) -> Result<&'a mut DeValue<'i>, String> {
    let name_of = |item: &Spanned<DeValue<'i>>| match item.get_ref() {
        DeValue::Table(table) => table
            .get("name")
            .and_then(|name| name.get_ref().as_str().map(str::to_string)),
        _ => None,
    };
    let position = match segment.parse::<usize>() {
        Ok(index) if index < items.len() => Some(index),
        Ok(index) => {
            return Err(format!(
                "`{path}` has {} elements; there is no element {index}",
                items.len()
            ));
        }
        Err(_) => items
            .iter()
            .position(|item| name_of(item).as_deref() == Some(segment)),
    };
    let Some(position) = position else {
        let names: Vec<String> = items.iter().filter_map(name_of).collect();
        return Err(format!(
            "`{path}` has no element named `{segment}`; the names are: {}",
            names.join(", ")
        ));
    };
    Ok(items.as_mut()[position].get_mut())
}

fn parse_value(text: &str) -> Spanned<DeValue<'_>> {
    match DeValue::parse(text) {
        Ok(value) => value,
        Err(_) => Spanned::new(0..text.len(), DeValue::String(Cow::Borrowed(text))),
    }
}

fn respan(value: &mut Spanned<DeValue<'_>>, span: &Range<usize>) {
    let inner = std::mem::replace(value.get_mut(), DeValue::Boolean(false));
    let mut inner = inner;
    match &mut inner {
        DeValue::Array(items) => items.iter_mut().for_each(|item| respan(item, span)),
        DeValue::Table(table) => {
            let entries: Vec<_> = std::mem::take(table).into_iter().collect();
            for (key, mut item) in entries {
                respan(&mut item, span);
                table.insert(Spanned::new(span.clone(), key.into_inner()), item);
            }
        }
        _ => {}
    }
    *value = Spanned::new(span.clone(), inner);
}
