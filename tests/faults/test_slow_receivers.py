"""notification with a webhook receiver slower than WEBHOOK_TIMEOUT and an SMTP server that
accepts connections and never answers (a `TcpProxy` holding them, in front of a real mailbox):
inbox notices and the other subscription's webhooks keep arriving meanwhile, and once the mail
server answers again every mail is sent, once.

Events come in two waves of registry's unit events, published to the test's exchange as the
relay would. The second wave goes out only once the mail sweep is provably stuck on the silent
server, so what it must deliver meanwhile is measured while the mail is hanging.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from aiosmtpd.controller import Controller
from kombu import Connection, Exchange, Producer

from tests.faults.conftest import Faults
from tests.faults.proxy import TcpProxy
from tests.mailbox import Mailbox
from tests.support import AMQP_URL, bearer, free_port, wait_for

pytestmark = pytest.mark.integration
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
INTEGRATOR = bearer("integrator")
WEBHOOK_TIMEOUT = 1.0
SLOW_SLEEP = 3.0  # the slow receiver answers well after the timeout
SMTP_TIMEOUT = 2.0
WAVE = 6
IN_TIME = 6.0  # seconds a second-wave webhook may take to reach the prompt receiver


class Receivers:
    """Two webhook receivers on one threaded HTTP server: /prompt answers at once, /slow late."""

    def __init__(self) -> None:
        self.hits: dict[str, list[tuple[str, float]]] = {"/prompt": [], "/slow": []}
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                self.rfile.read(int(self.headers.get("content-length") or 0))
                receivers.hits.setdefault(self.path, []).append(
                    (self.headers.get("webhook-id", ""), time.monotonic())
                )
                if self.path == "/slow":
                    time.sleep(SLOW_SLEEP)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up on us long ago

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ids(self, path: str) -> Counter[str]:
        return Counter(event_id for event_id, _ in self.hits[path])


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    running = Receivers()
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def silent_smtp() -> Iterator[tuple[TcpProxy, Mailbox]]:
    """A real SMTP server behind a proxy that starts out holding every connection silently."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    proxy = TcpProxy(("127.0.0.1", box.port)).start()
    proxy.hold()
    yield proxy, box
    proxy.close()
    controller.stop()


def test_a_slow_webhook_and_a_silent_mail_server_hold_up_nothing_else(
    faults: Faults, receivers: Receivers, silent_smtp: tuple[TcpProxy, Mailbox]
) -> None:
    smtp, mailbox = silent_smtp
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_TIMEOUT": str(SMTP_TIMEOUT),
        "SMTP_FROM": "hall@faults",
        "EMAIL_RETRY_BASE_DELAY": "1",
        "EMAIL_RETRY_MAX_DELAY": "2",
        "WEBHOOK_TIMEOUT": str(WEBHOOK_TIMEOUT),
    }
    faults.migrate("notification")
    faults.web("notification", workers=1, **settings)
    faults.worker("notification", **settings)
    faults.wait_ready(consumers=("notification",))
    for path in ("/prompt", "/slow"):
        created = requests.post(
            faults.url("notification", "/api/v1/webhooks/subscriptions"),
            json={"url": receivers.url(path), "event_types": [UNIT_REGISTERED]},
            headers=INTEGRATOR,
            timeout=5,
        )
        assert created.status_code == 201, created.text

    run = faults.ns.run
    events = [_unit_event(f"slow-{i:02d}", f"slow{i}-{run}@example.org") for i in range(2 * WAVE)]
    _publish(faults, events[:WAVE])
    # The mail sweep is stuck: a connection to the silent server is open, waiting for a banner.
    wait_for(lambda: smtp.open_connections >= 1, timeout=15, interval=0.05)
    second_sent = time.monotonic()
    _publish(faults, events[WAVE:])
    second_ids = {e["id"] for e in events[WAVE:]}

    # Inbox notices: two per event (the authority and the unit), for both waves.
    def notices() -> Counter[tuple[str, str]]:
        rows = faults.rows("notification", "SELECT event_id, recipient FROM notices")
        return Counter((row.event_id, row.recipient) for row in rows)

    expected_notices = {
        (e["id"], r): 1 for e in events for r in ("authority", f"unit:{e['subject']}")
    }
    wait_for(lambda: notices() == expected_notices, timeout=IN_TIME, interval=0.1)

    # The prompt receiver gets the second wave in time, though mail hangs and /slow times out.
    wait_for(lambda: second_ids <= set(receivers.ids("/prompt")), timeout=IN_TIME, interval=0.05)
    prompt_latency = (
        max(at for event_id, at in receivers.hits["/prompt"] if event_id in second_ids)
        - second_sent
    )
    assert smtp.open_connections >= 1 and not mailbox.received  # mail is still hanging
    wait_for(lambda: set(receivers.ids("/prompt")) == {e["id"] for e in events}, timeout=10)
    wait_for(lambda: set(receivers.ids("/slow")) >= second_ids, timeout=10)  # tried, too late

    # The mail server answers again: every mail goes out, once.
    smtp.resume()
    addresses = [e["data"]["contacts"][0]["email"] for e in events]
    wait_for(lambda: all(mailbox.to(a) for a in addresses), timeout=20, interval=0.2)
    time.sleep(1.0)
    assert {a: len(mailbox.to(a)) for a in addresses} == dict.fromkeys(addresses, 1)
    assert receivers.ids("/prompt") == dict.fromkeys((e["id"] for e in events), 1)
    slow = faults.rows(
        "notification",
        "SELECT d.status, d.attempts, a.error FROM webhook_deliveries d"
        " JOIN webhook_subscriptions s ON s.id = d.subscription_id"
        " JOIN webhook_attempts a ON a.delivery_id = d.id WHERE s.url LIKE '%/slow'",
    )
    assert slow and all(row.error and "timed out" in row.error for row in slow), slow
    print(
        f"\n[faults] events={len(events)} (2 waves); notices {len(expected_notices)}/"
        f"{len(expected_notices)}; prompt webhook {len(receivers.hits['/prompt'])}/{len(events)} "
        f"(second wave within {prompt_latency:.1f}s while mail hung), slow webhook timed out "
        f"{len(slow)} times; mails after the server came back {len(mailbox.received)}/"
        f"{len(events)}, each once; lost=0, doubled=0"
    )


def _unit_event(code: str, email: str) -> dict:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/govhall/registry",
        "type": UNIT_REGISTERED,
        "subject": code,
        "time": "2026-11-22T01:00:00Z",
        "datacontenttype": "application/json",
        "data": {
            "code": code,
            "name": f"Unit {code}",
            "district": "红桥区",
            "registered_at": "2026-11-22T01:00:00+00:00",
            "contacts": [{"name": "Wang", "phone": "022-5555", "email": email}],
        },
    }


def _publish(faults: Faults, events: list[dict]) -> None:
    exchange = Exchange(faults.ns.exchange, type="topic", durable=True)
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        producer = Producer(conn.default_channel, exchange)
        for event in events:
            producer.publish(
                json.dumps(event),
                routing_key=event["type"],
                content_type="application/cloudevents+json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=event["id"],
            )
