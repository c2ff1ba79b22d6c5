#!/usr/bin/env python3
"""Time two commands in alternating pairs (A, B, A, B, ...) by CPU time; print JSON.

Usage: measure.py PAIRS [--reported KEY] -- COMMAND_A... ::: COMMAND_B...

Each run is a whole process: start-up, parsing, simulation and writing the output files.
CPU time is user + system of the process and its children (from wait4, microseconds), so
another job on the machine slows a run only through the cache, not through the clock; the
alternation makes any drift hit both sides alike. Peak RSS comes from GNU time
(/usr/bin/time) when it exists: a child forked from Python would report Python's own size.

The JSON holds, per side, the median, min and max CPU seconds and the largest peak RSS,
and the ratio A/B (how many times B is faster) of each pair: median, min and max.
Only medians should be quoted; min and max show the spread.

With `--reported KEY`, each command prints a JSON line holding KEY (CPU seconds it measured
itself, e.g. of its simulation loop alone), and that figure is compared instead."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

GNU_TIME = "/usr/bin/time"


def run_once(command, reported):
    """CPU seconds (user + sys, or the command's own figure under `reported`) and peak RSS
    in MiB (None without GNU time)."""
    wrapped = [GNU_TIME, "-f", "%M", *command] if os.path.exists(GNU_TIME) else command
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(wrapped, stdout=out, stderr=err, text=True)
        # wait4, not wait: it returns the CPU time of the process and its children.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr}")
    peak = None
    if wrapped is not command:
        peak = round(int(stderr.strip().splitlines()[-1]) / 1024, 1)
    if reported is not None:
        for line in stdout.splitlines():
            line = line.removeprefix("JSON ").strip()
            if line.startswith("{") and reported in json.loads(line):
                return float(json.loads(line)[reported]), peak
        sys.exit(f"{' '.join(command)} printed no JSON line with {reported}")
    return usage.ru_utime + usage.ru_stime, peak


def spread(values):
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def main():
    pairs = int(sys.argv[1])
    reported = sys.argv[sys.argv.index("--reported") + 1] if "--reported" in sys.argv else None
    rest = sys.argv[sys.argv.index("--") + 1:]
    split = rest.index(":::")
    commands = {"a": rest[:split], "b": rest[split + 1:]}
    cpu = {"a": [], "b": []}
    peak = {"a": None, "b": None}
    for _ in range(pairs):
        for side, command in commands.items():
            seconds, rss = run_once(command, reported)
            cpu[side].append(seconds)
            if rss is not None:
                peak[side] = max(peak[side] or 0, rss)
    ratios = [a / b for a, b in zip(cpu["a"], cpu["b"])]
    print(json.dumps({
        "pairs": pairs,
        "a_cpu_s": spread(cpu["a"]),
        "b_cpu_s": spread(cpu["b"]),
        "a_peak_rss_mib": peak["a"],
        "b_peak_rss_mib": peak["b"],
        "ratio_a_over_b": spread(ratios),
    }))


if __name__ == "__main__":
    main()
