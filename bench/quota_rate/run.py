#!/usr/bin/env python3
"""bench/quota_rate: how close quarry runs to a vendor's rate window, and
whether it ever goes over.

For each case (source x latency x window_counting reading), a simulator is
started with the vendor's own limits (Constant Contact: 4 calls/s, 10,000 a
day; Marketo: 100 calls per 20 s, 10 in flight, 50,000 a day), quarry
extracts from it with --workers workers, and this script samples the
simulator's call count (GET /_sim/stats) every 100 ms. The rate is taken
over whole windows: from the moment the count reached N (the first window's
limit, spent at once at the start) to the moment it reached the last
multiple of N before the last 10 calls (no start-up burst, no tail);
violations are the simulator's own count of calls it had to refuse,
max_seen its busiest window.

Datasets are sized for >= 300 calls: Constant Contact --campaigns (each sent
campaign: its activity, 8 report pages, fanned out to workers), Marketo
--programs (200 a page, read by one task), all data within the last 30 days
(one or two export windows per stream).

--quarry-before runs the same cases with a second binary (e.g. built from
main) in the same invocation, so before and after are paired.
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

LIMITS = {"constant_contact": {"calls": 4, "seconds": 1},
          "marketo": {"calls": 100, "seconds": 20}}


def get(url, path):
    with urllib.request.urlopen(url + path) as r:
        return json.loads(r.read())


def start_sim(quarry, source, latency, reading, a):
    cmd = [quarry, "sim", source.replace("_", "-"), "--port", "0", "--latency-ms", str(latency),
           "--reading", "window_counting=" + reading]
    if source == "constant_contact":
        cmd += ["--campaigns", str(a.cc_campaigns), "--recipients", "20", "--contacts", "300"]
    else:
        data_start = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)).strftime("%Y-%m-%d")
        cmd += ["--programs", str(a.mk_programs), "--leads", "200", "--activities", "500",
                "--data-start", data_start, "--data-days", "30"]
    sim = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = sim.stdout.readline().split()[-1]
    return sim, url


def config(source, url, work, a, stamp):
    if source == "constant_contact":
        token = os.path.join(work, "refresh_token")
        with open(token, "w") as f:
            f.write("cc-refresh-0\n")
        account = {"source": "constant_contact", "endpoint": url,
                   "credentials": {"client_id": "cc-client", "client_secret": {"env": "CC_SECRET"},
                                   "refresh_token": {"file": token}},
                   "settings": {"auth_endpoint": url}}
        start = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=61)).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        account = {"source": "marketo", "endpoint": url,
                   "credentials": {"client_id": "quarry-client", "client_secret": {"env": "MKTO_SECRET"}},
                   "settings": {"poll_interval_s": 1}}
        # The data spans the last 30 days: one or two export windows per
        # stream, so the programs' pages (not the export queue) set the pace.
        start = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cfg = {"kafka": {"bootstrap_servers": a.bootstrap, "topic_prefix": "bench-qr-" + stamp,
                     "replication_factor": 1},
           "engine": {"workers": a.workers},
           "accounts": {"acc": account},
           "jobs": [{"name": "job", "account": "acc", "start_date": start}]}
    path = os.path.join(work, "quarry.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def run_case(quarry, source, latency, reading, a, out, label):
    work = tempfile.mkdtemp(prefix="quota-rate-")
    stamp = "%s-%d-%s-%s-%d" % (source[:2], latency, reading[:3], label, int(time.time() * 1000))
    sim, url = start_sim(a.quarry, source, latency, reading, a)  # one simulator for both binaries
    samples = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append((time.monotonic(), get(url, "/_sim/stats")["calls_total"]))
            time.sleep(0.1)

    try:
        cfg = config(source, url, work, a, stamp)
        env = dict(os.environ, CC_SECRET="cc-secret", MKTO_SECRET="quarry-secret")
        t = threading.Thread(target=sample)
        t.start()
        t0 = time.time()
        p = subprocess.run([quarry, "extract", "--config", cfg], env=env, capture_output=True, text=True)
        wall = time.time() - t0
        done.set()
        t.join()
        with open(os.path.join(out, "%s-%s-%dms-%s.out" % (label, source, latency, reading)), "w") as f:
            f.write(p.stdout + p.stderr)
        stats = get(url, "/_sim/stats")
    finally:
        sim.terminate()
        sim.wait()
    total = stats["calls_total"]
    limit = LIMITS[source]
    # From the end of the first window's burst (N calls) to the moment the
    # count reached the last whole multiple of N before the tail: whole windows.
    n = limit["calls"]
    lo, hi = n, n * ((total - 10) // n)
    t_lo = next(t for t, c in samples if c >= lo)
    t_hi = next(t for t, c in samples if c >= hi)
    rate = (hi - lo) / (t_hi - t_lo) if t_hi > t_lo else float("nan")
    with open(os.path.join(out, "%s-%s-%dms-%s.samples.json" % (label, source, latency, reading)), "w") as f:
        json.dump(samples, f)
    return {"binary": label, "source": source, "latency_ms": latency, "reading": reading,
            "rc": p.returncode, "calls": total, "wall_s": round(wall, 1),
            "rate_per_s": round(rate, 3),
            "per_window": round(rate * limit["seconds"], 2),
            "of_limit": round(rate * limit["seconds"] / limit["calls"], 3),
            "violations": len(stats["violations"]),
            "max_seen": stats["windows"][0]["max_seen"] if stats["windows"] else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(__file__)
    ap.add_argument("--quarry", default=os.path.join(here, "../../build/cli/quarry"))
    ap.add_argument("--quarry-before", default=None, help="a second binary, run paired with --quarry")
    ap.add_argument("--bootstrap", default=os.environ.get("QUARRY_BENCH_KAFKA", "127.0.0.1:19092"))
    ap.add_argument("--sources", default="constant_contact,marketo")
    ap.add_argument("--latencies", default="0,100", help="ms added to every call by the simulator")
    ap.add_argument("--readings", default="arrival", help="window_counting readings: arrival,completion")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--cc-campaigns", type=int, default=36)
    ap.add_argument("--mk-programs", type=int, default=64000)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = a.out or os.path.join(here, "../results/quota_rate-" + stamp)
    os.makedirs(out, exist_ok=True)
    binaries = [("after", a.quarry)] + ([("before", a.quarry_before)] if a.quarry_before else [])
    rows = []
    for source in a.sources.split(","):
        for latency in (int(x) for x in a.latencies.split(",")):
            for reading in a.readings.split(","):
                for label, binary in binaries:
                    row = run_case(binary, source, latency, reading, a, out, label)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"args": vars(a), "rows": rows}, f, indent=1)
    print("| binary | source | latency | reading | calls | calls/s | per window | of limit | violations | max_seen |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %d ms | %s | %d | %.2f | %.1f | %.1f %% | %d | %s |" % (
            r["binary"], r["source"], r["latency_ms"], r["reading"], r["calls"], r["rate_per_s"],
            r["per_window"], 100 * r["of_limit"], r["violations"], r["max_seen"]))
    print("results in", os.path.abspath(out))
    if any(r["rc"] != 0 for r in rows):
        sys.exit("a quarry run failed: see " + out)


if __name__ == "__main__":
    main()
