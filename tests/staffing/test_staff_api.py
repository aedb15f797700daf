"""Staff records (EQ-3.1a), posts with A and B (EQ-3.2.5), chief representatives (EQ-3.1b,
EQ-3.2.6) through the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests import builders
from tests.builders import ok, stub_event
from tests.staffing import builders as staffing
from tests.support import bearer, wait_for

HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
CENTER = bearer("center")


def test_personal_data_is_masked_but_to_the_unit_and_the_center(client: Client) -> None:
    member = staffing.person(client, "tj-hexi", "张伟")
    assert member["phone"] == "13812345678"  # the unit that sent them
    url = f"/staffing/api/v1/staff/{member['id']}"
    assert ok(client.get(url, headers=CENTER))["id_number"] == member["id_number"]
    inspector = ok(client.get(url, headers=bearer("inspector")))
    assert inspector["phone"] == "138****5678" and "*" in inspector["id_number"]
    assert inspector["birth_date"] is None
    assert client.get(url, headers=NANKAI).status_code == 404


def test_a_record_needs_the_qualification(client: Client) -> None:
    refused = staffing.person(client, "tj-hexi", "王芳", law_enforcement_cert="", status=422)
    assert refused["rule"] == "EQ-3.1a" and "law_enforcement_cert" in refused["errors"]
    contract = staffing.person(client, "tj-hexi", "王芳", employment="contractor", status=422)
    assert contract["rule"] == "EQ-3.1a" and "employment" in contract["errors"]


def test_posting_checks_experience_and_age_at_the_date_of_posting(client: Client) -> None:
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    novice = staffing.person(client, "tj-hexi", "新人", started=clock.today() - timedelta(days=200))
    refused = staffing.assign(client, seat["id"], novice["id"], "A", status=422)
    assert refused["rule"] == "EQ-3.1a" and "work_started_on" in refused["errors"]
    born = date(clock.today().year - 50, 1, 1)
    senior = staffing.person(client, "tj-hexi", "老王", birth=born)
    assert staffing.assign(client, seat["id"], senior["id"], "A", status=422)["rule"] == "EQ-3.1a"
    url = f"/staffing/api/v1/staff/{senior['id']}/age-exception"
    early = client.post(f"{url}/approval", headers=CENTER)
    assert early.status_code == 422 and early.json["rule"] == "EQ-3.1a"
    ok(client.post(url, json={"reason": "the only Russian-speaking officer"}, headers=HEXI))
    own = client.post(f"{url}/approval", headers=HEXI)  # the unit asking may not approve it
    assert own.status_code == 403 and own.json["rule"] == "EQ-3.1a"
    ok(client.post(f"{url}/approval", headers=CENTER))
    assert staffing.assign(client, seat["id"], senior["id"], "A")["role"] == "A"


def test_a_post_has_one_a_and_one_b_and_gaps_are_reported(client: Client) -> None:
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    a, b, c = (staffing.person(client, "tj-hexi", n) for n in ("张伟", "李娜", "赵磊"))
    staffing.assign(client, seat["id"], a["id"], "A")
    gaps = ok(client.get("/staffing/api/v1/coverage", headers=CENTER))
    assert [(g["post_id"], g["a"], g["b"]) for g in gaps if g["post_id"] == seat["id"]] == [
        (seat["id"], a["id"], None)
    ]
    taken = staffing.assign(client, seat["id"], c["id"], "A", status=409)
    assert taken["rule"] == "EQ-3.2.5" and list(taken["errors"]) == ["role"]
    neither = staffing.assign(client, seat["id"], c["id"], "C", status=422)
    assert neither["rule"] == "EQ-3.2.5" and list(neither["errors"]) == ["role"]
    staffing.assign(client, seat["id"], b["id"], "B")
    gaps = ok(client.get("/staffing/api/v1/coverage", headers=CENTER))
    assert seat["id"] not in [g["post_id"] for g in gaps]
    other = staffing.post(client, window["id"], name="发证 Issue")
    twice = staffing.assign(client, other["id"], a["id"], "B", status=409)  # one post a person
    assert twice["rule"] == "EQ-3.2.5" and list(twice["errors"]) == ["staff_id"]
    stranger = client.post(
        f"/staffing/api/v1/posts/{seat['id']}/assignments",
        headers=NANKAI,
        json={"staff_id": c["id"], "role": "B"},
    )
    assert stranger.status_code == 404


def test_a_posting_starts_today_at_the_latest_and_only_the_center_backdates(
    client: Client,
) -> None:
    """EQ-3.1a is checked at the date of posting and the two-year rotation clock (EQ-3.2.3)
    runs from it: a date ahead would pass a novice, one back would make anyone due."""
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    today = clock.today()
    novice = staffing.person(client, "tj-hexi", "新人", started=today - timedelta(days=200))
    url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
    ahead = {"staff_id": novice["id"], "role": "A", "starts_on": str(today + timedelta(days=200))}
    for headers in (HEXI, CENTER):
        later = client.post(url, json=ahead, headers=headers)
        assert later.status_code == 422 and later.json["rule"] == "EQ-3.1a"
        assert list(later.json["errors"]) == ["starts_on"]
    veteran = staffing.person(client, "tj-hexi", "张伟")
    back = {"staff_id": veteran["id"], "role": "A", "starts_on": str(today - timedelta(days=1100))}
    earlier = client.post(url, json=back, headers=HEXI)
    assert earlier.status_code == 422 and earlier.json["rule"] == "EQ-3.2.3"
    assert list(earlier.json["errors"]) == ["starts_on"]
    assert ok(client.get("/staffing/api/v1/rotations/due", headers=CENTER)) == []
    recorded = ok(client.post(url, json=back, headers=CENTER), 201)
    assert recorded["starts_on"] == back["starts_on"]
    due = ok(client.get("/staffing/api/v1/rotations/due", headers=CENTER))
    assert [(d["staff_id"], d["years_on_post"]) for d in due] == [(veteran["id"], 3)]
    b = staffing.person(client, "tj-hexi", "李娜")
    assert staffing.assign(client, seat["id"], b["id"], "B")["starts_on"] == str(today)


def test_a_chief_s_term_is_dated_today_at_the_latest_and_only_the_center_backdates(
    client: Client,
) -> None:
    """EQ-3.2.6: a successor dated two years ahead made the serving chief's tenure look
    served; the tenure is measured to the successor's first day, never past today."""
    first, second = (staffing.person(client, "tj-hexi", n) for n in ("周主任", "吴主任"))
    url = "/staffing/api/v1/chief-representatives/tj-hexi"
    today = clock.today()
    ok(client.put(url, json={"staff_id": first["id"]}, headers=HEXI), 201)
    ahead = {"staff_id": second["id"], "starts_on": str(today + timedelta(days=731))}
    for headers in (HEXI, CENTER):
        later = client.put(url, json=ahead, headers=headers)
        assert later.status_code == 422 and later.json["rule"] == "EQ-3.2.6"
        assert list(later.json["errors"]) == ["starts_on"]
    back = {"staff_id": second["id"], "starts_on": str(today - timedelta(days=1))}
    earlier = client.put(url, json=back, headers=HEXI)
    assert earlier.status_code == 422 and earlier.json["rule"] == "EQ-3.2.6"
    assert ok(client.get(url, headers=HEXI))["staff_id"] == first["id"]
    # The center records a successor from before the serving chief began: refused.
    before = client.put(url, json={**back, "reason": "records"}, headers=CENTER)
    assert before.status_code == 422 and list(before.json["errors"]) == ["starts_on"]

    # A term the center records as begun three years ago has served its two: the unit
    # replaces that chief alone, today.
    ok(client.put(url, json={"staff_id": second["id"], "reason": "x"}, headers=CENTER), 201)
    since = str(today - timedelta(days=1100))
    nankai = bearer("unit", "tj-nankai")
    old, new = (staffing.person(client, "tj-nankai", n) for n in ("钱主任", "孙主任"))
    nankai_url = "/staffing/api/v1/chief-representatives/tj-nankai"
    own = client.put(nankai_url, json={"staff_id": old["id"], "starts_on": since}, headers=nankai)
    assert own.status_code == 422 and own.json["rule"] == "EQ-3.2.6"
    body = {"staff_id": old["id"], "starts_on": since}
    ok(client.put(nankai_url, json=body, headers=CENTER), 201)
    replaced = ok(client.put(nankai_url, json={"staff_id": new["id"]}, headers=nankai), 201)
    assert replaced["starts_on"] == str(today) and replaced["replacement_approved_by"] is None


