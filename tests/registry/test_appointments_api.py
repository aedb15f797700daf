"""Appointments and extended service through the API (EQ-4.4d)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests import builders
from tests.builders import CENTER, ok
from tests.support import bearer

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
SLOTS = "/registry/api/v1/slots"
BOOKINGS = "/registry/api/v1/bookings"
HOURS = "/registry/api/v1/extended-hours"
MATTER = "work-permit-long"


def _day(days: int = 7) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


def _window(client: Client, unit: str = "tj-hexi") -> int:
    window = builders.application(client, unit)
    builders.procedure(client, window["id"], [MATTER], starts_on=clock.today().isoformat())
    return int(window["id"])


def _slot(client: Client, window_id: int, headers: Any = CENTER, **changes: Any) -> Any:
    body = {
        "window_id": window_id,
        "matter_code": MATTER,
        "date": _day(),
        "start": "09:00",
        "end": "10:00",
        "capacity": 2,
        **changes,
    }
    return client.post(SLOTS, json=body, headers=headers)


def _book(client: Client, slot_id: int, phone: str, name: str = "王芳") -> Any:
    return client.post(BOOKINGS, json={"slot_id": slot_id, "name": name, "phone": phone})


def _cancel(client: Client, reference: str, code: str) -> Any:
    return client.post(f"{BOOKINGS}/{reference}/cancellation", json={"code": code})


def _events(hall: Hall, event_type: str) -> list[dict[str, Any]]:
    db = hall.runtime("registry").db
    outbox = db.table("outbox")
    with db.session() as session:
        bodies = session.execute(
            select(outbox.c.body).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
        )
        return [json.loads(body)["data"] for body in bodies.scalars()]


def test_a_unit_publishes_slots_the_public_lists(client: Client, hall: Hall) -> None:
    window_id = _window(client)
    for start, end in (("09:00", "10:00"), ("10:00", "11:00"), ("14:00", "15:30")):
        ok(_slot(client, window_id, HEXI, start=start, end=end), 201)
    first = ok(client.get(f"{SLOTS}?window_id={window_id}&limit=2"))
    assert [s["start"] for s in first["items"]] == ["09:00", "10:00"]
    assert first["items"][0]["free"] == 2 and first["items"][0]["matter_code"] == MATTER
    rest = ok(client.get(f"{SLOTS}?window_id={window_id}&limit=2&cursor={first['next_cursor']}"))
    assert [s["end"] for s in rest["items"]] == ["15:30"] and rest["next_cursor"] is None
    later = ok(client.get(f"{SLOTS}?matter_code={MATTER}&from={_day(8)}"))
    assert later["items"] == []
    published = _events(hall, "govhall.registry.slot.published.v1")
    assert [(e["unit_code"], e["start"]) for e in published] == [
        ("tj-hexi", "09:00"),
        ("tj-hexi", "10:00"),
        ("tj-hexi", "14:00"),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": _day(-1)}, "date"),
        ({"end": "09:00"}, "end"),
        ({"capacity": 0}, "capacity"),
        ({"start": "9:00"}, "start"),
    ],
)
def test_slots_in_the_past_empty_or_roomless_are_refused(
    client: Client, changes: dict[str, Any], field: str
) -> None:
    refused = _slot(client, _window(client), **changes)
    assert refused.status_code == 422 and field in refused.json["errors"]
    assert refused.mimetype == "application/problem+json"


def test_slots_of_a_window_do_not_overlap(client: Client) -> None:
    window_id = _window(client)
    ok(_slot(client, window_id), 201)
    clash = _slot(client, window_id, start="09:30", end="10:30")
    assert clash.status_code == 409 and clash.json["rule"] == "EQ-4.4d"
    ok(_slot(client, window_id, date=_day(8), start="09:30", end="10:30"), 201)


def test_a_unit_cannot_publish_for_another_units_window(client: Client) -> None:
    window_id = _window(client, "tj-hexi")
    assert _slot(client, window_id, NANKAI).status_code == 404


def test_only_delegated_matters_get_slots(client: Client) -> None:
    builders.matter(client, "residence-permit")
    refused = _slot(client, _window(client), matter_code="residence-permit")
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-2.1"


def test_capacity_double_booking_and_cancellation(client: Client, hall: Hall) -> None:
    slot_id = ok(_slot(client, _window(client), capacity=2), 201)["id"]
    first = ok(_book(client, slot_id, "13812345678"), 201)
    assert first["phone"] == "138****5678" and first["slot"]["free"] == 1
    twice = _book(client, slot_id, "13812345678")
    assert twice.status_code == 409 and "phone" in twice.json["errors"]
    ok(_book(client, slot_id, "13912345678"), 201)
    full = _book(client, slot_id, "13712345678")
    assert full.status_code == 409 and full.json["rule"] == "EQ-4.4d"
    assert ok(client.get(f"{SLOTS}?matter_code={MATTER}"))["items"] == []

    assert _cancel(client, first["reference"], "guess").status_code == 404
    assert _cancel(client, "NO-SUCH-REF", first["cancellation_code"]).status_code == 404
    cancelled = ok(_cancel(client, first["reference"], first["cancellation_code"]))
    assert cancelled["status"] == "cancelled" and cancelled["slot"]["booked"] == 1
    assert _cancel(client, first["reference"], first["cancellation_code"]).status_code == 409
    ok(_book(client, slot_id, "13712345678"), 201)  # the freed seat
    again = _book(client, slot_id, "13812345678")  # free to book again, but the slot is full
    assert again.status_code == 409 and "slot_id" in again.json["errors"]

    made = _events(hall, "govhall.registry.booking.made.v1")
    gone = _events(hall, "govhall.registry.booking.cancelled.v1")
    assert len(made) == 3 and len(gone) == 1
    assert gone[0]["reference"] == first["reference"] and gone[0]["phone_masked"] == "138****5678"
    assert not any("12345678" in json.dumps(data) for data in made + gone)


def test_concurrent_bookings_never_overfill_a_slot(hall: Hall, client: Client) -> None:
    slot_id = ok(_slot(client, _window(client), capacity=3), 201)["id"]
    ok(_book(client, slot_id, "13800000000"), 201)

    def attempt(n: int) -> int:
        own = Client(hall.wsgi())  # a client each: werkzeug's keeps per-client state
        return int(_book(own, slot_id, f"139000000{n:02d}").status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(12)))
    assert statuses.count(201) == 2 and statuses.count(409) == 10
    assert ok(client.get(f"{SLOTS}/{slot_id}"))["booked"] == 3
    listed = ok(client.get(f"{SLOTS}/{slot_id}/bookings", headers=CENTER))["items"]
    assert len(listed) == 3
    assert len(_events(hall, "govhall.registry.booking.made.v1")) == 3


def test_phones_in_full_only_for_the_center_and_the_unit(client: Client) -> None:
    slot_id = ok(_slot(client, _window(client)), 201)["id"]
    ok(_book(client, slot_id, "13812345678"), 201)
    url = f"{SLOTS}/{slot_id}/bookings"
    for headers in (CENTER, HEXI):
        assert ok(client.get(url, headers=headers))["items"][0]["phone"] == "13812345678"
    inspector = ok(client.get(url, headers=bearer("inspector")))["items"][0]
    assert inspector["phone"] == "138****5678" and "code_hash" not in inspector
    assert client.get(url, headers=NANKAI).status_code == 404
    assert client.get(url).status_code == 401


def test_extended_hours_per_window(client: Client, hall: Hall) -> None:
    hexi, nankai = _window(client), _window(client, "tj-nankai")
    body = {"window_id": hexi, "date": _day(), "opens": "08:00", "closes": "20:00", "note": "延时"}
    ok(client.post(HOURS, json=body, headers=HEXI), 201)
    assert client.post(HOURS, json=body, headers=CENTER).status_code == 409
    assert client.post(HOURS, json=body, headers=NANKAI).status_code == 404
    backwards: Any = client.post(
        HOURS, json={**body, "date": _day(8), "closes": "07:00"}, headers=CENTER
    )
    assert backwards.status_code == 422 and "closes" in backwards.json["errors"]
    ok(client.post(HOURS, json={**body, "window_id": nankai}, headers=CENTER), 201)

    listed = ok(client.get(f"{HOURS}?window_id={hexi}"))["items"]
    assert [(h["date"], h["opens"], h["closes"]) for h in listed] == [(_day(), "08:00", "20:00")]
    assert len(ok(client.get(HOURS))["items"]) == 2
    events = _events(hall, "govhall.registry.extended_hours.scheduled.v1")
    assert [e["unit_code"] for e in events] == ["tj-hexi", "tj-nankai"]
