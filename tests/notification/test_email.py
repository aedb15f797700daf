"""E-mail against a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, in which language,
to whom; retries with back-off and the dead letter; one mail per notice; the address book."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from prometheus_client import REGISTRY
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.notification.adapters.tables import email_deliveries
from services.notification.handlers import email
from services.notification.handlers import email_delivery as delivery
from shared.events import CloudEvent, new_event
from shared.sqltypes import utcnow
from tests import builders
from tests.builders import ok
from tests.mailbox import Mailbox
from tests.support import bearer, free_port, wait_for

CENTER = bearer("center")
HEXI = bearer("unit", "tj-hexi")
ADDRESSES = "/notification/api/v1/email/addresses"
DELIVERIES = "/notification/api/v1/email/deliveries"
ABSENCE = "govhall.staffing.absence.approved.v1"
UNIT_UPDATED = "govhall.registry.unit.updated.v1"
BASE_DELAY = 0.5


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A real SMTP server on a free port of 127.0.0.1, and the settings pointing at it."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(box.port))
    monkeypatch.setenv("SMTP_FROM", "hall@govhall.test")
    monkeypatch.setenv("EMAIL_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("EMAIL_RETRY_BASE_DELAY", str(BASE_DELAY))
    yield box
    controller.stop()


def _absence(event_id: str = "") -> str:
    body = json.loads(
        builders.stub_event(
            ABSENCE,
            builders.absence("approved", cover_staff_id="s-li", cover_name="李四"),
        )
    )
    body["id"] = event_id or body["id"]
    return json.dumps(body)


def _settled(client: Client) -> None:
    """Notification has taken in the fixture's unit registrations, so an address set now
    concerns only what the test does next."""
    registered = "govhall.registry.unit.registered.v1"

    def units() -> int:
        items = ok(client.get("/notification/api/v1/notices", headers=builders.AUTHORITY))["items"]
        return sum(item["event_type"] == registered for item in items)

    wait_for(lambda: units() >= 2)


def _address(client: Client, key: str, address: str, language: str = "zh") -> None:
    _settled(client)
    body = {"address": address, "language": language}
    ok(client.put(f"{ADDRESSES}/{key}", json=body, headers=CENTER))


def _deliveries(
    client: Client, status: str | None = None, event_type: str = ABSENCE
) -> list[dict[str, Any]]:
    """The deliveries of one event type (the fixture's own registrations may be mailed too)."""
    query = f"?status={status}" if status else ""
    items = ok(client.get(f"{DELIVERIES}{query}", headers=CENTER))["items"]
    return [item for item in items if event_type in ("", item["event_type"])]


def _sweep_until(hall: Hall, done: Any, timeout: float = 10) -> Any:
    rt = hall.runtime("notification")
    return wait_for(lambda: delivery.deliver_due(rt) >= 0 and done(), timeout=timeout)


def _row(hall: Hall, delivery_id: int) -> Any:
    db = hall.runtime("notification").db
    with db.session() as session:
        return session.execute(
            select(email_deliveries).where(email_deliveries.c.id == delivery_id)
        ).one()


def _row_if(hall: Hall, delivery_id: int, wanted: Any) -> Any:
    row = _row(hall, delivery_id)
    return row if wanted(row) else None


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"channel": "email"}) or 0.0


def test_an_approved_absence_reaches_the_units_mailbox_in_its_language(
    client: Client, hall: Hall, publish: Any, mailbox: Mailbox
) -> None:
    _address(client, "unit:tj-hexi", "office@hexi.test", "en")
    sent_before = _metric("govhall_notification_sent_total")
    publish(ABSENCE, _absence())
    _sweep_until(hall, lambda: mailbox.received)
    [(to, mail)] = mailbox.received
    assert to == ["office@hexi.test"] and mail["To"] == "office@hexi.test"
    assert mail["From"] == "hall@govhall.test"
    assert mail["Subject"] == "A/B cover: 李四 covers for 张三 (2026-12-07 to 2026-12-09)"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "The absence of 张三 (s-zhang) from 2026-12-07 to 2026-12-09 was approved." in text
    assert "B, 李四 (s-li), covers (post #5, window #3)." in text
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<p>Hello,</p>" in html
    [row] = wait_for(lambda: _deliveries(client, "sent"))
    assert row["recipient"] == "unit:tj-hexi" and row["attempts"] == 1 and row["sent_at"]
    assert _metric("govhall_notification_sent_total") == sent_before + 1


