"""The Helm chart deploy/helm/quarry, rendered by a real helm.

`helm lint --strict` and `helm template` with the default values and with
every option on (values-all.yaml); the rendered objects checked for what the
chart promises: one Recreate coordinator running `quarry serve`, workers
joining it, probes, resources and a restrictive security context on every
container, the config the chart forces, secrets only as references to
existing Secrets, no Secret object; and the values schema refusing every way
of writing a secret's value into values.

Environment: HELM (the helm binary), CHART (the chart directory),
QUARRY_VERSION (the project version).
"""

import json
import os
import pathlib
import subprocess
import unittest

import yaml

HELM = os.environ["HELM"]
CHART = os.environ["CHART"]
VERSION = os.environ["QUARRY_VERSION"]
HERE = pathlib.Path(__file__).resolve().parent
VALUES_ALL = str(HERE / "values-all.yaml")
KUBE = ["--kube-version", "1.30.0"]

# A string a test places where values must refuse it.
DUMMY = "dummy-literal-secret-7f3a"


def helm(*args):
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120)


def render(*args):
    """The objects `helm template` renders, as dicts."""
    r = helm("template", "t", CHART, *KUBE, *args)
    if r.returncode != 0:
        raise AssertionError(f"helm template {' '.join(args)} failed:\n{r.stderr}")
    return [o for o in yaml.safe_load_all(r.stdout) if o]


def by_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def one(objects, kind, component=None):
    found = [o for o in by_kind(objects, kind)
             if component is None
             or o["metadata"]["labels"].get("app.kubernetes.io/component") == component]
    assert len(found) == 1, f"expected one {kind} {component or ''}, got {len(found)}"
    return found[0]


def pod_specs(objects):
    return [(d["metadata"]["name"], d["spec"]["template"]["spec"])
            for d in by_kind(objects, "Deployment")]


def quarry_config(objects):
    """The quarry config file the chart's ConfigMap holds, parsed."""
    cm = [c for c in by_kind(objects, "ConfigMap") if not c["metadata"]["name"].endswith("-dashboard")]
    assert len(cm) == 1, f"expected one config ConfigMap, got {len(cm)}"
    return json.loads(cm[0]["data"]["quarry.json"])


def secret_refs(config):
    """Every {"env": ...} and {"file": ...} reference in a quarry config."""
    found = []
    def walk(v):
        if isinstance(v, dict):
            if set(v) in ({"env"}, {"file"}):
                found.append(v)
            else:
                for x in v.values():
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(config)
    return found


