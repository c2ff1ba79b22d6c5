#!/usr/bin/env python3
"""Run a command several times; print the best wall time and its peak RSS, as JSON.

Usage: measure.py RUNS -- COMMAND...   (the whole process is timed: start-up, parsing,
simulation and writing the output files). Peak RSS comes from GNU time (/usr/bin/time):
a child forked from Python would report Python's own size."""
import json
import os
import subprocess
import sys
import time

GNU_TIME = "/usr/bin/time"


def main():
    runs = int(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    best = float("inf")
    peak_kib = None
    for _ in range(runs):
        wrapped = [GNU_TIME, "-f", "%M", *command] if os.path.exists(GNU_TIME) else command
        start = time.perf_counter()
        done = subprocess.run(wrapped, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        best = min(best, time.perf_counter() - start)
        if wrapped is not command:
            peak_kib = max(peak_kib or 0, int(done.stderr.strip().splitlines()[-1]))
    peak = None if peak_kib is None else round(peak_kib / 1024, 1)
    print(json.dumps({"wall_s": round(best, 4), "peak_rss_mib": peak}))


if __name__ == "__main__":
    main()
