"""Log lines of the running hall: an access line per request, one correlation id end to end."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from services.hall.embedded import Hall
from services.staffing.adapters import consumers as staffing_consumers
from shared import logs
from tests.support import bearer, wait_for

UNIT_REGISTERED = "govhall.registry.unit.registered.v1"


class Lines(logging.Handler):
    """Every line the hall logs, formatted as in production and parsed back."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logs.JsonFormatter())
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.text.append(self.format(record))

    def where(self, **fields: object) -> list[dict]:
        parsed = [json.loads(line) for line in list(self.text)]
        return [r for r in parsed if all(r.get(k) == v for k, v in fields.items())]


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler, root = Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_request_writes_one_access_line_with_its_ids_and_no_token(
    hall: Hall, lines: Lines
) -> None:
    headers = bearer("unit", "tj-hexi")
    response = Client(hall.wsgi()).get(
        "/staffing/api/v1/staff?limit=5&name=张三", headers={**headers, "X-Request-ID": "req-77"}
    )
    assert response.headers["X-Request-ID"] == "req-77"
    # No correlation id given: the request's own id stands in.
    assert response.headers["X-Correlation-ID"] == "req-77"

    (line,) = lines.where(logger="govhall.access", request_id="req-77")
    assert line["service"] == "staffing" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == "/staffing/api/v1/staff"
    assert line["status"] == response.status_code and line["duration_ms"] >= 0
    assert line["correlation_id"] == "req-77"
    assert line["actor"] == "unit:tj-hexi:test-unit"
    text = "\n".join(lines.text)
    token = headers["Authorization"].split()[1]
    assert token not in text and token.split(".")[1] not in text
    assert "张三" not in text and "limit=5" not in text


def test_an_insane_request_id_is_replaced_and_a_public_call_is_logged_as_public(
    hall: Hall, lines: Lines
) -> None:
    response = Client(hall.wsgi()).get("/registry/livez", headers={"X-Request-ID": "a b\tc"})
    request_id = response.headers["X-Request-ID"]
    assert request_id != "a b\tc" and logs.sane_id(request_id) == request_id
    (line,) = lines.where(logger="govhall.access", request_id=request_id)
    assert line["actor"] == "public" and line["status"] == 200


def test_a_correlation_id_travels_from_the_request_to_another_services_consumer(
    hall: Hall, lines: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    handled: list[tuple[str | None, str | None, str]] = []
    original = staffing_consumers.unit_registered

    def watching(uow, event) -> None:  # type: ignore[no-untyped-def]
        handled.append((uow.correlation_id, uow.causation_id, event.id))
        logging.getLogger("services.staffing.adapters.consumers").info(
            "learning unit %s", event.subject
        )
        original(uow, event)

    monkeypatch.setitem(staffing_consumers.SUBSCRIPTIONS, UNIT_REGISTERED, watching)
    client = Client(hall.wsgi())
    unit = {"code": "tj-logs", "name": "日志区政务服务中心", "district": "日志区"}
    created = client.post(
        "/registry/api/v1/units",
        json=unit,
        headers={**bearer("authority"), "X-Correlation-ID": "corr-from-client"},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["X-Correlation-ID"] == "corr-from-client"
    assert created.headers["X-Request-ID"] != "corr-from-client"

    registry = hall.runtime("registry")
    with registry.db.session() as session:
        bodies = session.execute(select(registry.db.table("outbox").c.body)).scalars().all()
    (event,) = [json.loads(b) for b in bodies if json.loads(b)["type"] == UNIT_REGISTERED]
    assert event["correlationid"] == "corr-from-client"
    assert event["actor"] == "authority:test-authority"

    wait_for(lambda: lines.where(logger="shared.consumer", service="staffing"), timeout=5)
    # What the staffing consumer emits carries the same correlation, caused by this event.
    assert handled == [("corr-from-client", event["id"], event["id"])]
    (own,) = lines.where(logger="services.staffing.adapters.consumers")
    (done,) = lines.where(logger="shared.consumer", service="staffing")
    for line in (own, done):
        assert line["correlation_id"] == "corr-from-client"
        assert line["event_id"] == event["id"] and line["event_type"] == UNIT_REGISTERED
        assert line["actor"] == "authority:test-authority"
    assert done["outcome"] == "applied" and done["message"].endswith(": applied")