def test_coverage_lists_published_windows_without_a_post(client: Client) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    gap = {"post_id": None, "post": None, "window_id": window["id"], "a": None, "b": None}
    wait_for(
        lambda: (
            {**gap, "covered": False} in ok(client.get("/staffing/api/v1/coverage", headers=HEXI))
        ),
        timeout=5,
    )
    assert ok(client.get("/staffing/api/v1/coverage", headers=NANKAI)) == []
    seat = staffing.post(client, window["id"])
    gaps = ok(client.get("/staffing/api/v1/coverage", headers=CENTER))
    assert [(g["post_id"], g["window_id"]) for g in gaps] == [(seat["id"], window["id"])]


def test_registry_publishes_the_staff_on_duty(client: Client) -> None:
    window, _, _a, _b = staffing.staffed_post(client)
    entry = wait_for(
        lambda: (
            ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
            if len(ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))["staff"])
            == 2
            else None
        ),
        timeout=3,
    )
    assert sorted((s["name"], s["role"]) for s in entry["staff"]) == [("张伟", "A"), ("李娜", "B")]


def test_one_chief_representative_with_full_powers_for_two_years(client: Client) -> None:
    first = staffing.person(client, "tj-hexi", "周主任")
    second = staffing.person(client, "tj-hexi", "吴主任")
    url = "/staffing/api/v1/chief-representatives/tj-hexi"
    partial = client.put(url, json={"staff_id": first["id"], "powers": ["accept"]}, headers=HEXI)
    assert partial.status_code == 422 and partial.json["rule"] == "EQ-3.1b"
    part_time = client.put(url, json={"staff_id": first["id"], "full_time": False}, headers=HEXI)
    assert part_time.json["rule"] == "EQ-3.2.6"
    ok(client.put(url, json={"staff_id": first["id"]}, headers=HEXI), 201)
    early = client.put(url, json={"staff_id": second["id"], "reason": "illness"}, headers=HEXI)
    assert early.status_code == 422 and early.json["rule"] == "EQ-3.2.6"
    replaced = ok(
        client.put(url, json={"staff_id": second["id"], "reason": "long illness"}, headers=CENTER),
        201,
    )
    assert replaced["replacement_approved_by"].startswith("center")
    assert ok(client.get(url, headers=HEXI))["staff_id"] == second["id"]
    assert client.get(url, headers=NANKAI).status_code == 404


