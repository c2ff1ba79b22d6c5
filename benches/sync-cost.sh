#!/usr/bin/env bash
# What durable writes cost (issue 26): the main scenario run with and without --no-sync,
# in alternating pairs, each timed as wall-clock time (a sync waits for the disk, not the
# CPU). Prints the median of the pairs' differences and of the runs with sync.
#
#   benches/sync-cost.sh [PAIRS]     (default 21)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
pairs="${1:-21}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 - "$pairs" "$out" <<'PY'
import statistics, subprocess, sys, time
pairs, out = int(sys.argv[1]), sys.argv[2]
base = ["target/release/sagasim", "run", "scenarios/order-placement.toml", "--out", out + "/x", "-q"]
def timed(extra):
    start = time.perf_counter()
    subprocess.run(base + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start
timed([])  # warm the page cache
synced, differences = [], []
for i in range(pairs):
    order = [[], ["--no-sync"]] if i % 2 == 0 else [["--no-sync"], []]
    times = {tuple(extra): timed(extra) for extra in order}
    synced.append(times[()])
    differences.append(times[()] - times[("--no-sync",)])
median_run, median_cost = statistics.median(synced), statistics.median(differences)
print(f"{pairs} pairs: run with sync {median_run * 1000:.1f} ms (median), "
      f"sync costs {median_cost * 1000:.1f} ms (median of pair differences), "
      f"{100 * median_cost / median_run:.1f} % of the run")
PY