def test_a_unit_registered_with_an_email_contact_is_mailed_in_chinese(
    client: Client, hall: Hall, mailbox: Mailbox
) -> None:
    body = {
        "code": "tj-heping",
        "name": "和平区政务服务中心",
        "district": "和平区 Heping",
        "contacts": [{"name": "王五", "phone": "022-1", "email": "heping@tj.test"}],
    }
    ok(client.post("/registry/api/v1/units", json=body, headers=builders.AUTHORITY), 201)
    _sweep_until(hall, lambda: mailbox.received)
    [(to, mail)] = mailbox.received
    assert to == ["heping@tj.test"]
    assert mail["Subject"] == "新单位已登记：和平区政务服务中心（和平区 Heping）"
    assert "您好：" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    addresses = ok(client.get(ADDRESSES, headers=CENTER))
    assert {"inbox_key": "unit:tj-heping", "source": "registry", "language": "zh"}.items() <= {
        a["inbox_key"]: a for a in addresses
    }["unit:tj-heping"].items()


def test_a_units_address_follows_registry_until_the_center_sets_one(
    client: Client, hall: Hall, publish: Any
) -> None:
    def updated(email: str) -> CloudEvent:
        data = {
            "code": "tj-hexi",
            "name": "tj-hexi 政务服务中心",
            "district": "河西区 Hexi",
            "registered_at": "2026-11-22T01:00:00+00:00",
            "contacts": [{"name": "赵六", "phone": "022-2", "email": email}],
        }
        event = new_event(source="/govhall/registry", type=UNIT_UPDATED, subject="x", data=data)
        publish(UNIT_UPDATED, event.to_json())
        return event

    def book() -> dict[str, Any]:
        return {a["inbox_key"]: a for a in ok(client.get(ADDRESSES, headers=CENTER))}

    _settled(client)
    updated("first@hexi.test")
    wait_for(lambda: book().get("unit:tj-hexi", {}).get("address") == "first@hexi.test")
    _address(client, "unit:tj-hexi", "chosen@hexi.test", "en")
    later = updated("second@hexi.test")
    wait_for(lambda: _processed(hall, later.id))
    entry = book()["unit:tj-hexi"]
    assert (entry["address"], entry["language"], entry["source"]) == (
        "chosen@hexi.test",
        "en",
        "center",
    )


def _processed(hall: Hall, event_id: str) -> bool:
    db = hall.runtime("notification").db
    table = db.table("processed_events")
    with db.session() as session:
        return (
            session.execute(select(table).where(table.c.event_id == event_id)).first() is not None
        )