def test_a_new_deputy_leaves_the_chief_s_term_running(client: Client, hall: Hall) -> None:
    chief, deputy, other = (
        staffing.person(client, "tj-hexi", n) for n in ("周主任", "郑副", "钱副")
    )
    url = "/staffing/api/v1/chief-representatives/tj-hexi"
    since = (clock.today() - timedelta(days=300)).isoformat()
    ok(client.put(url, json={"staff_id": chief["id"], "starts_on": since}, headers=CENTER), 201)
    for named in (deputy, other):  # the unit alone, no reason: the chief is not replaced
        body = {"staff_id": chief["id"], "deputy_staff_id": named["id"]}
        kept = ok(client.put(url, json=body, headers=HEXI), 201)
        assert (kept["starts_on"], kept["deputy_staff_id"]) == (since, named["id"])
    early = client.put(url, json={"staff_id": deputy["id"]}, headers=HEXI)
    assert early.status_code == 422 and early.json["rule"] == "EQ-3.2.6"  # two years still count
    appointed = staffing.events(hall, "chief_representative.appointed")
    assert [(e["staff_id"], e["deputy_staff_id"], e["starts_on"]) for e in appointed] == [
        (chief["id"], None, since),
        (chief["id"], deputy["id"], since),
        (chief["id"], other["id"], since),
    ]


def test_a_returned_staff_member_is_appointed_to_no_office(client: Client) -> None:
    returned, chief = (staffing.person(client, "tj-hexi", n) for n in ("冯某", "周主任"))
    body = {"staff_id": returned["id"], "reason": "repeated complaints"}
    ok(client.post("/staffing/api/v1/returns", json=body, headers=CENTER), 201)
    url = "/staffing/api/v1/chief-representatives/tj-hexi"
    for body, field in (
        ({"staff_id": returned["id"]}, "staff_id"),
        ({"staff_id": chief["id"], "deputy_staff_id": returned["id"]}, "deputy_staff_id"),
    ):
        refused = client.put(url, json=body, headers=HEXI)
        assert refused.status_code == 422 and refused.json["rule"] == "EQ-3.2.4"
        assert list(refused.json["errors"]) == [field]
    assert client.get(url, headers=HEXI).status_code == 404


def test_staff_records_and_posts_change_by_events(client: Client, hall: Hall) -> None:
    window = staffing.window_known_to_staffing(client)
    seat = staffing.post(client, window["id"])
    [created] = [e for e in staffing.events(hall, "post.created") if e["post_id"] == seat["id"]]
    assert (created["window_id"], created["unit_code"]) == (window["id"], "tj-hexi")
    senior = staffing.person(client, "tj-hexi", "老王", birth=date(clock.today().year - 50, 1, 1))
    url = f"/staffing/api/v1/staff/{senior['id']}/age-exception"
    ok(client.post(url, json={"reason": "the only Russian-speaking officer"}, headers=HEXI))
    [asked] = staffing.events(hall, "staff.age_exception_requested")
    assert (asked["staff_id"], asked["rule"]) == (senior["id"], "EQ-3.1a")
    assert asked["detail"] == "the only Russian-speaking officer"
    assert "id_number" not in asked and "phone" not in asked


