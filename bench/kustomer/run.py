#!/usr/bin/env python3
"""quarry vs tap-kustomer on the Kustomer simulator, one full run each per latency.

For every latency (--latency-ms) and contestant, in that order: a fresh
`quarry sim kustomer` with the same seed and counts (so the same dataset), a
full run from --start-date with Singer output on stdout (records counted per
stream), then the simulator's /_sim/stats (calls, 429s). Prints a table and
writes results.json to bench/results/kustomer-<UTC time>/.

  quarry        `quarry extract --output singer`, embedded Kafka for state
  tap-kustomer  tap_kustomer_at.py (its base URL pointed at the simulator)
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KEY = "bench-key"
KINDS = ["customers", "conversations", "messages", "notes", "kobjects", "users", "teams", "tags", "shortcuts"]


class Simulator:
    def __init__(self, quarry, workdir, a, latency_ms):
        cmd = [quarry, "sim", "kustomer", "--port", "0", "--seed", "7", "--api-key", KEY,
               "--latency-ms", str(latency_ms)]
        for kind, n in zip(KINDS, a.counts):
            cmd += ["--" + kind, str(n)]
        self.err = open(os.path.join(workdir, "sim.err"), "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        m = re.search(r"listening on (http://\S+)", self.proc.stdout.readline())
        if not m:
            self.proc.kill()
            raise RuntimeError("simulator did not start")
        self.url = m.group(1)

    def stats(self):
        with urllib.request.urlopen(self.url + "/_sim/stats", timeout=60) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)


def count_records(pipe):
    counts = {}
    for line in pipe:
        if line.startswith(b'{"type":"RECORD"') or line.startswith(b'{"type": "RECORD"'):
            stream = json.loads(line)["stream"]
            counts[stream] = counts.get(stream, 0) + 1
    return counts


def run(cmd, env, workdir, name):
    t0 = time.monotonic()
    with open(os.path.join(workdir, name + ".err"), "w") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, cwd=workdir)
        counts = count_records(p.stdout)
        _, status, usage = os.wait4(p.pid, 0)
    return {"rc": os.waitstatus_to_exitcode(status), "wall_s": time.monotonic() - t0,
            "cpu_s": usage.ru_utime + usage.ru_stime, "records": sum(counts.values()), "by_stream": counts}


def quarry_cmd(a, sim, workdir):
    cfg = {"kafka": {"embedded": True, "topic_prefix": "bk"}, "engine": {"workers": a.workers},
           "accounts": {"ku": {"source": "kustomer", "endpoint": sim.url,
                               "credentials": {"api_key": {"env": "KUSTOMER_KEY"}}}},
           "jobs": [{"name": "ku", "account": "ku", "start_date": a.start_date}]}
    path = os.path.join(workdir, "quarry.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    cmd = [a.quarry, "--log-level", "warn", "extract", "--config", path, "--output", "singer",
           "--state-dir", os.path.join(workdir, "quarry-state")]
    return cmd, dict(os.environ, KUSTOMER_KEY=KEY)


def tap_cmd(a, sim, workdir):
    env = dict(os.environ, QUARRY_BENCH_KUSTOMER_BASE=sim.url, PYTHONPATH=HERE)
    py = os.path.join(a.venv, "bin", "python")
    cfg = os.path.join(workdir, "tap-config.json")
    with open(cfg, "w") as f:
        json.dump({"api_token": KEY, "start_date": a.start_date, "user_agent": "quarry-bench",
                   "page_size_limit": 500}, f)
    out = subprocess.run([py, os.path.join(HERE, "tap_kustomer_at.py"), "--config", cfg, "--discover"],
                         stdout=subprocess.PIPE, env=env, cwd=workdir, check=True).stdout
    catalog = json.loads(out)
    for stream in catalog["streams"]:
        for md in stream["metadata"]:
            if not md["breadcrumb"]:
                md["metadata"]["selected"] = True
    props = os.path.join(workdir, "tap-catalog.json")
    with open(props, "w") as f:
        json.dump(catalog, f)
    return [py, os.path.join(HERE, "tap_kustomer_at.py"), "--config", cfg, "--catalog", props], env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quarry", default=os.path.join(ROOT, "build", "cli", "quarry"))
    ap.add_argument("--venv", default=os.path.join(ROOT, "bench", ".venv-kustomer"))
    ap.add_argument("--latency-ms", default="0,100")
    ap.add_argument("--counts", default="8000,4000,6000,1000,1000,50,10,200,50",
                    help="records of " + ",".join(KINDS))
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--start-date", default="2020-01-01T00:00:00Z")
    ap.add_argument("--tools", default="quarry,tap-kustomer")
    a = ap.parse_args()
    a.counts = [int(x) for x in a.counts.split(",")]
    outdir = os.path.join(ROOT, "bench", "results", "kustomer-" + dt.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ"))
    os.makedirs(outdir)
    results = []
    for latency in [int(x) for x in a.latency_ms.split(",")]:
        for tool in a.tools.split(","):
            workdir = os.path.join(outdir, "%s-%dms" % (tool, latency))
            os.makedirs(workdir)
            sim = Simulator(a.quarry, workdir, a, latency)
            try:
                cmd, env = (quarry_cmd if tool == "quarry" else tap_cmd)(a, sim, workdir)
                r = run(cmd, env, workdir, tool)
                stats = sim.stats()
            finally:
                sim.stop()
            r.update(tool=tool, latency_ms=latency, calls=stats["calls_total"],
                     refused=len(stats["violations"]), calls_by_path=stats["calls_by_path"])
            results.append(r)
            print("%-13s %4d ms  rc %d  %6d records  %6.1f s wall  %5.1f s cpu  %4d calls  %3d refused" % (
                tool, latency, r["rc"], r["records"], r["wall_s"], r["cpu_s"], r["calls"], r["refused"]),
                flush=True)
    print("\n| tool | latency | exit | records | dataset | wall s | records/s | CPU s | calls | calls/1,000 records | 429s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        per_k = 1000.0 * r["calls"] / r["records"] if r["records"] else float("nan")
        print("| %s | %d ms | %d | %d | %d | %.1f | %.0f | %.1f | %d | %.1f | %d |" % (
            r["tool"], r["latency_ms"], r["rc"], r["records"], sum(a.counts), r["wall_s"],
            r["records"] / r["wall_s"], r["cpu_s"], r["calls"], per_k, r["refused"]))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print("\nresults:", outdir)


if __name__ == "__main__":
    sys.exit(main())
