#!/usr/bin/env python3
"""Runs publisher_bench binaries of different builds (a "before" and one or
more "after") in rounds, in a rotating order, and prints per case the median
CPU per record of each and the median of the per-round ratios to the first.

    bench/publisher_pair.py [--rounds N] LABEL=BINARY LABEL=BINARY... -- PUBLISHER_BENCH_ARGS...

e.g. bench/publisher_pair.py before=/tmp/b/bench/publisher_bench
     after=build-bench/bench/publisher_bench -- --bootstrap 127.0.0.1:19092
     --modes transactional,sink --compression lz4 --broker-pid PID

Each binary runs once per round (--runs 1 is added). Ratios are paired within
a round: the binaries ran back to back, so load from other processes on the
machine hits them alike.
"""
import argparse
import statistics
import subprocess
import sys


def run(binary, args):
    out = subprocess.run([binary, *args, "--runs", "1"], check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        f = line.split()
        # round mode codec seconds records/s MB/s setup cpu-us/rec broker-us/rec
        if len(f) == 9 and f[0] == "1":
            rows[(f[1], f[2])] = {"rate": float(f[4]), "cpu": float(f[7]), "broker": float(f[8])}
    if not rows:
        sys.exit(f"publisher_pair: no results from {binary}:\n{out}")
    return rows


def main():
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", metavar="LABEL=BINARY")
    p.add_argument("--rounds", type=int, default=6)
    o = p.parse_args(argv[:split])
    bench_args = argv[split + 1:]
    builds = [b.split("=", 1) for b in o.builds]
    if len(builds) < 2 or any(len(b) != 2 for b in builds):
        p.error("give at least two LABEL=BINARY")

    results = {label: [] for label, _ in builds}
    for r in range(o.rounds):
        order = builds[r % len(builds):] + builds[:r % len(builds)]
        for label, binary in order:
            rows = run(binary, bench_args)
            results[label].append(rows)
            for (mode, codec), v in sorted(rows.items()):
                print(f"round {r + 1} {label:8} {mode:13} {codec:5} {v['rate']:10.0f} rec/s "
                      f"{v['cpu']:6.2f} us/rec cpu {v['broker']:6.2f} us/rec broker", flush=True)

    base = builds[0][0]
    print(f"\nMedians of {o.rounds} rounds; ratios to {base}, paired per round (min-max)")
    print(f"{'build':8} {'mode':13} {'codec':5} {'cpu us/rec':>10} {'broker us':>10} "
          f"{'cpu ratio':>18} {'broker ratio':>18} {'rec/s ratio':>18}")
    for case in sorted(results[base][0]):
        for label, _ in builds:
            runs = results[label]
            line = (f"{label:8} {case[0]:13} {case[1]:5} {statistics.median(x[case]['cpu'] for x in runs):10.2f}"
                    f" {statistics.median(x[case]['broker'] for x in runs):10.2f}")
            for what in ("cpu", "broker", "rate"):
                ratios = [a[case][what] / b[case][what] for a, b in zip(runs, results[base])
                          if b[case][what] > 0 and a[case][what] >= 0]
                line += f" {statistics.median(ratios):6.2f} ({min(ratios):.2f}-{max(ratios):.2f})" \
                    if ratios and label != base else f" {'-':>18}"
            print(line)


if __name__ == "__main__":
    main()
