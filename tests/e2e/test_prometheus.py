"""A real Prometheus scrapes the four services (gunicorn web tiers with two workers each, and
the workers' own metrics endpoints) and its HTTP API shows exactly what the test did."""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict

from shared.config import SERVICES
from tests.e2e.conftest import Cluster, running_cluster
from tests.mailbox import Mailbox
from tests.support import bearer, free_port, processes, servers_required, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
WEB, WORKER = "govhall-web", "govhall-worker"
UNITS = 12  # units the test registers, each one outbox row and one event per consumer


@pytest.fixture(scope="module")
def prom_cluster(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Cluster]:
    """Its own cluster, so every count starts at zero; workers serve their own metrics too."""
    with running_cluster(
        tmp_path_factory.mktemp("prom-cluster"), mailbox, worker_metrics=True
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory, prom_cluster: Cluster) -> Iterator[str]:
    """A Prometheus on 127.0.0.1 scraping every second; its base URL. Stopped by its PID."""
    binary = os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus")
    if binary is None and Path("/usr/bin/prometheus").exists():
        binary = "/usr/bin/prometheus"
    if binary is None:
        message = "prometheus is not installed (apt-get install prometheus, or PROMETHEUS_BIN)"
        if servers_required():
            pytest.fail(f"{message} (GOVHALL_REQUIRE_SERVERS=1)")
        pytest.skip(message)
    home = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [
            {"job_name": WEB, "static_configs": [{"targets": _targets(prom_cluster.urls)}]},
            {
                "job_name": WORKER,
                "static_configs": [
                    {
                        "targets": _targets(
                            {s: urls[0] for s, urls in prom_cluster.worker_metrics_urls.items()}
                        )
                    }
                ],
            },
        ],
    }
    (home / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    with processes(home) as start:
        server = start(
            "prometheus",
            [
                binary,
                f"--config.file={home / 'prometheus.yml'}",
                f"--storage.tsdb.path={home / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            {},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(
                lambda: requests.get(f"{base}/-/ready", timeout=2).status_code == 200,
                timeout=20,
                interval=0.2,
            )
        except TimeoutError:
            pytest.fail(f"prometheus did not start:\n{server.output()}")
        yield base


def test_prometheus_sees_exactly_the_requests_and_events_of_the_test(
    prom_cluster: Cluster, prometheus: str
) -> None:
    cluster = prom_cluster
    web = f'job="{WEB}"'
    worker = f'job="{WORKER}"'
    # Every web tier and every worker scraped.
    expect(prometheus, f"sum(up{{{web}}})", len(SERVICES))
    expect(prometheus, f"sum(up{{{worker}}})", len(SERVICES))

    # N reads of one endpoint, sent concurrently until both gunicorn workers have answered some.
    # Each on a connection of its own: gthread workers keep connections alive, and a pooled
    # connection would stay with the worker that accepted it.
    units_url = cluster.url("registry", "/api/v1/units")
    fresh = {**AUTHORITY, "Connection": "close"}
    metrics_dir = cluster.log_dir / "prometheus" / "registry"
    sent = 0
    with requests.Session() as session, ThreadPoolExecutor(4) as pool:
        for _ in range(10):
            statuses = list(
                pool.map(
                    lambda _: session.get(units_url, headers=fresh, timeout=10).status_code,
                    range(8),
                )
            )
            assert statuses == [200] * 8
            sent += 8
            if len(_requests_by_pid(metrics_dir, "GET", "/api/v1/units")) >= 2:
                break
    by_pid = _requests_by_pid(metrics_dir, "GET", "/api/v1/units")
    assert len(by_pid) >= 2, f"one gunicorn worker answered all {sent} requests: {by_pid}"
    assert sum(by_pid.values()) == sent

    # The outbox backlog gauge (read from the database at scrape time) while the relay is
    # paused: exactly the units registered, then back to zero once the worker goes on.
    expect(prometheus, f'govhall_outbox_backlog{{{web},service="registry"}}', 0)
    registry_worker = cluster.worker_processes["registry"][0]
    worker_target = cluster.worker_metrics_urls["registry"][0].removeprefix("http://")
    os.kill(registry_worker.pid, signal.SIGSTOP)
    try:
        with requests.Session() as session:
            for i in range(UNITS):
                body = {"code": f"prom-{i:02d}", "name": f"Unit {i}", "district": "河西区"}
                created = session.post(units_url, json=body, headers=AUTHORITY, timeout=10)
                assert created.status_code == 201, created.text
        expect(prometheus, f'govhall_outbox_backlog{{{web},service="registry"}}', UNITS)
        expect(prometheus, f'up{{{worker},instance="{worker_target}"}}', 0)  # a hung worker
        oldest = f'govhall_outbox_oldest_age_seconds{{{web},service="registry"}}'
        age = _query(prometheus, oldest)
        assert isinstance(age, float) and age > 0, age
    finally:
        os.kill(registry_worker.pid, signal.SIGCONT)
    expect(prometheus, f'govhall_outbox_backlog{{{web},service="registry"}}', 0)

    # Counters: the web tier adds up its gunicorn workers and the worker process (one
    # multiprocess folder); the worker's own endpoint shows the worker's share alone.
    published = f'govhall_events_published_total{{%s,service="registry",type="{UNIT_REGISTERED}"}}'
    expect(prometheus, f"sum({published % web})", UNITS)
    expect(prometheus, f"sum({published % worker})", UNITS)
    for consumer in ("staffing", "inspection", "notification"):
        expect(
            prometheus,
            f'sum(govhall_events_consumed_total{{{web},service="{consumer}",'
            f'type="{UNIT_REGISTERED}",outcome="applied"}})',
            UNITS,
        )
    requests_of = 'govhall_http_requests_total{%s,service="registry",method="%s",endpoint="%s"}'
    by_status = "sum by (status) (%s)"
    get, post = (requests_of % (web, method, "/api/v1/units") for method in ("GET", "POST"))
    expect(prometheus, by_status % get, {"200": sent}, by="status")
    expect(prometheus, by_status % post, {"201": UNITS}, by="status")
    # Nothing failed anywhere, and every service's database answered its scrape.
    expect(prometheus, f"count(govhall_database_up{{{web}}} == 1)", len(SERVICES))
    expect(prometheus, f'count(govhall_dead_letters{{{web},status="dead"}} == 0)', len(SERVICES))
    for failures in ("govhall_events_dead_lettered_total", "govhall_events_retried_total"):
        expect(prometheus, f"sum({failures}) or vector(0)", 0)
    expect(prometheus, f"sum(govhall_http_errors_total{{{web}}}) or vector(0)", 0)


def _targets(urls: dict[str, str]) -> list[str]:
    return [url.removeprefix("http://") for url in urls.values()]


def _requests_by_pid(folder: Path, method: str, endpoint: str) -> dict[str, float]:
    """The request counter of one endpoint in each process's multiprocess file, by PID."""
    counts: dict[str, float] = {}
    for path in folder.glob("counter_*.db"):
        total = 0.0
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, sample, labels, _help = json.loads(key)
            if (
                sample == "govhall_http_requests_total"
                and labels.get("method") == method
                and labels.get("endpoint") == endpoint
            ):
                total += value
        if total:
            counts[path.stem.removeprefix("counter_")] = total
    return counts


def _query(base: str, expr: str, by: str | None = None) -> float | dict[str, float] | None:
    """An instant query: the value of its one sample (None when there is none), or with `by`
    {that label's value: value} of every sample."""
    answer: dict[str, Any] = requests.get(
        f"{base}/api/v1/query", params={"query": expr}, timeout=5
    ).json()
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    if by is not None:
        return {item["metric"].get(by, ""): float(item["value"][1]) for item in result}
    if not result:
        return None
    assert len(result) == 1, f"{expr} has {len(result)} series: {result}"
    return float(result[0]["value"][1])


def expect(base: str, expr: str, expected: float | dict[str, float], by: str | None = None) -> None:
    """Wait until Prometheus answers `expr` with exactly `expected`."""
    seen: list[Any] = []

    def matches() -> bool:
        seen.append(_query(base, expr, by))
        return seen[-1] == expected

    try:
        wait_for(matches, timeout=20, interval=0.25)
    except TimeoutError:
        pytest.fail(f"Prometheus: {expr} = {seen[-1] if seen else None!r}, expected {expected!r}")
