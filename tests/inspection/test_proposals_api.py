"""Local rules as data and the sanctions they propose (TJ-8.1, TJ-8.2), declining a proposal,
and accountability cases with the district (TJ-8.3), through the API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.inspection.handlers import proposals as handlers
from shared import clock
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

RULES = "/inspection/api/v1/local-rules"
PROPOSALS = "/inspection/api/v1/proposals"
CASES = "/inspection/api/v1/accountability-cases"
AUTHORITY = bearer("authority")
INSPECTOR = bearer("inspector")
CENTER = bearer("center")
MONDAY = date(2026, 11, 23)


def _known(hall: Hall, window_id: int) -> Any:
    db = hall.runtime("inspection").db
    windows = db.table("windows")
    with db.session() as session:
        return session.execute(select(windows).where(windows.c.id == window_id)).first()


@pytest.fixture
def window(client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    published = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    wait_for(lambda: (w := _known(hall, published["id"])) and w.state == "active", timeout=5)
    monkeypatch.setattr(clock, "today", lambda: MONDAY)
    return published


def upheld(
    client: Client, window: dict[str, Any], staff: str = "s-zhang", outcome: str = "upheld"
) -> Any:
    body = {
        "window_id": window["id"],
        "staff_id": staff,
        "misconduct": "buck_passing",
        "account": "让我跑了三趟 · sent me back three times",
    }
    made = ok(client.post("/inspection/api/v1/complaints", json=body), 201)
    decision = {"outcome": outcome, "reasons": "核实 · verified"}
    url = f"/inspection/api/v1/complaints/{made['id']}/verification"
    return ok(client.post(url, json=decision, headers=INSPECTOR))


def finding(client: Client, window: dict[str, Any], severity: str, staff: str | None = None) -> Any:
    body = {
        "window_id": window["id"],
        "severity": severity,
        "rule": "EQ-4.4b",
        "summary": "索要好处 · asked for a favour",
        "rectification": "整改 · put it right",
        "source": "other",
        "staff_id": staff,
    }
    return ok(client.post("/inspection/api/v1/findings", json=body, headers=INSPECTOR), 201)


def evaluate(client: Client) -> list[int]:
    """Run the rules now; every proposal there is, oldest first (the worker's own sweep may
    have made one already: it ran when the hall started)."""
    ok(client.post(f"{RULES}/evaluation", headers=AUTHORITY))
    return sorted(p["id"] for p in proposals(client))


def proposals(client: Client, **query: Any) -> list[dict[str, Any]]:
    return list(ok(client.get(PROPOSALS, query_string=query, headers=AUTHORITY))["items"])


def emitted(hall: Hall, name: str) -> list[dict[str, Any]]:
    db = hall.runtime("inspection").db
    with db.engine.connect() as conn:
        bodies = conn.execute(select(db.table("outbox").c.body)).scalars().all()
    events = [json.loads(body) for body in bodies]
    return [e["data"] for e in events if e["type"] == f"govhall.inspection.{name}.v1"]


def problem(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return dict(response.json)


def test_the_default_rules_are_data_with_ids_of_their_own(client: Client) -> None:
    listed = ok(client.get(RULES, headers=INSPECTOR))
    assert {
        r["rule_id"]: (r["trigger"], r["params"], r["proposes"], r["basis"]) for r in listed
    } == {
        "LR-COMPLAINTS-30D": (
            "concentrated_complaints",
            {"complaints": 3, "days": 30},
            "suspension",
            "TJ-8.2",
        ),
        "LR-SERIOUS-FINDING": ("serious_finding", {"days": 30}, "suspension", "TJ-8.2"),
        "LR-LAST-2-MONTHS": ("ranked_last", {"months": 2}, "interview", "TJ-8.1"),
        "LR-ORDER-OVERDUE": ("order_overdue", {}, "termination", "TJ-8.2"),
    }
    problem(client.get(RULES, headers=bearer("unit", "tj-hexi")), 403)


def test_concentrated_complaints_propose_a_suspension_once(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    first, second = upheld(client, window), upheld(client, window)
    upheld(client, window, outcome="dismissed")  # a dismissed complaint does not count
    assert evaluate(client) == []
    third = upheld(client, window)
    [made] = evaluate(client)
    assert evaluate(client) == [made] and handlers.proposal_sweep(hall.runtime("inspection")) == 0
    shown = ok(client.get(f"{PROPOSALS}/{made}", headers=CENTER))
    assert (shown["kind"], shown["basis"], shown["status"]) == ("suspension", "TJ-8.2", "open")
    assert shown["complaints"] == [first["id"], second["id"], third["id"]]
    assert (shown["rule_id"], shown["rule_version"]) == ("LR-COMPLAINTS-30D", 1)
    assert shown["rule"]["params"] == {"complaints": 3, "days": 30}
    assert [c["misconduct"] for c in shown["complaint_details"]] == ["buck_passing"] * 3
    [event] = emitted(hall, "sanction.proposed")
    assert (event["proposal_id"], event["window_id"], event["kind"]) == (
        made,
        window["id"],
        "suspension",
    )
    assert event["rule_id"] == "LR-COMPLAINTS-30D" and event["complaints"] == shown["complaints"]


def test_changing_a_threshold_through_the_api_changes_what_is_proposed(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    upheld(client, window), upheld(client, window)
    assert evaluate(client) == []
    change = {"params": {"complaints": 2}, "note": "区里要求从严 · stricter, as the district asked"}
    changed = ok(client.patch(f"{RULES}/LR-COMPLAINTS-30D", json=change, headers=AUTHORITY))
    assert (changed["version"], changed["params"]) == (2, {"complaints": 2, "days": 30})
    history = ok(client.get(f"{RULES}/LR-COMPLAINTS-30D", headers=AUTHORITY))["versions"]
    assert [(v["version"], v["params"]["complaints"]) for v in history] == [(1, 3), (2, 2)]
    [made] = evaluate(client)
    assert ok(client.get(f"{PROPOSALS}/{made}", headers=AUTHORITY))["rule_version"] == 2
    assert emitted(hall, "local_rule.changed")[-1]["version"] == 2
    off = {"active": False, "note": "paused"}
    ok(client.patch(f"{RULES}/LR-COMPLAINTS-30D", json=off, headers=AUTHORITY))
    upheld(client, window), upheld(client, window)
    assert evaluate(client) == [made]
    # What the rule proposed, the authority can decide: two upheld complaints are concentrated
    # complaints now, for the decision as for the proposal (TJ-8.2).
    shown = ok(client.get(f"{PROPOSALS}/{made}", headers=AUTHORITY))
    decision = {
        "window_id": window["id"],
        "complaints": shown["complaints"],
        "reason": "群众集中投诉 · concentrated complaints",
        "proposal_id": made,
    }
    suspended = client.post(
        "/inspection/api/v1/sanctions/suspensions", json=decision, headers=AUTHORITY
    )
    assert (ok(suspended, 201)["kind"], ok(suspended, 201)["proposal_id"]) == ("suspension", made)
    assert ok(client.get(f"{PROPOSALS}/{made}", headers=AUTHORITY))["status"] == "accepted"


def test_ranked_last_two_months_running_is_the_worst_rated_window_not_an_unrated_one(
    client: Client, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranking lists a window nobody rated last; LR-LAST-2-MONTHS looks past it to the
    window the public rated worst, both months (TJ-8.1)."""
    from tests.inspection.test_evaluations_api import accepted, published
    from tests.inspection.test_evaluations_api import evaluate as rate

    def on(day: datetime) -> None:
        monkeypatch.setattr(clock, "today", lambda: day.date())
        monkeypatch.setattr(clock, "now", lambda: day)

    on(datetime(2026, 10, 19, 2, tzinfo=UTC))
    good, poor = published(client, hall), published(client, hall)
    unrated = published(client, hall, "tj-nankai")
    for day in (datetime(2026, 10, 19, 2, tzinfo=UTC), datetime(2026, 11, 16, 2, tzinfo=UTC)):
        on(day)
        ok(rate(client, accepted(client, hall, good), "very_satisfied"), 201)
        ok(rate(client, accepted(client, hall, poor), "basically_satisfied"), 201)
    on(datetime(2026, 12, 2, 2, tzinfo=UTC))
    for month in ("2026-10", "2026-11"):  # the worker's sweep may have published November
        published_ = client.post(
            "/inspection/api/v1/rankings", json={"month": month}, headers=CENTER
        )
        assert published_.status_code in (201, 409), published_.get_data(as_text=True)
        ranking = ok(client.get(f"/inspection/api/v1/rankings/{month}", headers=CENTER))
        assert [e["window_id"] for e in ranking["entries"]] == [
            good["id"],
            poor["id"],
            unrated["id"],
        ]
    evaluate(client)
    [made] = proposals(client, rule_id="LR-LAST-2-MONTHS")
    assert (made["kind"], made["window_id"], made["basis"]) == ("interview", poor["id"], "TJ-8.1")
    assert made["facts"] == {"months": ["2026-10", "2026-11"]}
    # The authority holds the interview the rule proposed: the months ranked last are its grounds.
    interview = {
        "window_id": poor["id"],
        "interviewed": [
            {"name": "张敏 Zhang Min", "role": "window_lead"},
            {"name": "李强 Li Qiang", "role": "unit_leader"},
        ],
        "held_on": "2026-12-02",
        "minutes": "连续两月排名末位 · last two months running: causes and remedies agreed",
        "proposal_id": made["id"],
    }
    url = "/inspection/api/v1/sanctions/interviews"
    bare = problem(client.post(url, json={**interview, "proposal_id": None}, headers=AUTHORITY))
    assert bare["rule"] == "TJ-8.1" and "findings" in bare["errors"]
    held = ok(client.post(url, json=interview, headers=AUTHORITY), 201)
    assert (held["kind"], held["basis"], held["proposal_id"]) == ("interview", "TJ-8.1", made["id"])
    assert ok(client.get(f"{PROPOSALS}/{made['id']}", headers=AUTHORITY))["status"] == "accepted"


