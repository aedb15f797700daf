"""The public endpoints are rate limited (issue 16, point 4), in the embedded mode (memory
storage): a guesser of query codes is locked out of a receipt, the applicant is not; a flood of
anonymous complaints is refused; every refusal is a 429 problem document with Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared.config_bounds import DEFAULT_LIMITS
from tests import builders
from tests.halls import build, own_settings
from tests.support import bearer

HEXI = bearer("unit", "tj-hexi")
APPLICANT = "198.51.100.2"
STRANGERS = ("203.0.113.7", "203.0.113.8", "203.0.113.9")
# Lockout figures small enough to reach quickly; the rate limits are the production defaults.
LIMITED: dict[str, Any] = {
    "rate_limits": dict(DEFAULT_LIMITS),
    "lockout_failures": 3,
    "lockout_receipt_failures": 6,
    "lockout_seconds": 900,
    "forwarded_proxies": 1,  # the client's address is the one the (one) proxy says
}


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Hall]:
    running = build(tmp_path / "var", own_settings(**LIMITED))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def client(limited: Hall) -> Client:
    return Client(limited.wsgi())


@pytest.fixture
def case(client: Client) -> dict[str, Any]:
    builders.hall(client)
    builders.unit(client, "tj-hexi")
    builders.matter(client, "work-permit-long")
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    body = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "John Smith",
        "staff_id": "s-zhang",
    }
    return builders.ok(client.post("/registry/api/v1/cases", json=body, headers=HEXI), 201)


def track(client: Client, receipt: str, code: str, address: str, lang: str = "en") -> Any:
    return client.get(
        f"/registry/api/v1/tracking?receipt_number={receipt}&query_code={code}",
        headers={"X-Forwarded-For": address, "Accept-Language": lang},
    )


def refused(response: Any, max_wait: int) -> dict[str, Any]:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= max_wait
    body: dict[str, Any] = response.json
    assert body["type"] == "urn:govhall:problem:too-many-requests" and body["status"] == 429
    return body


def counted(service: str, limit: str) -> float:
    value = REGISTRY.get_sample_value(
        "govhall_rate_limited_total", {"service": service, "limit": limit}
    )
    return value or 0.0


def test_wrong_codes_lock_the_guesser_out_of_the_receipt_not_the_applicant(
    client: Client, case: dict[str, Any]
) -> None:
    receipt, code = case["receipt_number"], case["query_code"]
    before = counted("registry", "tracking_lockout")
    for n in range(3):
        assert track(client, receipt, f"WRONG{n:03d}", STRANGERS[0]).status_code == 404
    body = refused(track(client, receipt, "WRONG999", STRANGERS[0]), 900)
    assert "wrong codes" in body["detail"]
    # Locked means locked, for that address: even the right code is refused it for a while.
    refused(track(client, receipt, code, STRANGERS[0]), 900)
    zh = refused(track(client, receipt, code, STRANGERS[0], lang="zh-CN"), 900)
    assert zh["title"] == "请求过于频繁"
    # The applicant, from an address that never gave a wrong code, is let in.
    mine = track(client, receipt, code, APPLICANT)
    assert mine.status_code == 200 and mine.json["receipt_number"] == receipt
    assert counted("registry", "tracking_lockout") - before == 3


def test_a_receipt_under_attack_refuses_every_failed_address_but_still_lets_the_applicant_in(
    client: Client, case: dict[str, Any]
) -> None:
    receipt, code = case["receipt_number"], case["query_code"]
    for stranger in STRANGERS[:2]:  # 2 × 3 wrong codes: the receipt's 6
        for n in range(3):
            assert track(client, receipt, f"W{stranger[-1]}{n:05d}", stranger).status_code == 404
    # A third address gets one try, not three: its first wrong code locks it out too.
    assert track(client, receipt, "WRONG001", STRANGERS[2]).status_code == 404
    refused(track(client, receipt, "WRONG002", STRANGERS[2]), 900)
    # The applicant, who never typed a wrong code, still tracks the case.
    assert track(client, receipt, code, APPLICANT).status_code == 200


def test_one_address_scanning_receipts_is_refused_after_the_tracking_limit(
    client: Client,
) -> None:
    # Each receipt sees one wrong code only: no lockout, the per-address limit (30 a minute).
    answers = [
        track(client, f"2026{n:08d}", "ABCDEFGH", STRANGERS[0]).status_code for n in range(31)
    ]
    assert answers[:30] == [404] * 30
    refused(track(client, "202600000099", "ABCDEFGH", STRANGERS[0]), 60)
    assert track(client, "202600000099", "ABCDEFGH", APPLICANT).status_code == 404


@pytest.mark.parametrize(
    ("service", "method", "path", "body"),
    [
        ("notification", "GET", "/api/v1/case-notices?receipt_number=R1&query_code=X{n}", None),
        ("inspection", "GET", "/api/v1/complaints/track?number=C1&code=X{n}", None),
        ("registry", "POST", "/api/v1/bookings/B1/cancellation", {"code": "X{n}"}),
        (
            "inspection",
            "POST",
            "/api/v1/evaluations",
            {"receipt_number": "R1", "query_code": "X{n}", "level": "satisfied"},
        ),
    ],
)
def test_every_secret_code_locks_out_a_guesser(
    client: Client, service: str, method: str, path: str, body: dict[str, str] | None
) -> None:
    def attempt(n: int) -> Any:
        json = {k: v.format(n=n) for k, v in body.items()} if body else None
        return client.open(
            f"/{service}{path.format(n=n)}",
            method=method,
            json=json,
            headers={"X-Forwarded-For": STRANGERS[1]},
        )

    assert [attempt(n).status_code for n in range(3)] == [404] * 3
    refused(attempt(3), 900)


def test_a_flood_of_anonymous_complaints_is_refused(client: Client) -> None:
    complaint = {"window_id": 1, "account": "柜台人员态度恶劣 · rude at the counter"}
    started = time.monotonic()
    answers = [
        client.post(
            "/inspection/api/v1/complaints",
            json=complaint,
            headers={"X-Forwarded-For": STRANGERS[2]},
        )
        for _ in range(60)
    ]
    assert time.monotonic() - started < 60  # all within the limit's minute
    taken = [r for r in answers if r.status_code != 429]
    assert len(taken) == 5  # "5/minute" per address
    refused(answers[-1], 60)
    # Another address is not held back by the flood.
    other = client.post(
        "/inspection/api/v1/complaints", json=complaint, headers={"X-Forwarded-For": APPLICANT}
    )
    assert other.status_code != 429


def test_a_refused_write_is_tried_again_with_the_same_idempotency_key(tmp_path: Path) -> None:
    """A 429 did nothing, so the retry after Retry-After is tried, not answered with the 429."""
    settings = own_settings(**{**LIMITED, "rate_limits": {"complaints": "1/second"}})
    running = build(tmp_path / "var", settings)
    try:
        client = Client(running.wsgi())
        complaint = {"window_id": 1, "account": "rude at the counter"}

        def post(key: str) -> Any:
            return client.post(
                "/inspection/api/v1/complaints",
                json=complaint,
                headers={"X-Forwarded-For": STRANGERS[0], "Idempotency-Key": key},
            )

        assert post("first").status_code != 429
        refused(post("second"), 1)
        time.sleep(1.1)
        again = post("second")
        assert again.status_code != 429 and "Idempotent-Replayed" not in again.headers
    finally:
        for name in running.apps:
            running.runtime(name).db.dispose()


def test_without_its_redis_the_public_endpoints_answer_unlimited(tmp_path: Path) -> None:
    """A Redis that is down costs the limits, logged, never the public's answers."""
    from services.registry import create_app
    from shared import migrate

    settings = own_settings(
        **LIMITED,
        rate_limit_storage_url="redis://127.0.0.1:1/0",  # nothing listens there
        database_url=f"sqlite:///{tmp_path}/registry.db",
        var_dir=str(tmp_path),
    )
    app = create_app(settings)
    migrate.upgrade(app.extensions["govhall"])
    client = app.test_client()
    started = time.monotonic()
    answers = {
        client.get(f"/api/v1/tracking?receipt_number=R1&query_code=X{n}").status_code
        for n in range(8)
    }
    assert answers == {404} and time.monotonic() - started < 5
