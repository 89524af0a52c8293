#!/usr/bin/env python3
"""bench/marketo: quarry against tap-marketo on the Marketo simulator.

For every latency (--latency-ms) and every contestant (--tools), in that order:

  1. start a fresh `quarry sim marketo` (same seed and flags for both tools, so
     both see the same dataset, the same simulated export times and the same
     limits; one simulator per contestant keeps its call counts clean);
  2. full run from --start-date with Singer output on stdout, read by this
     driver (records counted per stream, the last STATE kept);
  3. POST /_sim/mutate {"touch_leads", "add_activities"}, reset the call
     counters, then an incremental run resumed from that STATE;
  4. stop the simulator.

Measured per run: wall time of the contestant's process, its CPU (user + sys)
and peak RSS (os.wait4 rusage of the process itself: quarry, or the Python
interpreter running tap-marketo), the API calls the simulator counted
(/_sim/stats calls_total, by path), export jobs (create.json calls) and the
records per stream. For the incremental run every record is classified by its
replication key (leads updatedAt, activities activityDate, campaigns/lists/
programs updatedAt): "changed" when at or after the mutation's simulator time,
else "unchanged" (re-sent). activity_types is FULL_TABLE for both tools and is
counted apart.

Contestants:
  quarry  `quarry extract --output singer [--state S]`, config in the work dir.
  tap     tap-marketo (PyPI, --tap-version) in a virtualenv (--venv), run
          through bench/marketo/tap_marketo_at.py, which replaces only
          Client.get_url (the base URL) and nothing else. Catalog: every stream
          and every field discovered, selected (--properties; --catalog crashes
          in 2.8.0, peers.md section 7).

Results: <out>/results.json and a table on stdout. Python 3 standard library
only (the tap's virtualenv is made by bench/marketo/run).
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SECRET = "quarry-secret"
CLIENT_ID = "quarry-client"

LINE_RE = re.compile(rb'^\{"type": ?"(RECORD|STATE|SCHEMA|ACTIVATE_VERSION)"(?:, ?"stream": ?"([^"]*)")?')
REPLICATION_KEY = {"leads": "updatedAt", "campaigns": "updatedAt", "lists": "updatedAt",
                   "programs": "updatedAt"}  # activities_*: activityDate


def parse_time(text):
    if text is None:
        return None
    text = text.replace("Z", "+00:00")
    return dt.datetime.fromisoformat(text)


class Simulator:
    def __init__(self, quarry, workdir, a, latency_ms):
        cmd = [quarry, "sim", "marketo", "--port", "0", "--seed", str(a.seed),
               "--leads", str(a.leads), "--activities", str(a.activities),
               "--latency-ms", str(latency_ms),
               "--export-seconds-per-mb", str(a.export_seconds_per_mb),
               "--export-daily-mb", str(a.export_daily_mb)]
        self.cmd = cmd
        self.err_path = os.path.join(workdir, "sim.err")
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("simulator did not start: %r" % line)
        self.url = m.group(1)

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=60) as r:
            return json.load(r)

    def post(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
            return json.loads(data) if data else None

    def cpu_s(self):
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class SingerReader:
    """Reads a Singer stream from a pipe: records per stream, the last STATE and,
    when classify_since is set, changed/unchanged records by replication key."""

    def __init__(self, pipe, classify_since=None):
        self.pipe = pipe
        self.counts = {}
        self.other = 0
        self.state = None
        self.since = classify_since
        self.changed = {}
        self.unchanged = {}
        self.bytes = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        counts = self.counts
        for line in self.pipe:
            self.bytes += len(line)
            m = LINE_RE.match(line)
            if not m:
                self.other += 1
                continue
            kind = m.group(1)
            if kind == b"RECORD":
                stream = m.group(2).decode()
                counts[stream] = counts.get(stream, 0) + 1
                if self.since is not None:
                    self.classify(stream, json.loads(line)["record"])
            elif kind == b"STATE":
                self.state = json.loads(line)["value"]

    def classify(self, stream, record):
        key = "activityDate" if stream.startswith("activities_") else REPLICATION_KEY.get(stream)
        if key is None:
            return
        t = parse_time(record.get(key))
        bucket = self.changed if t is not None and t >= self.since else self.unchanged
        bucket[stream] = bucket.get(stream, 0) + 1


def run_contestant(cmd, env, workdir, name, classify_since=None):
    err_path = os.path.join(workdir, name + ".err")
    t0 = time.monotonic()
    with open(err_path, "w") as err_f:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_f, env=env, cwd=workdir,
                             bufsize=1 << 20)
        reader = SingerReader(p.stdout, classify_since)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        reader.thread.join()
    return {"rc": p.returncode, "wall_s": wall,
            "cpu_user_s": usage.ru_utime, "cpu_sys_s": usage.ru_stime,
            "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024,
            "records": sum(reader.counts.values()), "records_by_stream": reader.counts,
            "singer_bytes": reader.bytes, "non_singer_lines": reader.other,
            "changed": reader.changed, "unchanged": reader.unchanged,
            "state": reader.state, "stderr": err_path}


# --- contestants -------------------------------------------------------------

def quarry_cmd(a, quarry, sim, workdir, state_path):
    cfg = {"kafka": {"embedded": True, "topic_prefix": "bm"}, "engine": {"workers": a.workers},
           "accounts": {"mk": {"source": "marketo", "endpoint": sim.url,
                               "credentials": {"client_id": CLIENT_ID,
                                               "client_secret": {"env": "MKTO_SECRET"}},
                               "settings": {"poll_interval_s": a.poll_interval_s}}},
           "jobs": [{"name": "mk", "account": "mk", "start_date": a.start_date}]}
    path = os.path.join(workdir, "quarry.json")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    cmd = [quarry, "--log-level", "warn", "extract", "--config", path, "--output", "singer",
           "--state-dir", os.path.join(workdir, "quarry-state")]
    if state_path:
        cmd += ["--state", state_path]
    env = dict(os.environ, MKTO_SECRET=SECRET)
    return cmd, env


def tap_env(sim):
    return dict(os.environ, QUARRY_BENCH_MARKETO_BASE=sim.url, PYTHONPATH=HERE)


def tap_config(a, workdir):
    path = os.path.join(workdir, "tap-config.json")
    with open(path, "w") as f:
        json.dump({"endpoint": "https://123-ABC-456.mktorest.com/rest", "client_id": CLIENT_ID,
                   "client_secret": SECRET, "start_date": a.start_date,
                   "poll_interval": a.poll_interval_s}, f, indent=1)
    return path


def tap_discover(a, sim, workdir):
    """Discovery runs outside the measured runs (quarry discovers inside its run,
    so its figures include its describe calls; the tap's calls for discovery
    are reported apart)."""
    py = os.path.join(a.venv, "bin", "python")
    cfg = tap_config(a, workdir)
    with open(os.path.join(workdir, "tap-discover.err"), "w") as err:
        out = subprocess.run([py, "-m", "tap_marketo_at", "--config", cfg, "--discover"],
                             stdout=subprocess.PIPE, stderr=err, env=tap_env(sim), cwd=workdir,
                             check=True).stdout
    catalog = json.loads(out)
    for stream in catalog["streams"]:
        for md in stream["metadata"]:
            md["metadata"]["selected"] = True
    path = os.path.join(workdir, "tap-properties.json")
    with open(path, "w") as f:
        json.dump(catalog, f)
    return cfg, path


def tap_cmd(a, cfg, props, sim, state_path):
    cmd = [os.path.join(a.venv, "bin", "python"), "-m", "tap_marketo_at", "--config", cfg,
           "--properties", props]
    if state_path:
        cmd += ["--state", state_path]
    return cmd, tap_env(sim)


# --- one contestant at one latency ------------------------------------------

def export_jobs(stats):
    return sum(v for k, v in stats["calls_by_path"].items() if k.endswith("/export/create.json"))


def call_summary(stats):
    return {"calls": stats["calls_total"], "export_jobs": export_jobs(stats),
            "calls_by_path": stats["calls_by_path"], "violations": len(stats["violations"]),
            "max_in_flight": stats["max_in_flight"], "bytes_served": stats["bytes_served"]}


def bench_one(a, tool, latency_ms, quarry, sim_quarry, outdir):
    workdir = os.path.join(outdir, "%s-%dms" % (tool, latency_ms))
    os.makedirs(workdir, exist_ok=True)
    sim = Simulator(sim_quarry, workdir, a, latency_ms)
    result = {"tool": tool, "latency_ms": latency_ms, "sim_cmd": sim.cmd}
    try:
        if tool == "tap":
            cfg, props = tap_discover(a, sim, workdir)
            result["discover_calls"] = sim.get("/_sim/stats")["calls_total"]
            sim.post("/_sim/reset_stats", {})
            make = lambda st: tap_cmd(a, cfg, props, sim, st)
        else:
            make = lambda st: quarry_cmd(a, quarry, sim, workdir, st)

        sim_cpu0 = sim.cpu_s()
        cmd, env = make(None)
        log("%s %d ms: full run" % (tool, latency_ms))
        full = run_contestant(cmd, env, workdir, "full")
        full.update(call_summary(sim.get("/_sim/stats")))
        full["sim_cpu_s"] = sim.cpu_s() - sim_cpu0
        full["exports"] = sim.get("/_sim/exports")
        full["exports"].pop("jobs", None)
        result["full"] = full
        log("  rc %d, %d records, %.1f s wall, %.1f s CPU, %d calls" %
            (full["rc"], full["records"], full["wall_s"], full["cpu_s"], full["calls"]))
        if full["rc"] != 0 or a.skip_incremental or full["state"] is None:
            return result

        state_path = os.path.join(workdir, "state-after-full.json")
        with open(state_path, "w") as f:
            json.dump(full["state"], f, indent=1)
        time.sleep(1.1)  # the mutation's timestamps come after everything the full run saw
        since = parse_time(sim.get("/_sim/clock")["now"]).replace(microsecond=0)
        result["mutation"] = sim.post("/_sim/mutate", {"touch_leads": a.touch_leads,
                                                       "add_activities": a.add_activities})
        result["mutation_at"] = since.isoformat()
        # The next run starts in a later second than the mutation: both tools end
        # their windows at their start time, a whole second (quarry: the run's
        # start, exclusive), so a run in the same second would leave the changes
        # to the run after it.
        time.sleep(2)
        sim.post("/_sim/reset_stats", {})
        sim_cpu0 = sim.cpu_s()
        cmd, env = make(state_path)
        log("%s %d ms: incremental run" % (tool, latency_ms))
        inc = run_contestant(cmd, env, workdir, "incremental", classify_since=since)
        inc.update(call_summary(sim.get("/_sim/stats")))
        inc["sim_cpu_s"] = sim.cpu_s() - sim_cpu0
        result["incremental"] = inc
        log("  rc %d, %d records, %.1f s wall, %d calls" %
            (inc["rc"], inc["records"], inc["wall_s"], inc["calls"]))
    finally:
        sim.stop()
    return result


# --- report -------------------------------------------------------------------

def log(msg):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def report(results, a):
    by = {(r["tool"], r["latency_ms"]): r for r in results}
    lat = sorted({r["latency_ms"] for r in results})
    print("dataset: %d leads, %d activities (seed %d); export %.3f s/MB, %d MB/day; "
          "poll %d s; start %s" % (a.leads, a.activities, a.seed, a.export_seconds_per_mb,
                                   a.export_daily_mb, a.poll_interval_s, a.start_date))
    print()
    print("| tool | latency | rc | records | wall s | CPU s | CPU µs/record | peak RSS MB "
          "| API calls | export jobs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for ms in lat:
        for tool in ("quarry", "tap"):
            r = by.get((tool, ms))
            if not r or "full" not in r:
                continue
            f = r["full"]
            per = f["cpu_s"] / f["records"] * 1e6 if f["records"] else None
            print("| %s | %d ms | %d | %d | %.1f | %.1f | %s | %.0f | %d | %d |" %
                  (tool, ms, f["rc"], f["records"], f["wall_s"], f["cpu_s"], fmt(per, ".1f"),
                   f["max_rss_mb"], f["calls"], f["export_jobs"]))
    print()
    print("Incremental (after touching %d leads and adding %d activities):" %
          (a.touch_leads, a.add_activities))
    print()
    print("| tool | latency | rc | records | changed | unchanged re-sent | activity_types "
          "| wall s | CPU s | API calls | export jobs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for ms in lat:
        for tool in ("quarry", "tap"):
            r = by.get((tool, ms))
            if not r or "incremental" not in r:
                continue
            i = r["incremental"]
            unchanged = ", ".join("%s %d" % kv for kv in sorted(i["unchanged"].items())) or "0"
            print("| %s | %d ms | %d | %d | %d | %s | %d | %.1f | %.1f | %d | %d |" %
                  (tool, ms, i["rc"], i["records"], sum(i["changed"].values()), unchanged,
                   i["records_by_stream"].get("activity_types", 0), i["wall_s"], i["cpu_s"],
                   i["calls"], i["export_jobs"]))
    print()
    print("Ratios tap / quarry (full run):")
    for ms in lat:
        q, t = by.get(("quarry", ms)), by.get(("tap", ms))
        if not (q and t and "full" in q and "full" in t and q["full"]["records"]
                and t["full"]["records"]):
            continue
        qf, tf = q["full"], t["full"]
        cpu_ratio = (tf["cpu_s"] / tf["records"]) / (qf["cpu_s"] / qf["records"])
        print("  %d ms: CPU/record %.1fx, wall %.1fx, API calls %.2fx (quarry makes %.0f%% of "
              "the tap's), peak RSS %.2fx" %
              (ms, cpu_ratio, tf["wall_s"] / qf["wall_s"], tf["calls"] / qf["calls"],
               100.0 * qf["calls"] / tf["calls"], tf["max_rss_mb"] / qf["max_rss_mb"]))
    print()
    print("Records per stream (full run):")
    streams = sorted({s for r in results if "full" in r for s in r["full"]["records_by_stream"]})
    for s in streams:
        print("  %-36s %s" % (s, "  ".join(
            "%s@%dms=%d" % (r["tool"], r["latency_ms"], r["full"]["records_by_stream"].get(s, 0))
            for r in results if "full" in r)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quarry", default=os.path.join(ROOT, "build", "cli", "quarry"),
                    help="quarry binary (copied into the results dir first)")
    ap.add_argument("--sim", default=None,
                    help="quarry binary that serves the simulator (default: --quarry); to race two "
                         "quarry builds on one simulator's data")
    ap.add_argument("--venv", default=os.path.join(ROOT, "bench", ".venv-marketo"))
    ap.add_argument("--tools", default="quarry,tap")
    ap.add_argument("--latency-ms", default="0,100")
    ap.add_argument("--leads", type=int, default=1000)
    ap.add_argument("--activities", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--export-seconds-per-mb", type=float, default=0.05)
    ap.add_argument("--export-daily-mb", type=int, default=5000)
    ap.add_argument("--poll-interval-s", type=int, default=1)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--start-date", default="2024-01-01T00:00:00Z")
    ap.add_argument("--touch-leads", type=int, default=1000)
    ap.add_argument("--add-activities", type=int, default=1000)
    ap.add_argument("--skip-incremental", action="store_true")
    ap.add_argument("--out", default=None, help="results dir (default bench/results/marketo-<UTC>)")
    a = ap.parse_args()

    outdir = a.out or os.path.join(ROOT, "bench", "results",
                                   "marketo-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    outdir = os.path.abspath(outdir)
    os.makedirs(outdir, exist_ok=True)
    quarry = os.path.join(outdir, "quarry")
    shutil.copy2(a.quarry, quarry)  # the tree's binary may be rebuilt during a long run
    sim_quarry = quarry
    if a.sim:
        sim_quarry = os.path.join(outdir, "quarry-sim")
        shutil.copy2(a.sim, sim_quarry)
    log("results in %s" % outdir)
    machine = {"load_at_start": open("/proc/loadavg").read().split()[:3], "nproc": os.cpu_count(),
               "commit": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                        capture_output=True, text=True).stdout.strip(),
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    log("machine: %s" % machine)

    results = []
    for ms in [int(x) for x in a.latency_ms.split(",") if x]:
        for tool in [t for t in a.tools.split(",") if t]:
            results.append(bench_one(a, tool, ms, quarry, sim_quarry, outdir))
            with open(os.path.join(outdir, "results.json"), "w") as f:
                json.dump({"args": vars(a), "machine": machine, "results": results}, f, indent=1)
    report(results, a)


if __name__ == "__main__":
    main()
