"""The working-day clock across processes on PostgreSQL and RabbitMQ (issue 17): a closure
announced after acceptance moves the due date off it, the center records a paper case accepted
earlier, and /readyz names the provisional years an open case reaches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import create_engine, update

from services.registry.adapters import tables
from shared import clock, config
from shared.workdays import HallCalendar
from tests import builders
from tests.e2e.conftest import Cluster
from tests.e2e.test_case_flow import publish_window
from tests.e2e.test_window_lifecycle import Api
from tests.support import bearer

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
UNIT = bearer("unit", "e2e-clock-unit")
CENTER = bearer("center")


def test_closures_paper_cases_and_provisional_years_on_the_real_servers(
    cluster: Cluster,
) -> None:
    api = Api(cluster)
    api.call(
        "POST",
        "/registry/api/v1/units",
        {"code": "e2e-clock-unit", "name": "河西区", "district": "河西区"},
        status=201,
    )
    hall = {"name_zh": "大厅", "name_en": "Hall", "address": "路", "hours": "9–17", "phone": "0"}
    api.call("POST", "/registry/api/v1/halls", {**hall, "code": "e2e-clock-hall"}, status=201)
    api.call(
        "POST",
        "/registry/api/v1/matters",
        {**builders.MATTER, "code": "e2e-clock-permit"},
        status=201,
    )
    window = api.call(
        "POST",
        "/registry/api/v1/windows",
        {
            "hall_code": "e2e-clock-hall",
            "name_zh": "窗口",
            "name_en": "Window",
            "type": "permanent",
            "evidence": builders.EVIDENCE,
            "details": builders.DETAILS,
        },
        headers=UNIT,
        status=201,
    )
    agreed = (clock.today() - timedelta(days=30)).isoformat()  # in force for a month already
    publish_window(api, window["id"], ["e2e-clock-permit"], starts_on=agreed)
    body = {
        "window_id": window["id"],
        "matter_code": "e2e-clock-permit",
        "applicant": "Ms. Brown",
        "staff_id": "e2e-zhang",
    }
    case = api.call("POST", "/registry/api/v1/cases", body, headers=UNIT, status=201)

    # A closure on the due day and the working day before it, announced after acceptance.
    due = date.fromisoformat(case["due_on"])
    calendar = HallCalendar()
    before = due - timedelta(days=1)
    while not calendar.is_workday(before):
        before -= timedelta(days=1)
    notice = {
        "kind": "closure",
        "starts_on": before.isoformat(),
        "ends_on": due.isoformat(),
        "message_zh": "检修",
        "message_en": "Maintenance",
    }
    if before > clock.today():
        api.call("POST", "/registry/api/v1/halls/e2e-clock-hall/notices", notice, CENTER, 201)
        moved = api.call("GET", f"/registry/api/v1/cases/{case['id']}", headers=UNIT)
        assert moved["due_on"] == calendar.add_workdays(due, 2).isoformat()

    # The matter published a month ago (in registry's database): a paper case from last week.
    settings = config.load("registry", cluster.namespace.settings("registry"))
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            update(tables.matter_versions)
            .where(tables.matter_versions.c.code == "e2e-clock-permit")
            .values(published_at=clock.now() - timedelta(days=30))
        )
    engine.dispose()
    earlier = clock.today() - timedelta(days=7)
    paper = api.call(
        "POST",
        "/registry/api/v1/cases",
        {**body, "accepted_on": earlier.isoformat()},
        headers=CENTER,
        status=201,
    )
    assert paper["accepted_on"] == earlier.isoformat() and paper["unit_code"] == "e2e-clock-unit"
    refused = requests.post(
        cluster.url("registry", "/api/v1/cases"),
        json={**body, "accepted_on": earlier.isoformat()},
        headers=UNIT,
        timeout=10,
    )
    assert refused.status_code == 403 and "accepted_on" in refused.json()["errors"]

    ready = requests.get(cluster.url("registry", "/readyz"), timeout=10).json()
    # From 1 November next year is named; so is any year an open case falls due in.
    wanted = HallCalendar().provisional_years(clock.today(), due)
    check = ready["checks"]["calendar"]
    assert check == "ok" if not wanted else set(wanted) <= set(check["provisional_years"])
