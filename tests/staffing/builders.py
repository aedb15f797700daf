"""Builders for staffing tests, through the public APIs (registry's window, staffing's staff)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from itertools import count
from typing import Any

from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer

_ids = count(100)


def id_number(birth: date) -> str:
    """A well-formed 18-character ID number with the birth date in it (never a real one)."""
    serial = next(_ids)
    return f"120103{birth:%Y%m%d}{serial:03d}{serial % 10}"


def person(
    client: Client,
    unit: str,
    name: str,
    *,
    birth: date = date(1990, 5, 1),
    started: date = date(2015, 7, 1),
    status: int = 201,
    **changes: Any,
) -> Any:
    body = {
        "name": name,
        "id_number": id_number(birth),
        "phone": "13812345678",
        "birth_date": birth.isoformat(),
        "employment": "civil_servant",
        "law_enforcement_cert": "津执法 120000123",
        "work_started_on": started.isoformat(),
        "knows_approval_work": True,
        **changes,
    }
    response = client.post("/staffing/api/v1/staff", json=body, headers=bearer("unit", unit))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


# The day the staffing tests' windows are published on: postings start on it or later (TJ-5.6),
# and some tests record postings and terms that began years ago.
PUBLISHED_ON = date(2023, 1, 2)


@contextmanager
def as_of(day: date) -> Iterator[None]:
    """The hall's clock set back while a window goes through its procedure, then restored."""
    today, now = clock.today, clock.now
    moment = datetime.combine(day, now().timetz())
    clock.today, clock.now = (lambda: day), (lambda: moment)
    try:
        yield
    finally:
        clock.today, clock.now = today, now


def window_known_to_staffing(
    client: Client,
    unit: str = "tj-hexi",
    hall_code: str = "tj-hall",
    published_on: date = PUBLISHED_ON,
) -> dict[str, Any]:
    """A window registry published on `published_on`, waited for until staffing has learned it
    is published (a probe post shows up in the coverage report, which lists published windows
    only)."""
    from tests.support import wait_for

    with as_of(published_on):
        window = builders.published_window(client, unit, ["work-permit-long"], hall_code=hall_code)
    center = bearer("center")
    probe = wait_for(
        lambda: _json_if(
            client.post(
                "/staffing/api/v1/posts",
                headers=center,
                json={"window_id": window["id"], "name": "probe"},
            ),
            201,
        ),
        timeout=5,
    )
    wait_for(
        lambda: (
            probe["id"]
            in [s["post_id"] for s in ok(client.get("/staffing/api/v1/coverage", headers=center))]
        ),
        timeout=5,
    )
    return window


def _json_if(response: Any, status: int) -> Any:
    return response.json if response.status_code == status else None


def post(
    client: Client, window_id: int, name: str = "受理 Acceptance", unit: str = "tj-hexi"
) -> dict[str, Any]:
    return ok(
        client.post(
            "/staffing/api/v1/posts",
            json={"window_id": window_id, "name": name},
            headers=bearer("unit", unit),
        ),
        201,
    )


def assign(
    client: Client, post_id: int, staff_id: str, role: str, unit: str = "tj-hexi", status: int = 201
) -> Any:
    response = client.post(
        f"/staffing/api/v1/posts/{post_id}/assignments",
        json={"staff_id": staff_id, "role": role},
        headers=bearer("unit", unit),
    )
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def staffed_post(client: Client, unit: str = "tj-hexi") -> tuple[dict, dict, dict, dict]:
    """A published window with a post held by an A and a B: (window, post, a, b)."""
    window = window_known_to_staffing(client, unit)
    seat = post(client, window["id"], unit=unit)
    a = person(client, unit, "张伟")
    b = person(client, unit, "李娜")
    assign(client, seat["id"], a["id"], "A", unit)
    assign(client, seat["id"], b["id"], "B", unit)
    return window, seat, a, b


def events(hall: Hall, name: str) -> list[dict[str, Any]]:
    """The data of every event of one type staffing wrote to its outbox, oldest first, e.g.
    `events(hall, "post.created")`."""
    db = hall.runtime("staffing").db
    table = db.table("outbox")
    query = (
        select(table.c.body)
        .where(table.c.type == f"govhall.staffing.{name}.v1")
        .order_by(table.c.created_at)
    )
    with db.session() as session:
        return [json.loads(body)["data"] for body in session.execute(query).scalars()]
