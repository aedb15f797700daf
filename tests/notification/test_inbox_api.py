"""The inbox over HTTP: whose inbox a token reads, marking read, the unread filter and count.

A district (`district:<name>`) is told of its windows' sanctions (TJ-8.1) but holds no token:
the authority and the center read its inbox by naming it; a unit token reads only its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from werkzeug.test import Client

from shared.embedded import Hall
from shared.testing import bearer, wait_for
from tests import builders
from tests.builders import AUTHORITY, CENTER, ok

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
    first, second, third = _delivered(client, 3)
    assert all(n["read_at"] is None for n in (first, second, third))

    read = ok(client.post(f"{NOTICES}/{second['id']}/read{_of(DISTRICT)}", headers=CENTER))
    assert read["id"] == second["id"] and read["read_at"] is not None
    again = ok(client.post(f"{NOTICES}/{second['id']}/read{_of(DISTRICT)}", headers=AUTHORITY))
    assert again["read_at"] == read["read_at"]  # marking twice keeps the first time

    everything = ok(_inbox(client, CENTER, _of(DISTRICT)))
    assert [n["id"] for n in everything["items"]] == [first["id"], second["id"], third["id"]]
    assert everything["unread"] == 2
    unread = ok(_inbox(client, CENTER, _of(DISTRICT, "&unread=true")))
    assert [n["id"] for n in unread["items"]] == [first["id"], third["id"]]
    assert unread["unread"] == 2
    # the filter pages like the list: one at a time, then the rest
    page = ok(_inbox(client, CENTER, _of(DISTRICT, "&unread=true&limit=1")))
    assert [n["id"] for n in page["items"]] == [first["id"]] and page["next_cursor"]
    rest = _of(DISTRICT, f"&unread=true&limit=1&cursor={page['next_cursor']}")
    assert [n["id"] for n in ok(_inbox(client, CENTER, rest))["items"]] == [third["id"]]

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
