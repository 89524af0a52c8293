#!/usr/bin/env bash
# Debian's Prometheus server scraping a running `quarry serve`:
# - quarry serves a job on the synthetic simulator (cron every minute), with
#   2 local workers, into the test broker (QUARRY_TEST_KAFKA);
# - Prometheus (a temp config, tsdb in a temp dir, free port) scrapes it
#   every second with default label handling, as the chart's ServiceMonitor does, and
#   loads the chart's alert rules;
# - the test waits until the PromQL query quarry_records_total{quarry_job="<job>"}
#   answers a value > 0 through Prometheus' HTTP API;
# - `promtool check metrics` passes on quarry's /metrics text;
# - every alert rule evaluates without error on quarry's real series, and
#   every dashboard query is accepted by the server.
#   prometheus_test.sh QUARRY_BINARY
# Environment: QUARRY_TEST_KAFKA (broker), DEPLOY_DIR (the repo's deploy/).
set -euo pipefail
quarry=${1:?usage: prometheus_test.sh QUARRY_BINARY}
: "${QUARRY_TEST_KAFKA:?QUARRY_TEST_KAFKA must name the test broker (scripts/kafka start)}"
: "${DEPLOY_DIR:?}"
alerts=$DEPLOY_DIR/helm/quarry/files/alerts.yaml
dashboard=$DEPLOY_DIR/helm/quarry/files/dashboards/quarry.json
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do echo "--- $log (tail)" >&2; tail -20 "$log" >&2; done
  exit 1
}

# Runs `check` every 0.2 s until it succeeds or `seconds` pass.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for $what"
    sleep 0.2
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cp "$quarry" "$work/quarry"
"$work/quarry" sim synthetic --port 0 --accounts 8 --events-per-account 5 --users 10 > "$work/sim.log" 2>&1 &
pids+=($!)
sim_port() { sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/sim.log" | grep -q .; }
wait_for 20 "the simulator" sim_port
sim=$(sed -n 's|.*listening on \(http://127.0.0.1:[0-9]*\).*|\1|p' "$work/sim.log")

job=prom-$RANDOM$RANDOM
quarry_port=$(free_port)
cat > "$work/quarry.json" <<EOF
{"kafka": {"bootstrap_servers": "$QUARRY_TEST_KAFKA", "topic_prefix": "$job"},
 "telemetry": {"listen": "127.0.0.1:$quarry_port"},
 "serve": {"local_workers": 2},
 "accounts": {"sim": {"source": "synthetic", "endpoint": "$sim",
                      "credentials": {"api_key": {"env": "SYNTHETIC_API_KEY"}}}},
 "jobs": [{"name": "$job", "account": "sim", "start_date": "2024-01-01T00:00:00Z",
           "schedule": {"cron": "* * * * *"}}]}
EOF
SYNTHETIC_API_KEY=synthetic-key "$work/quarry" serve --config "$work/quarry.json" > "$work/serve.log" 2>&1 &
serve_pid=$!
pids+=($serve_pid)
serving() { kill -0 "$serve_pid" 2>/dev/null || fail "quarry serve exited"; }
ready() { serving && curl -fsS "http://127.0.0.1:$quarry_port/readyz" > /dev/null 2>&1; }
wait_for 60 "quarry serve's /readyz" ready

prom_port=$(free_port)
cat > "$work/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$alerts"]
scrape_configs:
  - job_name: quarry-test
    static_configs:
      - targets: ["127.0.0.1:$quarry_port"]
        labels: {quarry_role: coordinator}
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)
api=http://127.0.0.1:$prom_port/api/v1

# The value of an instant query's first sample ("" when there is none).
query_value() {
  curl -fsS --get "$api/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
print(r["data"]["result"][0]["value"][1] if r["data"]["result"] else "")'
}
records_counted() {
  local v
  serving
  v=$(query_value "sum(quarry_records_total{quarry_job=\"$job\"})" 2>/dev/null) || return 1
  [[ -n $v ]] && python3 -c "import sys; sys.exit(0 if float('$v') > 0 else 1)"
}
# The cron fires at the next minute; the run and a scrape follow.
wait_for 150 "Prometheus to answer quarry_records_total{quarry_job=\"$job\"} > 0" records_counted
echo "Prometheus: sum(quarry_records_total{quarry_job=\"$job\"}) = $(query_value "sum(quarry_records_total{quarry_job=\"$job\"})")"

curl -fsS "http://127.0.0.1:$quarry_port/metrics" > "$work/metrics.txt"
promtool check metrics < "$work/metrics.txt" > "$work/promtool.log" 2>&1 \
  || fail "promtool check metrics: $(cat "$work/promtool.log")"
echo "promtool check metrics: ok ($(grep -c '^# TYPE quarry_' "$work/metrics.txt") quarry metric families)"

# Every alert rule evaluated on the real series without error.
rules_healthy() {
  curl -fsS "$api/rules" | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
bad = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
sys.exit(0 if rules and not bad else 1)'
}
wait_for 30 "every alert rule to evaluate with health ok" rules_healthy
echo "alert rules: all evaluate"

# Every dashboard query, with Grafana's variables filled in, is accepted.
python3 - "$dashboard" "$api" <<'EOF'
import json, sys, urllib.parse, urllib.request
dash, api = json.load(open(sys.argv[1])), sys.argv[2]
subst = {"$__rate_interval": "5s", "$__range": "1h", "$quarry_job": ".*", "$account": ".*"}
n = 0
for p in dash["panels"]:
    for t in p.get("targets", []):
        q = t["expr"]
        for k, v in subst.items():
            q = q.replace(k, v)
        url = api + "/query?" + urllib.parse.urlencode({"query": q})
        r = json.load(urllib.request.urlopen(url))
        assert r["status"] == "success", (p["title"], q, r)
        n += 1
print(f"dashboard: {n} queries accepted")
EOF
