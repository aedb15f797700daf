"""Issue 17.5 and 17.6 on the real PostgreSQL and RabbitMQ, through the four services' public
APIs: a unit code is kept as sent (a non-canonical one refused) and found by it everywhere; an
inbox lists newest first, filters, pages and counts its unread notices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert

from services.hall import embedded
from shared.clock import HALL_TIMEZONE
from shared.service import ServiceRuntime, WorkerThreads
from tests.support import Namespace, bearer, wait_for

pytestmark = pytest.mark.integration
SERVICES = ("registry", "staffing", "inspection", "notification")
AUTHORITY = bearer("authority")
REGISTERED = "govhall.registry.unit.registered.v1"


@pytest.fixture
def clients(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> Iterator[dict[str, FlaskClient]]:
    apps: dict[str, Any] = {}
    workers = []
    for service in SERVICES:
        runtime(service).db.dispose()  # migrated by the owner role
        apps[service] = embedded.service_module(service).create_app(namespace.settings(service))
    try:
        for app in apps.values():
            worker = WorkerThreads(app.extensions["govhall"])
            workers.append(worker)
            worker.start()
            assert worker.wait_ready()
        yield {service: app.test_client() for service, app in apps.items()}
    finally:
        for worker in workers:
            worker.shutdown()
        for app in apps.values():
            app.extensions["govhall"].db.dispose()


def _unit(code: str) -> dict[str, str]:
    return {"code": code, "name": f"{code} 政务服务中心", "district": "河西区 Hexi"}


def _found(client: FlaskClient, path: str, headers: dict[str, str] = AUTHORITY) -> Any:
    answer = client.get(path, headers=headers)
    return answer.json if answer.status_code == 200 else None


def _ids(client: FlaskClient, query: str) -> list[str]:
    answer = client.get(f"/api/v1/notices?type={REGISTERED}&{query}", headers=AUTHORITY)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [n["subject"] for n in answer.json["items"]]


def test_codes_and_inboxes_through_the_four_services(clients: dict[str, FlaskClient]) -> None:
    registry, notification = clients["registry"], clients["notification"]
    refused = registry.post("/api/v1/units", json=_unit("U07"), headers=AUTHORITY)
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["code"]
    for code in ("u07", "u08", "u09"):
        answer = registry.post("/api/v1/units", json=_unit(code), headers=AUTHORITY)
        assert answer.status_code == 201 and answer.json["code"] == code

    for service in ("registry", "staffing", "inspection"):
        found = wait_for(lambda s=service: _found(clients[s], "/api/v1/units/u07"), 20)
        assert found["code"] == "u07", service
        assert clients[service].get("/api/v1/units/U07", headers=AUTHORITY).status_code == 404
    told = wait_for(lambda: _found(notification, "/api/v1/notices", bearer("unit", "u07")), 20)
    assert [n["recipient"] for n in told["items"]] == ["unit:u07"]

    # the authority's inbox: newest first, paged by (time, id), filtered, counted
    wait_for(lambda: len(_ids(notification, "")) == 3, 20)
    assert _ids(notification, "") == ["u09", "u08", "u07"]
    assert _ids(notification, "order=oldest") == ["u07", "u08", "u09"]
    seen, cursor = [], ""
    while True:
        page = notification.get(
            f"/api/v1/notices?type={REGISTERED}&limit=1{cursor}", headers=AUTHORITY
        ).json
        seen += [n["subject"] for n in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == ["u09", "u08", "u07"]
    newest = notification.get(f"/api/v1/notices?type={REGISTERED}&limit=1", headers=AUTHORITY)
    marked = notification.post(
        f"/api/v1/notices/{newest.json['items'][0]['id']}/read", headers=AUTHORITY
    )
    assert marked.status_code == 200
    assert _ids(notification, "read=true") == ["u09"]
    assert _ids(notification, "read=false") == ["u08", "u07"]
    today = datetime.now(HALL_TIMEZONE).date()
    assert _ids(notification, f"since={today}&until={today}") == ["u09", "u08", "u07"]
    assert _ids(notification, "until=2000-01-01") == []
    counted = notification.get("/api/v1/notices?read=true", headers=AUTHORITY).json
    assert counted["unread"] == 2


def test_notices_of_one_instant_page_newest_first_on_postgresql(
    clients: dict[str, FlaskClient],
) -> None:
    notification = clients["notification"]
    db = notification.application.extensions["govhall"].db
    instant = datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=UTC)
    rows = [
        {
            "recipient": "center",
            "channel": "inbox",
            "event_id": f"00000000-0000-4000-8000-{n:012d}",
            "event_type": REGISTERED,
            "subject": f"n{n}",
            "title_zh": f"通知 {n}",
            "title_en": f"notice {n}",
            "created_at": instant if n < 4 else instant + timedelta(microseconds=n),
        }
        for n in (5, 0, 2, 4, 1, 3)
    ]
    with db.session() as session:
        session.execute(insert(db.table("notices")), rows)
        session.commit()
    center = bearer("center")
    everything = notification.get("/api/v1/notices?limit=200", headers=center).json["items"]
    assert [n["subject"] for n in everything[:2]] == ["n5", "n4"]
    same = [n["id"] for n in everything[2:]]
    assert same == sorted(same, reverse=True) and len(same) == 4
    for order, expected in (("newest", everything), ("oldest", everything[::-1])):
        seen, cursor = [], ""
        while True:
            page = notification.get(
                f"/api/v1/notices?order={order}&limit=1{cursor}", headers=center
            ).json
            seen += [n["id"] for n in page["items"]]
            if not page["next_cursor"]:
                break
            cursor = f"&cursor={page['next_cursor']}"
        assert seen == [n["id"] for n in expected], order
