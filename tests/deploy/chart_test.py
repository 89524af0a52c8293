"""The Helm chart deploy/helm/quarry, rendered by a real helm, and every
config it renders checked by the real quarry.

`helm lint --strict` and `helm template` with the defaults plus a TLS Secret,
with every option on (values-all.yaml) and with each example values file
(deploy/helm/quarry/examples, TLS and NetworkPolicy on); the rendered objects
checked for what the chart promises: one Recreate coordinator running `quarry
serve`, workers joining it over mutual TLS (the Secret mounted read-only, the
config pointing at it; no worker pods without TLS), NetworkPolicies, probes,
resources and a security context on every container whose UID can be
removed, the escape hatches, the config the chart forces, secrets only as
references to existing Secrets, no Secret object; the values schema refusing
every way of writing a secret's value into values; `quarry config check`
accepting every rendered config, and the schema and quarry agreeing on which
configs are valid.

Environment: HELM (the helm binary), CHART (the chart directory),
QUARRY_VERSION (the project version), QUARRY (the quarry binary).
"""

import json
import os
import pathlib
import subprocess
import tempfile
import unittest

import yaml

HELM = os.environ["HELM"]
CHART = os.environ["CHART"]
VERSION = os.environ["QUARRY_VERSION"]
HERE = pathlib.Path(__file__).resolve().parent
QUARRY = os.environ["QUARRY"]
VALUES_ALL = str(HERE / "values-all.yaml")
EXAMPLES = sorted(pathlib.Path(CHART, "examples").glob("*.yaml"))
KUBE = ["--kube-version", "1.30.0"]
# The defaults plus the one value they need: worker pods need TLS.
TLS = ["--set", "tls.existingSecret=quarry-tls"]
TLS_DIR = "/var/run/secrets/quarry/tls"

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


