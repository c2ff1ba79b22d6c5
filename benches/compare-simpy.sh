#!/usr/bin/env bash
# sagasim against SimPy on the same M/M/1 model (DESIGN §8): arrival rate 0.9/s, service
# rate 1/s, 1,000,000 customers, one core. Prints each engine's customer visits per second,
# the ratio, and sagasim's peak memory at 1 M and 10 M workflows.
#
#   benches/compare-simpy.sh            # needs python3; installs SimPy 4.1.2 into target/
#
# sagasim is timed as a whole process (start-up, parsing, simulation, writing CSV files);
# SimPy's figure is its simulation loop alone (`wall_sim_s` of the peer script), which
# favours SimPy.
set -euo pipefail
cd "$(dirname "$0")/.."
peers="${PEERS:-../shared/peers}"
venv="${VENV:-target/simpy-venv}"
runs="${RUNS:-5}"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import simpy' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$peers/requirements.txt"
fi
cargo build --release --quiet

echo "== sagasim: M/M/1, 1,000,000 customers, best of $runs, whole process, one thread"
sagasim_json=$(python3 benches/measure.py "$runs" -- "${pin[@]}" target/release/sagasim run \
  benches/scenarios/mm1.toml --jobs 1 --out target/bench-mm1)
echo "$sagasim_json"
cut -d, -f1,3,9 target/bench-mm1/summary.csv

echo "== SimPy $(grep -o '[0-9.]*' "$peers/requirements.txt"): M/M/1, 1,000,000 customers, simulation loop only"
simpy_line=$("${pin[@]}" "$venv/bin/python" "$peers/simpy_queues.py" mm1 1000000 1 | grep '^JSON ')
echo "${simpy_line#JSON }"

python3 - "$sagasim_json" "${simpy_line#JSON }" <<'PY'
import json, sys
sagasim = json.loads(sys.argv[1])
simpy = json.loads(sys.argv[2])
sagasim_visits = 1_000_000 / sagasim["wall_s"]
simpy_visits = simpy["customer_station_visits_per_s"]
print(f"sagasim {sagasim_visits:,.0f} visits/s, SimPy {simpy_visits:,.0f} visits/s, "
      f"ratio {sagasim_visits / simpy_visits:.1f}x")
PY

echo "== sagasim peak memory: 1 M against 10 M workflows"
for workflows in 1000000 10000000; do
  printf '%9d workflows: ' "$workflows"
  python3 benches/measure.py 1 -- target/release/sagasim run benches/scenarios/mm1.toml --jobs 1 \
    --out target/bench-mm1-memory --set workload.workflows=$workflows \
    --set scenario.duration=4000h --set scenario.drain=1000h
done
