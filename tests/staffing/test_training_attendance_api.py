"""Training (TJ-7.1) and attendance (TJ-7.3) through the API, sheets imported all or nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests.builders import ok
from tests.staffing import builders as staffing
from tests.support import bearer

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
CENTER = bearer("center")
TRAININGS = "/staffing/api/v1/trainings"
ATTENDANCE = "/staffing/api/v1/attendance"
CSV = {**HEXI, "Content-Type": "text/csv"}


def ago(days: int) -> str:
    return (clock.today() - timedelta(days=days)).isoformat()


def events(hall: Hall, type_: str) -> int:
    table = hall.runtime("staffing").db.table("outbox")
    with hall.runtime("staffing").db.session() as session:
        query = select(func.count()).select_from(table).where(table.c.type == type_)
        return int(session.execute(query).scalar_one())


def recorded(hall: Hall) -> int:
    return events(hall, "govhall.staffing.attendance.recorded.v1")


def sheet(*rows: str) -> str:
    return "staff_id,day,status,note\n" + "".join(f"{row}\n" for row in rows)


def on_post(client: Client, unit: str, *names: str, since: int = 30) -> list[dict[str, Any]]:
    """Staff of `unit` posted as A and B of a window's post `since` days ago (the center
    records a posting begun before today): their attendance counts from that day."""
    window = staffing.window_known_to_staffing(client, unit)
    seat = staffing.post(client, window["id"], unit=unit)
    people = [staffing.person(client, unit, name) for name in names]
    for person, role in zip(people, "AB", strict=False):
        body = {"staff_id": person["id"], "role": role, "starts_on": ago(since)}
        url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
        ok(client.post(url, json=body, headers=CENTER), 201)
    return people


def attendance(client: Client, query: str = "", headers: Any = CENTER) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(client.get(f"{ATTENDANCE}?{query}", headers=headers))["items"]
    return items


def test_training_is_recorded_and_listed_per_staff_member(client: Client, hall: Hall) -> None:
    member = staffing.person(client, "tj-hexi", "张伟")
    body = {"staff_id": member["id"], "course": "政务服务礼仪", "hours": 6, "provider": "authority"}
    first = ok(client.post(TRAININGS, json={**body, "held_on": ago(30)}, headers=HEXI), 201)
    ok(
        client.post(
            TRAININGS, json={**body, "held_on": ago(2), "provider": "window"}, headers=CENTER
        ),
        201,
    )
    listed = ok(client.get(f"{TRAININGS}?staff_id={member['id']}&limit=1", headers=HEXI))
    assert listed["items"][0]["provider"] == "window" and listed["next_cursor"]
    rest = ok(client.get(f"{TRAININGS}?limit=1&cursor={listed['next_cursor']}", headers=HEXI))
    assert [t["id"] for t in rest["items"]] == [first["id"]] and rest["next_cursor"] is None
    assert events(hall, "govhall.staffing.training.recorded.v1") == 2

    zero = client.post(TRAININGS, json={**body, "hours": 0, "held_on": ago(1)}, headers=HEXI)
    assert (
        zero.status_code == 422 and zero.json["rule"] == "TJ-7.1" and "hours" in zero.json["errors"]
    )
    ahead = client.post(TRAININGS, json={**body, "held_on": ago(-1)}, headers=HEXI)
    assert ahead.status_code == 422 and "held_on" in ahead.json["errors"]


def test_other_units_get_404_on_our_training_and_attendance(client: Client) -> None:
    member = staffing.person(client, "tj-hexi", "张伟")
    body = {
        "staff_id": member["id"],
        "course": "c",
        "hours": 2,
        "provider": "unit",
        "held_on": ago(1),
    }
    assert client.post(TRAININGS, json=body, headers=NANKAI).status_code == 404
    assert client.get(f"{TRAININGS}?staff_id={member['id']}", headers=NANKAI).status_code == 404
    ok(client.post(TRAININGS, json=body, headers=HEXI), 201)
    assert ok(client.get(TRAININGS, headers=NANKAI))["items"] == []
    day = f"{ATTENDANCE}/{member['id']}/{ago(1)}"
    assert client.put(day, json={"status": "present"}, headers=NANKAI).status_code == 404
    assert client.get(f"{ATTENDANCE}?staff_id={member['id']}", headers=NANKAI).status_code == 404
    summary = f"{ATTENDANCE}/summary?staff_id={member['id']}"
    assert client.get(summary, headers=NANKAI).status_code == 404


def test_a_day_is_put_idempotently(client: Client, hall: Hall) -> None:
    (member,) = on_post(client, "tj-hexi", "张伟")
    url = f"{ATTENDANCE}/{member['id']}/{ago(1)}"
    for _ in range(2):
        ok(client.put(url, json={"status": "late", "note": "地铁故障"}, headers=HEXI))
    assert recorded(hall) == 1
    ok(client.put(url, json={"status": "present"}, headers=CENTER))
    assert recorded(hall) == 2
    assert [(m["status"], m["note"]) for m in attendance(client)] == [("present", "")]
    ahead = client.put(
        f"{ATTENDANCE}/{member['id']}/{ago(-1)}", json={"status": "present"}, headers=HEXI
    )
    assert (
        ahead.status_code == 422
        and ahead.json["rule"] == "TJ-7.3"
        and "day" in ahead.json["errors"]
    )
    odd = client.put(
        f"{ATTENDANCE}/{member['id']}/2026-02-30", json={"status": "gone"}, headers=HEXI
    )
    assert set(odd.json["errors"]) == {"day", "status"}


def test_a_good_sheet_imports_every_row_and_the_summary_counts_them(
    client: Client, hall: Hall
) -> None:
    a, b = on_post(client, "tj-hexi", "张伟", "李娜")
    rows = [f"{a['id']},{ago(n)},present," for n in range(1, 4)]
    rows += [f"{b['id']},{ago(1)},late,堵车", f"{b['id']},{ago(2)},absent_approved,年假"]
    answer = ok(client.post(f"{ATTENDANCE}/import", data=sheet(*rows), headers=CSV))
    assert answer == {"imported": 5, "changed": 5}
    assert recorded(hall) == 5
    again = ok(client.post(f"{ATTENDANCE}/import", data=sheet(*rows), headers=CSV))
    assert again == {"imported": 5, "changed": 0} and recorded(hall) == 5
    rows[0] = rows[0].replace("present,", "absent_unapproved,no word")
    fixed = ok(client.post(f"{ATTENDANCE}/import", data=sheet(*rows), headers=CSV))
    assert fixed == {"imported": 5, "changed": 1} and recorded(hall) == 6

    mine = attendance(client, f"staff_id={b['id']}&from={ago(1)}&to={ago(1)}", HEXI)
    assert [(m["status"], m["note"]) for m in mine] == [("late", "堵车")]
    summary = ok(client.get(f"{ATTENDANCE}/summary?from={ago(30)}", headers=HEXI))
    assert {
        s["staff_id"]: (s["present"], s["late"], s["absent_approved"], s["days"]) for s in summary
    } == {
        a["id"]: (2, 0, 0, 3),
        b["id"]: (0, 1, 1, 2),
    }
    assert ok(client.get(f"{ATTENDANCE}/summary", headers=NANKAI)) == []


def test_one_bad_row_imports_nothing_and_names_the_row(client: Client, hall: Hall) -> None:
    (a,) = on_post(client, "tj-hexi", "张伟")
    rows = (
        f"{a['id']},{ago(2)},present,",
        f"{a['id']},{ago(1)},absent,",
        f"{a['id']},{ago(3)},late,",
    )
    refused = client.post(f"{ATTENDANCE}/import", data=sheet(*rows), headers=CSV)
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-7.3"
    assert list(refused.json["errors"]) == ["row 3.status"]
    repeated = sheet(
        f"{a['id']},{ago(2)},present,", f"{a['id']},{ago(2)},late,", f"{a['id']},{ago(-1)},late,"
    )
    refused = client.post(f"{ATTENDANCE}/import", data=repeated, headers=CSV)
    assert set(refused.json["errors"]) == {"row 3.day", "row 4.day"}
    assert attendance(client) == [] and recorded(hall) == 0


def test_a_unit_imports_only_its_own_staff(client: Client) -> None:
    (ours,) = on_post(client, "tj-hexi", "张伟")
    (theirs,) = on_post(client, "tj-nankai", "刘洋")
    rows = (
        f"{ours['id']},{ago(1)},present,",
        f"{theirs['id']},{ago(1)},present,",
        f"s-nobody,{ago(1)},late,",
    )
    refused = client.post(f"{ATTENDANCE}/import", data=sheet(*rows), headers=CSV)
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["row 3.staff_id", "row 4.staff_id"]
    assert attendance(client) == []
    center = client.post(
        f"{ATTENDANCE}/import",
        data=sheet(*rows[:2]),
        headers={**CENTER, "Content-Type": "text/csv"},
    )
    assert ok(center) == {"imported": 2, "changed": 2}


def test_a_sheet_may_be_uploaded_as_a_file_within_limits(client: Client) -> None:
    (a,) = on_post(client, "tj-hexi", "张伟")
    data = sheet(f"{a['id']},{ago(1)},late,堵车").encode("gb18030")
    form = {"file": (io.BytesIO(data), "考勤.csv")}
    answer = client.post(
        f"{ATTENDANCE}/import", data=form, headers=HEXI, content_type="multipart/form-data"
    )
    assert ok(answer) == {"imported": 1, "changed": 1}
    assert attendance(client)[0]["note"] == "堵车"
    as_json = client.post(f"{ATTENDANCE}/import", json={"rows": []}, headers=HEXI)
    assert as_json.status_code == 422 and "Content-Type" in as_json.json["errors"]
    huge = client.post(f"{ATTENDANCE}/import", data="x" * (3 * 1024 * 1024), headers=CSV)
    assert huge.status_code == 413 and "file" in huge.json["errors"]
    empty = client.post(f"{ATTENDANCE}/import", data="", headers=CSV)
    assert empty.status_code == 422 and "file" in empty.json["errors"]
    headless = client.post(f"{ATTENDANCE}/import", data=f"{a['id']},{ago(1)},late\n", headers=CSV)
    assert headless.status_code == 422 and "header" in headless.json["errors"]
    # A refused sheet names the rule, whichever check refused it.
    assert {r.json["rule"] for r in (as_json, huge, empty, headless)} == {"TJ-7.3"}


def test_no_attendance_for_days_before_a_posting(client: Client, hall: Hall) -> None:
    """TJ-7.3 binds window staff: a day before someone was posted to the hall (or a person
    never posted) is refused, by sheet (every such row named, nothing imported) and by hand."""
    (a,) = on_post(client, "tj-hexi", "张伟", since=3)
    idle = staffing.person(client, "tj-hexi", "李娜")
    rows = (
        f"{a['id']},{ago(3)},present,",
        f"{a['id']},{ago(4)},present,",
        f"{idle['id']},{ago(1)},present,",
    )
    refused = client.post(f"{ATTENDANCE}/import", data=sheet(*rows), headers=CSV)
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-7.3"
    assert list(refused.json["errors"]) == ["row 3.day", "row 4.day"]
    assert attendance(client) == [] and recorded(hall) == 0
    early = client.put(f"{ATTENDANCE}/{a['id']}/{ago(4)}", json={"status": "late"}, headers=HEXI)
    assert early.status_code == 422 and list(early.json["errors"]) == ["day"]
    ok(client.put(f"{ATTENDANCE}/{a['id']}/{ago(3)}", json={"status": "late"}, headers=HEXI))
    assert (
        ok(client.post(f"{ATTENDANCE}/import", data=sheet(rows[0]), headers=CSV))["imported"] == 1
    )