def paths_of(value, tree, path=()):
    """The paths (tuples of keys) at which the string `value` occurs in tree."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from paths_of(value, v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from paths_of(value, v, path + (i,))
    elif isinstance(tree, str) and value in tree:
        yield path


class chart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.default = render()
        cls.all_on = render("-f", VALUES_ALL)
        cls.renders = {"default": cls.default, "all options": cls.all_on}

    def test_app_version_is_the_project_version(self):
        meta = yaml.safe_load(pathlib.Path(CHART, "Chart.yaml").read_text())
        self.assertEqual(meta["apiVersion"], "v2")
        self.assertEqual(meta["appVersion"], VERSION)

    def test_lint_strict_passes_with_default_and_all_options(self):
        for extra in ([], ["-f", VALUES_ALL]):
            r = helm("lint", "--strict", CHART, *KUBE, *extra)
            self.assertEqual(r.returncode, 0, f"helm lint --strict {extra}:\n{r.stdout}{r.stderr}")

    def test_default_renders_the_core_objects_only(self):
        kinds = sorted(o["kind"] for o in self.default)
        self.assertEqual(kinds, ["ConfigMap", "Deployment", "Deployment", "PodDisruptionBudget",
                                 "Service", "Service", "ServiceAccount"])

    def test_all_options_render_every_optional_object(self):
        kinds = sorted(o["kind"] for o in self.all_on)
        self.assertEqual(kinds, ["ConfigMap", "ConfigMap", "Deployment", "Deployment",
                                 "HorizontalPodAutoscaler", "PodDisruptionBudget",
                                 "PodDisruptionBudget", "PrometheusRule", "Service", "Service",
                                 "ServiceAccount", "ServiceMonitor"])

    def test_coordinator_is_one_recreated_serve_process(self):
        for name, objects in self.renders.items():
            d = one(objects, "Deployment", "coordinator")
            self.assertEqual(d["spec"]["replicas"], 1, name)
            self.assertEqual(d["spec"]["strategy"], {"type": "Recreate"}, name)
            c = d["spec"]["template"]["spec"]["containers"][0]
            self.assertEqual(c["args"], ["serve", "--config", "/etc/quarry/quarry.json"], name)
            self.assertEqual({p["name"] for p in c["ports"]}, {"http", "cluster"}, name)
            svc = one(objects, "Service", "coordinator")
            self.assertEqual({p["name"]: p["port"] for p in svc["spec"]["ports"]},
                             {"http": 9464, "cluster": 4242}, name)

    def test_workers_join_the_coordinator_service(self):
        for name, objects in self.renders.items():
            svc = one(objects, "Service", "coordinator")["metadata"]["name"]
            args = one(objects, "Deployment", "worker")["spec"]["template"]["spec"]["containers"][0]["args"]
            self.assertEqual(args[:3], ["worker", "--join", f"{svc}:4242"], name)
            self.assertIn("--config", args)

    def test_worker_replicas_come_from_values_or_the_autoscaler(self):
        self.assertEqual(one(self.default, "Deployment", "worker")["spec"]["replicas"], 2)
        self.assertNotIn("replicas", one(self.all_on, "Deployment", "worker")["spec"])
        hpa = one(self.all_on, "HorizontalPodAutoscaler")
        self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
        self.assertEqual(hpa["spec"]["scaleTargetRef"]["name"],
                         one(self.all_on, "Deployment", "worker")["metadata"]["name"])
        self.assertEqual(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 60)

    def test_every_container_has_probes_resources_and_security_context(self):
        for name, objects in self.renders.items():
            for pod, spec in pod_specs(objects):
                self.assertEqual(spec["securityContext"]["runAsNonRoot"], True)
                self.assertEqual(spec["securityContext"]["runAsUser"], 65532)
                self.assertEqual(spec["securityContext"]["seccompProfile"], {"type": "RuntimeDefault"})
                self.assertFalse(spec["automountServiceAccountToken"])
                containers = spec["containers"] + spec.get("initContainers", [])
                for c in containers:
                    where = f"{name}: {pod}/{c['name']}"
                    res = c.get("resources", {})
                    for part in ("requests", "limits"):
                        self.assertEqual(set(res.get(part, {})) >= {"cpu", "memory"}, True, where)
                    sc = c.get("securityContext", {})
                    self.assertEqual(sc.get("runAsNonRoot"), True, where)
                    self.assertEqual(sc.get("runAsUser"), 65532, where)
                    self.assertEqual(sc.get("readOnlyRootFilesystem"), True, where)
                    self.assertEqual(sc.get("allowPrivilegeEscalation"), False, where)
                    self.assertEqual(sc.get("capabilities"), {"drop": ["ALL"]}, where)
                    self.assertEqual(sc.get("seccompProfile"), {"type": "RuntimeDefault"}, where)
                for c in spec["containers"]:
                    where = f"{name}: {pod}/{c['name']}"
                    self.assertEqual(c["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "http"}, where)
                    self.assertEqual(c["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "http"}, where)
                    tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
                    self.assertEqual(len(tmp), 1, where)
                    vol = next(v for v in spec["volumes"] if v["name"] == tmp[0]["name"])
                    self.assertIn("emptyDir", vol, where)

    def test_config_has_the_settings_the_chart_owns(self):
        for name, objects in self.renders.items():
            config = quarry_config(objects)
            self.assertEqual(config["telemetry"]["listen"], "0.0.0.0:9464", name)
            self.assertEqual(config["serve"]["cluster_listen"], "0.0.0.0:4242", name)
            self.assertEqual(config["serve"]["local_workers"], 0, name)
            self.assertEqual(config["serve"]["admin_token"], {"env": "QUARRY_ADMIN_TOKEN"}, name)
        config = quarry_config(self.all_on)
        self.assertEqual(config["serve"]["grace_period_s"], 60)
        self.assertEqual(config["kafka"]["properties"]["sasl.password"], {"env": "KAFKA_PASSWORD"})
        self.assertEqual(config["jobs"][1]["schedule"], {"cron": "0 2 * * *", "time_zone": "America/New_York"})
        # quarry's grace period plus a margin.
        for _, spec in pod_specs(self.all_on):
            self.assertEqual(spec["terminationGracePeriodSeconds"], 75)

    def test_a_changed_config_rolls_the_pods(self):
        def checksums(objects):
            return {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
                    for d in by_kind(objects, "Deployment")}
        before = checksums(self.default)
        self.assertEqual(checksums(render()), before)
        after = checksums(render("--set", "config.engine.workers=9"))
        for name in before:
            self.assertNotEqual(after[name], before[name], name)

    def test_no_secret_object_is_rendered(self):
        for name, objects in self.renders.items():
            self.assertEqual(by_kind(objects, "Secret"), [], name)

    def test_config_secrets_reach_every_container_only_from_secrets(self):
        values = yaml.safe_load(pathlib.Path(VALUES_ALL).read_text())
        for name, objects in self.renders.items():
            refs = secret_refs(quarry_config(objects))
            for pod, spec in pod_specs(objects):
                for c in spec["containers"]:
                    where = f"{name}: {pod}/{c['name']}"
                    env = {e["name"]: e for e in c.get("env", [])}
                    for e in env.values():
                        self.assertEqual(list(e), ["name", "valueFrom"], where)
                        self.assertEqual(list(e["valueFrom"]), ["secretKeyRef"], where)
                    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
                    for ref in refs:
                        if "env" in ref:
                            self.assertIn(ref["env"], env, where)
                        else:
                            self.assertTrue(any(ref["file"].startswith(p + "/") for p in mounts),
                                            f"{where}: {ref['file']} is on no mounted volume")
        # The admin token and every secretEnv entry, from the Secrets named.
        coordinator = one(self.all_on, "Deployment", "coordinator")["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in coordinator["env"]}
        self.assertEqual(env["QUARRY_ADMIN_TOKEN"], {"name": "quarry-admin-token", "key": "bearer"})
        for e in values["secretEnv"]:
            self.assertEqual(env[e["name"]], {"name": e["secretName"], "key": e["key"]})

    def test_secret_names_appear_only_in_secret_references(self):
        values = yaml.safe_load(pathlib.Path(VALUES_ALL).read_text())
        names = {e["secretName"] for e in values["secretEnv"] + values["secretFiles"]}
        names |= {values["admin"]["existingSecret"], values["writableCredentials"]["seed"]["secretName"]}
        allowed_ends = {("secretKeyRef", "name"), ("secret", "secretName")}
        for name in sorted(names):
            paths = [p for o in self.all_on for p in paths_of(name, o)]
            self.assertTrue(paths, f"{name} is referenced nowhere")
            for p in paths:
                self.assertIn(tuple(p[-2:]), allowed_ends, f"{name} at {'/'.join(map(str, p))}")

    def test_writable_credentials_are_seeded_without_overwriting(self):
        spec = one(self.all_on, "Deployment", "worker")["spec"]["template"]["spec"]
        vol = next(v for v in spec["volumes"] if v["name"] == "writable-credentials")
        self.assertEqual(vol["persistentVolumeClaim"], {"claimName": "quarry-credentials"})
        init = spec["initContainers"][0]
        self.assertIn("cp -n /seed/*", init["command"][-1])
        emptydir = render("--set", "writableCredentials.enabled=true")
        spec = one(emptydir, "Deployment", "worker")["spec"]["template"]["spec"]
        vol = next(v for v in spec["volumes"] if v["name"] == "writable-credentials")
        self.assertEqual(vol, {"name": "writable-credentials", "emptyDir": {}})
        self.assertNotIn("initContainers", spec)

    def test_monitoring_objects(self):
        sm = one(self.all_on, "ServiceMonitor")
        self.assertEqual(sm["metadata"]["labels"]["release"], "kube-prometheus-stack")
        endpoint = sm["spec"]["endpoints"][0]
        self.assertEqual((endpoint["port"], endpoint["path"]), ("http", "/metrics"))
        # quarry_job, not job: Prometheus' own job label must not be overridden.
        self.assertNotIn("honorLabels", endpoint)
        rules = yaml.safe_load(pathlib.Path(CHART, "files/alerts.yaml").read_text())
        self.assertEqual(one(self.all_on, "PrometheusRule")["spec"], rules)
        dash = next(c for c in by_kind(self.all_on, "ConfigMap") if "dashboard" in c["metadata"]["name"])
        self.assertEqual(dash["metadata"]["labels"]["grafana_dashboard"], "1")
        self.assertEqual(json.loads(dash["data"]["quarry.json"]),
                         json.loads(pathlib.Path(CHART, "files/dashboards/quarry.json").read_text()))

    def test_schema_refuses_literal_secrets_and_unknown_keys(self):
        marketo = {"source": "marketo", "credentials": {"client_id": "x", "client_secret": {"env": "S"}}}
        cases = [
            ("a credential's value", "config.accounts.m",
             {**marketo, "credentials": {"client_id": "x", "client_secret": DUMMY}}),
            ("an unknown credential's value", "config.accounts.m",
             {**marketo, "credentials": {"client_id": "x", "client_secret": {"env": "S"}, "token": DUMMY}}),
            ("a rotated refresh token from the environment", "config.accounts.c",
             {"source": "constant_contact", "credentials": {"refresh_token": {"env": "R"}}}),
            ("a kafka password", "config.kafka.properties", {"sasl.password": DUMMY}),
            ("a kafka JAAS config", "config.kafka.properties", {"sasl.jaas.config": f"password={DUMMY}"}),
            ("a kafka SSL key", "config.kafka.properties", {"ssl.key.pem": DUMMY}),
            ("user and password in an endpoint", "config.accounts.m",
             {**marketo, "endpoint": f"https://u:{DUMMY}@host"}),
            ("a key in an endpoint's query", "config.accounts.m",
             {**marketo, "endpoint": f"https://host/rest?key={DUMMY}"}),
            ("the admin token itself", "admin", {"token": DUMMY}),
            ("the admin token in config", "config.serve", {"admin_token": DUMMY}),
            ("a literal env value", "secretEnv", [{"name": "X", "value": DUMMY}]),
            ("a Secret's data", "secretFiles", [{"secretName": "s", "mountPath": "/s", "data": {"k": DUMMY}}]),
            ("an unknown top-level key", "secrets", {"api_key": DUMMY}),
            ("extra container env", "worker", {"env": [{"name": "X", "value": DUMMY}]}),
            ("a listen address the chart owns", "config.telemetry", {"listen": "0.0.0.0:1"}),
            ("the embedded kafka", "config.kafka", {"bootstrap_servers": "k:9092", "embedded": True}),
        ]
        for what, key, value in cases:
            with self.subTest(what):
                r = helm("template", "t", CHART, *KUBE, "--set-json", f"{key}={json.dumps(value)}")
                self.assertNotEqual(r.returncode, 0, f"{what}: accepted\n{r.stdout[:300]}")
                self.assertIn("don't meet the specifications of the schema", r.stderr, what)
                self.assertNotIn(DUMMY, r.stdout + r.stderr, f"{what}: the value was echoed")
        # The same shapes with references are accepted.
        ok = helm("template", "t", CHART, *KUBE, "--set-json", f"config.accounts.m={json.dumps(marketo)}")
        self.assertEqual(ok.returncode, 0, ok.stderr)


if __name__ == "__main__":
    unittest.main()
