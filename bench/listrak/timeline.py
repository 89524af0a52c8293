#!/usr/bin/env python3
"""bench/listrak/timeline.py: where quarry's wall goes in the Listrak race.

Runs quarry once on bench/listrak/run.py's data set (same simulator flags,
account and job, through bench/bronto/soap_race.py) while it polls the
simulator's /_sim/stats every 50 ms, then prints the calls completed in each
second of the run, when 1/50/99/100 % of them had completed, the most calls
the simulator saw in flight, and the floor calls x latency / workers.

    python3 bench/listrak/timeline.py --quarry build/cli/quarry --workers 8 \\
        --latency-ms 100 --bootstrap 127.0.0.1:19092
"""

import argparse
import importlib.util
import os
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("listrak_run", os.path.join(HERE, "run.py"))
run = importlib.util.module_from_spec(_spec)  # bench/listrak/run.py ("run" is bench/marketo's)
_spec.loader.exec_module(run)
soap_race = run.soap_race


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quarry", default=os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                     "build", "cli", "quarry"))
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bootstrap", default="127.0.0.1:19092")
    run.add_arguments(ap)
    a = ap.parse_args()
    a.verify_kafka = False
    a.quarry = os.path.abspath(a.quarry)  # quarry runs in the work dir
    workdir = tempfile.mkdtemp(prefix="listrak-timeline-")
    sim = soap_race.Simulator(a.quarry, "listrak", run.sim_flags(a), workdir, a.latency_ms)
    quarry = soap_race.Quarry(run.PROFILE, a, workdir, a.quarry)
    samples, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            s = sim.stats()
            samples.append((time.monotonic(), s["calls_total"], s["max_in_flight"]))
            stop.wait(0.05)

    t0 = time.monotonic()
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        r = quarry.run(sim.url, "timeline")
    finally:
        stop.set()
        poller.join()
        sim.stop()
    calls = [(t - t0, c) for t, c, _ in samples]
    total = calls[-1][1]
    print("rc %d, %d records, %.2f s wall, %.2f s CPU, %d calls, at most %d in flight (%s)" % (
        r["rc"], r["records"], r["wall_s"], r["cpu_s"], total, samples[-1][2], workdir))
    print("floor: %d calls x %d ms / %d = %.2f s" % (
        total, a.latency_ms, a.workers, total * a.latency_ms / 1000.0 / a.workers))
    for frac in (0.01, 0.5, 0.99, 1.0):
        print("%3.0f %% of calls done at %.2f s" % (
            frac * 100, next(t for t, c in calls if c >= frac * total)))
    per_second, done = [], 0
    for second in range(int(calls[-1][0]) + 1):
        now = max([c for t, c in calls if t < second + 1] or [0])
        per_second.append(now - done)
        done = now
    print("calls completed per second:", per_second)


if __name__ == "__main__":
    main()
