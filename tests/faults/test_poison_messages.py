"""Poison messages (issue 16, point 1): a consumer never dies of a message, and never lets one
hold up the others. Each is published straight to staffing's queue (the default exchange), a
valid event behind it; the real `govhall worker` must stay on its queue, apply the valid event
promptly, and keep the poison verbatim as a dead letter (or, failing that, on the DLX).

Before the fix: 100,000 `[` killed the consumer thread (RecursionError) while /readyz said
ready; an over-long id or a NUL in the id was requeued every 0.5 s for ever, each one delaying
everything behind it; a `compression` header kombu cannot undo was acked and lost."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any

import pytest
import requests
from kombu import Connection, Producer

from tests.faults.conftest import Faults
from tests.support import AMQP_URL, bearer, unit_registered_body, wait_for

pytestmark = pytest.mark.integration
AUTHORITY = bearer("authority")


def _envelope(event_id: str, code: str) -> str:
    doc = json.loads(unit_registered_body(code, "x"))
    doc["id"] = event_id
    return json.dumps(doc)


def _publish(faults: Faults, messages: list[tuple[bytes | str, dict[str, Any]]]) -> None:
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        producer = Producer(conn.default_channel)
        for body, options in messages:
            producer.publish(
                body,
                routing_key=faults.ns.queue_name("staffing"),
                content_type="application/cloudevents+json",
                delivery_mode=2,
                **{"content_encoding": "utf-8", **options},
            )


def _ok(faults: Faults, path: str) -> Any:
    response = requests.get(faults.url("staffing", path), headers=AUTHORITY, timeout=5)
    return response.json() if response.status_code == 200 else None


def _dead_letters(faults: Faults) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _ok(faults, "/api/v1/dead-letters?status=dead&limit=100")["items"]
    return items


def _start(faults: Faults, **settings: str) -> Any:
    faults.migrate("staffing")
    faults.web("staffing", workers=1, **settings)
    worker = faults.worker("staffing", **settings)
    faults.wait_ready(consumers=("staffing",))
    return worker


def _applied_after(faults: Faults, code: str, sent: float, timeout: float) -> float:
    wait_for(lambda: _ok(faults, f"/api/v1/units/{code}"), timeout=timeout, interval=0.05)
    return time.monotonic() - sent


def test_each_poison_message_leaves_the_consumer_alive_and_is_kept(faults: Faults) -> None:
    worker = _start(faults, CONSUMER_MAX_MESSAGE_BYTES=str(256 * 1024))
    deep = b"[" * 100_000
    huge = b'{"data": "' + b"x" * 300_000 + b'"}'
    long_id = _envelope("x" * 500, "long-id")
    nul_id = _envelope("nul\u0000id", "nul-id")
    nul_text = b'{"specversion": "1.0", "id": "raw\x00nul"}'  # a raw NUL byte: not even JSON
    zipped = gzip.compress(_envelope(str(uuid.uuid4()), "zipped").encode())
    poisons: list[tuple[str, bytes | str, dict[str, Any], str]] = [
        ("100,000 [", deep, {}, "too_deep"),
        ("300 kB, over the 256 KiB bound", huge, {}, "too_large"),
        ("id of 500 characters", long_id, {}, "bad_envelope"),
        ("NUL in the id", nul_id, {}, "bad_envelope"),
        ("raw NUL byte", nul_text, {"content_encoding": "binary"}, "not_json"),
        ("unknown content-encoding", zipped, {"content_encoding": "gzip"}, "unknown_encoding"),
        (
            "unknown compression",
            b"\x00\x01?",
            {"headers": {"compression": "x-zz"}},
            "unknown_encoding",
        ),
    ]
    delays: dict[str, float] = {}
    for n, (kind, body, options, _) in enumerate(poisons):
        code = f"after-{n}"
        sent = time.monotonic()
        _publish(faults, [(body, options), (unit_registered_body(code, str(uuid.uuid4())), {})])
        delays[kind] = _applied_after(faults, code, sent, timeout=10)
        assert faults.consumers_on("staffing") == 1, f"the consumer left its queue after {kind}"
        assert worker.popen.poll() is None
    assert all(delay < 3 for delay in delays.values()), delays

    dead = wait_for(lambda: (d := _dead_letters(faults)) and len(d) >= len(poisons) and d, 10)
    assert len(dead) == len(poisons), [d["last_error"][:80] for d in dead]
    errors = sorted(item["last_error"].split(":")[0] for item in dead)
    assert errors == sorted(reason for *_, reason in poisons)
    by_reason = {item["last_error"].split(":")[0]: item for item in dead}
    assert by_reason["too_deep"]["body"] == "[" * 100_000  # kept verbatim
    kept_zip = next(i for i in dead if "gzip" in i["last_error"])
    assert kept_zip["body"].startswith("base64:")  # the gzip bytes, losslessly
    assert all(item["event_type"] == "undecodable" for item in dead)
    too_large = by_reason["too_large"]
    assert len(too_large["body"]) == 64 * 1024 and "truncated" in too_large["last_error"]
    # Nothing left on the queue; only the one too large went, whole, to the broker's DLX.
    assert faults.ns.queue_counts(faults.ns.queue_name("staffing")) == (0, 1)
    assert faults.ns.queue_counts(faults.ns.dead_queue_name) == (1, 0)
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        whole = conn.default_channel.basic_get(faults.ns.dead_queue_name, no_ack=True)
    assert whole is not None and len(whole.body) == len(huge)
    assert requests.get(faults.url("staffing", "/readyz"), timeout=5).status_code == 200
    metrics = requests.get(faults.url("staffing", "/metrics"), timeout=5).text
    counted = {
        line.split('reason="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("govhall_undecodable_messages_total{") and 'service="staffing"' in line
    }
    assert counted == {
        "too_deep": 1,
        "too_large": 1,
        "bad_envelope": 2,
        "not_json": 1,
        "unknown_encoding": 2,
    }
    print(
        f"\n[faults] {len(poisons)} poison messages: consumer alive, each kept as a dead letter;"
        " delay of the valid event behind each: "
        + ", ".join(f"{kind} {delay:.2f}s" for kind, delay in delays.items())
    )


def test_twenty_unstorable_messages_do_not_hold_up_a_valid_event(faults: Faults) -> None:
    """Before: each was requeued every 0.5 s for ever, and the valid event waited ~10 s."""
    _start(faults)
    poisons: list[tuple[bytes | str, dict[str, Any]]] = [
        (_envelope("x" * 300 + str(n), f"p{n}"), {}) for n in range(10)
    ] + [(_envelope(f"nul\u0000{n}", f"q{n}"), {}) for n in range(10)]
    sent = time.monotonic()
    _publish(faults, [*poisons, (unit_registered_body("behind-20", str(uuid.uuid4())), {})])
    delay = _applied_after(faults, "behind-20", sent, timeout=15)
    assert delay < 3, f"the valid event waited {delay:.1f}s behind 20 unstorable messages"
    wait_for(lambda: faults.ns.queue_counts(faults.ns.queue_name("staffing")) == (0, 1), 10)
    dead = wait_for(lambda: (d := _dead_letters(faults)) and len(d) >= 20 and d, 10)
    assert len(dead) == 20
    print(f"\n[faults] a valid event behind 20 unstorable messages applied in {delay:.2f}s")


def test_a_message_that_keeps_coming_back_is_dead_lettered_by_the_broker(
    faults: Faults,
) -> None:
    """The queue's own delivery limit: here the database is down, so the consumer returns the
    message every half second; after QUEUE_DELIVERY_LIMIT returns RabbitMQ moves it to the DLX,
    whole. (In production the limit is 100,000: hours of outage, not seconds.)"""
    _start(faults, QUEUE_DELIVERY_LIMIT="3")
    faults.db.refuse()
    body = unit_registered_body("comes-back", str(uuid.uuid4()))
    _publish(faults, [(body, {})])
    dead_queue = faults.ns.dead_queue_name
    wait_for(lambda: faults.ns.queue_counts(dead_queue) == (1, 0), timeout=15, interval=0.2)
    assert faults.ns.queue_counts(faults.ns.queue_name("staffing")) == (0, 1)
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        message = conn.default_channel.basic_get(dead_queue, no_ack=True)
    assert message is not None
    kept = message.body
    assert (kept.decode() if isinstance(kept, bytes) else kept) == body  # verbatim
    death = message.headers["x-death"][0]
    assert death["reason"] == "delivery_limit"
    faults.db.resume()


def test_readyz_is_not_ready_while_nobody_consumes_the_queue(faults: Faults) -> None:
    worker = _start(faults)
    faults.kill(worker)
    wait_for(lambda: faults.consumers_on("staffing") == 0, timeout=10)
    answer = requests.get(faults.url("staffing", "/readyz"), timeout=5)
    assert answer.status_code == 503, answer.text
    assert answer.json()["checks"]["consumer"].startswith("not consuming")
    faults.worker("staffing")
    wait_for(lambda: faults.consumers_on("staffing") == 1, timeout=20)
    ready = wait_for(
        lambda: requests.get(faults.url("staffing", "/readyz"), timeout=5).status_code == 200, 10
    )
    assert ready