def config_check(config, *args):
    """`quarry config check` on a rendered config, secrets checked for shape
    only (they live in the cluster's Secrets): (exit code, stdout, stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(config, f)
        f.flush()
        r = subprocess.run([QUARRY, "config", "check", "--config", f.name, "--no-resolve-secrets", *args],
                           capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


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
        cls.default = render(*TLS)
        cls.all_on = render("-f", VALUES_ALL)
        cls.renders = {"default": cls.default, "all options": cls.all_on}

    def test_app_version_is_the_project_version(self):
        meta = yaml.safe_load(pathlib.Path(CHART, "Chart.yaml").read_text())
        self.assertEqual(meta["apiVersion"], "v2")
        self.assertEqual(meta["appVersion"], VERSION)

    def test_lint_strict_passes_with_default_all_options_and_every_example(self):
        self.assertGreaterEqual(len(EXAMPLES), 3)
        for extra in [TLS, ["-f", VALUES_ALL]] + [["-f", str(e)] for e in EXAMPLES]:
            r = helm("lint", "--strict", CHART, *KUBE, *extra)
            self.assertEqual(r.returncode, 0, f"helm lint --strict {extra}:\n{r.stdout}{r.stderr}")

    def test_default_renders_the_core_objects_only(self):
        kinds = sorted(o["kind"] for o in self.default)
        self.assertEqual(kinds, ["ConfigMap", "Deployment", "Deployment", "NetworkPolicy", "NetworkPolicy",
                                 "PodDisruptionBudget", "Service", "Service", "ServiceAccount"])

    def test_all_options_render_every_optional_object(self):
        kinds = sorted(o["kind"] for o in self.all_on)
        self.assertEqual(kinds, ["Certificate", "ConfigMap", "ConfigMap", "Deployment", "Deployment",
                                 "HorizontalPodAutoscaler", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget",
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

    def test_uid_is_a_default_that_can_be_removed_or_overridden(self):
        for _, spec in pod_specs(self.default):
            self.assertEqual(spec["securityContext"]["runAsUser"], 65532)
            self.assertEqual(spec["containers"][0]["securityContext"]["runAsUser"], 65532)
        # A platform that assigns UIDs (OpenShift): the keys are removed.
        unset = [a for k in ("podSecurityContext.runAsUser", "podSecurityContext.runAsGroup",
                             "podSecurityContext.fsGroup", "securityContext.runAsUser",
                             "securityContext.runAsGroup") for a in ("--set", f"{k}=null")]
        for pod, spec in pod_specs(render(*TLS, *unset)):
            for ctx in [spec["securityContext"]] + [c["securityContext"] for c in spec["containers"]]:
                self.assertFalse({"runAsUser", "runAsGroup", "fsGroup"} & set(ctx), f"{pod}: {ctx}")
                self.assertEqual(ctx["runAsNonRoot"], True, pod)
        # Per component, merged over the top-level defaults.
        coordinator = one(self.all_on, "Deployment", "coordinator")["spec"]["template"]["spec"]
        worker = one(self.all_on, "Deployment", "worker")["spec"]["template"]["spec"]
        self.assertEqual(coordinator["securityContext"]["runAsUser"], 1000700000)
        self.assertEqual(coordinator["securityContext"]["fsGroup"], 65532)
        self.assertEqual(worker["securityContext"]["runAsUser"], 65532)
        self.assertEqual(worker["containers"][0]["securityContext"]["runAsUser"], 1000700001)
        self.assertEqual(worker["containers"][0]["securityContext"]["readOnlyRootFilesystem"], True)
        self.assertEqual(worker["initContainers"][0]["securityContext"]["runAsUser"], 1000700001)

    def test_escape_hatches_reach_their_deployment_only(self):
        coordinator = one(self.all_on, "Deployment", "coordinator")["spec"]["template"]
        worker = one(self.all_on, "Deployment", "worker")["spec"]["template"]
        c, w = coordinator["spec"], worker["spec"]
        self.assertEqual(c["priorityClassName"], "quarry-critical")
        self.assertNotIn("priorityClassName", w)
        self.assertEqual(c["nodeSelector"], {"kubernetes.io/os": "linux"})
        self.assertEqual(w["tolerations"][0]["value"], "etl")
        self.assertIn("nodeAffinity", w["affinity"])
        self.assertNotIn("affinity", c)
        self.assertEqual(w["topologySpreadConstraints"][0]["topologyKey"], "kubernetes.io/hostname")
        c_env = {e["name"]: e for e in c["containers"][0]["env"]}
        w_env = {e["name"]: e for e in w["containers"][0]["env"]}
        self.assertEqual(c_env["MALLOC_ARENA_MAX"]["value"], "2")
        self.assertNotIn("MALLOC_ARENA_MAX", w_env)
        self.assertEqual(w_env["POD_NAME"]["valueFrom"], {"fieldRef": {"fieldPath": "metadata.name"}})
        self.assertIn("QUARRY_ADMIN_TOKEN", w_env)
        self.assertIn({"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}}, w["volumes"])
        self.assertIn({"name": "scratch", "mountPath": "/scratch"}, w["containers"][0]["volumeMounts"])
        self.assertNotIn("scratch", [v["name"] for v in c["volumes"]])
        self.assertEqual(coordinator["metadata"]["annotations"]["example.com/team"], "data")
        self.assertEqual(coordinator["metadata"]["annotations"]["example.com/role"], "coordinator")
        self.assertEqual(worker["metadata"]["labels"]["example.com/cost-center"], "etl")
        self.assertEqual(worker["metadata"]["labels"]["example.com/role"], "worker")
        self.assertNotIn("example.com/role", coordinator["metadata"]["labels"])

    def test_worker_pods_without_tls_fail_rendering_saying_what_to_set(self):
        for args in ([], ["--set", "worker.autoscaling.enabled=true", "--set", "worker.replicas=0"]):
            r = helm("template", "t", CHART, *KUBE, *args)
            self.assertNotEqual(r.returncode, 0, args)
            for value in ("tls.existingSecret", "tls.certManager.enabled", "worker.replicas=0"):
                self.assertIn(value, r.stderr, args)
        r = helm("template", "t", CHART, *KUBE, "--set", "tls.certManager.enabled=true")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("tls.certManager.issuerRef.name", r.stderr)

    def test_without_worker_pods_the_coordinator_runs_tasks_and_opens_no_cluster_port(self):
        objects = render("--set", "worker.replicas=0")
        self.assertEqual([d["metadata"]["name"] for d in by_kind(objects, "Deployment")], ["t-quarry-coordinator"])
        self.assertEqual([o for o in objects if o["kind"] in ("PodDisruptionBudget", "Certificate")], [])
        config = quarry_config(objects)
        self.assertNotIn("cluster_listen", config["serve"])
        self.assertNotIn("local_workers", config["serve"])
        self.assertNotIn("tls", config["serve"])
        self.assertNotIn("worker", config)
        c = one(objects, "Deployment", "coordinator")["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual([p["name"] for p in c["ports"]], ["http"])
        self.assertEqual([p["name"] for p in one(objects, "Service", "coordinator")["spec"]["ports"]], ["http"])
        policy = one(objects, "NetworkPolicy", "coordinator")
        self.assertEqual([r["ports"][0]["port"] for r in policy["spec"]["ingress"]], ["http"])
        code, out, err = config_check(config)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["serve"]["local_workers"], 4)

    def test_tls_secret_is_mounted_read_only_and_named_in_the_config(self):
        cases = {"existing Secret": (self.default, "quarry-tls"),
                 "cert-manager": (self.all_on, "t-quarry-cluster-tls")}
        for name, (objects, secret) in cases.items():
            config = quarry_config(objects)
            tls = {"ca": f"{TLS_DIR}/ca.crt", "cert": f"{TLS_DIR}/tls.crt", "key": {"file": f"{TLS_DIR}/tls.key"}}
            self.assertEqual(config["serve"]["tls"], tls, name)
            self.assertEqual(config["worker"], {"tls": tls}, name)
            for pod, spec in pod_specs(objects):
                volume = next(v for v in spec["volumes"] if v.get("secret", {}).get("secretName") == secret)
                mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
                self.assertEqual((mount["mountPath"], mount["readOnly"]), (TLS_DIR, True), f"{name}: {pod}")
        cert = one(self.all_on, "Certificate")
        self.assertEqual(cert["spec"]["secretName"], "t-quarry-cluster-tls")
        self.assertEqual(cert["spec"]["issuerRef"], {"name": "quarry-ca", "kind": "ClusterIssuer",
                                                     "group": "cert-manager.io"})
        self.assertTrue({"server auth", "client auth"} <= set(cert["spec"]["usages"]))
        self.assertEqual(by_kind(self.default, "Certificate"), [])

    def test_network_policies(self):
        def rules(objects, component):
            return {r["ports"][0]["port"]: r.get("from") for r in
                    one(objects, "NetworkPolicy", component)["spec"]["ingress"]}
        workers = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "quarry",
                                                   "app.kubernetes.io/instance": "t",
                                                   "app.kubernetes.io/component": "worker"}}}
        prometheus = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}
        # Defaults: the cluster port only from this release's workers; every
        # http port (the coordinator's serves the admin API too) from Prometheus.
        self.assertEqual(rules(self.default, "coordinator"), {"http": [prometheus], "cluster": [workers]})
        opened = render(*TLS, "--set", "networkPolicy.admin.restrict=false")
        self.assertEqual(rules(opened, "coordinator"), {"http": None, "cluster": [workers]})
        self.assertEqual(rules(self.default, "worker"), {"http": [prometheus]})
        for component in ("coordinator", "worker"):
            self.assertEqual(one(self.default, "NetworkPolicy", component)["spec"]["policyTypes"], ["Ingress"])
            self.assertEqual(one(self.default, "NetworkPolicy", component)["spec"]["podSelector"]["matchLabels"]
                             ["app.kubernetes.io/component"], component)
        # Restricted admin API, a Prometheus selector and egress rules.
        monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                      "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}
        ops = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ops"}}}
        self.assertEqual(rules(self.all_on, "coordinator"), {"http": [monitoring, ops], "cluster": [workers]})
        self.assertEqual(rules(self.all_on, "worker"), {"http": [monitoring]})
        policy = one(self.all_on, "NetworkPolicy", "worker")["spec"]
        self.assertEqual((policy["policyTypes"], policy["egress"]), (["Ingress", "Egress"], [{}]))
        self.assertEqual(by_kind(render(*TLS, "--set", "networkPolicy.enabled=false"), "NetworkPolicy"), [])

    def test_every_rendered_config_passes_quarry_config_check(self):
        renders = dict(self.renders)
        for example in EXAMPLES:
            renders[example.name] = render("-f", str(example))
        for name, objects in renders.items():
            config = quarry_config(objects)
            for command in ("serve", "worker"):
                code, out, err = config_check(config, "--for", command)
                self.assertEqual(code, 0, f"{name} --for {command}:\n{err}")
                self.assertEqual(err, "", name)
                normalised = json.loads(out)
                self.assertEqual(normalised["telemetry"]["listen"], "0.0.0.0:9464", name)
                self.assertEqual(normalised["serve"]["admin_token"], {"env": "QUARRY_ADMIN_TOKEN"}, name)
            self.assertEqual(len(by_kind(objects, "NetworkPolicy")), len(by_kind(objects, "Deployment")), name)

    def test_schema_and_quarry_agree(self):
        """The schema accepts every config quarry accepts; where it refuses
        (a secret written inline), quarry refuses too."""
        marketo = {"source": "marketo", "credentials": {"client_id": "x", "client_secret": {"env": "S"}}}
        def account(**changes):
            return {**marketo, **changes}
        both_accept = [
            ("client_id from the environment", account(credentials={"client_id": {"env": "ID"},
                                                                    "client_secret": {"env": "S"}})),
            ("client_secret from a relative file", account(credentials={"client_id": "x",
                                                                        "client_secret": {"file": "s/secret"}})),
            ("an endpoint with a path", account(endpoint="https://123-ABC-456.mktorest.com/base")),
            ("nested settings", account(settings={"export_days": 7, "x": {"y": [1, {"z": None}]}})),
            ("a setting named like a secret, as a reference", account(settings={"password": {"env": "P"}})),
            ("a quota", account(quota={"daily_calls": 100, "windows": [{"calls": 1, "seconds": 1}]})),
        ]
        both_refuse = [
            ("user and password in an endpoint", account(endpoint=f"https://u:{DUMMY}@host")),
            ("a key in an endpoint's query", account(endpoint=f"https://host/rest?key={DUMMY}")),
            ("a literal password in settings", account(settings={"password": DUMMY})),
            ("a literal token deep in settings", account(settings={"auth": [{"apiToken": DUMMY}]})),
            ("a literal client secret", account(credentials={"client_id": "x", "client_secret": DUMMY})),
        ]
        # Shapes the schema leaves to quarry: accepted by the chart, refused by config check.
        quarry_refuses = [
            ("an unknown source", {"source": "hubspot"}),
            ("a quota window without seconds", account(quota={"windows": [{"calls": 1}]})),
        ]
        base = quarry_config(self.default)
        for what, value, chart_ok, quarry_ok in (
                [(w, v, True, True) for w, v in both_accept] + [(w, v, False, False) for w, v in both_refuse]
                + [(w, v, True, False) for w, v in quarry_refuses]):
            with self.subTest(what):
                r = helm("template", "t", CHART, *KUBE, *TLS, "--set-json", f"config.accounts.m={json.dumps(value)}")
                self.assertEqual(r.returncode == 0, chart_ok, f"chart: {r.stderr[:500]}")
                if not chart_ok:
                    self.assertNotIn(DUMMY, r.stdout + r.stderr, what)
                config = json.loads(json.dumps(base))
                config["accounts"] = {"m": value}
                code, out, err = config_check(config)
                self.assertEqual(code == 0, quarry_ok, f"quarry config check: {err}")
                self.assertEqual(code, 0 if quarry_ok else 2, what)
                self.assertNotIn(DUMMY, out + err, what)

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
        self.assertEqual(checksums(render(*TLS)), before)
        after = checksums(render(*TLS, "--set", "config.engine.workers=9"))
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
                    # The operator's extraEnv aside, every variable comes from a Secret.
                    extra = {e["name"] for e in values[c["name"]].get("extraEnv", [])} if name == "all options" else set()
                    for e in env.values():
                        if e["name"] in extra:
                            continue
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
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in coordinator["env"] if "secretKeyRef" in e.get("valueFrom", {})}
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
        emptydir = render(*TLS, "--set", "writableCredentials.enabled=true")
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
                r = helm("template", "t", CHART, *KUBE, *TLS, "--set-json", f"{key}={json.dumps(value)}")
                self.assertNotEqual(r.returncode, 0, f"{what}: accepted\n{r.stdout[:300]}")
                self.assertIn("don't meet the specifications of the schema", r.stderr, what)
                self.assertNotIn(DUMMY, r.stdout + r.stderr, f"{what}: the value was echoed")
        # The same shapes with references are accepted.
        ok = helm("template", "t", CHART, *KUBE, *TLS, "--set-json", f"config.accounts.m={json.dumps(marketo)}")
        self.assertEqual(ok.returncode, 0, ok.stderr)


if __name__ == "__main__":
    unittest.main()
