#!/usr/bin/env bash
# sagasim against SimPy on the same M/M/1 model (DESIGN §8): arrival rate 0.9/s, service
# rate 1/s, 1,000,000 customers, one core; then sagasim against the hand-specialised limit
# (benches/limit.rs), and sagasim's peak memory at 1 M and 10 M workflows.
#
#   benches/compare-simpy.sh            # needs python3; installs SimPy 4.1.2 into target/
#   PAIRS=7 benches/compare-simpy.sh    # more pairs (default 5)
#
# Every figure is CPU time (user + sys), in alternating pairs (sagasim, SimPy, sagasim, ...)
# so that drift on a shared machine hits both sides; the ratio is taken per pair, and the
# median, min and max over the pairs are printed. Quote the medians.
#   whole process: `sagasim run` (start-up, parsing, simulation, CSV files and charts)
#                  against `python simpy_queues.py mm1` (start-up, import, run, report);
#   loop:          sagasim's simulation loop (benches/limit.rs, in process) against SimPy's
#                  model set-up and env.run() (benches/simpy_loop.py).
set -euo pipefail
cd "$(dirname "$0")/.."
peers="${PEERS:-../shared/peers}"
venv="${VENV:-target/simpy-venv}"
pairs="${PAIRS:-5}"
target="${CARGO_TARGET_DIR:-target}"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import simpy' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$peers/requirements.txt"
fi
cargo build --release --quiet
cargo bench --bench limit --no-run --quiet 2>/dev/null
limit=(cargo bench --quiet --bench limit --)
# SAGASIM and LIMIT name other builds (say, a copy of the previous commit's) to compare.
[ -n "${LIMIT:-}" ] && limit=("$LIMIT")
sagasim="${SAGASIM:-$target/release/sagasim}"

ratio() {  # JSON from measure.py → one line: SimPy, sagasim and their ratio (median [min, max])
  python3 - "$1" "$2" "${3:-}" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
a, b, x = r["a_cpu_s"], r["b_cpu_s"], r["ratio_a_over_b"]
line = ("  %s: SimPy %.3f s [%.3f, %.3f], sagasim %.4f s [%.4f, %.4f], ratio %.1fx [%.1f, %.1f] "
        "over %d pairs" % (sys.argv[2], a["median"], a["min"], a["max"], b["median"], b["min"],
                           b["max"], x["median"], x["min"], x["max"], r["pairs"]))
if sys.argv[3] == "rss":  # the loop runs under cargo and python: their RSS means nothing here
    line += " (peak RSS: SimPy %s MiB, sagasim %s MiB)" % (r["a_peak_rss_mib"], r["b_peak_rss_mib"])
print(line)
PY
}

echo "== M/M/1, 1,000,000 customers, one core, CPU time, median [min, max] of $pairs alternating pairs"
echo "   SimPy $(grep -o '[0-9.]*' "$peers/requirements.txt"), sagasim $(git rev-parse --short HEAD)"
whole=$(python3 benches/measure.py "$pairs" -- \
  "${pin[@]}" "$venv/bin/python" "$peers/simpy_queues.py" mm1 1000000 1 ::: \
  "${pin[@]}" "$sagasim" run benches/scenarios/mm1.toml --jobs 1 --out "$target/bench-mm1")
echo "  $whole"
ratio "$whole" "whole process, with charts" rss
loop=$(python3 benches/measure.py "$pairs" --reported loop_cpu_s -- \
  "${pin[@]}" "$venv/bin/python" benches/simpy_loop.py "$peers" mm1 1000000 1 ::: \
  "${pin[@]}" "${limit[@]}" sagasim)
echo "  $loop"
ratio "$loop" "simulation loop only      "

echo "== sagasim's loop against the hand-specialised M/M/1 (benches/limit.rs), $pairs runs"
for _ in $(seq "$pairs"); do "${pin[@]}" "${limit[@]}"; done | python3 -c '
import json, statistics, sys
runs = [json.loads(line) for line in sys.stdin if line.startswith("{")]
for key in ["sagasim_ns_per_visit", "heap_ns_per_visit", "lindley_ns_per_visit", "share_of_heap_limit"]:
    values = [run[key] for run in runs]
    print(f"  {key}: median {statistics.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]")
'

echo "== sagasim peak memory: 1 M against 10 M workflows (whole process, no charts)"
for workflows in 1000000 10000000; do
  printf '%9d workflows: ' "$workflows"
  /usr/bin/time -f '%M KiB peak, %U s user' "${pin[@]}" "$sagasim" run \
    benches/scenarios/mm1.toml --jobs 1 --no-charts --out "$target/bench-mm1-memory" \
    --set workload.workflows=$workflows --set scenario.duration=4000h --set scenario.drain=1000h \
    2>&1 >/dev/null | tail -1
done
