"""The race driver behind bench/bronto/run.py and bench/listrak/run.py: quarry
against a Singer tap on a SOAP simulator. A source is a `profile` (see the two
run.py files): its simulator flags, the tap's package, wrapper module and
config, and quarry's account.

For every latency (--latency-ms) and every contestant (--tools), in that order:

  1. start a fresh `quarry sim <source>` (same seed and flags for both tools,
     so both see the same dataset; one simulator per contestant keeps its call
     counts clean);
  2. full run from the profile's start date:
       quarry  `quarry extract --output kafka` to the real broker
               (--bootstrap, default 127.0.0.1:19092; scripts/kafka start),
               with a topic prefix of its own; records are the run summary's
               and are checked against the messages in its topics (kcat);
       tap     the tap (PyPI, pinned, in the profile's virtualenv) through
               the profile's wrapper module, which only replaces the WSDL URL;
               catalog from --discover (outside the measured run) with every
               stream and field selected, passed as --properties; records are
               its Singer RECORD lines on stdout;
  3. stop the simulator.

Measured per run: wall time of the contestant's process, its CPU (user + sys,
os.wait4: the process and everything it waited for) and peak RSS, and the API
calls the simulator counted (/_sim/stats calls_total, calls_by_operation).

Census (--census, default on): every contestant runs once more at 0 ms, on a
fresh simulator, through a counting proxy (CallCensus) that classifies each
answer: data (records in it), nothing (an empty result, or Bronto's fault 116
"end of result set"), login, other fault. Those runs are not timed; they only
give "calls returning nothing", which the simulators do not count.

Python 3 standard library only (the taps' virtualenvs are made by the run
scripts).
"""

import argparse
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "marketo"))
from run import SingerReader, log  # noqa: E402  (bench/marketo/run.py)

ENV_NS = "{http://schemas.xmlsoap.org/soap/envelope/}"
SUMMARY_RE = re.compile(r"^  (\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s*$")


class Simulator:
    def __init__(self, quarry, source, flags, workdir, latency_ms):
        self.cmd = [quarry, "sim", source, "--port", "0", "--latency-ms", str(latency_ms)] + flags
        with open(os.path.join(workdir, "sim.err"), "w") as err:
            self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("simulator did not start: %r (see %s/sim.err)" % (line, workdir))
        self.url = m.group(1).rstrip("/")

    def stats(self):
        with urllib.request.urlopen(self.url + "/_sim/stats", timeout=60) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- the census proxy -----------------------------------------------------------

