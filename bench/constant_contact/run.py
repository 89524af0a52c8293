#!/usr/bin/env python3
"""bench/constant_contact: API calls quarry spends on Constant Contact (10,000
a day) for a full and an incremental run, against a naive parent-then-children
scan of the same account.

Dataset: `quarry sim constant-contact` with --contacts, --campaigns (sent over
--data-days days before now, about one in seven left a draft), one
primary_email activity (+ a permalink) each, --recipients per activity; the
tracking events of a send accrue over the 30 days after it.

1. full run from a start_date before the data;
2. the sim clock moves on a day, --touch contacts change, --delete contacts
   are deleted (POST /_sim/contacts/delete) and --send new campaigns go out;
3. incremental run.

--reading NAME=VALUE (repeatable) sets a simulator reading, e.g.
delete_bumps_updated_at=no.

--streams A,B selects only those streams. With --streams
contact_activity_summaries the naive scan is the one that stream allows
without quarry's choice of contacts: every contact paged (500 a page) and
its activity summary asked, 200 activities a page, on every run.

Calls are what the simulator counted (/_sim/stats), by path. The naive scan
is counted from the simulator's dataset at the moment of each run: every
list paged at its maximum page size (contacts 500, lists 1,000, custom fields
100, emails 500, reports 500), then for every campaign GET /emails/{id}, for
every activity GET /emails/activities/{id} and its previews, schedules and
send_history, for every primary_email activity each of the 8 reports, page
by page, and its links report; and the five account-wide lists of issue 17
(summary, emails, tags, segments, campaign summaries), and (every stream
selected) a call per contact for its activity summary. Its incremental run pages only
the changed contacts but must walk the whole campaign tree again: nothing in
the campaign list says which campaigns' reports grew. Limits are set wide so
the bench measures calls, not waiting (at the real 4 calls/s the wall time
is calls / 4 s), quarry's daily budget too (a run past 10,000 calls would
otherwise stop, resumably, at 10,000).
"""

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

REPORTS = ["sends", "opens", "unique_opens", "clicks", "bounces", "optouts", "forwards", "didnotopens"]


def get(url, path):
    with urllib.request.urlopen(url + path) as r:
        return json.loads(r.read())


