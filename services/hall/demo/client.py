"""The demo's means: a client of the hall's HTTP API in-process, the hall's clock set back for a
step of the past, and the waits between steps."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.test import Client

from shared import auth, clock

if TYPE_CHECKING:
    from services.hall.embedded import Hall

log = logging.getLogger(__name__)


@contextmanager
def as_of(day: date) -> Iterator[None]:
    """The demo's past: the hall's clock set back while one step is taken, then restored."""
    today, now = clock.today, clock.now
    moment = datetime.combine(day, now().timetz())
    clock.today, clock.now = (lambda: day), (lambda: moment)
    try:
        yield
    finally:
        clock.today, clock.now = today, now


class DemoClient:
    """The hall's HTTP API in-process, failing loudly on anything unexpected."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.client = Client(hall.wsgi())
        settings = hall.runtime("registry").settings
        self.settings = settings
        self.secret = settings.jwt_secret

    def headers(self, role: str, unit: str | None = None) -> dict[str, str]:
        token = auth.issue_token(
            self.secret,
            role=role,
            unit=unit,
            sub=f"demo-{role}",
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
        )
        return {"Authorization": f"Bearer {token}"}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        role: str = "authority",
        unit: str | None = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:
        response = self.client.open(
            path, method=method, json=body, headers=self.headers(role, unit)
        )
        if response.status_code not in expect:
            raise RuntimeError(
                f"demo {method} {path}: {response.status_code} {response.get_data(as_text=True)}"
            )
        return response.json

    def publish(self, event_type: str, body: str) -> None:
        from kombu import Producer

        from shared import broker

        settings = self.hall.runtime("registry").settings
        with broker.connect(settings) as connection:
            Producer(connection.default_channel).publish(
                body, exchange=broker.events_exchange(settings), routing_key=event_type
            )


def step(what: str) -> None:
    log.info("loading the demo: %s…", what)


def settle(hall: Hall, timeout: float = 10.0) -> None:
    """Wait until every service has taken in the events so far (sanctions suspend
    windows before cases are accepted at them): no outbox holds an unsent event, and no
    consumer has a message queued or in hand, with nothing published while we looked."""
    import time

    from shared.broker import PUBLISHED

    queues = [hall.runtime(name).settings.queue_name for name in hall.apps]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = PUBLISHED.count
        # Consumers idle first, then the outboxes, then idle again with no publish between: no
        # consumer can have written to an outbox after it was looked at.
        if (
            PUBLISHED.idle(queues)
            and _outboxes_empty(hall)
            and PUBLISHED.count == seen
            and PUBLISHED.idle(queues)
        ):
            return
        time.sleep(0.02)
    log.warning("the demo's events had not all settled after %.0f s; going on", timeout)


def _outboxes_empty(hall: Hall) -> bool:
    from shared.outbox import backlog

    for name in hall.apps:
        rt = hall.runtime(name)
        with rt.db.read_session() as session:
            if backlog(session, rt.db.table("outbox"))[0]:
                return False
    return True