def classify(status, body):
    """'data', 'nothing', 'login', 'fault' or 'other' for one SOAP answer."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "other"
    soap_body = root.find(ENV_NS + "Body")
    if soap_body is None or len(soap_body) == 0:
        return "other"
    answer = soap_body[0]
    if answer.tag == ENV_NS + "Fault":
        text = answer.findtext("faultstring") or ""
        return "nothing" if text.startswith("116") else "fault"
    if answer.tag.endswith("loginResponse"):
        return "login"
    # readXResponse/return/field (Bronto), XResponse/XResult/item (Listrak).
    return "data" if any(len(child) for child in answer) else "nothing"


class CallCensus:
    """A loopback HTTP proxy in front of a simulator: forwards every request
    (without Accept-Encoding, so that answers come back readable), rewrites the simulator's URL to its own in WSDL answers (so that the
    WSDL's soap:address sends the client back through it) and counts SOAP
    answers by operation and class."""

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.counts = {}
        self.lock = threading.Lock()
        census = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_GET(self):
                census.forward(self, "GET")

            def do_POST(self):
                census.forward(self, "POST")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.local = threading.local()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def connection(self):
        if getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPConnection(self.upstream.hostname,
                                                         self.upstream.port, timeout=300)
        return self.local.conn

    def forward(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("host", "connection", "content-length",
                                        "accept-encoding")}  # identity: answers are read here
        try:
            conn = self.connection()
            conn.request(method, handler.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            handler.send_error(502)
            return
        if method == "GET" and "wsdl" in handler.path.lower():
            base = "%s://%s" % (self.upstream.scheme, self.upstream.netloc)
            data = data.replace(base.encode(), self.url.encode())
        elif method == "POST":
            action = (handler.headers.get("SOAPAction") or "").strip('"').rsplit("/", 1)[-1]
            kind = classify(reply.status, data)
            if not action:
                m = re.search(rb"<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)", body or b"")
                action = m.group(1).decode() if m else "?"
            with self.lock:
                per = self.counts.setdefault(action, {})
                per[kind] = per.get(kind, 0) + 1
        handler.send_response(reply.status)
        for k, v in reply.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def summary(self):
        total = {}
        for per in self.counts.values():
            for k, v in per.items():
                total[k] = total.get(k, 0) + v
        return {"by_operation": self.counts, "total": total,
                "calls": sum(total.values()), "nothing": total.get("nothing", 0)}

    def stop(self):
        self.server.shutdown()


# --- contestants ------------------------------------------------------------------

def timed(cmd, env, workdir, name, stdout_reader=None):
    """Runs cmd; wall, CPU and RSS from os.wait4. stdout goes to a file, or to
    stdout_reader(pipe) (a SingerReader factory)."""
    err_path = os.path.join(workdir, name + ".err")
    out_path = os.path.join(workdir, name + ".out")
    t0 = time.monotonic()
    with open(err_path, "w") as err_f, open(out_path, "wb") as out_f:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE if stdout_reader else out_f,
                             stderr=err_f, env=env, cwd=workdir, bufsize=1 << 20)
        reader = stdout_reader(p.stdout) if stdout_reader else None
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        if reader:
            reader.thread.join()
    return {"rc": os.waitstatus_to_exitcode(status), "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime, "cpu_user_s": usage.ru_utime,
            "cpu_sys_s": usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024,
            "stderr": err_path, "stdout": out_path, "reader": reader}


class Tap:
    def __init__(self, profile, a, workdir):
        self.profile, self.a, self.workdir = profile, a, workdir
        self.py = os.path.join(a.venv, "bin", "python")

    def env(self, sim_url):
        return dict(os.environ, PYTHONPATH=self.profile["wrapper_dir"],
                    **{self.profile["wsdl_env"]: sim_url + self.profile["wsdl_path"]})

    def prepare(self, sim_url):
        cfg = os.path.join(self.workdir, "tap-config.json")
        with open(cfg, "w") as f:
            json.dump(self.profile["tap_config"](self.a), f, indent=1)
        with open(os.path.join(self.workdir, "tap-discover.err"), "w") as err:
            out = subprocess.run([self.py, "-m", self.profile["wrapper"], "--config", cfg,
                                  "--discover"], stdout=subprocess.PIPE, stderr=err,
                                 env=self.env(sim_url), cwd=self.workdir, check=True).stdout
        catalog = json.loads(out)
        for stream in catalog["streams"]:
            for md in stream["metadata"]:
                md["metadata"]["selected"] = True
        props = os.path.join(self.workdir, "tap-properties.json")
        with open(props, "w") as f:
            json.dump(catalog, f)
        self.cmd = [self.py, "-m", self.profile["wrapper"], "--config", cfg, "--properties", props]

    def run(self, sim_url, name):
        r = timed(self.cmd, self.env(sim_url), self.workdir, name,
                  stdout_reader=lambda pipe: SingerReader(pipe))
        reader = r.pop("reader")
        r["records_by_stream"] = dict(reader.counts)
        r["records"] = sum(reader.counts.values())
        return r


class Quarry:
    def __init__(self, profile, a, workdir, quarry):
        self.profile, self.a, self.workdir, self.quarry = profile, a, workdir, quarry

    def prepare(self, sim_url):
        pass

    def run(self, sim_url, name):
        prefix = "race%d%s" % (int(time.time() * 1000), name.replace("-", ""))
        job = self.profile["source"]
        cfg = {"kafka": {"bootstrap_servers": self.a.bootstrap, "topic_prefix": prefix},
               "engine": {"workers": self.a.workers},
               "accounts": {job: self.profile["quarry_account"](sim_url)},
               "jobs": [dict({"name": job, "account": job, "start_date": self.profile["start_date"](self.a)},
                             **self.profile.get("quarry_job", {}))]}
        path = os.path.join(self.workdir, name + "-quarry.json")
        with open(path, "w") as f:
            json.dump(cfg, f, indent=1)
        cmd = [self.quarry, "--log-level", "warn", "extract", "--config", path, "--output",
               "kafka", "--state-dir", os.path.join(self.workdir, name + "-state")]
        r = timed(cmd, dict(os.environ, **self.profile["quarry_env"]), self.workdir, name)
        r.pop("reader")
        by_stream = {}
        with open(r["stdout"]) as f:
            for line in f:
                m = SUMMARY_RE.match(line)
                if m and m.group(1) != "stream":
                    by_stream[m.group(1)] = by_stream.get(m.group(1), 0) + int(m.group(2))
        r["records_by_stream"] = by_stream
        r["records"] = sum(by_stream.values())
        r["topic_prefix"] = prefix
        if self.a.verify_kafka:
            r["kafka_messages"] = count_topics(self.a.bootstrap, "%s.%s." % (prefix, job))
        return r


def count_topics(bootstrap, prefix):
    """Messages per topic whose name starts with prefix (kcat)."""
    meta = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J"], capture_output=True, text=True,
                          check=True).stdout
    counts = {}
    for t in json.loads(meta)["topics"]:
        if not t["topic"].startswith(prefix):
            continue
        out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", t["topic"], "-o", "beginning",
                              "-e", "-q", "-f", "x\n"], capture_output=True, check=True).stdout
        counts[t["topic"]] = out.count(b"\n")
    return counts


# --- one contestant at one latency --------------------------------------------------

def bench_one(profile, a, tool, latency_ms, quarry, outdir, census=False):
    label = "%s-%s" % (tool, "census" if census else "%dms" % latency_ms)
    workdir = os.path.join(outdir, label)
    os.makedirs(workdir, exist_ok=True)
    sim = Simulator(quarry, profile["source"], profile["sim_flags"](a), workdir, latency_ms)
    proxy = CallCensus(sim.url) if census else None
    url = proxy.url if proxy else sim.url
    contestant = Tap(profile, a, workdir) if tool == "tap" else Quarry(profile, a, workdir, quarry)
    result = {"tool": tool, "latency_ms": latency_ms, "census": census, "sim_cmd": sim.cmd}
    try:
        contestant.prepare(url)
        before = sim.stats()["calls_total"]
        result["discover_calls"] = before
        log("%s: full run" % label)
        run = contestant.run(url, "full")
        stats = sim.stats()
        run["calls"] = stats["calls_total"] - before
        run["calls_by_operation"] = stats.get("calls_by_operation", {})
        run["violations"] = len(stats.get("violations", []))
        if proxy:
            run["census"] = proxy.summary()
        result["full"] = run
        log("  rc %d, %d records, %.1f s wall, %.1f s CPU, %d calls%s" % (
            run["rc"], run["records"], run["wall_s"], run["cpu_s"], run["calls"],
            ", %d returning nothing" % run["census"]["nothing"] if proxy else ""))
    finally:
        if proxy:
            proxy.stop()
        sim.stop()
    return result


# --- report ---------------------------------------------------------------------------

def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def report(profile, results, a):
    print("%s: %s" % (profile["source"], profile["describe"](a)))
    print()
    timed_runs = [r for r in results if not r["census"] and "full" in r]
    census = {r["tool"]: r["full"].get("census") for r in results if r["census"] and "full" in r}
    print("| tool | latency | rc | records | wall s | CPU s | CPU µs/record | peak RSS MB "
          "| API calls | calls returning nothing |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in timed_runs:
        f = r["full"]
        per = f["cpu_s"] / f["records"] * 1e6 if f["records"] else None
        c = census.get(r["tool"])
        nothing = ("%d (%.0f%%)" % (c["nothing"], 100.0 * c["nothing"] / c["calls"])
                   if c and c["calls"] else "–")
        print("| %s | %d ms | %d | %d | %.1f | %.1f | %s | %.0f | %d | %s |" % (
            r["tool"], r["latency_ms"], f["rc"], f["records"], f["wall_s"], f["cpu_s"],
            fmt(per, ".1f"), f["max_rss_mb"], f["calls"], nothing))
    print()
    print("Ratios quarry / tap (full run):")
    by = {(r["tool"], r["latency_ms"]): r["full"] for r in timed_runs}
    for ms in sorted({r["latency_ms"] for r in timed_runs}):
        q, t = by.get(("quarry", ms)), by.get(("tap", ms))
        if not (q and t and q["records"] and t["records"] and q["calls"] and t["calls"]):
            continue
        print("  %d ms: records %.2fx, wall %.3fx, CPU %.3fx, CPU/record %.3fx, API calls "
              "%.2fx, peak RSS %.2fx" % (
                  ms, q["records"] / t["records"], q["wall_s"] / t["wall_s"],
                  q["cpu_s"] / t["cpu_s"],
                  (q["cpu_s"] / q["records"]) / (t["cpu_s"] / t["records"]),
                  q["calls"] / t["calls"], q["max_rss_mb"] / t["max_rss_mb"]))
    print()
    print("Records per stream (full run):")
    streams = sorted({s for r in timed_runs for s in r["full"]["records_by_stream"]})
    for s in streams:
        print("  %-28s %s" % (s, "  ".join("%s@%dms=%d" % (
            r["tool"], r["latency_ms"], r["full"]["records_by_stream"].get(s, 0))
            for r in timed_runs)))
    print()
    print("API calls by operation (full run, 0 ms or first latency):")
    for tool in ("quarry", "tap"):
        r = next((x for x in timed_runs if x["tool"] == tool), None)
        if r:
            print("  %s: %s" % (tool, json.dumps(r["full"]["calls_by_operation"], sort_keys=True)))
    for tool, c in census.items():
        if c:
            print("  census %s: %s" % (tool, json.dumps(c["by_operation"], sort_keys=True)))
    for r in timed_runs:
        if "kafka_messages" in r["full"]:
            print("  quarry@%dms Kafka messages in its topics: %d (summary: %d records)" % (
                r["latency_ms"], sum(r["full"]["kafka_messages"].values()), r["full"]["records"]))


def main(profile, argv=None):
    ap = argparse.ArgumentParser(description=profile["title"])
    ap.add_argument("--quarry", default=os.path.join(ROOT, "build", "cli", "quarry"),
                    help="quarry binary (copied into the results dir first)")
    ap.add_argument("--venv", required=True)
    ap.add_argument("--tools", default="quarry,tap")
    ap.add_argument("--latency-ms", default="0,100")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--bootstrap", default="127.0.0.1:19092")
    ap.add_argument("--no-census", dest="census", action="store_false")
    ap.add_argument("--no-verify-kafka", dest="verify_kafka", action="store_false")
    ap.add_argument("--out", default=None,
                    help="results dir (default bench/results/%s-<UTC>)" % profile["source"])
    profile["add_arguments"](ap)
    a = ap.parse_args(argv)

    outdir = os.path.abspath(a.out or os.path.join(
        ROOT, "bench", "results",
        profile["source"] + "-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    os.makedirs(outdir, exist_ok=True)
    quarry = os.path.join(outdir, "quarry")
    shutil.copy2(a.quarry, quarry)  # the tree's binary may be rebuilt during a run
    log("results in %s" % outdir)
    machine = {"load_at_start": open("/proc/loadavg").read().split()[:3], "nproc": os.cpu_count(),
               "commit": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                        capture_output=True, text=True).stdout.strip(),
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    log("machine: %s" % machine)

    results = []

    def save():
        with open(os.path.join(outdir, "results.json"), "w") as f:
            json.dump({"args": vars(a), "machine": machine, "results": results}, f, indent=1)

    tools = [t for t in a.tools.split(",") if t]
    for ms in [int(x) for x in a.latency_ms.split(",") if x]:
        for tool in tools:
            results.append(bench_one(profile, a, tool, ms, quarry, outdir))
            save()
    if a.census:
        for tool in tools:
            results.append(bench_one(profile, a, tool, 0, quarry, outdir, census=True))
            save()
    report(profile, results, a)