def test_a_serious_finding_proposes_suspension_and_a_lesser_one_does_not(
    client: Client, window: dict[str, Any]
) -> None:
    finding(client, window, "major")
    assert evaluate(client) == []
    serious = finding(client, window, "serious")
    [made] = evaluate(client)
    shown = ok(client.get(f"{PROPOSALS}/{made}", headers=AUTHORITY))
    assert (shown["findings"], shown["kind"], shown["rule_id"]) == (
        [serious["id"]],
        "suspension",
        "LR-SERIOUS-FINDING",
    )
    assert shown["finding_details"][0]["severity"] == "serious"


def test_a_withdrawn_finding_proposes_nothing(client: Client, window: dict[str, Any]) -> None:
    serious = finding(client, window, "serious")
    url = f"/inspection/api/v1/findings/{serious['id']}/withdrawal"
    ok(client.post(url, json={"reason": "wrong window"}, headers=INSPECTOR))
    assert evaluate(client) == []


def test_a_suspended_window_is_not_proposed_for_suspension_again(
    client: Client, hall: Hall, window: dict[str, Any], publish: Any
) -> None:
    publish(*builders.sanction(window, "suspension"))
    wait_for(lambda: _known(hall, window["id"]).state == "suspended", timeout=5)
    finding(client, window, "serious")
    assert evaluate(client) == []


