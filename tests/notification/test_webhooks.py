"""Webhooks against a real HTTP receiver on 127.0.0.1 that verifies every signature with the
recipe of docs/webhooks.md (its very code), fails on purpose when told to, and counts."""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.notification.handlers import email_delivery
from services.notification.handlers import webhooks as handlers
from shared import auth, clock
from tests import builders
from tests.builders import AUTHORITY, ok
from tests.mailbox import Mailbox
from tests.notification.test_email import mailbox  # noqa: F401  (the fixture)
from tests.support import TEST_SECRET, bearer, wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
API = "/notification/api/v1/webhooks"
ACME = bearer("integrator")  # sub "test-integrator"
OTHER = {
    "Authorization": "Bearer "
    + auth.issue_token(TEST_SECRET, role="integrator", sub="other-integrator")
}
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"


def recipe() -> Callable[..., dict[str, Any]]:
    """The `verify` function of the integrator's guide, exactly as printed there."""
    text = DOCS.read_text()
    found = re.search(r"<!-- recipe: verify.*?-->\s*```python\n(.*?)```", text, re.S)
    assert found, "docs/webhooks.md lost its verification recipe"
    scope: dict[str, Any] = {}
    exec(compile(found.group(1), str(DOCS), "exec"), scope)
    verify: Callable[..., dict[str, Any]] = scope["verify"]
    return verify


class Receiver:
    """An integrator's endpoint: verifies, answers 500 while `failing` > 0, keeps what came."""

    def __init__(self) -> None:
        self.verify = recipe()
        self.secrets: list[str] = []
        self.failing = 0
        self.received: list[dict[str, Any]] = []  # verified events, with their headers
        self.refused = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(receiver.answer(headers, body))
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            if self.failing > 0:
                self.failing -= 1
                return 500
            for secret in self.secrets:
                try:
                    event = self.verify(secret, headers, body)
                except ValueError:
                    continue
                self.received.append({"event": event, "headers": headers, "secret": secret})
                return 200
            self.refused += 1
            return 400

    def types(self) -> list[str]:
        return [item["event"]["type"] for item in self.received]


@pytest.fixture
def client(client: Client, hall: Hall) -> Client:
    """The hall of the registry fixtures, once notification has taken in all its events: a
    subscription made later does not get them (except by a replay)."""
    registry, notification = hall.runtime("registry").db, hall.runtime("notification").db

    def taken() -> bool:
        with registry.session() as r, notification.session() as n:
            published = set(r.execute(select(registry.table("outbox").c.id)).scalars())
            done = n.execute(select(notification.table("processed_events").c.event_id))
            return published <= set(done.scalars())

    wait_for(taken, timeout=10)
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()
    running.thread.join(5)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Move the hall's clock on, so back-offs fall due without waiting for them."""
    real = clock.now
    offset = [0.0]
    monkeypatch.setattr(clock, "now", lambda: real() + timedelta(seconds=offset[0]))

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


class Metrics:
    """Notification's delivery metrics for one channel, read as deltas from when it was made:
    the registry is the process's, shared by every test and thread."""

    NAMES = {
        "sent": "govhall_notification_sent_total",
        "retried": "govhall_notification_retried_total",
        "failed": "govhall_notification_failed_total",
        "disabled": "govhall_notification_disabled_total",
        "latency_count": "govhall_notification_delivery_seconds_count",
        "latency_sum": "govhall_notification_delivery_seconds_sum",
    }

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.start = self.now()

    def now(self) -> dict[str, float]:
        labels = {"channel": self.channel}
        return {k: REGISTRY.get_sample_value(n, labels) or 0.0 for k, n in self.NAMES.items()}

    def moved(self) -> dict[str, float]:
        now = self.now()
        return {k: now[k] - self.start[k] for k in self.NAMES if now[k] != self.start[k]}


def subscribe(client: Client, url: str, patterns: list[str], who: Any = ACME) -> Any:
    body = {"url": url, "event_types": patterns, "description": "ERP sync"}
    return ok(client.post(f"{API}/subscriptions", json=body, headers=who), 201)


def deliveries(client: Client, subscription_id: int, who: Any = ACME) -> list[dict[str, Any]]:
    url = f"{API}/subscriptions/{subscription_id}/deliveries"
    items: list[dict[str, Any]] = ok(client.get(url, headers=who))["items"]
    return items


