"""The working-day clock through the API (issue 17): provisional years reported ahead of time,
hall closures, the due date during a pause, and cases accepted earlier on paper."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer

HEXI = bearer("unit", "tj-hexi")
TODAY = date(2026, 12, 7)  # a Monday; 2027 is beyond chinese-calendar 1.11.0


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def accept(client: Client, window: dict[str, Any], matter: str, **extra: Any) -> Any:
    body = {
        "window_id": window["id"],
        "matter_code": matter,
        "applicant": "John Smith",
        "staff_id": "s-zhang",
        **extra,
    }
    return ok(client.post("/registry/api/v1/cases", json=body, headers=HEXI), 201)


def _calendar_check(client: Client) -> Any:
    return ok(client.get("/registry/readyz"))["checks"]["calendar"]


def _provisional_metric(client: Client) -> set[str]:
    text = client.get("/registry/metrics").get_data(as_text=True)
    return {
        line.split('"')[1]
        for line in text.splitlines()
        if line.startswith("govhall_calendar_provisional_year{") and line.endswith(" 1.0")
    }


def test_a_year_without_make_up_days_is_reported_before_anything_is_counted_in_it(
    client: Client, hall: Hall
) -> None:
    """From 1 November next year's schedule is due: /readyz and the metric name 2027 before
    any case has been counted into it, and a year an open case falls due in is named too."""
    assert _calendar_check(client)["provisional_years"] == [2027]
    assert _provisional_metric(client) == {"2027"}
    builders.matter(client, "long-matter", legal_limit_days=300, promised_limit_days=300)
    window = builders.published_window(client, "tj-hexi", ["long-matter"])
    case = accept(client, window, "long-matter")
    assert case["due_on"].startswith("2028-")
    # A restarted process has counted nothing yet: the open case's horizon still names 2028.
    hall.runtime("registry").calendar._unknown_years.clear()
    assert _calendar_check(client)["provisional_years"] == [2027, 2028]
    assert _provisional_metric(client) == {"2027", "2028"}


@pytest.fixture
def window(client: Client) -> dict[str, Any]:
    """Published today, under an agreement that runs from 1 November 2026 (paper cases of
    November fall within it)."""
    created = builders.application(client, "tj-hexi")
    builders.procedure(client, created["id"], ["work-permit-long"], starts_on="2026-11-01")
    return ok(client.get(f"/registry/api/v1/windows/{created['id']}", headers=builders.AUTHORITY))


def _close_hall(client: Client, starts_on: str, ends_on: str) -> None:
    body = {
        "kind": "closure",
        "starts_on": starts_on,
        "ends_on": ends_on,
        "message_zh": "设备检修，暂停办理",
        "message_en": "Closed for maintenance",
    }
    ok(
        client.post("/registry/api/v1/halls/tj-hall/notices", json=body, headers=builders.CENTER),
        201,
    )


def _hall_day(client: Client, day: str) -> Any:
    (shown,) = ok(client.get(f"/registry/api/v1/halls/tj-hall/calendar?from={day}&days=1"))
    return shown


def test_a_due_date_never_falls_on_a_day_the_hall_is_closed(
    client: Client, window: dict[str, Any]
) -> None:
    """Ten working days from Monday 7 December 2026 end on Monday the 21st; the hall announced
    it is closed on the 21st and 22nd, and closed days stop the clock: due Wednesday the 23rd."""
    _close_hall(client, "2026-12-21", "2026-12-22")
    assert _hall_day(client, "2026-12-21")["closed"]
    case = accept(client, window, "work-permit-long")
    assert case["due_on"] == "2026-12-23"
    assert not _hall_day(client, case["due_on"])["closed"]


def test_a_paused_case_shows_its_due_date_as_it_stands(
    client: Client, window: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Materials asked for on Monday 7 December (due the 21st); on Thursday the 10th the case
    has been waiting three working days, so it stands due three working days later, the 24th,
    in the staff's view, the list and the applicant's tracking; not overdue-looking the 21st."""
    case = accept(client, window, "work-permit-long")
    assert case["due_on"] == "2026-12-21"
    paused = ok(
        client.post(
            f"/registry/api/v1/cases/{case['id']}/supplement-request",
            json={"materials": ["Passport copy"], "staff_id": "s-zhang"},
            headers=HEXI,
        )
    )
    assert paused["paused"] and paused["due_on"] == "2026-12-21"
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 10))
    shown = ok(client.get(f"/registry/api/v1/cases/{case['id']}", headers=HEXI))
    assert shown["paused"] and shown["due_on"] == "2026-12-24"
    (listed,) = ok(client.get("/registry/api/v1/cases?open=true", headers=HEXI))["items"]
    assert listed["due_on"] == "2026-12-24"
    tracked = ok(
        client.get(
            f"/registry/api/v1/tracking?receipt_number={case['receipt_number']}"
            f"&query_code={case['query_code']}"
        )
    )
    assert tracked["paused"] and tracked["due_on"] == "2026-12-24"
    resumed = ok(
        client.post(
            f"/registry/api/v1/cases/{case['id']}/supplement-received",
            json={"staff_id": "s-zhang"},
            headers=HEXI,
        )
    )
    assert not resumed["paused"] and resumed["due_on"] == "2026-12-24"


