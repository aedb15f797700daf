"""The public limits on the real Redis on 127.0.0.1:6379: what one instance counts, the others
see, so adding pods or workers does not multiply what a guesser may try. Each test keeps its
keys under a random prefix and deletes them afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from services.hall import embedded
from shared import migrate
from shared.config_bounds import DEFAULT_LIMITS
from tests.halls import own_settings
from tests.support import port_open, servers_required

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STRANGER = "203.0.113.7"
APPLICANT = "198.51.100.2"


@pytest.fixture
def prefix() -> Iterator[str]:
    url = make_url(REDIS_URL.replace("redis://", "redis+x://", 1))
    if not port_open(url.host or "127.0.0.1", url.port or 6379):
        if servers_required():
            pytest.fail(f"Redis not reachable at {REDIS_URL} (GOVHALL_REQUIRE_SERVERS=1)")
        pytest.skip(f"Redis not reachable at {REDIS_URL} (TEST_REDIS_URL)")
    import redis

    own = f"govhall-test-{uuid.uuid4().hex[:12]}"
    yield own
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{own}*", count=1000))
    assert keys, "the limits were not counted in Redis"
    client.delete(*keys)
    assert not list(client.scan_iter(match=f"*{own}*", count=1000))


def instances(tmp_path: Path, prefix: str, service: str, count: int) -> list[Flask]:
    """`count` apps of one service on one SQLite file and the one Redis, as pods would be."""
    settings = own_settings(
        rate_limit_storage_url=REDIS_URL,
        rate_limit_key_prefix=prefix,
        rate_limits={**DEFAULT_LIMITS, "tracking": "4/minute", "case_notices": "30/minute"},
        lockout_failures=3,
        lockout_receipt_failures=100,
        forwarded_proxies=1,
        database_url=f"sqlite:///{tmp_path / service}.db",
        broker_url="memory://",
        var_dir=str(tmp_path),
    )
    apps = [embedded.service_module(service).create_app(settings) for _ in range(count)]
    migrate.upgrade(apps[0].extensions["govhall"])
    return apps


def track(app: Flask, receipt: str, code: str, address: str) -> Any:
    return app.test_client().get(
        f"/api/v1/tracking?receipt_number={receipt}&query_code={code}",
        headers={"X-Forwarded-For": address},
    )


def test_two_instances_share_the_per_address_limit(tmp_path: Path, prefix: str) -> None:
    one, two = instances(tmp_path, prefix, "registry", 2)
    answers = [
        track(app, f"R{n}", "ABCDEFGH", STRANGER).status_code
        for n, app in enumerate((one, two, one, two))
    ]
    assert answers == [404] * 4  # four receipts, one wrong code each: no lockout
    refused = track(two, "R9", "ABCDEFGH", STRANGER)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert track(one, "R9", "ABCDEFGH", APPLICANT).status_code == 404  # others are not held


def test_wrong_codes_lock_the_receipt_on_every_instance_and_service(
    tmp_path: Path, prefix: str
) -> None:
    one, two = instances(tmp_path, prefix, "registry", 2)
    (notices,) = instances(tmp_path, prefix, "notification", 1)
    receipt = f"2026{uuid.uuid4().int % 10**8:08d}"
    assert track(one, receipt, "WRONG001", STRANGER).status_code == 404
    assert track(two, receipt, "WRONG002", STRANGER).status_code == 404
    # The same secret behind another service: its wrong code counts towards the same lock.
    guess = notices.test_client().get(
        f"/api/v1/case-notices?receipt_number={receipt}&query_code=WRONG003",
        headers={"X-Forwarded-For": STRANGER},
    )
    assert guess.status_code == 404
    locked = track(one, receipt, "WRONG004", STRANGER)
    assert locked.status_code == 429
    assert 800 <= int(locked.headers["Retry-After"]) <= 900
    assert track(two, receipt, "WRONG004", STRANGER).status_code == 429
