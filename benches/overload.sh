#!/usr/bin/env bash
# Overload stays linear (DESIGN §8): order placement at 2,000 workflows/s (about 15 times
# what payment can serve), status polls every 500 ms, no warm-up, no drain, for 15, 30, 60
# and 120 s of simulated time. For each variant and length: CPU time (user + sys, median of
# RUNS runs, one core), events, workflows held at the end (stuck), peak RSS, and the growth
# of RSS per extra held workflow against the 15 s run.
#
#   benches/overload.sh             # RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
target="${CARGO_TARGET_DIR:-target}"
sagasim="${SAGASIM:-$target/release/sagasim}"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
[ -n "${SAGASIM:-}" ] || cargo build --release --quiet

printf '%-17s %6s %9s %11s %8s %9s %14s\n' variant sim_s cpu_s events held peak_MiB bytes_per_held
for variant in orchestrator choreography front-controller stamp-coupling stateless; do
  base_rss=""
  base_held=""
  for seconds in 15 30 60 120; do
    out="$target/bench-overload/$variant-$seconds"
    line=$(python3 benches/measure.py "$runs" -- "${pin[@]}" "$sagasim" run scenarios/order-placement.toml \
      --variants "$variant" --jobs 1 --no-charts --out "$out" --set workload.arrivals.poisson=2000 \
      --set scenario.duration="${seconds}s" --set scenario.warmup=0s --set scenario.drain=0s ::: true)
    python3 - "$line" "$out/summary.csv" "$variant" "$seconds" "$base_rss" "$base_held" <<'PY'
import csv, json, sys
measured = json.loads(sys.argv[1])
row = next(csv.DictReader(open(sys.argv[2])))
rss, held = measured["a_peak_rss_mib"], int(row["stuck"])
per_held = "-"
if sys.argv[5]:
    per_held = "%.0f" % ((rss - float(sys.argv[5])) * 2**20 / max(held - int(sys.argv[6]), 1))
print("%-17s %6s %9.3f %11s %8d %9.1f %14s" % (sys.argv[3], sys.argv[4],
      measured["a_cpu_s"]["median"], row["events"], held, rss, per_held))
PY
    if [ -z "$base_rss" ]; then
      base_rss=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["a_peak_rss_mib"])' "$line")
      base_held=$(python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))["stuck"])' "$out/summary.csv")
    fi
  done
done