def test_the_authority_declines_a_proposal_and_it_is_not_made_again(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    finding(client, window, "serious")
    [made] = evaluate(client)
    url = f"{PROPOSALS}/{made}/decline"
    assert "note" in problem(client.post(url, json={"note": " "}, headers=AUTHORITY))["errors"]
    problem(client.post(url, json={"note": "x"}, headers=INSPECTOR), 403)
    declined = ok(
        client.post(url, json={"note": "已约谈，暂不暂停 · interviewed instead"}, headers=AUTHORITY)
    )
    assert (declined["status"], declined["decided_by"]) == ("declined", "authority:test-authority")
    problem(client.post(url, json={"note": "again"}, headers=AUTHORITY), 409)
    assert evaluate(client) == [made]
    assert [p["id"] for p in proposals(client, status="declined")] == [made]
    assert proposals(client, status="open") == []
    [settled] = emitted(hall, "proposal.settled")
    assert (settled["proposal_id"], settled["outcome"]) == (made, "declined")
    problem(client.get(f"{PROPOSALS}/999", headers=AUTHORITY), 404)


def test_a_decision_settles_only_the_sanction_and_window_proposed(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    serious = finding(client, window, "serious")
    [made] = evaluate(client)  # a suspension, for this window
    order = {
        "window_id": window["id"],
        "findings": [serious["id"]],
        "problems": "材料清单未公示",
        "proposal_id": made,
    }
    wrong = problem(
        client.post("/inspection/api/v1/sanctions/orders", json=order, headers=AUTHORITY)
    )
    assert "proposal_id" in wrong["errors"] and "suspension" in wrong["detail"]
    history = client.get(f"/inspection/api/v1/windows/{window['id']}/sanctions", headers=CENTER)
    assert ok(history) == [] and [p["id"] for p in proposals(client, status="open")] == [made]
    assert emitted(hall, "proposal.settled") == []


def test_termination_is_proposed_when_an_order_missed_its_deadline(
    client: Client, hall: Hall, window: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.inspection.handlers import sanctions_read

    order = {
        "order_id": 5,
        "window_id": window["id"],
        "unit_code": "tj-hexi",
        "due_on": date(2026, 11, 20),
        "findings": [],
        "complaints": [],
    }
    monkeypatch.setattr(
        sanctions_read, "open_orders_past_due", lambda uow, today: [order], raising=False
    )
    [made] = evaluate(client)
    shown = ok(client.get(f"{PROPOSALS}/{made}", headers=AUTHORITY))
    assert (shown["kind"], shown["basis"], shown["facts"]) == (
        "termination",
        "TJ-8.2",
        {"order_id": 5, "due_on": "2026-11-20"},
    )
    assert evaluate(client) == [made]


def test_local_rules_propose_only_what_their_basis_allows(client: Client) -> None:
    rule = {
        "rule_id": "LR-LAST-3",
        "trigger": "ranked_last",
        "params": {"months": 3},
        "proposes": "termination",
        "description": "末位三月",
    }
    refused = problem(client.post(RULES, json=rule, headers=AUTHORITY))
    assert "TJ-8.2" in refused["detail"] and "proposes" in refused["errors"]
    refused = problem(
        client.post(RULES, json={**rule, "proposes": "suspension"}, headers=AUTHORITY)
    )
    assert "TJ-8.2" in refused["detail"]
    bad = problem(
        client.post(
            RULES,
            json={**rule, "proposes": "interview", "params": {"months": 0}},
            headers=AUTHORITY,
        )
    )
    assert "params" in bad["errors"]
    problem(client.post(RULES, json={**rule, "proposes": "interview"}, headers=INSPECTOR), 403)
    made = ok(client.post(RULES, json={**rule, "proposes": "interview"}, headers=AUTHORITY), 201)
    assert (made["rule_id"], made["version"], made["basis"]) == ("LR-LAST-3", 1, "TJ-8.1")
    problem(client.post(RULES, json={**rule, "proposes": "interview"}, headers=AUTHORITY), 409)
    turned = {"proposes": "termination", "note": "stricter"}
    problem(
        client.patch(
            f"{RULES}/LR-ORDER-OVERDUE",
            json={"proposes": "suspension", "note": "x"},
            headers=AUTHORITY,
        )
    )
    assert (
        ok(client.patch(f"{RULES}/LR-ORDER-OVERDUE", json=turned, headers=AUTHORITY))["version"]
        == 2
    )
    problem(client.patch(f"{RULES}/LR-NOPE", json=turned, headers=AUTHORITY), 404)


def case_body(complaints: list[int] = (), findings: list[int] = (), **more: Any) -> dict[str, Any]:
    return {
        "staff_id": "s-zhang",
        "kind": "buck_passing",
        "complaints": list(complaints),
        "findings": list(findings),
        "summary": "三次退回材料 · sent the applicant back three times",
        "district_office": "河西区纪委监委 · Hexi district discipline commission",
        "district_contact": "李主任 022-2800 0000",
        **more,
    }


def test_accountability_is_opened_on_facts_about_the_staff_member_for_tj_8_3_misconduct(
    client: Client, window: dict[str, Any]
) -> None:
    complaint = upheld(client, window)
    other = upheld(client, window, staff="s-li")
    dismissed = upheld(client, window, outcome="dismissed")
    wrong_kind = problem(
        client.post(CASES, json=case_body([complaint["id"]], kind="rudeness"), headers=AUTHORITY)
    )
    assert "TJ-8.3" in wrong_kind["detail"] and "kind" in wrong_kind["errors"]
    not_theirs = problem(client.post(CASES, json=case_body([other["id"]]), headers=AUTHORITY))
    assert "TJ-8.3" in not_theirs["detail"] and "complaints" in not_theirs["errors"]
    assert (
        "TJ-8.3"
        in problem(client.post(CASES, json=case_body([dismissed["id"]]), headers=AUTHORITY))[
            "detail"
        ]
    )
    assert (
        "complaints" in problem(client.post(CASES, json=case_body(), headers=AUTHORITY))["errors"]
    )
    problem(client.post(CASES, json=case_body([999]), headers=AUTHORITY), 404)
    problem(client.post(CASES, json=case_body([complaint["id"]]), headers=INSPECTOR), 403)
    assert ok(client.get(CASES, headers=AUTHORITY))["items"] == []


def test_an_accountability_case_is_concluded_with_the_district_against_the_staff_member(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    complaint = upheld(client, window)
    serious = finding(client, window, "serious", staff="s-zhang")
    case = ok(
        client.post(CASES, json=case_body([complaint["id"]], [serious["id"]]), headers=AUTHORITY),
        201,
    )
    assert (case["status"], case["window_id"], case["district"]) == (
        "open",
        window["id"],
        "河西区 Hexi",
    )
    url = f"{CASES}/{case['id']}"
    outcome = {"outcome": "warning", "reasons": "推诿属实 · buck-passing established"}
    early = problem(client.post(f"{url}/conclusion", json=outcome, headers=AUTHORITY))
    assert "TJ-8.3" in early["detail"]
    opinion = {"opinion": "同意给予警告 · agrees to a warning", "given_by": "河西区纪委 李主任"}
    assert (
        ok(client.post(f"{url}/district-opinion", json=opinion, headers=AUTHORITY))["status"]
        == "heard"
    )
    assert (
        "outcome"
        in problem(
            client.post(
                f"{url}/conclusion", json={**outcome, "outcome": "fired"}, headers=AUTHORITY
            )
        )["errors"]
    )
    done = ok(client.post(f"{url}/conclusion", json=outcome, headers=AUTHORITY))
    assert (done["status"], done["outcome"]) == ("concluded", "warning")
    # Issue 17: the outcome, a sanction like the ladder's, names its rule in a field.
    assert [o["rule"] for o in done["outcomes"]] == ["TJ-8.3"]
    problem(client.post(f"{url}/conclusion", json=outcome, headers=AUTHORITY), 409)
    [concluded] = emitted(hall, "accountability.concluded")
    assert (concluded["staff_id"], concluded["outcome"], concluded["kind"]) == (
        "s-zhang",
        "warning",
        "buck_passing",
    )
    assert (concluded["complaints"], concluded["findings"]) == ([complaint["id"]], [serious["id"]])
    [sanction] = [s for s in emitted(hall, "sanction.imposed") if s["kind"] == "accountability"]
    assert (sanction["basis"], sanction["window_id"], sanction["decided_by"]) == (
        "TJ-8.3",
        window["id"],
        "authority:test-authority",
    )
    assert "s-zhang" in sanction["reason"]
    corrected = ok(
        client.post(
            f"{url}/corrections",
            json={"outcome": "no_fault", "reasons": "复查 · reviewed"},
            headers=AUTHORITY,
        ),
        201,
    )
    assert corrected["outcome"] == "no_fault"
    assert [o["outcome"] for o in corrected["outcomes"]] == ["warning", "no_fault"]
    assert corrected["outcomes"][1]["corrects_id"] == corrected["outcomes"][0]["id"]
    assert [o["rule"] for o in corrected["outcomes"]] == ["TJ-8.3", "TJ-8.3"]
    assert emitted(hall, "accountability.concluded")[-1]["rule"] == "TJ-8.3"
    assert emitted(hall, "accountability.concluded")[-1]["previous_outcome"] == "warning"
    assert [s["kind"] for s in emitted(hall, "sanction.lifted")] == ["accountability"]
    assert ok(client.get(url, headers=bearer("unit", "tj-hexi")))["outcome"] == "no_fault"
    problem(client.get(url, headers=bearer("unit", "tj-nankai")), 404)
    assert ok(client.get(CASES, headers=bearer("unit", "tj-nankai")))["items"] == []


def test_an_outcome_corrected_to_no_fault_leaves_no_violation_behind(
    client: Client, hall: Hall, window: dict[str, Any]
) -> None:
    """A fault is a sanction (TJ-8.3) and so a violation in registry (TJ-4.3); corrected to no
    fault it is lifted, and registry withdraws the violation. The sanction events of a case are
    keyed by the case, apart from the ladder's sanctions."""
    complaint = upheld(client, window)
    case = ok(client.post(CASES, json=case_body([complaint["id"]]), headers=AUTHORITY), 201)
    url = f"{CASES}/{case['id']}"
    opinion = {"opinion": "同意 · agreed", "given_by": "河西区纪委 李主任"}
    ok(client.post(f"{url}/district-opinion", json=opinion, headers=AUTHORITY))
    ok(
        client.post(
            f"{url}/conclusion", json={"outcome": "criticism", "reasons": "属实"}, headers=AUTHORITY
        )
    )
    assert wait_for(lambda: _barred(client), timeout=5)
    ok(
        client.post(
            f"{url}/corrections", json={"outcome": "no_fault", "reasons": "复查"}, headers=AUTHORITY
        ),
        201,
    )
    assert wait_for(lambda: not _barred(client), timeout=5)
    imposed, lifted = emitted(hall, "sanction.imposed")[-1], emitted(hall, "sanction.lifted")[-1]
    assert imposed["case_id"] == lifted["case_id"] == imposed["sanction_id"] == case["id"]
    db = hall.runtime("inspection").db
    with db.engine.connect() as conn:
        outbox = db.table("outbox")
        subjects = conn.execute(
            select(outbox.c.subject).where(outbox.c.type.like("%sanction.%"))
        ).scalars()
        assert set(subjects) == {f"accountability:{case['id']}"}


def _barred(client: Client) -> bool:
    """Whether registry refuses tj-hexi a new window under TJ-4.3 (else the application is made)."""
    body = {
        "hall_code": "tj-hall",
        "name_zh": "窗",
        "name_en": "W",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
    }
    response = client.post("/registry/api/v1/windows", headers=bearer("unit", "tj-hexi"), json=body)
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    return response.status_code == 422 and response.json["rule"] == "TJ-4.3"
