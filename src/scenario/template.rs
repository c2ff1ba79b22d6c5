//! `sagasim init`: a commented starter scenario, ready to run and to edit. Every key it
//! writes is explained where it stands; optional sections are shown commented out.

use crate::coordination::{Design, PATTERNS, communication_label, consistency_label};

use super::suggest::closest;

const STYLES: &str =
    r#"["orchestrator", "choreography", "front-controller", "stamp-coupling", "stateless"]"#;

/// The starter scenario. `design` (a style, a pattern, or `patterns`) becomes the one
/// design to run; without it, the five coordination styles are compared.
pub fn starter_scenario(design: Option<&str>) -> Result<String, String> {
    let (variants, about) = match design {
        None => (
            STYLES.to_string(),
            "the five coordination styles, side by side".to_string(),
        ),
        Some(name) => {
            let known = Design::predefined_names();
            if !known.contains(&name) {
                let hint = closest(name, known.iter().copied())
                    .map_or(String::new(), |close| format!("; did you mean `{close}`?"));
                return Err(format!(
                    "unknown design `{name}`; expected one of {}{hint}",
                    known.join(", ")
                ));
            }
            let about = match PATTERNS.iter().find(|p| p.name == name) {
                Some(pattern) => format!(
                    "the {} saga pattern ({} coordination, {} communication, {} consistency)",
                    pattern.name,
                    pattern.coordination.name(),
                    communication_label(pattern.communication),
                    consistency_label(pattern.consistency),
                ),
                None if name == "patterns" => "the book's eight saga patterns".to_string(),
                None => format!("the {name} coordination style"),
            };
            (format!("[\"{name}\"]"), about)
        }
    };
    Ok(TEMPLATE
        .replace("{variants}", &variants)
        .replace("{about}", &about))
}

const TEMPLATE: &str = r#"# A starter scenario, written by `sagasim init`: a three-step saga (order → payment →
# shipping), run under {about}.
#
#   sagasim check scenario.toml   # validate, and see each design's message flow
#   sagasim run scenario.toml     # simulate; the comparison, CSV, charts and report.md
#
# Durations take units (250us, 5ms, 1.5s, 2m, 1h); sizes too (512B, 4KiB, 1MB). A cost is a
# duration or a distribution: { exponential = "5ms" }, { uniform = ["1ms", "9ms"] },
# { normal = { mean = "10ms", sd = "2ms" } }, { lognormal = { median = "20ms", p99 = "200ms" } },
# { gamma = { mean = "10ms", cv = 0.5 } }, { pareto = { scale = "2ms", shape = 2.5 } },
# { empirical = ["3ms", "4ms", "40ms"] }. `sagasim schema` gives editors the whole format.

[scenario]
name = "starter"
seed = 1                  # every random draw derives from it: same seed, same results
duration = "5m"           # arrivals stop after this much simulated time
drain = "1m"              # in-flight workflows then get this long to finish; the rest are stuck
warmup = "30s"            # workflows started earlier are simulated but not measured
variants = {variants}
# communication = "sync"  # blocking calls (default async: fire and forget)
# consistency = "eventual" # answer the client after the first step (default atomic)
# replications = 5        # independent runs: means, 95 % intervals, paired differences

[workload]
arrivals = { poisson = 20 }            # workflows per second ({ constant = 20 } spaces them evenly)
status_queries = { every = "1s" }      # the client polls each workflow in flight this often
# timeout = "30s"                      # the client gives up on a workflow after this

[network]
latency = { lognormal = { median = "2ms", p99 = "15ms" } }
bandwidth = "1Gbps"       # transfer time = size ÷ bandwidth, added to the latency
# delivery = "broker"     # durable queues: messages wait out crashes and partitions
# loss = 0.001            # probability that a message is lost (direct delivery)

[messages]
base = "1KiB"             # every message
state_per_step = "2KiB"   # stamp coupling: each completed step adds this to the message

[orchestrator]            # used by orchestrated designs only
workers = 4
work = "300us"            # deciding the next command
journal = "1ms"           # durable write per state transition ("0ms": state in memory only)

[defaults]                # every service, unless it says otherwise
workers = 4
queue = 10000             # messages waiting beyond this are rejected
query = "200us"           # answering one status query
progress = "100us"        # front controller: applying one progress update

[[services]]
name = "order"
work = { exponential = "5ms" }
compensate = "3ms"

[[services]]
name = "payment"
work = { lognormal = { median = "20ms", p99 = "120ms" } }
compensate = "10ms"
fail = 0.02               # a business failure → the steps before are compensated

[[services]]
name = "shipping"
work = { exponential = "10ms" }
compensate = "5ms"

[workflow]
steps = ["order", "payment", "shipping"]

# Timeouts and retries, for whoever waits for an answer:
# [policy]
# timeout = "2s"
# retries = 3
# backoff = "100ms"
# multiplier = 2.0
# max_backoff = "5s"
# jitter = true

# Faults: a crash, a partition, a slowdown (or random crashes with mtbf/mttr):
# [[faults]]
# crash = "payment"
# at = "2m"
# for = "30s"
"#;