@pytest.fixture
def published_in_october(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matter and window were published well before the paper cases were taken."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 10, 1, 2, tzinfo=UTC))


def _record(client: Client, headers: dict[str, str], status: int, **extra: Any) -> Any:
    body = {
        "window_id": extra.pop("window_id"),
        "matter_code": "work-permit-long",
        "applicant": "Paper Applicant",
        "staff_id": "s-zhang",
        **extra,
    }
    response = client.post("/registry/api/v1/cases", json=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def test_the_center_records_a_case_accepted_earlier_on_paper_audited(
    published_in_october: None, client: Client, window: dict[str, Any]
) -> None:
    """A paper case taken on Friday 20 November during an outage: its clock runs from that
    day (ten working days: due Friday 4 December, so already overdue), and the audit trail
    keeps who recorded it and the date they gave."""
    recorded = _record(
        client, builders.CENTER, 201, window_id=window["id"], accepted_on="2026-11-20"
    )
    case = recorded.json
    assert case["accepted_on"] == "2026-11-20" and case["due_on"] == "2026-12-04"
    assert case["history"][0]["on"] == "2026-11-20" and case["unit_code"] == "tj-hexi"
    shown = ok(client.get(f"/registry/api/v1/cases/{case['id']}", headers=HEXI))
    assert shown["accepted_on"] == "2026-11-20"
    trace = recorded.headers["X-Correlation-ID"]
    records = ok(
        client.get(
            f"/registry/api/v1/audit/records?correlation_id={trace}", headers=builders.AUTHORITY
        )
    )["items"]
    (entry,) = [r for r in records if any(k.startswith("cases:+") for k in r["after"] or {})]
    assert entry["role"] == "center" and entry["actor"].startswith("center:")
    (row,) = [v for k, v in entry["after"].items() if k.startswith("cases:+")]
    assert row["accepted_on"] == "2026-11-20"


def test_only_the_center_records_an_earlier_day_and_only_a_plausible_one(
    published_in_october: None, client: Client, window: dict[str, Any]
) -> None:
    w = window["id"]
    unit = _record(client, HEXI, 403, window_id=w, accepted_on="2026-11-20").json
    assert "accepted_on" in unit["errors"]
    center_today = _record(client, builders.CENTER, 422, window_id=w).json
    assert "accepted_on" in center_today["errors"]
    future = _record(client, builders.CENTER, 422, window_id=w, accepted_on="2026-12-08").json
    assert "accepted_on" in future["errors"]
    # The agreement runs from 1 November 2026 (tests/builders.py).
    early = _record(client, builders.CENTER, 422, window_id=w, accepted_on="2026-10-30").json
    assert early["rule"] == "TJ-5.5" and "accepted_on" in early["errors"]


def test_a_paper_case_cannot_predate_its_matter(client: Client, window: dict[str, Any]) -> None:
    """The matter was published today (the real clock): no case of it was accepted before."""
    w = window["id"]
    before = _record(client, builders.CENTER, 422, window_id=w, accepted_on="2026-11-20").json
    assert "accepted_on" in before["errors"] and "published" in before["detail"]


def test_a_closure_announced_after_acceptance_moves_the_due_date_off_it(
    client: Client, window: dict[str, Any]
) -> None:
    """Accepted Monday 7 December, due Monday the 21st; then the hall announces it is closed on
    Friday the 18th and Monday the 21st. Those days stop the clock: due Wednesday the 23rd."""
    case = accept(client, window, "work-permit-long")
    assert case["due_on"] == "2026-12-21"
    _close_hall(client, "2026-12-18", "2026-12-21")
    shown = ok(client.get(f"/registry/api/v1/cases/{case['id']}", headers=HEXI))
    assert shown["due_on"] == "2026-12-23"
    assert shown["version"] == case["version"] + 1
    assert not _hall_day(client, shown["due_on"])["closed"]
    assert not _hall_day(client, shown["stage_due_on"])["closed"]
