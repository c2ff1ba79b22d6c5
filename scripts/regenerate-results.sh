#!/usr/bin/env bash
# Regenerate results/ from every bundled scenario: each scenario's default run, written to
# results/<scenario name>/. The output is deterministic, so a clean `git status` afterwards
# proves the committed results are what the code produces (CI checks exactly that).
#
#   scripts/regenerate-results.sh          # release build
#   scripts/regenerate-results.sh --dev    # reuse the test build (what CI does)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=(--release)
[ "${1:-}" = "--dev" ] && profile=()
cargo build "${profile[@]}" --quiet
binary=target/release/sagasim
[ "${1:-}" = "--dev" ] && binary=target/debug/sagasim
for scenario in scenarios/*.toml; do
  name=$(basename "$scenario" .toml)
  "$binary" run "$scenario" --out "results/$name" > /dev/null 2>&1 || {
    echo "failed: $scenario" >&2
    exit 1
  }
  echo "results/$name"
done
# The single point of failure the book means, for spof-revisited's comparison: one
# in-memory orchestrator, placed in the zone that goes down.
"$binary" run scenarios/spof-revisited.toml --set orchestrator.replicas=1 \
  --set orchestrator.journal=0ms --set 'orchestrator.zones=["a"]' \
  --out results/spof-revisited-single > /dev/null 2>&1 || {
  echo "failed: spof-revisited with one in-memory orchestrator" >&2
  exit 1
}
echo "results/spof-revisited-single"
# The slow provider with each resilience mechanism, and all three (the README's table).
scripts/slow-provider.sh "$binary" > /dev/null
echo "results/slow-provider-{deadline,breaker,shedding,all}"
# The main scenario publishing through a dual write and an outbox (the README's table).
scripts/commit-window.sh "$binary" > /dev/null
echo "results/order-placement-{dual-write,outbox}"
# The bundled sweep: orchestrator against choreography as load grows.
rm -rf results/load-sweep
"$binary" sweep scenarios/sweeps/load.toml --param workload.arrivals.poisson=25..300:25 \
  --replications 3 --out results/load-sweep > /dev/null 2>&1 || {
  echo "failed: the load sweep" >&2
  exit 1
}
echo "results/load-sweep"
# The bundled inverse-design question (its comment says what it asks).
"$binary" advise scenarios/advise-checkout.toml --slo 'p99<=300ms' --slo 'status>=99%' \
  --slo 'inconsistent<=0%' --out results/advise-checkout-advice > /dev/null 2>&1 || {
  echo "failed: the advise example" >&2
  exit 1
}
echo "results/advise-checkout-advice"
# Circulate: the orchestrator relaying each step's output against choreography passing it
# directly, as the outputs grow.
rm -rf results/circulate-sweep
"$binary" sweep scenarios/circulate-sequence.toml --param defaults.output=1MB,10MB,25MB,50MB,100MB \
  --out results/circulate-sweep > /dev/null 2>&1 || {
  echo "failed: the circulate sweep" >&2
  exit 1
}
echo "results/circulate-sweep"
# Circulate's fan-out and fan-in, over the size of the data that fans out or in.
for shape in fan-out fan-in; do
  rm -rf "results/circulate-$shape-sweep"
  "$binary" sweep "scenarios/circulate-$shape.toml" --param defaults.output=1MB,10MB,25MB,50MB,100MB \
    --out "results/circulate-$shape-sweep" > /dev/null 2>&1 || {
    echo "failed: the circulate $shape sweep" >&2
    exit 1
  }
  echo "results/circulate-$shape-sweep"
done
