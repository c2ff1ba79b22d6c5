#!/usr/bin/env python3
"""SimPy's simulation loop alone, by CPU time: the peer script's `run` (model set-up and
`env.run()`), without interpreter start-up, imports or the report. Prints one JSON line.

Usage: simpy_loop.py PEERS_DIR MODEL CUSTOMERS [SEED]"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
import simpy_queues  # noqa: E402  (the peer's own model, unchanged)

model, customers = sys.argv[2], int(sys.argv[3])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
start = time.process_time()
_, _, events = simpy_queues.run(model, customers, seed)
loop_cpu_s = time.process_time() - start
print(json.dumps({"loop_cpu_s": round(loop_cpu_s, 4), "events": events,
                  "visits_per_s": round(customers / loop_cpu_s)}))
