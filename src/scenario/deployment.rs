//! A component's deployment keys validated: `replicas`, `balance`, `detect`, `zones` and
//! `failover`, from the component's table or `[defaults]`; and the zones every component
//! is placed in, collected in the order the scenario names them.

use toml::Spanned;

use crate::engine::SimDuration;
use crate::model::{Autoscale, Balance, Deployment, MAX_REPLICAS, Overflow};

use super::error::{ScenarioError, Source};
use super::raw::{RawAutoscale, RawBalance, RawDefaults, RawOrchestrator, RawOverflow, RawService};
use super::values::DurationValue;

/// Most distinct zones a scenario may name.
const MAX_ZONES: usize = 64;

/// The deployment keys of one table, as written.
#[derive(Clone, Copy)]
pub(super) struct RawDeployment<'a> {
    replicas: &'a Option<Spanned<u32>>,
    balance: Option<RawBalance>,
    detect: Option<DurationValue>,
    zones: &'a Option<Spanned<Vec<Spanned<String>>>>,
    failover: Option<DurationValue>,
    autoscale: &'a Option<Spanned<RawAutoscale>>,
    overflow: Option<RawOverflow>,
}

/// The three tables that take deployment keys hold them as fields of their own (serde's
/// `flatten` does not mix with `deny_unknown_fields`): one conversion serves them all.
macro_rules! raw_deployment_of {
    ($($table:ty),*) => {$(
        impl<'a> From<&'a $table> for RawDeployment<'a> {
            fn from(raw: &'a $table) -> Self {
                RawDeployment {
                    replicas: &raw.replicas,
                    balance: raw.balance,
                    detect: raw.detect,
                    zones: &raw.zones,
                    failover: raw.failover,
                    autoscale: &raw.autoscale,
                    overflow: raw.overflow,
                }
            }
        }
    )*};
}

raw_deployment_of!(RawService, RawOrchestrator, RawDefaults);

/// The deployment of the component whose table is `own` (keys under `prefix`, such as
/// `services[2]`), falling back on `[defaults]`; new zone names join `zones`.
pub(super) fn deployment(
    source: &Source<'_>,
    prefix: &str,
    own: RawDeployment<'_>,
    defaults: Option<&RawDefaults>,
    zones: &mut Vec<String>,
) -> Result<Deployment, ScenarioError> {
    let defaults = defaults.map(RawDeployment::from);
    let single = Deployment::single();
    let (replicas_key, replicas) = match (own.replicas, defaults.and_then(|d| d.replicas.as_ref()))
    {
        (Some(value), _) => (format!("{prefix}.replicas"), Some(value)),
        (None, Some(value)) => ("defaults.replicas".to_string(), Some(value)),
        (None, None) => (String::new(), None),
    };
    let replicas = match replicas {
        None => single.replicas,
        Some(value) if (1..=MAX_REPLICAS).contains(value.get_ref()) => *value.get_ref(),
        Some(value) => {
            return Err(source.error(
                Some(value.span()),
                replicas_key,
                format!(
                    "expected between 1 and {MAX_REPLICAS} replicas, got {}",
                    value.get_ref()
                ),
            ));
        }
    };
    let balance = match own.balance.or(defaults.and_then(|d| d.balance)) {
        None => single.balance,
        Some(RawBalance::RoundRobin) => Balance::RoundRobin,
        Some(RawBalance::Random) => Balance::Random,
        Some(RawBalance::LeastOutstanding) => Balance::LeastOutstanding,
        Some(RawBalance::PowerOfTwo) => Balance::PowerOfTwo,
    };
    let detect = own
        .detect
        .or(defaults.and_then(|d| d.detect))
        .map_or(single.detect, |d| d.0);
    let failover = own
        .failover
        .or(defaults.and_then(|d| d.failover))
        .map_or(single.failover, |d| d.0);
    let (zones_key, names) = match (own.zones, defaults.and_then(|d| d.zones.as_ref())) {
        (Some(names), _) => (format!("{prefix}.zones"), Some(names)),
        (None, Some(names)) => ("defaults.zones".to_string(), Some(names)),
        (None, None) => (String::new(), None),
    };
    let mut placed = Vec::new();
    if let Some(names) = names {
        if names.get_ref().is_empty() {
            return Err(source.error(
                Some(names.span()),
                zones_key,
                "expected at least one zone name (or leave `zones` out)",
            ));
        }
        for (index, name) in names.get_ref().iter().enumerate() {
            let text = name.get_ref();
            let plain = !text.is_empty()
                && text.chars().count() <= 40
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !plain {
                return Err(source.error(
                    Some(name.span()),
                    format!("{zones_key}[{index}]"),
                    format!(
                        "expected a zone name of at most 40 letters, digits, `-`, `_` and `.`, got {:?}",
                        text.chars().take(60).collect::<String>()
                    ),
                ));
            }
            let zone = match zones.iter().position(|z| z == text) {
                Some(position) => position,
                None if zones.len() < MAX_ZONES => {
                    zones.push(text.clone());
                    zones.len() - 1
                }
                None => {
                    return Err(source.error(
                        Some(name.span()),
                        format!("{zones_key}[{index}]"),
                        format!("expected at most {MAX_ZONES} distinct zones in a scenario"),
                    ));
                }
            };
            let zone = u16::try_from(zone).expect("at most 64 zones");
            if placed.contains(&zone) {
                return Err(source.error(
                    Some(name.span()),
                    format!("{zones_key}[{index}]"),
                    format!("zone \"{text}\" is named twice"),
                ));
            }
            placed.push(zone);
        }
    }
    let (autoscale_key, raw_autoscale) =
        match (own.autoscale, defaults.and_then(|d| d.autoscale.as_ref())) {
            (Some(value), _) => (format!("{prefix}.autoscale"), Some(value)),
            (None, Some(value)) => ("defaults.autoscale".to_string(), Some(value)),
            (None, None) => (String::new(), None),
        };
    let autoscale = match raw_autoscale {
        None => None,
        Some(spanned) => Some(autoscale(
            source,
            &autoscale_key,
            spanned,
            own.replicas,
            replicas,
        )?),
    };
    // Without its own `replicas`, an autoscaled component starts at its minimum.
    let replicas = match (
        autoscale,
        own.replicas,
        defaults.and_then(|d| d.replicas.as_ref()),
    ) {
        (Some(a), None, None) => a.min,
        _ => replicas,
    };
    let overflow =
        own.overflow
            .or(defaults.and_then(|d| d.overflow))
            .map(|overflow| match overflow {
                RawOverflow::Drop => Overflow::Drop,
                RawOverflow::Reject => Overflow::Reject,
            });
    Ok(Deployment {
        replicas,
        balance,
        detect,
        zones: placed,
        failover,
        autoscale,
        overflow,
    })
}

