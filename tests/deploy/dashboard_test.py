"""The Grafana dashboard deploy/dashboards/quarry.json (one copy, in the chart).

Importable JSON with a Prometheus datasource variable and quarry_job and account
variables; every quarry metric is shown, filtered by the variables where it
has the label; every query is valid PromQL (promtool parses them as
recording rules); panels do not overlap.

Environment: DEPLOY_DIR (the repository's deploy/ directory).
"""

import json
import os
import pathlib
import re
import subprocess
import tempfile
import unittest

DEPLOY = pathlib.Path(os.environ["DEPLOY_DIR"])
CHART_COPY = DEPLOY / "helm/quarry/files/dashboards/quarry.json"
PUBLISHED = DEPLOY / "dashboards/quarry.json"

# Every metric quarry exports, and which dashboard variable filters it.
METRICS = {
    "quarry_build_info": None,
    "quarry_records_total": "quarry_job",
    "quarry_api_calls_total": "account",
    "quarry_api_call_duration_seconds": None,
    "quarry_api_throttles_total": "account",
    "quarry_quota_remaining": "account",
    "quarry_quota_daily_limit": "account",
    "quarry_quota_wait_seconds": "account",
    "quarry_tasks": None,
    "quarry_kafka_messages_total": None,
    "quarry_kafka_delivery_latency_seconds": None,
    "quarry_kafka_transactions_total": None,
    "quarry_bookmark_last_commit_timestamp_seconds": "quarry_job",
    "quarry_runs_total": "quarry_job",
    "quarry_run_duration_seconds": "quarry_job",
    "quarry_run_last_finish_timestamp_seconds": "quarry_job",
    "quarry_workers": None,
    "quarry_stream_consecutive_failures": "quarry_job",
}

# quarry's labels that share the metrics' prefix.
LABELS = {"quarry_job", "quarry_role"}

# Grafana's variables, replaced by values Prometheus accepts.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__range": "6h", "$quarry_job": ".*", "$account": ".*"}


def base_metric(name):
    return re.sub(r"_(bucket|sum|count)$", "", name)


class dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dash = json.loads(CHART_COPY.read_text())
        cls.panels = [p for p in cls.dash["panels"] if p["type"] != "row"]
        cls.exprs = [t["expr"] for p in cls.panels for t in p["targets"]]

    def test_published_path_is_the_chart_copy(self):
        self.assertEqual(PUBLISHED.resolve(), CHART_COPY.resolve())

    def test_variables(self):
        v = {x["name"]: x for x in self.dash["templating"]["list"]}
        self.assertEqual((v["datasource"]["type"], v["datasource"]["query"]), ("datasource", "prometheus"))
        for name in ("quarry_job", "account"):
            self.assertEqual(v[name]["type"], "query")
            self.assertIn(f", {name})", v[name]["definition"])
            self.assertTrue(v[name]["includeAll"] and v[name]["multi"])

    def test_every_query_uses_the_datasource_variable(self):
        for p in self.panels:
            self.assertEqual(p["datasource"]["uid"], "${datasource}", p["title"])
            for t in p["targets"]:
                self.assertEqual(t["datasource"]["uid"], "${datasource}", p["title"])

    def test_every_metric_is_shown_and_filtered(self):
        used = {}
        for e in self.exprs:
            for name in re.findall(r"\bquarry_[a-z_]+", e):
                if name not in LABELS:
                    used.setdefault(base_metric(name), []).append(e)
        self.assertEqual(set(used), set(METRICS))
        for metric, var in METRICS.items():
            if var:
                for e in used[metric]:
                    self.assertIn(f'{var}=~"${var}"', e, e)

    def test_queries_are_valid_promql(self):
        rules = []
        for i, e in enumerate(self.exprs):
            for var, value in GRAFANA_VARS.items():
                e = e.replace(var, value)
            self.assertNotIn("$", e, e)
            rules.append({"record": f"dashboard:query_{i}", "expr": e})
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
            f.flush()
            r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"SUCCESS: {len(rules)} rules found", r.stdout)

    def test_panels_do_not_overlap(self):
        cells = {}
        for p in self.dash["panels"]:
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, f"{p['title']} overlaps {cells.get((x, y))}")
                    cells[(x, y)] = p["title"]


if __name__ == "__main__":
    unittest.main()