def post(url, path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def pages(n, size):
    return max(1, math.ceil(n / size))


def naive_calls(url, contacts_read):
    """Calls of a parent-then-children scan of the account as the sim shows it now."""
    campaigns = get(url, "/_sim/dataset/campaigns")
    activities = get(url, "/_sim/dataset/campaign_activities")
    per_report = {}
    for r in REPORTS:
        counts = {}
        for e in get(url, "/_sim/dataset/" + r):
            counts[e["campaign_activity_id"]] = counts.get(e["campaign_activity_id"], 0) + 1
        per_report[r] = counts
    calls = pages(contacts_read, 500) + pages(len(get(url, "/_sim/dataset/contact_lists")), 1000)
    calls += pages(len(get(url, "/_sim/dataset/contact_custom_fields")), 100)
    calls += pages(len(campaigns), 500) + len(campaigns) + len(activities)
    for a in activities:
        # Issue 17: every activity's preview, schedules and send history.
        calls += 3
        if a["role"] in ("primary_email", "resend"):
            calls += sum(pages(per_report[r].get(a["campaign_activity_id"], 0), 500) for r in REPORTS)
            calls += 1  # its links report (one call with no_clicks=true)
    # Issue 17: account summary, account emails, tags, segments, and the
    # campaign summaries (at most the last 500 campaigns, 500 a page).
    sent = sum(1 for c in campaigns if c["current_status"] == "Done")
    calls += 2 + pages(len(get(url, "/_sim/dataset/contact_tags")), 500)
    calls += pages(len(get(url, "/_sim/dataset/segments")), 1000) + pages(min(sent, 500), 500)
    return calls


def naive_summary_calls(url):
    """Calls of one activity summary per contact, as the sim shows the account now."""
    contacts = get(url, "/_sim/dataset/contacts")
    rows = {}
    for r in get(url, "/_sim/dataset/contact_activity_summaries"):
        rows[r["contact_id"]] = rows.get(r["contact_id"], 0) + 1
    return pages(len(contacts), 500) + sum(pages(rows.get(c["contact_id"], 0), 200) for c in contacts)


def run_quarry(quarry, config, env):
    t0 = time.time()
    p = subprocess.run([quarry, "extract", "--config", config], env=env, capture_output=True, text=True)
    return p, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quarry", default=os.path.join(os.path.dirname(__file__), "../../build/cli/quarry"))
    ap.add_argument("--bootstrap", default=os.environ.get("QUARRY_BENCH_KAFKA", "127.0.0.1:19092"))
    ap.add_argument("--contacts", type=int, default=10000)
    ap.add_argument("--campaigns", type=int, default=100)
    ap.add_argument("--recipients", type=int, default=1000)
    ap.add_argument("--data-days", type=int, default=200)
    ap.add_argument("--touch", type=int, default=200)
    ap.add_argument("--send", type=int, default=2)
    ap.add_argument("--delete", type=int, default=0)
    ap.add_argument("--reading", action="append", default=[])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--streams", default=None, help="comma-separated streams to select (default: every stream)")
    ap.add_argument("--out", default=None, help="results directory (default bench/results/constant_contact-<time>)")
    a = ap.parse_args()

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = a.out or os.path.join(os.path.dirname(__file__), "../results/constant_contact-" + stamp)
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cc-bench-")
    sim = subprocess.Popen([a.quarry, "sim", "constant-contact", "--port", "0", "--seed", str(a.seed),
                            "--contacts", str(a.contacts), "--campaigns", str(a.campaigns),
                            "--recipients", str(a.recipients), "--data-days", str(a.data_days),
                            "--window", "100000/1", "--daily-limit", "100000000"] +
                           [x for r in a.reading for x in ("--reading", r)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = sim.stdout.readline().split()[-1]
        token_file = os.path.join(work, "refresh_token")
        with open(token_file, "w") as f:
            f.write("cc-refresh-0\n")
        start = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=a.data_days + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        config = os.path.join(work, "quarry.json")
        with open(config, "w") as f:
            json.dump({"kafka": {"bootstrap_servers": a.bootstrap, "topic_prefix": "bench-cc-" + stamp.lower(),
                                 "replication_factor": 1},
                       "engine": {"workers": 4},
                       "accounts": {"cc": {"source": "constant_contact", "endpoint": url,
                                           "credentials": {"client_id": "cc-client",
                                                           "client_secret": {"env": "CC_SECRET"},
                                                           "refresh_token": {"file": token_file}},
                                           "settings": {"auth_endpoint": url},
                                           "quota": {"daily_calls": 100000000,
                                                     "windows": [{"calls": 100000, "seconds": 1}]}}},
                       "jobs": [dict({"name": "cc", "account": "cc", "start_date": start},
                                     **({"streams": a.streams.split(",")} if a.streams else {}))]}, f)
        env = dict(os.environ, CC_SECRET="cc-secret")
        rows = []
        for label in ("full", "incremental"):
            if label == "incremental":
                post(url, "/_sim/clock", {"advance_seconds": 86400})
                post(url, "/_sim/mutate", {"touch_contacts": a.touch, "send_campaigns": a.send})
                if a.delete:
                    post(url, "/_sim/contacts/delete", {"count": a.delete})
            if a.streams == "contact_activity_summaries":
                naive = naive_summary_calls(url)
            else:
                naive = naive_calls(url, a.contacts if label == "full" else a.touch)
                if not a.streams:  # every stream: the summaries' naive scan too
                    naive += naive_summary_calls(url)
            post(url, "/_sim/reset_stats", {})
            p, wall = run_quarry(a.quarry, config, env)
            with open(os.path.join(out, label + ".out"), "w") as f:
                f.write(p.stdout + p.stderr)
            if p.returncode != 0:
                sys.exit("quarry %s run failed (%d): see %s" % (label, p.returncode, out))
            stats = get(url, "/_sim/stats")
            rows.append({"run": label, "quarry_calls": stats["calls_total"], "naive_calls": naive,
                         "wall_s": round(wall, 1), "calls_by_path": stats["calls_by_path"]})
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump({"args": vars(a), "rows": rows}, f, indent=2)
        print("| run | quarry calls | naive scan calls | quarry/naive | quarry wall s |")
        print("|---|---|---|---|---|")
        for r in rows:
            print("| %s | %d | %d | %.0f %% | %.1f |" % (r["run"], r["quarry_calls"], r["naive_calls"],
                                                        100.0 * r["quarry_calls"] / r["naive_calls"], r["wall_s"]))
        print("results in", os.path.abspath(out))
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
