"""The applicant is told: a case's notices (accepted, materials missing, limit extended,
delivered or refused) reach its own inbox, read without a token with the receipt number and
the query code, checked against the verifier registry's case.accepted carries. A wrong code is
the same 404 as a case that does not exist."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from werkzeug.test import Client

from tests import builders
from tests.builders import AUTHORITY, CENTER, ok
from tests.registry.test_cases_api import accept, act
from tests.support import bearer, wait_for

CASE_NOTICES = "/notification/api/v1/case-notices"
NOTICES = "/notification/api/v1/notices"
HEXI = bearer("unit", "tj-hexi")
EN = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.fixture
def window(client: Client) -> dict[str, Any]:
    return builders.published_window(client, "tj-hexi", ["work-permit-long"])


def _told(client: Client, case: dict[str, Any], code: str | None = None, **headers: str) -> Any:
    query = urlencode(
        {"receipt_number": case["receipt_number"], "query_code": code or case["query_code"]}
    )
    return client.get(f"{CASE_NOTICES}?{query}", headers=headers)


def _types(client: Client, case: dict[str, Any], count: int) -> list[str]:
    def arrived() -> list[str] | None:
        answer = _told(client, case)
        if answer.status_code != 200:
            return None
        types = [n["event_type"].split(".")[3] for n in answer.json["items"]]
        return types if len(types) >= count else None

    found: list[str] = wait_for(arrived, timeout=10)
    return found


def test_the_applicant_follows_the_case_from_acceptance_to_delivery(
    client: Client, window: dict[str, Any]
) -> None:
    case = accept(client, window)
    assert _types(client, case, 1) == ["accepted"]
    asked = act(
        client,
        case,
        "supplement-request",
        {"materials": ["passport copy", "employment contract"], "staff_id": "s-zhang"},
    )
    resumed = act(client, asked, "supplement-received", {"staff_id": "s-zhang"})  # silent
    extended = act(
        client, resumed, "extension", {"days": 3, "reason": "expert opinion", "staff_id": "s-li"}
    )
    act(client, extended, "assistance", {"staff_id": "s-wang"})  # silent
    step = extended
    for stage in ("handled", "reviewed", "approved", "issued", "delivered"):
        step = act(client, step, "steps", {"stage": stage, "staff_id": "s-li"})
    # Of the chain's steps only delivery: the inner ones show on tracking.
    types = _types(client, case, 4)
    assert types == ["accepted", "supplement_requested", "extended", "advanced"]

    items = _told(client, case).json["items"]
    assert all(n["language"] == "zh" for n in items)  # Chinese unless asked otherwise
    accepted, missing, longer, delivered = (n["title"] for n in items)
    assert case["receipt_number"] in accepted and case["due_on"] in accepted
    assert "passport copy; employment contract" in missing and "一次性告知" in missing
    assert extended["due_on"] in longer and "expert opinion" in longer
    assert "办结" in delivered
    english = _told(client, case, **EN)
    assert english.headers["Content-Language"] == "en"
    assert "Accept-Language" in english.headers["Vary"]
    assert [n["title"].split(":")[0] for n in english.json["items"]] == [
        "Application accepted",
        "Materials missing",
        "Time limit extended",
        "Case completed",
    ]
    assert "applicant" not in str(english.json) and "John Smith" not in str(english.json)
    page = ok(client.get(f"{CASE_NOTICES}?{_query(case)}&limit=3"))
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = ok(client.get(f"{CASE_NOTICES}?{_query(case)}&limit=3&cursor={page['next_cursor']}"))
    assert [n["id"] for n in rest["items"]] == [items[3]["id"]]


def _query(case: dict[str, Any]) -> str:
    return urlencode({"receipt_number": case["receipt_number"], "query_code": case["query_code"]})


def test_a_refusal_reaches_the_applicant_with_its_reasons(
    client: Client, window: dict[str, Any]
) -> None:
    case = accept(client, window)
    act(client, case, "refusal", {"reason": "not within the matter's scope", "staff_id": "s-li"})
    assert _types(client, case, 2) == ["accepted", "refused"]
    refused = _told(client, case, **EN).json["items"][1]["title"]
    assert refused.startswith("Application refused") and "not within the matter's scope" in refused


def test_only_the_receipts_own_code_opens_it_and_nothing_can_be_probed(
    client: Client, window: dict[str, Any]
) -> None:
    case, other = accept(client, window), accept(client, window)
    _types(client, case, 1)
    _types(client, other, 1)
    wrong = _told(client, case, other["query_code"])  # another case's code
    unknown = _told(client, {**case, "receipt_number": "2099010100000001"})
    for answer in (wrong, unknown):
        assert answer.status_code == 404
        assert answer.mimetype == "application/problem+json"
    assert wrong.json["detail"] == unknown.json["detail"]  # the same answer: nothing leaks
    assert _told(client, case, case["query_code"].lower()).status_code == 200  # read out loud
    missing = client.get(f"{CASE_NOTICES}?receipt_number={case['receipt_number']}")
    assert missing.status_code == 422
    # The applicant's inbox is no unit's: the unit that handles the case cannot name it.
    inbox = f"{NOTICES}?recipient=case:{case['receipt_number']}"
    assert client.get(inbox, headers=HEXI).status_code == 404
    assert client.get(inbox, headers=bearer("inspector")).status_code == 404
    overseen = ok(client.get(inbox, headers=CENTER))["items"]
    assert [n["recipient"] for n in overseen] == [f"case:{case['receipt_number']}"]
    # and the unit's own inbox holds nothing of it
    own = ok(client.get(f"{NOTICES}?limit=200", headers=HEXI))["items"]
    assert not any(n["event_type"].endswith("case.accepted.v1") for n in own)
    assert ok(client.get(f"{NOTICES}?limit=200", headers=AUTHORITY))  # still its own
