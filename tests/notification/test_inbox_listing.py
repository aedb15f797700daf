"""The inbox as a reader works through it (issue 17.6): newest first, filtered by type, time and
read state, paged without skipping or repeating a notice, with the unread count of the inbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import insert
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared.clock import HALL_TIMEZONE
from tests import builders
from tests.builders import CENTER, ok
from tests.support import bearer, wait_for

NOTICES = "/notification/api/v1/notices"
HEXI = bearer("unit", "tj-hexi")
SANCTION = "govhall.inspection.sanction.imposed.v1"
REPORTED = "govhall.staffing.absence.reported.v1"

Publish = Callable[[str, str], None]


def _sanction(publish: Publish, sanction_id: int) -> None:
    data = {
        "sanction_id": sanction_id,
        "kind": "suspension",
        "window_id": 10 + sanction_id,
        "unit_code": "tj-hexi",
        "district": "河西区 Hexi",
        "basis": "TJ-8.2",
        "reason": "concentrated complaints",
        "at": "2026-11-20T08:00:00+00:00",
    }
    publish(SANCTION, builders.stub_event(SANCTION, data))


def _reported(publish: Publish) -> None:
    data = builders.absence("reported", chief_staff_id="s-wang", deputy_staff_id=None)
    publish(REPORTED, builders.stub_event(REPORTED, data))


def _list(client: Client, query: str = "", headers: dict[str, str] = HEXI) -> Any:
    return client.get(f"{NOTICES}?{query}", headers=headers)


def _types(answer: Any) -> list[str]:
    return [n["event_type"] for n in ok(answer)["items"]]


def _mine(client: Client, count: int) -> list[dict[str, Any]]:
    return wait_for(
        lambda: (lambda items: items if len(items) >= count else None)(ok(_list(client))["items"])
    )


def test_newest_first_by_default_oldest_on_request(hall: Hall, publish: Publish) -> None:
    client = Client(hall.wsgi())
    _sanction(publish, 1)
    [oldest] = _mine(client, 1)
    _reported(publish)
    newest, older = _mine(client, 2)
    assert older["id"] == oldest["id"] and newest["event_type"] == REPORTED
    assert newest["created_at"] >= older["created_at"]
    assert _types(_list(client, "order=oldest")) == [SANCTION, REPORTED]
    assert _list(client, "order=sideways").status_code == 422


def test_filters_by_type_time_and_read_state_and_counts_the_unread(
    hall: Hall, publish: Publish
) -> None:
    client = Client(hall.wsgi())
    _sanction(publish, 1)
    _sanction(publish, 2)
    _reported(publish)
    notices = _mine(client, 3)
    assert _types(_list(client, f"type={SANCTION}")) == [SANCTION, SANCTION]
    assert _types(_list(client, f"type={SANCTION}&type={REPORTED}")) == [
        REPORTED,
        SANCTION,
        SANCTION,
    ]
    assert _types(_list(client, "type=govhall.nothing.v1")) == []

    # read and unread: mark the newest sanction notice read
    read = next(n for n in notices if n["event_type"] == SANCTION)
    ok(client.post(f"{NOTICES}/{read['id']}/read", headers=HEXI))
    assert [n["id"] for n in ok(_list(client, "read=true"))["items"]] == [read["id"]]
    unread = ok(_list(client, "read=false"))
    assert read["id"] not in [n["id"] for n in unread["items"]] and len(unread["items"]) == 2
    assert ok(_list(client, "unread=true"))["items"] == unread["items"]  # the older spelling
    # the count is the inbox's, whatever the filters: the badge
    for query in ("", "read=true", f"type={REPORTED}", "since=2000-01-01&until=2000-01-02"):
        assert ok(_list(client, query))["unread"] == 2, query

    # a time range: dates are days of the hall's calendar, datetimes carry their offset
    today = datetime.now(HALL_TIMEZONE).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert len(ok(_list(client, f"since={today}&until={today}"))["items"]) == 3
    assert ok(_list(client, f"until={yesterday}"))["items"] == []
    assert ok(_list(client, f"since={tomorrow}"))["items"] == []
    later = quote((datetime.now(UTC) + timedelta(minutes=5)).isoformat())
    assert len(ok(_list(client, f"until={later}"))["items"]) == 3
    assert ok(_list(client, f"since={later}"))["items"] == []
    assert len(ok(_list(client, f"since={yesterday}&type={SANCTION}&read=false"))["items"]) == 1

    for query, field in (
        ("since=2026-12-01T08:00:00", "since"),  # no offset: which 08:00?
        ("since=yesterday", "since"),
        ("since=0001-01-01T00:00:00%2B14:00", "since"),  # no instant in UTC
        ("until=9999-12-31", "until"),  # its end is past year 9999
        (f"since={today}&until={yesterday}", "until"),
        ("read=true&unread=true", "read"),
        ("read=maybe", "read"),
    ):
        refused = _list(client, query)
        assert refused.status_code == 422, query
        assert field in refused.json["errors"], (query, refused.json)


def test_pages_newest_first_never_skip_or_repeat_a_notice_of_the_same_instant(
    hall: Hall,
) -> None:
    """150 notices after the demo, many recorded in the same instant: paging by (time, id)."""
    client = Client(hall.wsgi())
    db = hall.runtime("notification").db
    same = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    rows = [
        {
            "recipient": "center",
            "channel": "inbox",
            "event_id": f"00000000-0000-4000-8000-{n:012d}",
            "event_type": SANCTION,
            "subject": str(n),
            "title_zh": f"通知 {n}",
            "title_en": f"notice {n}",
            # ids 0–3 an instant apart, 4–9 in one instant, 10–11 later, inserted out of order
            "created_at": same + timedelta(seconds=min(n, 4) if n < 10 else 60 + n),
        }
        for n in (11, 0, 5, 6, 1, 7, 2, 8, 3, 9, 4, 10)
    ]
    with db.session() as session:
        session.execute(insert(db.table("notices")), rows)
        session.commit()
    everything = ok(_list(client, "limit=200", CENTER))["items"]
    newest_first = sorted(everything, key=lambda n: (n["created_at"], n["id"]), reverse=True)
    assert everything == newest_first and len(everything) == 12
    for order, expected in (("newest", everything), ("oldest", everything[::-1])):
        seen: list[int] = []
        cursor = ""
        while True:
            page = ok(_list(client, f"order={order}&limit=5{cursor}", CENTER))
            seen += [n["id"] for n in page["items"]]
            if not page["next_cursor"]:
                break
            cursor = f"&cursor={page['next_cursor']}"
        assert seen == [n["id"] for n in expected], order
    # a cursor of one order is not one of the other
    first = ok(_list(client, "order=oldest&limit=5", CENTER))["next_cursor"]
    refused = _list(client, f"cursor={first}", CENTER)
    assert refused.status_code == 422 and "cursor" in refused.json["errors"]