/// An `autoscale` table validated against the starting `replicas`.
fn autoscale(
    source: &Source<'_>,
    key: &str,
    spanned: &Spanned<RawAutoscale>,
    replicas_value: &Option<Spanned<u32>>,
    replicas: u32,
) -> Result<Autoscale, ScenarioError> {
    let raw = spanned.get_ref();
    let count = |field: &str, value: &Option<Spanned<u32>>, default: u32| match value {
        None => Ok(default),
        Some(v) if (1..=MAX_REPLICAS).contains(v.get_ref()) => Ok(*v.get_ref()),
        Some(v) => Err(source.error(
            Some(v.span()),
            format!("{key}.{field}"),
            format!(
                "expected between 1 and {MAX_REPLICAS} replicas, got {}",
                v.get_ref()
            ),
        )),
    };
    let min = count("min", &raw.min, 1)?;
    let max = count("max", &raw.max, 10.max(min))?;
    if min > max {
        let span = raw.min.as_ref().map(Spanned::span);
        return Err(source.error(
            span.or(Some(spanned.span())),
            format!("{key}.min"),
            format!("expected a minimum no greater than the maximum ({max}), got {min}"),
        ));
    }
    if let Some(value) = replicas_value
        && !(min..=max).contains(&replicas)
    {
        return Err(source.error(
            Some(value.span()),
            key.replace("autoscale", "replicas"),
            format!("expected a starting count between the autoscaler's min ({min}) and max ({max}), got {replicas}"),
        ));
    }
    let target = match &raw.target {
        None => 0.6,
        Some(v) if *v.get_ref() > 0.0 && *v.get_ref() <= 1.0 => *v.get_ref(),
        Some(v) => {
            return Err(source.error(
                Some(v.span()),
                format!("{key}.target"),
                format!(
                    "expected a utilisation target in (0, 1], got {}",
                    v.get_ref()
                ),
            ));
        }
    };
    let every = match &raw.every {
        None => SimDuration::from_secs(15),
        Some(v) if !v.get_ref().0.is_zero() => v.get_ref().0,
        Some(v) => {
            return Err(source.error(
                Some(v.span()),
                format!("{key}.every"),
                "expected a decision interval greater than 0",
            ));
        }
    };
    Ok(Autoscale {
        min,
        max,
        target,
        every,
        startup: raw.startup.map_or(SimDuration::from_secs(30), |d| d.0),
        cooldown: raw.cooldown.map_or(SimDuration::from_secs(300), |d| d.0),
    })
}