def test_a_tenure_refusal_speaks_in_months(client: Client) -> None:
    """EQ-3.2.6: a chief one day short of two years has served 23 months of at least 24, not
    "1 year(s) of at least 2"."""
    url = "/staffing/api/v1/chief-representatives/tj-nankai"
    nankai = bearer("unit", "tj-nankai")
    old, new = (staffing.person(client, "tj-nankai", n) for n in ("钱主任", "孙主任"))
    today = clock.today()
    two_years_ago = today.replace(year=today.year - 2)
    since = two_years_ago + timedelta(days=1)
    ok(client.put(url, json={"staff_id": old["id"], "starts_on": str(since)}, headers=CENTER), 201)
    early = client.put(url, json={"staff_id": new["id"]}, headers=nankai)
    assert early.status_code == 422 and early.json["rule"] == "EQ-3.2.6"
    assert "served 23 month(s) of at least 24" in early.json["detail"]


def test_nobody_is_posted_to_a_window_not_yet_published(client: Client) -> None:
    """TJ-5.6: an application is no window to work at; its staff are posted once it is
    published, and a posting refused before then names the rule."""
    window = builders.application(client, "tj-hexi")
    seat = wait_for(
        lambda: _created(
            client.post(
                "/staffing/api/v1/posts",
                json={"window_id": window["id"], "name": "受理"},
                headers=HEXI,
            )
        ),
        timeout=5,
    )
    member = staffing.person(client, "tj-hexi", "张伟")
    url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
    for headers in (HEXI, CENTER):
        early = client.post(url, json={"staff_id": member["id"], "role": "A"}, headers=headers)
        assert early.status_code == 422 and early.json["rule"] == "TJ-5.6"
        assert list(early.json["errors"]) == ["starts_on"]
    builders.procedure(client, window["id"], ["work-permit-long"])
    wait_for(
        lambda: (
            client.post(url, json={"staff_id": member["id"], "role": "A"}, headers=HEXI).status_code
            == 201
        ),
        timeout=5,
    )


def _created(response: Any) -> Any:
    return response.json if response.status_code == 201 else None


def test_a_posting_starts_on_its_window_s_publication_day_at_the_earliest(client: Client) -> None:
    """TJ-5.6: before its publication day the window was no window to work at, so a posting the
    center dates back starts on that day or later; registry's window events carry the day."""
    window = staffing.window_known_to_staffing(client, published_on=date(2026, 3, 2))
    seat = staffing.post(client, window["id"])
    member = staffing.person(client, "tj-hexi", "张伟")
    url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
    body = {"staff_id": member["id"], "role": "A", "starts_on": "2026-03-01"}
    early = client.post(url, json=body, headers=CENTER)
    assert early.status_code == 422 and early.json["rule"] == "TJ-5.6"
    assert list(early.json["errors"]) == ["starts_on"] and "2026-03-02" in early.json["detail"]
    posted = ok(client.post(url, json={**body, "starts_on": "2026-03-02"}, headers=CENTER), 201)
    assert posted["starts_on"] == "2026-03-02"


def test_the_publication_day_is_registry_s_not_the_day_its_event_arrived(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    """TJ-5.6: a window event that arrives today says the window was published in March (its
    `published_on`): postings may start from March, not only from the day staffing heard."""
    event = "govhall.registry.window.published.v1"
    data = {
        "window_id": 9001,
        "unit_code": "tj-hexi",
        "co_units": [],
        "hall_code": "tj-hall",
        "name_zh": "窗口",
        "name_en": "Window",
        "type": "permanent",
        "state": "active",
        "is_open": True,
        "published_on": "2026-03-02",
    }
    publish(event, stub_event(event, data))
    seat = wait_for(
        lambda: _created(
            client.post(
                "/staffing/api/v1/posts", json={"window_id": 9001, "name": "受理"}, headers=HEXI
            )
        ),
        timeout=5,
    )
    member = staffing.person(client, "tj-hexi", "张伟")
    url = f"/staffing/api/v1/posts/{seat['id']}/assignments"
    body = {"staff_id": member["id"], "role": "A", "starts_on": "2026-03-01"}
    early = client.post(url, json=body, headers=CENTER)
    assert early.status_code == 422 and early.json["rule"] == "TJ-5.6"
    ok(client.post(url, json={**body, "starts_on": "2026-03-02"}, headers=CENTER), 201)
