#!/usr/bin/env python3
"""Run a command several times; print the best wall time and the peak RSS, as JSON.

Usage: measure.py RUNS -- COMMAND...   (the whole process is timed: start-up, parsing,
simulation and writing the output files)."""
import json
import resource
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"wall_s": round(best, 4), "peak_rss_mib": round(peak_kib / 1024, 1)}))


if __name__ == "__main__":
    main()
