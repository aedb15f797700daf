"""Case tracking on the real servers, as production runs it: two registry instances under
gunicorn (two workers each) with GOVHALL_ENV=production, PostgreSQL, and the limits in the real
Redis on 127.0.0.1:6379. A guesser spreading wrong query codes over both instances and all four
workers is still locked out after five; the refusals are counted for Prometheus."""

from __future__ import annotations

import os
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import require_servers
from tests.support import Namespace, free_port, port_open, processes, servers_required, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GOVHALL = [sys.executable, "-m", "services.hall.cli"]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STRANGER = "203.0.113.7"


@pytest.fixture
def key_prefix() -> Iterator[str]:
    if not port_open("127.0.0.1", 6379):
        if servers_required():
            pytest.fail("Redis not reachable on 127.0.0.1:6379 (GOVHALL_REQUIRE_SERVERS=1)")
        pytest.skip("Redis not reachable on 127.0.0.1:6379")
    import redis

    own = f"govhall-e2e-{uuid.uuid4().hex[:12]}"
    yield own
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{own}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def registry(tmp_path: Path, key_prefix: str) -> Iterator[list[str]]:
    require_servers()
    ns = Namespace()
    ns.create_databases()
    try:
        env = {
            **ns.environment("registry"),
            "GOVHALL_ENV": "production",
            "JWT_SECRET": secrets.token_hex(32),  # production refuses a patterned key
            "VAR_DIR": str(tmp_path / "var"),
            "REDIS_URL": REDIS_URL,
            "RATE_LIMIT_KEY_PREFIX": key_prefix,
            "FORWARDED_PROXIES": "1",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        with processes(tmp_path, together=True) as start:
            migrate = start("registry-migrate", [*GOVHALL, "migrate", "registry"], env)
            assert migrate.popen.wait(timeout=120) == 0, migrate.output()
            # /readyz waits for a consumer on the service's queue: the worker provides it.
            start("registry-worker", [*GOVHALL, "worker", "registry"], env)
            urls = []
            for n in range(2):
                port = free_port()
                argv = [*GOVHALL, "serve", "registry", "--bind", f"127.0.0.1:{port}"]
                instance_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"prom{n}")}
                start(f"registry-web-{n}", [*argv, "--workers", "2"], instance_env)
                urls.append(f"http://127.0.0.1:{port}")
            for url in urls:
                wait_for(partial(_ready, url), timeout=30, interval=0.2)
            yield urls
    finally:
        ns.delete_broker_entities()
        ns.drop_databases()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_wrong_codes_spread_over_instances_and_workers_are_locked_out(
    registry: list[str],
) -> None:
    receipt = f"2026{uuid.uuid4().int % 10**10:010d}"
    session = requests.Session()
    answers = []
    started = time.monotonic()
    for n in range(40):
        url = registry[n % 2]  # alternate the instances (and gunicorn spreads over workers)
        answer = session.get(
            f"{url}/api/v1/tracking",
            params={"receipt_number": receipt, "query_code": f"G{n:07d}"},
            headers={"X-Forwarded-For": STRANGER},
            timeout=10,
        )
        answers.append(answer)
    elapsed = time.monotonic() - started
    statuses = [a.status_code for a in answers]
    assert statuses[:5] == [404] * 5, statuses
    assert set(statuses[5:]) == {429}, statuses  # 35 more guesses: not one tried
    last = answers[-1]
    assert last.headers["Content-Type"].startswith("application/problem+json")
    assert 1 <= int(last.headers["Retry-After"]) <= 900
    assert elapsed < 900
    # Both instances count the refusals; their sum is every one.
    refused = 0.0
    for url in registry:
        text = requests.get(f"{url}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "govhall_rate_limited_total":
                    refused += sample.value
    assert refused == 35
