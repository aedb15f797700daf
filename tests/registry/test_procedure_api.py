"""The window setup procedure and a window's life through the API (embedded mode)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from werkzeug.test import Client

from shared import clock
from tests import builders
from tests.builders import AUTHORITY, CENTER, ok
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")


def window_url(window: dict[str, Any], tail: str = "") -> str:
    return f"/registry/api/v1/windows/{window['id']}{tail}"


def test_a_window_walks_from_application_to_publication(client: Client) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    assert window["state"] == "active" and window["is_open"] is True
    assert set(window["records"]) == {
        "application",
        "inspection",
        "review",
        "letter",
        "agreement",
        "publication",
    }
    entry = ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
    assert [m["code"] for m in entry["matters"]] == ["work-permit-long"]
    assert entry["unit"]["code"] == "tj-hexi" and entry["hall"]["code"] == "tj-hall"
    assert entry["complaint_channel"].startswith("12345")
    agreements = ok(client.get(window_url(window, "/agreement"), headers=HEXI))
    starts_on = date.fromisoformat(agreements[0]["starts_on"])
    ends_on = date.fromisoformat(agreements[0]["ends_on"])
    assert ends_on == starts_on.replace(year=starts_on.year + 3) - timedelta(days=1)  # TJ-5.5


def test_each_step_belongs_to_its_role(client: Client) -> None:
    apply = {
        "hall_code": "tj-hall",
        "name_zh": "窗",
        "name_en": "W",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
    }
    assert client.post("/registry/api/v1/windows", json=apply, headers=AUTHORITY).status_code == 403
    window = builders.application(client, "tj-hexi")
    inspection = {
        "inspected_on": "2026-10-10",
        "inspectors": ["a", "b"],
        "findings": "ok",
        "passed": True,
    }
    for token in (HEXI, CENTER, bearer("inspector")):  # TJ-1: the authority inspects
        response = client.post(window_url(window, "/inspection"), json=inspection, headers=token)
        assert response.status_code == 403
    assert ok(client.get(window_url(window), headers=AUTHORITY))["state"] == "applied"


def test_a_step_cannot_be_skipped_or_repeated(client: Client) -> None:
    window = builders.application(client, "tj-hexi")
    response = client.post(window_url(window, "/publication"), headers=AUTHORITY)
    # A step out of order is 409 state-conflict in every service (docs/errors.md, issue 17).
    assert response.status_code == 409 and response.json["rule"] == "TJ-5.6"
    assert response.json["type"] == "urn:govhall:problem:state-conflict"
    builders.procedure(client, window["id"], ["work-permit-long"], until="inspection")
    again = client.post(
        window_url(window, "/inspection"),
        headers=AUTHORITY,
        json={
            "inspected_on": "2026-10-10",
            "inspectors": ["a", "b"],
            "findings": "x",
            "passed": True,
        },
    )
    assert again.status_code == 409 and again.json["rule"] == "TJ-5.2"
    assert again.mimetype == "application/problem+json" and again.json["errors"]["state"]


def test_a_unit_sees_only_its_own_windows(client: Client) -> None:
    window = builders.application(client, "tj-hexi")
    assert client.get(window_url(window), headers=NANKAI).status_code == 404
    assert client.patch(window_url(window), json={"phone": "1"}, headers=NANKAI).status_code == 404
    assert ok(client.get("/registry/api/v1/windows", headers=NANKAI))["items"] == []
    assert [w["id"] for w in ok(client.get("/registry/api/v1/windows", headers=HEXI))["items"]] == [
        window["id"]
    ]
    assert client.get("/registry/api/v1/units/tj-hexi", headers=NANKAI).status_code == 404
    assert client.get(window_url(window), headers=bearer("center")).status_code == 200


def test_the_public_sees_only_published_windows(client: Client) -> None:
    draft = builders.application(client, "tj-hexi")
    assert client.get(window_url(draft)).status_code == 401
    assert client.get(f"/registry/api/v1/directory/windows/{draft['id']}").status_code == 404
    assert ok(client.get("/registry/api/v1/directory"))["items"] == []


def test_a_window_is_inside_a_hall(client: Client) -> None:
    response = client.post(
        "/registry/api/v1/windows",
        headers=HEXI,
        json={
            "hall_code": "nowhere",
            "name_zh": "窗",
            "name_en": "W",
            "type": "permanent",
            "evidence": builders.EVIDENCE,
        },
    )
    assert response.status_code == 422 and response.json["rule"] == "EQ-1.1"


def test_a_violation_learned_from_inspection_bars_a_new_window(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    event = builders.stub_event(
        "govhall.inspection.finding.recorded.v1",
        {
            "finding_id": 4,
            "window_id": 99,
            "unit_code": "tj-nankai",
            "severity": "minor",
            "rule": "EQ-4.4b",
            "summary": "materials asked for twice",
            "recorded_at": "2026-11-01T08:00:00+00:00",
        },
    )
    publish("govhall.inspection.finding.recorded.v1", event)

    def refused() -> Any:
        response = client.post(
            "/registry/api/v1/windows",
            headers=NANKAI,
            json={
                "hall_code": "tj-hall",
                "name_zh": "窗",
                "name_en": "W",
                "type": "permanent",
                "evidence": builders.EVIDENCE,
            },
        )
        return response.json if response.status_code == 422 else None

    assert wait_for(refused, timeout=3)["rule"] == "TJ-4.3"
    assert builders.application(client, "tj-hexi")["state"] == "applied"  # other units unaffected

    withdrawn = {
        "finding_id": 4,
        "window_id": 99,
        "unit_code": "tj-nankai",
        "severity": "minor",
        "rule": "EQ-4.4b",
        "reason": "the materials were asked for once; the log was misread",
        "withdrawn_at": "2026-11-02T08:00:00+00:00",
    }
    kind = "govhall.inspection.finding.withdrawn.v1"
    publish(kind, builders.stub_event(kind, withdrawn))
    assert wait_for(lambda: refused() is None, timeout=3)  # a withdrawn finding bars no one


def _barred(client: Client, unit: str) -> bool:
    """Whether the unit's application for a new window is refused under TJ-4.3 (if it is not,
    the application is made)."""
    body = {
        "hall_code": "tj-hall",
        "name_zh": "窗",
        "name_en": "W",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
    }
    response = client.post("/registry/api/v1/windows", headers=bearer("unit", unit), json=body)
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    return response.status_code == 422 and response.json["rule"] == "TJ-4.3"


def _accountability(unit: str, case_id: int, lifted: bool = False) -> tuple[str, str]:
    kind = f"govhall.inspection.sanction.{'lifted' if lifted else 'imposed'}.v1"
    data = {
        "sanction_id": case_id,
        "case_id": case_id,
        "kind": "accountability",
        "window_id": 99,
        "unit_code": unit,
        "basis": "TJ-8.3",
        "reason": "buck_passing by staff member s-zhang: " + ("no_fault" if lifted else "warning"),
        "at": "2026-11-20T08:00:00+00:00",
    }
    return kind, builders.stub_event(kind, data)


def test_an_accountability_sanction_lifted_no_longer_bars_the_unit_and_only_that_one(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    """An outcome corrected to no fault lifts the accountability sanction: its violation is
    withdrawn (TJ-4.3). Cases are numbered apart from the ladder's sanctions: lifting case 4
    leaves the ladder's sanction 4 (an interview at another unit) standing."""
    ladder = {"id": 98, "unit_code": "tj-hexi"}
    publish(*builders.sanction(ladder, "interview", sanction_id=4))
    publish(*_accountability("tj-nankai", 4))
    assert wait_for(lambda: _barred(client, "tj-hexi") and _barred(client, "tj-nankai"), 3)
    publish(*_accountability("tj-nankai", 4, lifted=True))
    assert wait_for(lambda: not _barred(client, "tj-nankai"), timeout=3)
    assert _barred(client, "tj-hexi")


