"""Messages no producer of ours would send, published straight to staffing's queue (the default
exchange, routed by queue name, so no binding filters them): each is kept as a dead letter that
the dead-letter API lists, and the consumer goes on to apply the valid event behind them."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from kombu import Connection, Producer

from tests.faults.conftest import Faults
from tests.support import AMQP_URL, bearer, unit_registered_body, wait_for

pytestmark = pytest.mark.integration
AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
MAX_ATTEMPTS = 3


def _envelope(event_type: str, data: dict) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/govhall/registry",
            "type": event_type,
            "subject": "bad",
            "time": "2026-11-22T01:00:00Z",
            "datacontenttype": "application/json",
            "data": data,
        }
    )


def test_malformed_messages_are_dead_lettered_and_the_consumer_keeps_going(
    faults: Faults,
) -> None:
    faults.migrate("staffing")
    faults.web("staffing", workers=1, CONSUMER_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    worker = faults.worker("staffing", CONSUMER_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    faults.wait_ready(consumers=("staffing",))

    wrong_data = _envelope(UNIT_REGISTERED, {"code": "bad-1"})  # no name, no district
    unknown_type = _envelope("govhall.registry.unicorn.sighted.v1", {"horn": 1})
    bad: list[tuple[str, bytes | str, str]] = [
        ("not JSON", b"this is {not JSON", "text/plain"),
        ("not UTF-8", b"\xff\xfe\x00\x01 binary", "application/octet-stream"),
        ("JSON, not an event", json.dumps({"hello": "world"}), "application/json"),
        ("an event, data breaks the contract", wrong_data, "application/cloudevents+json"),
        ("an event of a type nobody has", unknown_type, "application/cloudevents+json"),
    ]
    valid_id = str(uuid.uuid4())
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        producer = Producer(conn.default_channel)  # the default exchange: straight to the queue
        for _, body, content_type in bad:
            producer.publish(
                body,
                routing_key=faults.ns.queue_name("staffing"),
                content_type=content_type,
                content_encoding="binary" if isinstance(body, bytes) else "utf-8",
                delivery_mode=2,
            )
        producer.publish(
            unit_registered_body("after-bad", valid_id),
            routing_key=faults.ns.queue_name("staffing"),
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            delivery_mode=2,
        )

    # The valid event behind them is applied, without waiting for their retries.
    unit = wait_for(lambda: _ok(faults, "/api/v1/units/after-bad"), timeout=10)
    assert unit["code"] == "after-bad"

    def dead_letters() -> list[dict]:
        items = _ok(faults, "/api/v1/dead-letters?status=dead&limit=50")["items"]
        return items if len(items) >= len(bad) else []

    dead = wait_for(dead_letters, timeout=15, interval=0.2)
    assert len(dead) == len(bad), dead
    by_body = {item["body"]: item for item in dead}
    assert by_body["this is {not JSON"]["event_type"] == "undecodable"
    assert any(b.startswith("base64:") for b in by_body)  # the binary one, kept losslessly
    assert by_body[json.dumps({"hello": "world"})]["event_type"] == "undecodable"
    contract = by_body[wrong_data]
    assert contract["event_type"] == UNIT_REGISTERED
    assert contract["attempts"] == MAX_ATTEMPTS and "ValidationError" in contract["last_error"]
    stranger = by_body[unknown_type]
    assert stranger["event_type"] == "govhall.registry.unicorn.sighted.v1"
    assert "unicorn" in stranger["last_error"]
    replay = requests.post(
        faults.url("staffing", f"/api/v1/dead-letters/{stranger['id']}/replay"),
        headers=AUTHORITY,
        timeout=5,
    )
    assert replay.status_code == 409  # still nobody to handle it: it stays a dead letter
    for item in dead:  # each one is also there on its own
        one = _ok(faults, f"/api/v1/dead-letters/{item['id']}")
        assert one["status"] == "dead"

    # Nothing left on the queue, nothing needed the broker's own dead-letter queue, and the
    # same consumer is still there and still applying.
    assert faults.ns.queue_counts(faults.ns.queue_name("staffing")) == (0, 1)
    assert faults.ns.queue_counts(faults.ns.dead_queue_name) == (0, 0)
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        Producer(conn.default_channel).publish(
            unit_registered_body("after-dead", str(uuid.uuid4())),
            routing_key=faults.ns.queue_name("staffing"),
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
        )
    wait_for(lambda: _ok(faults, "/api/v1/units/after-dead"), timeout=10)
    assert worker.popen.poll() is None
    applied = faults.scalar("staffing", "SELECT count(*) FROM units")
    print(
        f"\n[faults] {len(bad)} malformed messages: {len(dead)} dead letters listed "
        f"({', '.join(kind for kind, _, _ in bad)}); valid events applied around them: "
        f"{applied}/2; lost=0, doubled=0"
    )


def _ok(faults: Faults, path: str) -> dict | None:
    response = requests.get(faults.url("staffing", path), headers=AUTHORITY, timeout=5)
    return response.json() if response.status_code == 200 else None
