"""The inbox over HTTP: whose inbox a token reads, marking read, the unread filter and count.

A district (`district:<name>`) is told of its windows' sanctions (TJ-8.1) but holds no token:
the authority and the center read its inbox by naming it; a unit token reads only its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from werkzeug.test import Client

from services.hall.embedded import Hall
from tests import builders
from tests.builders import AUTHORITY, CENTER, ok
from tests.support import bearer, wait_for

NOTICES = "/notification/api/v1/notices"
HEXI = bearer("unit", "tj-hexi")
NANKAI = bearer("unit", "tj-nankai")
INSPECTOR = bearer("inspector")
DISTRICT = "district:河西区 Hexi"

Publish = Callable[[str, str], None]


def _sanction(publish: Publish, sanction_id: int) -> None:
    """A suspension: told to the unit, the center, the authority and the unit's district."""
    event_type = "govhall.inspection.sanction.imposed.v1"
    data = {
        "sanction_id": sanction_id,
        "kind": "suspension",
        "window_id": 10 + sanction_id,
        "unit_code": "tj-hexi",
        "district": "河西区 Hexi",
        "basis": "TJ-8.2",
        "reason": "concentrated complaints",
        "at": "2026-11-20T08:00:00+00:00",
    }
    publish(event_type, builders.stub_event(event_type, data))


def _inbox(client: Client, headers: dict[str, str], query: str = "") -> Any:
    return client.get(f"{NOTICES}{query}", headers=headers)


def _of(recipient: str, more: str = "") -> str:
    return f"?recipient={quote(recipient)}{more}"


def _delivered(client: Client, count: int) -> list[dict[str, Any]]:
    return wait_for(
        lambda: (lambda items: items if len(items) >= count else None)(
            ok(_inbox(client, AUTHORITY, _of(DISTRICT)))["items"]
        )
    )


def test_the_authority_and_the_center_read_a_districts_inbox(hall: Hall, publish: Publish) -> None:
    client = Client(hall.wsgi())
    _sanction(publish, 1)
    [notice] = _delivered(client, 1)
    assert notice["recipient"] == DISTRICT
    assert notice["event_type"] == "govhall.inspection.sanction.imposed.v1"
    for reader in (AUTHORITY, CENTER):
        inbox = ok(_inbox(client, reader, _of(DISTRICT)))
        assert [n["id"] for n in inbox["items"]] == [notice["id"]] and inbox["unread"] == 1
        # any other inbox too, by name; and without a name still their own
        unit_inbox = ok(_inbox(client, reader, _of("unit:tj-hexi")))
        assert [n["recipient"] for n in unit_inbox["items"]] == ["unit:tj-hexi"]
    own = ok(_inbox(client, CENTER))["items"]
    assert own and {n["recipient"] for n in own} == {"center"}


def test_a_unit_reads_only_its_own_inbox_whatever_it_names(hall: Hall, publish: Publish) -> None:
    client = Client(hall.wsgi())
    _sanction(publish, 1)
    _delivered(client, 1)
    mine = ok(_inbox(client, HEXI))
    assert [n["recipient"] for n in mine["items"]] == ["unit:tj-hexi"]
    assert ok(_inbox(client, HEXI, _of("unit:tj-hexi"))) == mine
    for other in (DISTRICT, "unit:tj-nankai", "center", "authority"):
        refused = _inbox(client, HEXI, _of(other))
        assert refused.status_code == 404, other  # 404, not 403: nothing about who exists
    assert _inbox(client, NANKAI, _of("unit:tj-hexi")).status_code == 404
    assert _inbox(client, INSPECTOR, _of(DISTRICT)).status_code == 404
    assert _inbox(client, AUTHORITY, _of("nobody")).status_code == 422
    assert client.get(f"{NOTICES}{_of(DISTRICT)}").status_code == 401
    # nor may a unit mark another inbox's notice read
    district_notice = _delivered(client, 1)[0]["id"]
    assert client.post(f"{NOTICES}/{district_notice}/read", headers=HEXI).status_code == 404
    path = f"{NOTICES}/{district_notice}/read{_of(DISTRICT)}"
    assert client.post(path, headers=HEXI).status_code == 404
    assert ok(_inbox(client, AUTHORITY, _of(DISTRICT)))["unread"] == 1


