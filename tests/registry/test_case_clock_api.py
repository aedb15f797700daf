"""The working-day clock through the API (issue 17): provisional years reported ahead of time,
hall closures, the due date during a pause, and cases accepted earlier on paper."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from werkzeug.test import Client

from shared import clock
from shared.embedded import Hall
from shared.testing import bearer
from tests import builders
from tests.builders import ok

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
