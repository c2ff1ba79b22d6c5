#!/usr/bin/env bash
# Run the fuzz targets in fuzz/ (cargo-fuzz, stable Rust with --sanitizer none), each for
# SECONDS (default 60), seeded from scenarios/ and tests/malformed/, with the scenario
# format's dictionary. Crashes land in fuzz/artifacts/<target>/.
#
#   cargo install cargo-fuzz --locked     # once
#   scripts/fuzz.sh 300                   # every target, 5 minutes each
#   scripts/fuzz.sh 60 parse_flags        # one target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(parse_scenario parse_flags simulate_and_render)
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 1
fi
root=$(pwd)
# The corpora grow as the fuzzer finds new paths; they live in fuzz/corpus (not committed)
# and start from the bundled and malformed scenarios, a few flag expressions, and one seed
# per bundled scenario for the structured target (fuzz/seeds/simulate_and_render: byte 0
# selects a bundled scenario, byte 1 its workflow count, then the seed).
mkdir -p fuzz/corpus/parse_scenario fuzz/corpus/parse_flags fuzz/corpus/simulate_and_render
cp scenarios/*.toml scenarios/sweeps/*.toml tests/malformed/*.toml fuzz/corpus/parse_scenario/
cp fuzz/seeds/flags/* fuzz/corpus/parse_flags/
cp fuzz/seeds/simulate_and_render/* fuzz/corpus/simulate_and_render/
for target in "${targets[@]}"; do
  echo "== $target for ${seconds}s"
  cargo fuzz run --sanitizer none --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
    -dict="$root/fuzz/scenario.dict" -print_final_stats=1
done
