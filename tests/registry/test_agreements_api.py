"""Agreements through their life: reminders, expiry, assessment and renewal (TJ-5.5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.registry.handlers import agreements, windows
from shared import clock
from tests import builders
from tests.builders import AUTHORITY, ok
from tests.support import bearer, wait_for


def _events(hall: Hall, suffix: str) -> list[str]:
    from sqlalchemy import select

    rt = hall.runtime("registry")
    outbox = rt.db.table("outbox")
    with rt.db.session() as session:
        return list(
            session.execute(select(outbox.c.body).where(outbox.c.type.like(f"%{suffix}"))).scalars()
        )


def test_reminders_then_expiry_then_no_cases(client: Client, hall: Hall) -> None:
    window = builders.application(client, "tj-hexi")
    builders.procedure(client, window["id"], ["work-permit-long"], starts_on="2026-11-01")
    rt = hall.runtime("registry")
    sweep = lambda day: agreements.sweep(rt.uow(actor="system:sweep"), day)  # noqa: E731
    assert sweep(date(2029, 7, 1)) == 0
    assert sweep(date(2029, 8, 2)) == 1  # 90 days before 2029-10-31
    assert sweep(date(2029, 8, 3)) == 0  # not twice
    assert sweep(date(2029, 10, 1)) == 1  # 30 days
    assert len(_events(hall, "agreement.renewal_due.v1")) == 2
    assert sweep(date(2029, 11, 1)) == 1
    agreement = ok(
        client.get(f"/registry/api/v1/windows/{window['id']}/agreement", headers=AUTHORITY)
    )[0]
    assert agreement["status"] == "expired"
    notices = wait_for(
        lambda: [
            n
            for n in ok(client.get("/notification/api/v1/notices?limit=200", headers=AUTHORITY))[
                "items"
            ]
            if "expired" in n["event_type"]
        ],
        timeout=3,
    )
    assert notices


def test_renewal_after_a_passed_assessment(client: Client) -> None:
    window = builders.application(client, "tj-hexi")
    # An agreement that started nearly three years ago ends within the renewal window now.
    started = clock.today().replace(year=clock.today().year - 3) + timedelta(days=40)
    builders.procedure(client, window["id"], ["work-permit-long"], starts_on=started.isoformat())
    agreement = ok(
        client.get(f"/registry/api/v1/windows/{window['id']}/agreement", headers=AUTHORITY)
    )[0]
    url = f"/registry/api/v1/agreements/{agreement['id']}"
    refused = client.post(f"{url}/renewal", headers=AUTHORITY)
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-5.5"
    ok(
        client.post(
            f"{url}/assessment",
            headers=AUTHORITY,
            json={
                "assessed_on": "2026-11-20",
                "passed": True,
                "summary": "satisfaction 98%, no complaints upheld",
            },
        )
    )
    renewed = ok(client.post(f"{url}/renewal", headers=AUTHORITY), 201)
    ends_on = started.replace(year=started.year + 3) - timedelta(days=1)
    assert renewed["starts_on"] == (ends_on + timedelta(days=1)).isoformat()
    assert renewed["previous_id"] == agreement["id"]
    assert ok(client.get(url, headers=AUTHORITY))["status"] == "renewed"


def test_an_early_renewal_leaves_no_gap(client: Client) -> None:
    """Renewed 40 days before expiry, the old term runs to its end and the window keeps taking
    cases and showing its matters; the next term starts the day after the old one ends."""
    window = builders.application(client, "tj-hexi")
    started = clock.today().replace(year=clock.today().year - 3) + timedelta(days=40)
    builders.procedure(client, window["id"], ["work-permit-long"], starts_on=started.isoformat())
    agreement = ok(
        client.get(f"/registry/api/v1/windows/{window['id']}/agreement", headers=AUTHORITY)
    )[0]
    url = f"/registry/api/v1/agreements/{agreement['id']}"
    assessment = {"assessed_on": clock.today().isoformat(), "passed": True, "summary": "good"}
    ok(client.post(f"{url}/assessment", headers=AUTHORITY, json=assessment))
    renewed = ok(client.post(f"{url}/renewal", headers=AUTHORITY), 201)
    assert (
        renewed["starts_on"]
        == (date.fromisoformat(agreement["ends_on"]) + timedelta(1)).isoformat()
    )
    entry = ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
    assert entry["is_open"] is True
    assert [m["code"] for m in entry["matters"]] == ["work-permit-long"]
    case = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "John Smith",
        "staff_id": "s-zhang",
    }
    hexi = bearer("unit", "tj-hexi")
    ok(client.post("/registry/api/v1/cases", json=case, headers=hexi), 201)
    again = client.post(f"{url}/renewal", headers=AUTHORITY)  # renewed once only
    assert again.status_code == 409 and again.json["rule"] == "TJ-5.5"  # a step out of order


def test_an_assessment_is_not_dated_ahead_or_before_the_term(client: Client) -> None:
    window = builders.application(client, "tj-hexi")
    builders.procedure(client, window["id"], ["work-permit-long"])
    agreement = ok(
        client.get(f"/registry/api/v1/windows/{window['id']}/agreement", headers=AUTHORITY)
    )[0]
    url = f"/registry/api/v1/agreements/{agreement['id']}/assessment"
    for day in ("2031-01-01", (clock.today() - timedelta(days=1)).isoformat()):
        body = {"assessed_on": day, "passed": True, "summary": "good"}
        refused = client.post(url, headers=AUTHORITY, json=body)
        assert refused.status_code == 422 and refused.json["rule"] == "TJ-5.5"
        assert list(refused.json["errors"]) == ["assessed_on"]


def test_seasonal_windows_open_in_season(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = builders.published_window(
        client, "tj-hexi", ["work-permit-long"], type="seasonal", seasonal_months=[7, 8]
    )
    assert window["is_open"] is False
    rt = hall.runtime("registry")
    # The hall's own seasonal sweep runs in the background too: it must see the same day.
    today = [date(2027, 6, 30)]
    monkeypatch.setattr(clock, "today", lambda: today[0])

    def sweep(day: date) -> int:
        today[0] = day
        return windows.seasonal_sweep(rt.uow(actor="system:sweep"), day)

    assert sweep(date(2027, 6, 30)) == 0
    assert sweep(date(2027, 7, 1)) == 1
    assert ok(client.get(f"/registry/api/v1/windows/{window['id']}", headers=AUTHORITY))["is_open"]
    assert sweep(date(2027, 7, 2)) == 0
    assert sweep(date(2027, 9, 1)) == 1
    assert not ok(client.get(f"/registry/api/v1/windows/{window['id']}", headers=AUTHORITY))[
        "is_open"
    ]