def test_marking_read_and_the_unread_filter(hall: Hall, publish: Publish) -> None:
    client = Client(hall.wsgi())
    for sanction_id in (1, 2, 3):
        _sanction(publish, sanction_id)
    third, second, first = _delivered(client, 3)  # newest first
    assert all(n["read_at"] is None for n in (first, second, third))

    read = ok(client.post(f"{NOTICES}/{second['id']}/read{_of(DISTRICT)}", headers=CENTER))
    assert read["id"] == second["id"] and read["read_at"] is not None
    again = ok(client.post(f"{NOTICES}/{second['id']}/read{_of(DISTRICT)}", headers=AUTHORITY))
    assert again["read_at"] == read["read_at"]  # marking twice keeps the first time

    everything = ok(_inbox(client, CENTER, _of(DISTRICT)))
    assert [n["id"] for n in everything["items"]] == [third["id"], second["id"], first["id"]]
    assert everything["unread"] == 2
    unread = ok(_inbox(client, CENTER, _of(DISTRICT, "&unread=true")))
    assert [n["id"] for n in unread["items"]] == [third["id"], first["id"]]
    assert unread["unread"] == 2
    # the filter pages like the list: one at a time, then the rest
    page = ok(_inbox(client, CENTER, _of(DISTRICT, "&unread=true&limit=1")))
    assert [n["id"] for n in page["items"]] == [third["id"]] and page["next_cursor"]
    rest = _of(DISTRICT, f"&unread=true&limit=1&cursor={page['next_cursor']}")
    assert [n["id"] for n in ok(_inbox(client, CENTER, rest))["items"]] == [first["id"]]

    # a unit marks its own; the count is per inbox
    hexi = ok(_inbox(client, HEXI))
    assert hexi["unread"] == 3
    ok(client.post(f"{NOTICES}/{hexi['items'][0]['id']}/read", headers=HEXI))
    assert ok(_inbox(client, HEXI))["unread"] == 2
    assert ok(_inbox(client, CENTER, _of(DISTRICT)))["unread"] == 2
    assert client.post(f"{NOTICES}/999999/read", headers=CENTER).status_code == 404
    # the center's own inbox does not hold the district's notices
    own = _inbox(client, CENTER)
    assert second["id"] not in [n["id"] for n in ok(own)["items"]]


def _absence(publish: Publish, event: str, **more: Any) -> None:
    event_type = f"govhall.staffing.absence.{event}.v1"
    data = builders.absence(event, **{"chief_staff_id": "s-wang", "deputy_staff_id": None, **more})
    publish(event_type, builders.stub_event(event_type, data))


def _staff_inbox(client: Client, staff: str, headers: dict[str, str] = HEXI) -> Any:
    return _inbox(client, headers, _of(f"staff:tj-hexi:{staff}"))


def test_b_and_the_chief_representative_have_inboxes_their_unit_reads(
    hall: Hall, publish: Publish
) -> None:
    client = Client(hall.wsgi())
    _absence(publish, "reported")
    _absence(publish, "approved", cover_staff_id="s-li", cover_name="李四")
    told = lambda staff: ok(_staff_inbox(client, staff))["items"]  # noqa: E731
    [to_decide] = wait_for(lambda: told("s-wang"))  # the chief representative decides
    assert to_decide["event_type"] == "govhall.staffing.absence.reported.v1"
    assert to_decide["recipient"] == "staff:tj-hexi:s-wang"
    [to_cover] = wait_for(lambda: told("s-li"))  # B covers
    assert to_cover["title"].startswith("请假已批准：李四 顶岗 张三")
    assert [n["event_type"] for n in told("s-zhang")] == ["govhall.staffing.absence.approved.v1"]
    own = ok(_inbox(client, HEXI))["items"]  # the unit's own inbox has both, once each
    assert sorted(n["event_type"].split(".")[3] for n in own) == ["approved", "reported"]
    assert ok(
        client.post(f"{NOTICES}/{to_cover['id']}/read{_of('staff:tj-hexi:s-li')}", headers=HEXI)
    )
    assert ok(_staff_inbox(client, "s-li"))["unread"] == 0
    # another unit, an inspector, an integrator: nothing to see, not even that it exists
    for stranger in (NANKAI, INSPECTOR, bearer("integrator")):
        assert _staff_inbox(client, "s-li", stranger).status_code == 404
    refused = client.post(f"{NOTICES}/{to_cover['id']}/read", headers=NANKAI)
    assert refused.status_code == 404
    assert [n["id"] for n in ok(_staff_inbox(client, "s-li", CENTER))["items"]] == [to_cover["id"]]


def test_notices_come_in_the_readers_language(hall: Hall, publish: Publish) -> None:
    client = Client(hall.wsgi())
    _sanction(publish, 1)
    [notice] = _delivered(client, 1)
    assert notice["language"] == "zh" and notice["title"].startswith("窗口暂停受理：窗口 #11")

    def read(language: str) -> Any:
        return _inbox(client, {**AUTHORITY, "Accept-Language": language}, _of(DISTRICT))

    for asked, shown in (("en", "en"), ("en-US,en;q=0.8", "en"), ("zh-CN", "zh"), ("fr", "zh")):
        answer = read(asked)
        [item] = ok(answer)["items"]
        assert (item["language"], answer.headers["Content-Language"]) == (shown, shown), asked
        assert "Accept-Language" in answer.headers["Vary"]
    [english] = ok(read("en"))["items"]
    assert english["title"] == "Window suspended: window #11 (TJ-8.2): concentrated complaints"
    assert english["id"] == notice["id"]
    marked = client.post(
        f"{NOTICES}/{notice['id']}/read{_of(DISTRICT)}",
        headers={**CENTER, "Accept-Language": "en"},
    )
    assert ok(marked)["title"] == english["title"]
