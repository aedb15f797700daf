"""Inspection's copies of registry's windows and cases: the populations it draws from, and the
query code it checks the public's evaluations with (TJ-7.4, TJ-7.5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import receipts
from tests import builders
from tests.builders import ok
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")


def _copy(hall: Hall, table: str, key: str, value: Any) -> Any:
    db = hall.runtime("inspection").db
    with db.session() as session:
        t = db.table(table)
        return session.execute(select(t).where(t.c[key] == value)).first()


def test_a_case_is_copied_with_who_accepted_it_and_its_code_verifier(
    client: Client, hall: Hall
) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    body = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "John Smith",
        "staff_id": "s-zhang",
    }
    case = ok(client.post("/registry/api/v1/cases", json=body, headers=HEXI), 201)
    copy = wait_for(lambda: _copy(hall, "cases", "case_id", case["id"]), timeout=5)
    assert copy.staff_id == "s-zhang"
    assert receipts.verify(copy.query_code_verifier, case["receipt_number"], case["query_code"])
    assert case["query_code"] not in copy.query_code_verifier
    step = {"stage": "handled", "staff_id": "s-li"}
    ok(client.post(f"/registry/api/v1/cases/{case['id']}/steps", json=step, headers=HEXI))
    later = wait_for(
        lambda: (c := _copy(hall, "cases", "case_id", case["id"])).stage == "handled" and c,
        timeout=5,
    )
    assert later.staff_id == "s-zhang" and later.query_code_verifier == copy.query_code_verifier
    seen = wait_for(lambda: _copy(hall, "windows", "id", window["id"]), timeout=5)
    assert (seen.unit_code, seen.state) == ("tj-hexi", window["state"])