@pytest.mark.parametrize("server", ["refuses", "down"])
def test_a_failing_server_is_retried_with_back_off_then_the_mail_is_dead(
    client: Client, hall: Hall, publish: Any, mailbox: Mailbox, monkeypatch: Any, server: str
) -> None:
    if server == "refuses":
        mailbox.refuse = True
    else:
        monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens there
    _address(client, "unit:tj-hexi", "office@hexi.test")
    retried, failed = (
        _metric("govhall_notification_retried_total"),
        _metric("govhall_notification_failed_total"),
    )
    publish(ABSENCE, _absence())
    [pending] = wait_for(lambda: _deliveries(client, "pending"))

    first = _sweep_until(hall, lambda: _row_if(hall, pending["id"], lambda r: r.attempts == 1))
    assert first.status == "pending"
    assert ("550" in first.last_error) if server == "refuses" else first.last_error
    wait = first.next_attempt_at - utcnow()
    assert timedelta(seconds=0) < wait <= timedelta(seconds=BASE_DELAY)
    assert delivery.deliver_due(hall.runtime("notification")) == 0  # not before it is due

    second = _sweep_until(hall, lambda: _row_if(hall, pending["id"], lambda r: r.attempts == 2))
    assert second.status == "pending"
    assert second.next_attempt_at - utcnow() > timedelta(seconds=BASE_DELAY)  # it doubled

    dead = _sweep_until(hall, lambda: _row_if(hall, pending["id"], lambda r: r.status == "dead"))
    assert dead.attempts == 3 and dead.next_attempt_at is None and dead.sent_at is None
    assert mailbox.received == []
    assert [d["id"] for d in _deliveries(client, "dead")] == [pending["id"]]
    assert _metric("govhall_notification_retried_total") == retried + 2
    assert _metric("govhall_notification_failed_total") == failed + 1

    # The center fixes the server and retries the dead letter: it arrives, once.
    mailbox.refuse = False
    monkeypatch.setenv("SMTP_PORT", str(mailbox.port))
    again = ok(client.post(f"{DELIVERIES}/{pending['id']}/retry", headers=CENTER))
    assert (again["status"], again["attempts"]) == ("pending", 0)
    _sweep_until(hall, lambda: mailbox.received)
    assert len(mailbox.received) == 1
    answer = client.post(f"{DELIVERIES}/{pending['id']}/retry", headers=CENTER)
    assert answer.status_code == 409 and "never sent twice" in (answer.json or {})["detail"]
    assert answer.json["type"] == "urn:govhall:problem:state-conflict"  # docs/errors.md


def test_the_same_event_twice_gives_one_mail(
    client: Client, hall: Hall, publish: Any, mailbox: Mailbox
) -> None:
    _address(client, "unit:tj-hexi", "office@hexi.test")
    body = _absence()
    publish(ABSENCE, body)
    publish(ABSENCE, body)
    _sweep_until(hall, lambda: mailbox.received)
    # Even a handler run twice for one event (a replayed dead letter) records one delivery.
    rt = hall.runtime("notification")
    event = CloudEvent.from_json(body)
    from services.notification.domain.routing import recipients_for

    for _ in range(2):
        with rt.uow() as uow:
            email.on_notices(uow, event, recipients_for(event.type, event.data))
            uow.commit()
    delivery.deliver_due(rt)
    assert len(mailbox.received) == 1
    assert len(_deliveries(client)) == 1


