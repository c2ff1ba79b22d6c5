#!/usr/bin/env bash
# The slow payment provider (scenarios/slow-provider.toml) with each resilience mechanism
# and with all three: runs it four more times into results/slow-provider-<mechanism>/
# (results/slow-provider/ is the scenario as written, without them) and prints the
# README's table from their summary.csv and resilience.csv.
#
#   scripts/slow-provider.sh [BINARY]      # default: target/release/sagasim
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/sagasim}
deadline=(--set policy.deadline=2s)
breaker=(--set 'policy.breaker={ failure_rate = 0.5, window = 20, min_calls = 10, open = "5s", half_open = 3 }')
shedding=(--set defaults.overflow=reject)
run() {
  local name=$1
  shift
  "$binary" run scenarios/slow-provider.toml "$@" --out "results/slow-provider-$name" \
    > /dev/null 2>&1 || {
    echo "failed: slow-provider with $name" >&2
    exit 1
  }
}
[ -d results/slow-provider ] || "$binary" run scenarios/slow-provider.toml \
  --out results/slow-provider > /dev/null 2>&1
run deadline "${deadline[@]}"
run breaker "${breaker[@]}"
run shedding "${shedding[@]}"
run all "${deadline[@]}" "${breaker[@]}" "${shedding[@]}"
echo "| design | mechanism | completed | failed | stuck | inconsistent | answer p99 ms | wasted worker-s | dup effects | fast failures |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for design in orchestrator choreography front-controller stamp-coupling stateless; do
  for mechanism in none deadline breaker shedding all; do
    folder=results/slow-provider
    [ "$mechanism" = none ] || folder="$folder-$mechanism"
    awk -F, -v design="$design" -v mechanism="$mechanism" '
      FNR == 1 { for (i = 1; i <= NF; i++) column[FILENAME, $i] = i; next }
      $1 != design { next }
      FILENAME ~ /summary/ {
        completed = $column[FILENAME, "completed"]; failed = $column[FILENAME, "failed"]
        stuck = $column[FILENAME, "stuck"]; inconsistent = $column[FILENAME, "inconsistent"]
        p99 = $column[FILENAME, "answer_p99_ms"]; dup = $column[FILENAME, "duplicate_effects"]
      }
      FILENAME ~ /resilience/ {
        wasted = $column[FILENAME, "wasted_worker_s"]; fast = $column[FILENAME, "fast_failures"]
      }
      END {
        printf "| %s | %s | %d | %d | %d | %d | %.0f | %.1f | %d | %d |\n", design, mechanism,
          completed, failed, stuck, inconsistent, p99, wasted, dup, fast
      }' "$folder/summary.csv" "$folder/resilience.csv"
  done
done