def deliver(hall: Hall) -> None:
    handlers.deliver_due(hall.runtime("notification"))


def the_delivery(client: Client, subscription_id: int, **expected: Any) -> dict[str, Any]:
    """Wait until the subscription's only delivery looks as expected (the sweep may run on the
    worker's thread too), sending what is due meanwhile."""

    def check() -> Any:
        items = deliveries(client, subscription_id)
        if len(items) == 1 and all(items[0][k] == v for k, v in expected.items()):
            return items[0]
        return None

    try:
        found: dict[str, Any] = wait_for(check, timeout=10)
    except TimeoutError:
        found_now = deliveries(client, subscription_id)
        raise AssertionError(f"expected {expected}, found {found_now}") from None
    return found


def send_until(hall: Hall, done: Callable[[], bool]) -> None:
    """Send what is due until `done` (the worker's own sweep may send some meanwhile)."""

    def step() -> bool:
        deliver(hall)
        return done()

    wait_for(step, timeout=10, interval=0.1)


def sent(hall: Hall, receiver: Receiver, count: int) -> None:
    send_until(hall, lambda: len(receiver.received) >= count)


def test_an_integrator_subscribes_and_receives_signed_events(
    client: Client, hall: Hall, receiver: Receiver
) -> None:
    made = subscribe(client, receiver.url, ["govhall.registry.unit.*.v1"])
    secret = made["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    assert "secret" not in ok(client.get(f"{API}/subscriptions/{made['id']}", headers=ACME))
    receiver.secrets = [secret]
    builders.unit(client, "tj-heping")
    the_delivery(client, made["id"], event_type=UNIT_REGISTERED)
    sent(hall, receiver, 1)
    item = receiver.received[0]
    assert item["event"]["type"] == UNIT_REGISTERED
    assert item["event"]["data"]["code"] == "tj-heping"
    assert item["headers"]["webhook-id"] == item["event"]["id"]
    assert item["headers"]["content-type"] == "application/json"
    assert receiver.refused == 0
    log = the_delivery(client, made["id"], status="delivered")
    assert log["attempts_log"][0]["status_code"] == 200
    assert log["event_id"] == item["event"]["id"]
    metrics = client.get("/notification/metrics").get_data(as_text=True)
    assert 'govhall_notification_sent_total{channel="webhook"}' in metrics


def test_a_wrong_secret_does_not_verify(client: Client, hall: Hall, receiver: Receiver) -> None:
    made = subscribe(client, receiver.url, ["govhall.registry.#"])
    receiver.secrets = ["whsec_" + base64.b64encode(b"not the secret, 24 bytes!").decode()]
    builders.unit(client, "tj-heping")
    the_delivery(client, made["id"])
    send_until(hall, lambda: receiver.refused >= 1)
    assert receiver.received == []
    failed = the_delivery(client, made["id"], status="pending", last_status_code=400)
    assert failed["attempts"] == 1


def test_a_failing_receiver_is_retried_with_back_off_until_it_answers(
    client: Client, hall: Hall, receiver: Receiver, later: Callable[[float], None]
) -> None:
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    receiver.secrets = [made["secret"]]
    receiver.failing = 2
    metrics = Metrics("webhook")
    builders.unit(client, "tj-heping")
    the_delivery(client, made["id"])
    send_until(hall, lambda: receiver.failing == 1)
    first = the_delivery(client, made["id"], attempts=1)
    assert first["status"] == "pending" and first["last_status_code"] == 500
    assert _wait(first) == 5  # the first back-off
    deliver(hall)  # not due yet: the first back-off is 5 s
    assert receiver.failing == 1
    later(6)
    send_until(hall, lambda: receiver.failing == 0)
    second = the_delivery(client, made["id"], attempts=2)
    assert second["status"] == "pending" and _wait(second) == 30  # growing
    later(31)
    sent(hall, receiver, 1)
    done = the_delivery(client, made["id"], status="delivered")
    assert [a["status_code"] for a in done["attempts_log"]] == [200, 500, 500]
    assert all(a["response"] == "thanks" for a in done["attempts_log"])
    assert receiver.types() == [UNIT_REGISTERED]
    assert (
        ok(client.get(f"{API}/subscriptions/{made['id']}", headers=ACME))["consecutive_failures"]
        == 0
    )
    # Two failed tries scheduled again, one delivery, one latency: from the event's own time,
    # so the 37 s the back-offs took on the hall's clock are in it.
    moved = metrics.moved()
    assert {k: moved.get(k) for k in ("retried", "sent", "latency_count")} == {
        "retried": 2,
        "sent": 1,
        "latency_count": 1,
    }
    assert moved["latency_sum"] >= 37 and "failed" not in moved


def test_a_delivery_that_fails_every_try_is_given_up_and_counted_once(
    client: Client,
    hall: Hall,
    later: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_MAX_ATTEMPTS", "2")
    broken = subscribe(client, "http://127.0.0.1:9/nobody-listens", [UNIT_REGISTERED])
    metrics = Metrics("webhook")
    builders.unit(client, "tj-heping")
    the_delivery(client, broken["id"])
    for tries, seconds in enumerate((0, 6), start=1):
        later(seconds)
        send_until(hall, functools.partial(_tried, client, broken["id"], tries))
    given_up = the_delivery(client, broken["id"], status="failed")
    assert given_up["attempts"] == 2 and given_up["next_attempt_at"] is None
    later(3600)
    deliver(hall)  # nothing is due any more
    assert len(the_delivery(client, broken["id"])["attempts_log"]) == 2
    assert metrics.moved() == {"retried": 1, "failed": 1}


def _wait(delivery: dict[str, Any]) -> int:
    """Seconds from the delivery's latest attempt to its next one."""
    tried = datetime.fromisoformat(delivery["attempts_log"][0]["attempted_at"])
    return round((datetime.fromisoformat(delivery["next_attempt_at"]) - tried).total_seconds())


def test_a_subscription_that_keeps_failing_is_disabled_and_its_owner_told(
    client: Client,
    hall: Hall,
    receiver: Receiver,
    later: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_DISABLE_AFTER", "3")
    broken = subscribe(client, "http://127.0.0.1:9/nobody-listens", [UNIT_REGISTERED])
    told = subscribe(client, receiver.url, ["govhall.notification.#"])
    receiver.secrets = [told["secret"]]
    stranger = Receiver()  # another integrator taking everything never hears of it
    stranger.thread.start()
    metrics = Metrics("webhook")
    try:
        theirs = subscribe(client, stranger.url, ["govhall.#"], who=OTHER)
        stranger.secrets = [theirs["secret"]]
        builders.unit(client, "tj-heping")
        the_delivery(client, broken["id"])
        for tries, seconds in enumerate((0, 6, 31), start=1):
            later(seconds)  # each back-off falls due
            send_until(hall, functools.partial(_tried, client, broken["id"], tries))
        wait_for(lambda: not _subscription(client, broken["id"])["enabled"], timeout=10)
        gone = _subscription(client, broken["id"])
        assert gone["consecutive_failures"] == 3
        assert metrics.moved()["disabled"] == 1
        assert "3 failed deliveries in a row" in gone["disabled_reason"]
        disabled = "govhall.notification.webhook.disabled.v1"
        send_until(hall, lambda: disabled in receiver.types())
        notice = next(i["event"] for i in receiver.received if i["event"]["type"] == disabled)
        assert notice["data"]["subscription_id"] == broken["id"]
        assert notice["data"]["failures"] == 3
        builders.unit(client, "tj-hongqiao")  # nothing more is recorded for a disabled one
        send_until(hall, lambda: "tj-hongqiao" in _codes(stranger))
        assert len(deliveries(client, broken["id"])) == 1
        assert disabled not in stranger.types()
    finally:
        stranger.server.shutdown()
        stranger.server.server_close()


def test_an_owner_with_no_other_subscription_is_told_in_its_inbox_and_by_mail(
    client: Client, hall: Hall, later: Callable[[float], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_DISABLE_AFTER", "2")
    address = {"address": "ops@acme.example", "language": "en"}
    ok(
        client.put(
            "/notification/api/v1/email/addresses/integrator:test-integrator",
            json=address,
            headers=builders.CENTER,
        )
    )
    broken = subscribe(client, "http://127.0.0.1:9/nobody-listens", [UNIT_REGISTERED])
    builders.unit(client, "tj-heping")
    the_delivery(client, broken["id"])
    for tries, seconds in enumerate((0, 6), start=1):
        later(seconds)
        send_until(hall, functools.partial(_tried, client, broken["id"], tries))
    wait_for(lambda: not _subscription(client, broken["id"])["enabled"], timeout=10)
    disabled = "govhall.notification.webhook.disabled.v1"

    def told(who: Any) -> list[dict[str, Any]]:
        inbox = ok(client.get("/notification/api/v1/notices?unread=true", headers=who))
        return [n for n in inbox["items"] if n["event_type"] == disabled]

    [notice] = wait_for(lambda: told(ACME), timeout=10)
    assert notice["recipient"] == "integrator:test-integrator"
    assert notice["subject"] == str(broken["id"]) and "test-integrator" in notice["title"]
    assert ok(client.post(f"/notification/api/v1/notices/{notice['id']}/read", headers=ACME))
    assert told(ACME) == []
    assert told(OTHER) == []  # another integrator hears nothing of it
    assert [n["recipient"] for n in told(builders.CENTER)] == ["center"]
    other_inbox = "/notification/api/v1/notices?recipient=integrator:test-integrator"
    assert client.get(other_inbox, headers=OTHER).status_code == 404
    mails = ok(client.get("/notification/api/v1/email/deliveries", headers=builders.CENTER))
    mailed = [m for m in mails["items"] if m["event_type"] == disabled]
    assert [(m["recipient"], m["address"]) for m in mailed] == [
        ("integrator:test-integrator", "ops@acme.example")
    ]


def _tried(client: Client, subscription_id: int, times: int) -> bool:
    items = deliveries(client, subscription_id)
    return bool(items) and len(items[0]["attempts_log"]) >= times


def _subscription(client: Client, subscription_id: int) -> dict[str, Any]:
    found: dict[str, Any] = ok(client.get(f"{API}/subscriptions/{subscription_id}", headers=ACME))
    return found


def taken_in(client: Client, code: str) -> None:
    """Wait until notification has taken in the registration of unit `code` (its inbox shows
    it to the authority): events reach it asynchronously, through the broker."""

    def seen() -> bool:
        inbox = ok(client.get("/notification/api/v1/notices?limit=200", headers=AUTHORITY))
        return any(code in notice["title"] for notice in inbox["items"])

    wait_for(seen, timeout=10)


def _codes(receiver: Receiver) -> list[str]:
    return [i["event"]["data"].get("code", "") for i in receiver.received]


def test_re_enabling_sends_what_waited(client: Client, hall: Hall, receiver: Receiver) -> None:
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    receiver.secrets = [made["secret"]]
    patch = {"enabled": False}
    paused = ok(client.patch(f"{API}/subscriptions/{made['id']}", json=patch, headers=ACME))
    assert paused["enabled"] is False
    builders.unit(client, "tj-heping")  # a disabled subscription records nothing
    builders.unit(client, "tj-hongqiao")
    taken_in(client, "tj-hongqiao")
    ok(client.patch(f"{API}/subscriptions/{made['id']}", json={"enabled": True}, headers=ACME))
    builders.unit(client, "tj-dongli")
    sent(hall, receiver, 1)
    assert _codes(receiver) == ["tj-dongli"]


def test_one_delivery_per_subscription_and_event_even_when_the_event_comes_twice(
    client: Client, hall: Hall, receiver: Receiver, publish: Callable[[str, str], None]
) -> None:
    made = subscribe(client, receiver.url, ["govhall.registry.unit.registered.*"])
    receiver.secrets = [made["secret"]]
    body = builders.stub_event(
        UNIT_REGISTERED,
        {"code": "tj-x", "name": "X", "district": "d", "registered_at": clock.now().isoformat()},
    )
    publish(UNIT_REGISTERED, body)
    publish(UNIT_REGISTERED, body)
    sent(hall, receiver, 1)
    deliver(hall)
    assert len(deliveries(client, made["id"])) == 1
    assert receiver.types() == [UNIT_REGISTERED]


def test_a_delivery_and_a_time_range_can_be_replayed(
    client: Client, hall: Hall, receiver: Receiver
) -> None:
    started = clock.now() - timedelta(minutes=1)
    # the two units the fixture registered reach notification before anyone subscribes
    taken_in(client, "tj-hexi")
    taken_in(client, "tj-nankai")
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    receiver.secrets = [made["secret"]]
    builders.unit(client, "tj-heping")
    sent(hall, receiver, 1)
    one = the_delivery(client, made["id"], status="delivered")
    again = ok(client.post(f"{API}/deliveries/{one['id']}/replay", headers=ACME), 202)
    assert again["status"] == "pending"
    sent(hall, receiver, 2)
    ids = [i["headers"]["webhook-id"] for i in receiver.received]
    assert ids == [one["event_id"], one["event_id"]]  # the same id: receivers de-duplicate
    span = {"from": started.isoformat(), "to": (clock.now() + timedelta(minutes=1)).isoformat()}
    replayed = ok(
        client.post(f"{API}/subscriptions/{made['id']}/replay", json=span, headers=ACME), 202
    )
    assert replayed["deliveries"] == 3  # tj-hexi and tj-nankai from before it, tj-heping again
    sent(hall, receiver, 5)
    assert sorted(_codes(receiver)[2:]) == ["tj-heping", "tj-hexi", "tj-nankai"]


def test_a_replay_range_must_make_sense(client: Client, receiver: Receiver) -> None:
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    now = clock.now()
    url = f"{API}/subscriptions/{made['id']}/replay"
    backwards = {"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()}
    problem = ok(client.post(url, json=backwards, headers=ACME), 422)
    assert "to" in problem["errors"]
    too_long = {"from": (now - timedelta(days=40)).isoformat(), "to": now.isoformat()}
    assert "to" in ok(client.post(url, json=too_long, headers=ACME), 422)["errors"]


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_while(
    client: Client, hall: Hall, receiver: Receiver
) -> None:
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    rotated = ok(client.post(f"{API}/subscriptions/{made['id']}/secret-rotation", headers=ACME))
    assert rotated["secret"] != made["secret"] and rotated["secret"].startswith("whsec_")
    receiver.secrets = [made["secret"]]  # a receiver that has not switched yet
    builders.unit(client, "tj-heping")
    sent(hall, receiver, 1)
    receiver.secrets = [rotated["secret"]]  # and one that has
    builders.unit(client, "tj-hongqiao")
    sent(hall, receiver, 2)
    assert len(receiver.received[1]["headers"]["webhook-signature"].split(" ")) == 2


def test_an_integrator_sees_and_touches_only_its_own_subscriptions(
    client: Client, hall: Hall, receiver: Receiver
) -> None:
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    receiver.secrets = [made["secret"]]
    builders.unit(client, "tj-heping")
    sent(hall, receiver, 1)
    delivery = the_delivery(client, made["id"], status="delivered")
    assert ok(client.get(f"{API}/subscriptions", headers=OTHER))["items"] == []
    assert [s["id"] for s in ok(client.get(f"{API}/subscriptions", headers=ACME))["items"]] == [
        made["id"]
    ]
    sid, did = made["id"], delivery["id"]
    for response in (
        client.get(f"{API}/subscriptions/{sid}", headers=OTHER),
        client.patch(f"{API}/subscriptions/{sid}", json={"enabled": False}, headers=OTHER),
        client.post(f"{API}/subscriptions/{sid}/secret-rotation", headers=OTHER),
        client.get(f"{API}/subscriptions/{sid}/deliveries", headers=OTHER),
        client.get(f"{API}/deliveries/{did}", headers=OTHER),
        client.post(f"{API}/deliveries/{did}/replay", headers=OTHER),
    ):
        assert response.status_code == 404, response.get_data(as_text=True)
    assert _subscription(client, sid)["enabled"] is True
    for role in ("authority", "center", "unit", "inspector"):
        headers = bearer(role, "tj-hexi" if role == "unit" else None)
        assert client.get(f"{API}/subscriptions", headers=headers).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "http://10.0.0.5/hook",
        "ftp://127.0.0.1/hook",
        "https://user:password@example.com/hook",
        "not a url",
    ],
)
def test_a_subscription_url_elsewhere_than_https_or_this_machine_is_refused(
    client: Client, url: str
) -> None:
    body = {"url": url, "event_types": ["govhall.#"]}
    problem = ok(client.post(f"{API}/subscriptions", json=body, headers=ACME), 422)
    assert "url" in problem["errors"]
    assert ok(client.get(f"{API}/subscriptions", headers=ACME))["items"] == []


@pytest.mark.parametrize("pattern", ["govhall..x", "govhall.Registry.#", "govhall.>", ""])
def test_a_pattern_that_is_not_a_topic_pattern_is_refused(client: Client, pattern: str) -> None:
    body = {"url": "https://erp.example.com/hook", "event_types": [pattern]}
    problem = ok(client.post(f"{API}/subscriptions", json=body, headers=ACME), 422)
    assert any(key.startswith("event_types") for key in problem["errors"])


def test_https_anywhere_is_accepted_and_patterns_can_change(client: Client) -> None:
    made = subscribe(client, "https://erp.example.com/hook", ["govhall.registry.window.*.v1"])
    change = {"event_types": ["govhall.inspection.#"], "description": "inspection only"}
    changed = ok(client.patch(f"{API}/subscriptions/{made['id']}", json=change, headers=ACME))
    assert changed["event_types"] == ["govhall.inspection.#"]
    bad = {"url": "http://example.com/x"}
    patch = client.patch(f"{API}/subscriptions/{made['id']}", json=bad, headers=ACME)
    assert "url" in ok(patch, 422)["errors"]
    assert _subscription(client, made["id"])["url"] == "https://erp.example.com/hook"


def test_latency_is_observed_once_per_delivery_on_both_channels_but_not_for_resends(
    client: Client,
    hall: Hall,
    receiver: Receiver,
    mailbox: Mailbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same event, by webhook and by e-mail: each channel's histogram counts one delivery,
    measured from the event's time. Sent again by hand (a replay, a retry of a dead letter), a
    delivery counts as sent but its latency, the wait for a person, is not observed."""
    monkeypatch.setenv("EMAIL_MAX_ATTEMPTS", "1")
    ok(
        client.put(
            "/notification/api/v1/email/addresses/authority",
            json={"address": "authority@hall.test", "language": "en"},
            headers=builders.CENTER,
        )
    )
    made = subscribe(client, receiver.url, [UNIT_REGISTERED])
    receiver.secrets = [made["secret"]]
    webhook, email = Metrics("webhook"), Metrics("email")
    builders.unit(client, "tj-heping")
    sent(hall, receiver, 1)
    rt = hall.runtime("notification")
    wait_for(lambda: email_delivery.deliver_due(rt) >= 0 and mailbox.to("authority@hall.test"))
    for channel in (webhook, email):
        moved = wait_for(functools.partial(_observed, channel, 1), timeout=10)
        assert (moved["sent"], moved["latency_count"]) == (1, 1), channel.channel
        assert 0 <= moved.get("latency_sum", 0) < 60

    # A replay of the webhook delivery: sent again, not observed.
    one = the_delivery(client, made["id"], status="delivered")
    ok(client.post(f"{API}/deliveries/{one['id']}/replay", headers=ACME), 202)
    sent(hall, receiver, 2)
    wait_for(lambda: webhook.moved()["sent"] == 2, timeout=10)
    assert webhook.moved()["latency_count"] == 1

    # A dead e-mail retried by the center: sent, not observed.
    mailbox.refuse = True
    builders.unit(client, "tj-hongqiao")
    deliveries_url = "/notification/api/v1/email/deliveries?status=dead"

    def dead() -> list[dict[str, Any]]:
        email_delivery.deliver_due(rt)
        items: list[dict[str, Any]] = ok(client.get(deliveries_url, headers=builders.CENTER))[
            "items"
        ]
        return items

    [lost] = wait_for(dead, timeout=10)
    assert email.moved()["failed"] == 1
    mailbox.refuse = False
    ok(
        client.post(
            f"/notification/api/v1/email/deliveries/{lost['id']}/retry", headers=builders.CENTER
        )
    )
    wait_for(
        lambda: email_delivery.deliver_due(rt) >= 0 and len(mailbox.to("authority@hall.test")) == 2
    )
    wait_for(lambda: email.moved()["sent"] == 2, timeout=10)
    assert email.moved()["latency_count"] == 1


def _observed(metrics: Metrics, count: int) -> dict[str, float] | None:
    moved = metrics.moved()
    return moved if moved.get("latency_count") == count else None