def test_without_a_server_deliveries_wait_and_the_service_stays_ready(
    client: Client, hall: Hall, publish: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("SMTP_HOST", raising=False)
    _address(client, "unit:tj-hexi", "office@hexi.test")
    publish(ABSENCE, _absence())
    [row] = wait_for(lambda: _deliveries(client, "pending"))
    assert delivery.deliver_due(hall.runtime("notification")) == 0
    assert _row(hall, row["id"]).attempts == 0
    assert client.get("/notification/readyz").status_code == 200


def test_only_the_center_keeps_the_address_book_and_wrong_entries_change_nothing(
    client: Client,
) -> None:
    cases = [
        ("integrator", {"address": "a@b.test"}, "inbox_key"),
        ("unit:tj-hexi", {"address": "not an address"}, "address"),
        ("unit:tj-hexi", {"address": "a@b.test", "language": "fr"}, "language"),
    ]
    for key, body, field_name in cases:
        answer = client.put(f"{ADDRESSES}/{key}", json=body, headers=CENTER)
        assert answer.status_code == 422, answer.json
        assert answer.mimetype == "application/problem+json"
        assert field_name in (answer.json or {})["errors"]
    assert ok(client.get(ADDRESSES, headers=CENTER)) == []
    # A unit keeps only its own staff's addresses: its own office's is the center's to set.
    put = client.put(f"{ADDRESSES}/unit:tj-hexi", json={"address": "a@b.test"}, headers=HEXI)
    assert put.status_code == 404
    public = client.put(
        f"{ADDRESSES}/case:2026120100000001", json={"address": "a@b.test"}, headers=CENTER
    )
    assert public.status_code == 422 and "inbox_key" in (public.json or {})["errors"]
    _address(client, "center", "center@hall.test", "en")
    [entry] = ok(client.get(ADDRESSES, headers=builders.AUTHORITY))
    assert (entry["inbox_key"], entry["language"], entry["source"]) == ("center", "en", "center")
    assert client.delete(f"{ADDRESSES}/center", headers=CENTER).status_code == 204
    assert client.delete(f"{ADDRESSES}/center", headers=CENTER).status_code == 404


def test_a_unit_sees_only_its_own_deliveries(client: Client, publish: Any) -> None:
    _address(client, "unit:tj-hexi", "office@hexi.test")
    _address(client, "unit:tj-nankai", "office@nankai.test")
    builders.published_window(client, "tj-nankai", ["work-permit-long"])
    publish(ABSENCE, _absence())
    both = {"unit:tj-hexi", "unit:tj-nankai"}
    recipients = lambda: {d["recipient"] for d in _deliveries(client, event_type="")}  # noqa: E731
    wait_for(lambda: both <= recipients())
    mine = ok(client.get(DELIVERIES, headers=HEXI))["items"]
    assert mine and {d["recipient"] for d in mine} == {"unit:tj-hexi"}
    assert client.post(f"{DELIVERIES}/{mine[0]['id']}/retry", headers=HEXI).status_code == 403
    assert client.post(f"{DELIVERIES}/999999/retry", headers=CENTER).status_code == 404


def test_a_unit_keeps_its_own_staffs_addresses_and_b_is_mailed_in_person(
    client: Client, hall: Hall, publish: Any, mailbox: Mailbox
) -> None:
    """B (s-li) covers: mailed at B's own address, which B's unit set, in B's language."""
    _settled(client)
    b_inbox = f"{ADDRESSES}/staff:tj-hexi:s-li"
    body = {"address": "li.si@hexi.test", "language": "en"}
    entry = ok(client.put(b_inbox, json=body, headers=HEXI))
    assert (entry["inbox_key"], entry["source"]) == ("staff:tj-hexi:s-li", "unit")
    for other in ("staff:tj-nankai:s-li", "center", "integrator:acme", "staff:tj-hexi"):
        refused = client.put(f"{ADDRESSES}/{other}", json=body, headers=HEXI)
        assert refused.status_code == 404, other  # another unit's staff: nothing to see
    assert client.delete(f"{ADDRESSES}/staff:tj-nankai:s-li", headers=HEXI).status_code == 404
    assert client.get(ADDRESSES, headers=HEXI).status_code == 403  # the book is the center's

    publish(ABSENCE, _absence())
    _sweep_until(hall, lambda: mailbox.to("li.si@hexi.test"))
    [mail] = mailbox.to("li.si@hexi.test")
    assert mail["Subject"] == "A/B cover: 李四 covers for 张三 (2026-12-07 to 2026-12-09)"
    mine = ok(client.get(DELIVERIES, headers=HEXI))["items"]
    assert [(d["recipient"], d["address"]) for d in mine if d["event_type"] == ABSENCE] == [
        ("staff:tj-hexi:s-li", "li.si@hexi.test")
    ]
    nankai = ok(client.get(DELIVERIES, headers=bearer("unit", "tj-nankai")))["items"]
    assert all(d["recipient"] != "staff:tj-hexi:s-li" for d in nankai)
    assert client.delete(b_inbox, headers=HEXI).status_code == 204