def test_a_lifting_that_overtakes_its_sanction_still_withdraws_it(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    """Redelivered late, the imposition arrives after its lifting: it is stored withdrawn. A
    later imposition (the outcome corrected back to a fault) counts again."""
    imposed = _accountability("tj-nankai", 7)
    lifted = _accountability("tj-nankai", 7, lifted=True)
    publish(*lifted)
    publish(*imposed)
    marker = builders.sanction({"id": 98, "unit_code": "tj-hexi"}, "interview", sanction_id=9)
    publish(*marker)  # delivered after both: once it counts, they have been handled
    assert wait_for(lambda: _barred(client, "tj-hexi"), timeout=3)
    assert not _barred(client, "tj-nankai")
    publish(*_accountability("tj-nankai", 7))
    assert wait_for(lambda: _barred(client, "tj-nankai"), timeout=3)


def test_sanctions_suspend_reinstate_and_terminate_a_window(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    publish(*builders.sanction(window, "suspension"))
    state = lambda: ok(client.get(window_url(window), headers=AUTHORITY))["state"]  # noqa: E731
    wait_for(lambda: state() == "suspended", timeout=3)
    entry = ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
    assert entry["suspended"] is True and entry["is_open"] is False
    publish(*builders.sanction(window, "suspension", lifted=True))
    wait_for(lambda: state() == "active", timeout=3)
    publish(*builders.sanction(window, "termination", sanction_id=2))
    wait_for(lambda: state() == "terminated", timeout=3)
    assert client.get(f"/registry/api/v1/directory/windows/{window['id']}").status_code == 404
    agreements = ok(client.get(window_url(window, "/agreement"), headers=AUTHORITY))
    assert agreements[-1]["status"] == "ended"


def test_revocation_on_the_units_application(client: Client) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    consent = {"consented_on": clock.today().isoformat()}
    early = client.post(window_url(window, "/revocation"), json=consent, headers=AUTHORITY)
    assert early.status_code == 409 and early.json["rule"] == "TJ-7.6"  # consent before request
    asked = ok(
        client.post(
            window_url(window, "/revocation-request"),
            json={"reason": "too little volume"},
            headers=HEXI,
        )
    )
    assert asked["revocation_request"] == "too little volume"
    yesterday = {"consented_on": (clock.today() - timedelta(days=1)).isoformat()}
    before = client.post(window_url(window, "/revocation"), json=yesterday, headers=AUTHORITY)
    assert before.status_code == 422 and before.json["rule"] == "TJ-7.6"  # before the request
    assert list(before.json["errors"]) == ["consented_on"]
    revoked = ok(client.post(window_url(window, "/revocation"), json=consent, headers=AUTHORITY))
    assert revoked["state"] == "revoked"


def test_stale_if_match_is_refused(client: Client) -> None:
    window = builders.application(client, "tj-hexi")
    response = client.get(window_url(window), headers=HEXI)
    etag = response.headers["ETag"]
    ok(
        client.patch(
            window_url(window), json={"phone": "022-1"}, headers={**HEXI, "If-Match": etag}
        )
    )
    stale = client.patch(
        window_url(window), json={"phone": "022-2"}, headers={**HEXI, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert ok(client.get(window_url(window), headers=HEXI))["details"]["phone"] == "022-1"


def test_an_emergency_window_is_opened_by_the_center_with_a_reason(client: Client) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"], type="emergency")
    assert window["is_open"] is False
    no_reason = client.post(window_url(window, "/opening"), json={}, headers=CENTER)
    assert no_reason.status_code == 422 and no_reason.json["rule"] == "EQ-2.2c"
    assert (
        client.post(
            window_url(window, "/opening"), json={"reason": "surge"}, headers=AUTHORITY
        ).status_code
        == 403
    )
    opened = ok(
        client.post(window_url(window, "/opening"), json={"reason": "surge"}, headers=CENTER)
    )
    assert opened["is_open"] is True and opened["open_reason"] == "surge"


def test_a_comprehensive_window_receives_for_its_units_who_are_told(client: Client) -> None:
    builders.unit(client, "eq-weather", district="二七区 Erqi")
    window = builders.published_window(
        client, "tj-hexi", ["work-permit-long"], type="comprehensive", co_units=["eq-weather"]
    )
    receipt = {
        "unit_code": "eq-weather",
        "matter_code": "work-permit-long",
        "applicant": "张三",
        "materials": ["申请表", "护照复印件"],
    }
    ok(client.post(window_url(window, "/receipts"), json=receipt, headers=CENTER), 201)
    stranger = client.post(
        window_url(window, "/receipts"), headers=CENTER, json={**receipt, "unit_code": "tj-nankai"}
    )
    assert stranger.status_code == 422 and stranger.json["rule"] == "EQ-2.2b"
    weather = bearer("unit", "eq-weather")
    notices = wait_for(
        lambda: [
            n
            for n in ok(client.get("/notification/api/v1/notices", headers=weather))["items"]
            if n["event_type"].endswith("materials_received.v1")
        ],
        timeout=3,
    )
    assert "张三" in notices[0]["title"]
    assert ok(client.get(window_url(window), headers=weather))["id"] == window["id"]


def test_a_retried_application_with_the_same_key_applies_once(client: Client) -> None:
    body = {
        "hall_code": "tj-hall",
        "name_zh": "窗",
        "name_en": "W",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
    }
    headers = {**HEXI, "Idempotency-Key": "apply-7f3a"}
    first = client.post("/registry/api/v1/windows", json=body, headers=headers)
    again = client.post("/registry/api/v1/windows", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert len(ok(client.get("/registry/api/v1/windows", headers=HEXI))["items"]) == 1
    other = client.post("/registry/api/v1/windows", json={**body, "name_en": "X"}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]
    nankai = client.post(
        "/registry/api/v1/windows", json=body, headers={**NANKAI, "Idempotency-Key": "apply-7f3a"}
    )
    assert nankai.status_code == 201 and nankai.json["unit_code"] == "tj-nankai"  # keys per caller


def _step(client: Client, window: dict[str, Any], step: str, body: dict[str, Any]) -> Any:
    return client.post(window_url(window, f"/{step}"), json=body, headers=AUTHORITY)


def _refused(response: Any, rule: str, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["rule"] == rule and list(response.json["errors"]) == [field]


def test_impossible_dates_are_refused_naming_their_rule(client: Client) -> None:
    """No step dated after today in the hall or before the step it follows; no agreement that
    had ended when signed or that starts more than a year ahead."""
    today = clock.today()
    day = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
    window = builders.application(client, "tj-hexi")
    inspection = {"inspectors": ["a", "b"], "findings": "ok", "passed": True}
    _refused(
        _step(client, window, "inspection", {**inspection, "inspected_on": "2031-01-01"}),
        "TJ-5.2",
        "inspected_on",
    )
    _refused(
        _step(client, window, "inspection", {**inspection, "inspected_on": day(-1)}),
        "TJ-5.2",
        "inspected_on",
    )  # before the application, made today
    ok(_step(client, window, "inspection", {**inspection, "inspected_on": day(0)}))
    review = {"participants": ["x"], "experts": ["y"], "opinion": "ok", "passed": True}
    _refused(_step(client, window, "review", {**review, "held_on": day(-1)}), "TJ-5.3", "held_on")
    _refused(_step(client, window, "review", {**review, "held_on": day(2)}), "TJ-5.3", "held_on")
    ok(_step(client, window, "review", {**review, "held_on": day(0)}))
    letter = {"number": "1"}
    _refused(
        _step(client, window, "letter", {**letter, "issued_on": day(-1)}), "TJ-5.4", "issued_on"
    )
    ok(_step(client, window, "letter", {**letter, "issued_on": day(0)}))
    terms = {"matters": ["work-permit-long"], "duties": "d", "rights": "r", "requirements": "q"}
    ended = (today.replace(year=today.year - 3) - timedelta(days=1)).isoformat()
    _refused(
        _step(client, window, "agreement", {**terms, "starts_on": ended}), "TJ-5.5", "starts_on"
    )
    _refused(
        _step(client, window, "agreement", {**terms, "starts_on": "2040-01-01"}),
        "TJ-5.5",
        "starts_on",
    )
    ok(_step(client, window, "agreement", {**terms, "starts_on": day(366 - 1)}), 201)
    assert ok(client.get(window_url(window), headers=AUTHORITY))["state"] == "agreed"


def test_a_window_without_an_agreement_in_force_is_not_shown_accepting(client: Client) -> None:
    """Published, but its agreement starts next month: listed, not as taking cases, and no
    matter shown as handled there; cases are refused naming TJ-5.5."""
    window = builders.application(client, "tj-hexi")
    later = (clock.today() + timedelta(days=30)).isoformat()
    builders.procedure(client, window["id"], ["work-permit-long"], starts_on=later)
    entry = ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
    assert entry["state"] == "active"
    assert entry["is_open"] is False and entry["matters"] == []
    listed = ok(client.get("/registry/api/v1/directory"))["items"]
    assert [e["is_open"] for e in listed if e["id"] == window["id"]] == [False]
    case = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "A",
        "staff_id": "s",
    }
    refused = client.post("/registry/api/v1/cases", json=case, headers=HEXI)
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-5.5"
    page = client.get(f"/registry/windows/{window['id']}?lang=en").get_data(as_text=True)
    assert "badge-closed" in page and "badge-open" not in page
