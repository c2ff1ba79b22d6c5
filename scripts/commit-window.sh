#!/usr/bin/env bash
# A crash inside the commit–publish window: the main scenario (order placement behind
# brokers, inventory down for 5 s at 5m) with every service publishing its messages
# 100 ms after its commit, by a dual write and through an outbox, into
# results/order-placement-<publish>/; prints the README's table from their summary.csv
# and resilience.csv (results/order-placement/ publishes atomically: no window).
#
#   scripts/commit-window.sh [BINARY]      # default: target/release/sagasim
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/sagasim}
for publish in dual-write outbox; do
  "$binary" run scenarios/order-placement.toml --set "defaults.publish=$publish" \
    --set defaults.publish_delay=100ms --set defaults.relay_delay=100ms \
    --out "results/order-placement-$publish" > /dev/null 2>&1 || {
    echo "failed: order-placement with publish = $publish" >&2
    exit 1
  }
done
echo "| design | publish | completed | failed | stuck | inconsistent | lost after commit | duplicates from relay | duplicate effects |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for design in orchestrator choreography front-controller stamp-coupling stateless; do
  for publish in dual-write outbox; do
    folder=results/order-placement-$publish
    awk -F, -v design="$design" -v publish="$publish" '
      FNR == 1 { for (i = 1; i <= NF; i++) column[FILENAME, $i] = i; next }
      $1 != design { next }
      FILENAME ~ /summary/ {
        completed = $column[FILENAME, "completed"]; failed = $column[FILENAME, "failed"]
        stuck = $column[FILENAME, "stuck"]; inconsistent = $column[FILENAME, "inconsistent"]
        dup = $column[FILENAME, "duplicate_effects"]
      }
      FILENAME ~ /resilience/ {
        lost = $column[FILENAME, "lost_after_commit"]
        relayed = $column[FILENAME, "duplicates_from_relay"]
      }
      END {
        printf "| %s | %s | %d | %d | %d | %d | %d | %d | %d |\n", design, publish,
          completed, failed, stuck, inconsistent, lost, relayed, dup
      }' "$folder/summary.csv" "$folder/resilience.csv"
  done
done
