"""The approval seal (EQ-4.2) through the API: custody, uses, refused attempts kept on record."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from tests.builders import ok
from tests.staffing import builders as staffing
from tests.support import bearer

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
CENTER = bearer("center")
SEALS = "/staffing/api/v1/seals"


def appoint(client: Client, chief: str, deputy: str | None, reason: str = "") -> None:
    """A first appointment by the unit; an early change with a reason by the center (EQ-3.2.6)."""
    headers = CENTER if reason else HEXI
    body = {"staff_id": chief, "deputy_staff_id": deputy, "reason": reason}
    ok(
        client.put("/staffing/api/v1/chief-representatives/tj-hexi", json=body, headers=headers),
        201,
    )


def register(client: Client, a: str, b: str, status: int = 201, headers: Any = HEXI) -> Any:
    body = {"name": "河西区行政审批专用章", "custodian_a": a, "custodian_b": b}
    response = client.post(SEALS, json=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def use(
    client: Client, seal_id: int, who: str, purpose: str = "approval", status: int = 201
) -> Any:
    body = {"case_number": "HX-2026-000123", "purpose": purpose, "staff_id": who}
    response = client.post(f"{SEALS}/{seal_id}/uses", json=body, headers=HEXI)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def sealed_unit(client: Client) -> tuple[dict, dict, dict, dict]:
    """tj-hexi with a chief, deputy, clerk and a registered seal: (seal, chief, deputy, clerk)."""
    chief, deputy, clerk = (
        staffing.person(client, "tj-hexi", n) for n in ("王主任", "李副", "赵员")
    )
    appoint(client, chief["id"], deputy["id"])
    return register(client, chief["id"], deputy["id"]), chief, deputy, clerk


def outbox_types(hall: Hall, prefix: str) -> list[dict[str, Any]]:
    table = hall.runtime("staffing").db.table("outbox")
    with hall.runtime("staffing").db.session() as session:
        rows = session.execute(select(table.c.type, table.c.body).order_by(table.c.created_at))
        return [json.loads(r.body) for r in rows if r.type.startswith(prefix)]


def test_registration_needs_the_serving_chief_and_deputy(client: Client, hall: Hall) -> None:
    chief, deputy, clerk = (
        staffing.person(client, "tj-hexi", n) for n in ("王主任", "李副", "赵员")
    )
    refused = register(client, chief["id"], deputy["id"], status=422)
    assert refused["rule"] == "EQ-4.2" and "custodian_a" in refused["errors"]
    appoint(client, chief["id"], None)
    alone = register(client, chief["id"], deputy["id"], status=422)
    assert list(alone["errors"]) == ["custodian_b"]
    appoint(client, chief["id"], deputy["id"])  # the unit names the deputy: no replacement
    wrong = register(client, clerk["id"], deputy["id"], status=422)
    assert wrong["rule"] == "EQ-4.2" and list(wrong["errors"]) == ["custodian_a"]
    seal = register(client, chief["id"], deputy["id"])
    assert (seal["unit_code"], seal["custodian_a"], seal["custodian_b"]) == (
        "tj-hexi",
        chief["id"],
        deputy["id"],
    )
    again = register(client, chief["id"], deputy["id"], status=409)
    assert again["rule"] == "EQ-4.2" and list(again["errors"]) == ["unit_code"]
    [registered] = outbox_types(hall, "govhall.staffing.seal.registered")
    data = registered["data"]
    assert (data["seal_id"], data["custodian_a"], data["custodian_b"]) == (
        seal["id"],
        chief["id"],
        deputy["id"],
    )


def test_only_custodians_use_the_seal_and_misuse_is_refused_and_recorded(
    client: Client, hall: Hall
) -> None:
    seal, chief, deputy, clerk = sealed_unit(client)
    assert use(client, seal["id"], chief["id"])["allowed"] is True
    use(client, seal["id"], deputy["id"])
    stranger = use(client, seal["id"], clerk["id"], status=422)
    assert stranger["rule"] == "EQ-4.2" and list(stranger["errors"]) == ["staff_id"]
    letter = use(client, seal["id"], chief["id"], purpose="contract", status=422)
    assert letter["rule"] == "EQ-4.2" and list(letter["errors"]) == ["purpose"]

    log = ok(client.get(f"{SEALS}/{seal['id']}/uses", headers=bearer("inspector")))["items"]
    assert [(u["staff_id"], u["allowed"], u["refusal"]) for u in log] == [
        (chief["id"], False, "not_approval"),
        (clerk["id"], False, "not_custodian"),
        (deputy["id"], True, None),
        (chief["id"], True, None),
    ]
    refused = ok(client.get(f"{SEALS}/{seal['id']}/uses?allowed=false", headers=HEXI))["items"]
    assert {u["staff_id"] for u in refused} == {chief["id"], clerk["id"]}

    misuses = outbox_types(hall, "govhall.staffing.seal.misuse_attempted")
    assert [(e["data"]["staff_id"], e["data"]["refusal"]) for e in misuses] == [
        (clerk["id"], "not_custodian"),
        (chief["id"], "not_approval"),
    ]
    assert all(e["data"]["allowed"] is False for e in misuses)
    assert len(outbox_types(hall, "govhall.staffing.seal.used")) == 2


def test_custody_follows_a_new_chief_representative(client: Client) -> None:
    seal, chief, deputy, _clerk = sealed_unit(client)
    successor = staffing.person(client, "tj-hexi", "孙主任")
    appoint(client, successor["id"], deputy["id"], reason="王主任 retired early")
    assert use(client, seal["id"], chief["id"], status=422)["rule"] == "EQ-4.2"
    assert use(client, seal["id"], successor["id"])["allowed"] is True
    shown = ok(client.get(f"{SEALS}/{seal['id']}", headers=CENTER))
    assert (shown["custodian_a"], shown["registered_custodian_a"]) == (successor["id"], chief["id"])


def test_other_units_see_no_seal_of_ours(client: Client) -> None:
    seal, chief, _deputy, _clerk = sealed_unit(client)
    use(client, seal["id"], chief["id"])
    url = f"{SEALS}/{seal['id']}"
    assert client.get(url, headers=NANKAI).status_code == 404
    assert client.get(f"{url}/uses", headers=NANKAI).status_code == 404
    body = {"case_number": "X-1", "purpose": "approval", "staff_id": chief["id"]}
    assert client.post(f"{url}/uses", json=body, headers=NANKAI).status_code == 404
    assert ok(client.get(SEALS, headers=NANKAI)) == []
    foreign = {"unit_code": "tj-hexi", "name": "章", "custodian_a": "x", "custodian_b": "y"}
    assert client.post(SEALS, json=foreign, headers=NANKAI).status_code == 404
    assert [s["id"] for s in ok(client.get(SEALS, headers=bearer("authority")))] == [seal["id"]]
    assert ok(client.get(f"{url}/uses", headers=bearer("inspector")))["items"]


def test_the_log_pages_newest_first(client: Client) -> None:
    seal, chief, deputy, _clerk = sealed_unit(client)
    for who in (chief, deputy, chief):
        use(client, seal["id"], who["id"])
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        answer = ok(client.get(f"{SEALS}/{seal['id']}/uses{query}", headers=CENTER))
        seen += [u["id"] for u in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3 and seen == sorted(seen, reverse=True)
    bad = client.get(f"{SEALS}/{seal['id']}/uses?cursor=WyJ4Il0", headers=CENTER)
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]


def test_the_center_registers_a_seal_naming_the_unit(client: Client) -> None:
    chief, deputy = (staffing.person(client, "tj-hexi", n) for n in ("王主任", "李副"))
    appoint(client, chief["id"], deputy["id"])
    unnamed = register(client, chief["id"], deputy["id"], status=422, headers=CENTER)
    assert "unit_code" in unnamed["errors"]
    body = {"unit_code": "tj-hexi", "name": "章", "custodian_a": chief["id"]}
    answer = client.post(SEALS, json={**body, "custodian_b": deputy["id"]}, headers=CENTER)
    assert answer.status_code == 201 and answer.json["unit_code"] == "tj-hexi"


def test_a_returned_chief_or_deputy_leaves_office_and_the_seal(client: Client, hall: Hall) -> None:
    seal, chief, deputy, _clerk = sealed_unit(client)
    returns = "/staffing/api/v1/returns"
    body = {"staff_id": deputy["id"], "reason": "repeated complaints (EQ-3.2.4)"}
    ok(client.post(returns, json=body, headers=CENTER), 201)
    office = ok(client.get("/staffing/api/v1/chief-representatives/tj-hexi", headers=HEXI))
    assert (office["staff_id"], office["deputy_staff_id"]) == (chief["id"], None)
    assert use(client, seal["id"], deputy["id"], status=422)["rule"] == "EQ-4.2"
    assert use(client, seal["id"], chief["id"])["allowed"] is True

    ok(client.post(returns, json={**body, "staff_id": chief["id"]}, headers=CENTER), 201)
    gone = client.get("/staffing/api/v1/chief-representatives/tj-hexi", headers=HEXI)
    assert gone.status_code == 404
    assert use(client, seal["id"], chief["id"], status=422)["rule"] == "EQ-4.2"
    vacated = outbox_types(hall, "govhall.staffing.chief_representative.vacated")
    assert [(e["data"]["staff_id"], e["data"]["office"]) for e in vacated] == [
        (deputy["id"], "deputy"),
        (chief["id"], "chief"),
    ]
    # the unit appoints again without the two-year test: the center ended the last term
    successor = staffing.person(client, "tj-hexi", "孙主任")
    appoint(client, successor["id"], None)


def test_misuse_attempts_are_listed_across_seals_by_unit_and_day(client: Client) -> None:
    """EQ-4.2: the center lists the refused attempts of every seal at once, each naming its
    unit, and narrows them to one unit and to the hall days they were made on."""
    from datetime import timedelta

    from shared import clock

    seal, chief, _, clerk = sealed_unit(client)
    use(client, seal["id"], chief["id"])
    use(client, seal["id"], clerk["id"], status=422)
    use(client, seal["id"], chief["id"], purpose="contract", status=422)
    boss, second = (staffing.person(client, "tj-nankai", n) for n in ("钱主任", "孙副"))
    body = {"staff_id": boss["id"], "deputy_staff_id": second["id"]}
    url = "/staffing/api/v1/chief-representatives/tj-nankai"
    ok(client.put(url, json=body, headers=NANKAI), 201)
    theirs = {
        "name": "南开区行政审批专用章",
        "custodian_a": boss["id"],
        "custodian_b": second["id"],
    }
    other = ok(client.post(SEALS, json=theirs, headers=NANKAI), 201)
    attempt = {"case_number": "NK-2026-000001", "purpose": "approval", "staff_id": "nobody"}
    assert (
        client.post(f"{SEALS}/{other['id']}/uses", json=attempt, headers=NANKAI).status_code == 422
    )

    def listed(query: str, headers: Any = CENTER) -> list[tuple[str, str]]:
        items = ok(client.get(f"{SEALS}/uses?{query}", headers=headers))["items"]
        return [(item["unit_code"], item["staff_id"]) for item in items]

    misuses = [("tj-nankai", "nobody"), ("tj-hexi", chief["id"]), ("tj-hexi", clerk["id"])]
    assert listed("allowed=false") == misuses
    assert listed("allowed=false&unit_code=tj-hexi") == misuses[1:]
    today = clock.today()
    assert listed(f"allowed=false&from={today}&to={today}") == misuses
    assert listed(f"allowed=false&to={today - timedelta(days=1)}") == []
    assert listed(f"allowed=false&from={today + timedelta(days=1)}") == []
    assert listed("allowed=false", headers=NANKAI) == misuses[:1]  # a unit sees its own
    assert len(listed("")) == 4
    backwards = client.get(
        f"{SEALS}/uses?from={today}&to={today - timedelta(days=1)}", headers=CENTER
    )
    assert backwards.status_code == 422 and list(backwards.json["errors"]) == ["to"]
