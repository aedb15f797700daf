"""What a service is made of (`ServiceSpec`) and what one process holds of it (`ServiceRuntime`).

The web app, the worker, `govhall migrate` and the embedded mode all build on these two, so the
four services stay the same shape.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData

from shared import logs, metrics
from shared.config import Settings
from shared.consumer import EventWorker, Inbox, Subscriptions
from shared.db import Database, UnitOfWork
from shared.outbox import Relay, prune
from shared.workdays import HallCalendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    """A periodic job of the worker, e.g. deadlines; `run` returns how much it did."""

    name: str
    interval: float
    run: Callable[[ServiceRuntime], int]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    title: str
    description: str
    metadata: MetaData
    blueprints: Callable[[], Sequence[Any]]
    subscriptions: Subscriptions
    migrations: Path
    sweeps: tuple[Sweep, ...] = field(default=())
    pages: Callable[[], Sequence[Any]] = field(default=lambda: ())  # plain Flask blueprints
    gauges: tuple[metrics.BusinessGauge, ...] = field(default=())  # the hall's state, at scrape

    @property
    def source(self) -> str:
        return f"/govhall/{self.name}"


class ServiceRuntime:
    """One process's handle on a service: settings, database, calendar, inbox and relay."""

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.db = Database(settings.database_url, spec.metadata, settings.database_timeouts)
        self.calendar = HallCalendar.from_file(
            settings.calendar_file, on_unknown_year=_count_fallback
        )
        self.inbox = Inbox(self.db, settings, spec.subscriptions)
        logs.mask_secrets(settings.jwt_secret)

    def uow(self, **context: Any) -> UnitOfWork:
        # Events inherit the correlation id of what is being logged: a request, a sweep's round.
        context.setdefault("correlation_id", logs.current().get("correlation_id"))
        return UnitOfWork(self.db, source=self.spec.source, **context)

    def relay(self) -> Relay:
        return Relay(self.db, self.db.table("outbox"), self.settings)


def _count_fallback(year: int) -> None:
    metrics.CALENDAR_FALLBACK.labels(str(year)).inc()


def _prune_outbox(rt: ServiceRuntime) -> int:
    retention = timedelta(days=rt.settings.outbox_retention_days)
    return prune(rt.db, rt.db.table("outbox"), retention)


class WorkerThreads:
    """The worker's three jobs (relay, consumer, sweeps) on threads of one process."""

    def __init__(self, runtime: ServiceRuntime, *, relay: bool = True, consume: bool = True):
        self.runtime = runtime
        self.stop = threading.Event()
        self.consumer = EventWorker(runtime.inbox, runtime.settings) if consume else None
        self.relay = runtime.relay() if relay else None
        self.threads: list[threading.Thread] = []
        # Set once every sweep has run at least once: a test that moves the clock waits for it,
        # or the start-up round could act on the real day in the middle of the test's.
        self.swept_once = threading.Event()
        self._first_rounds_left = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        name = self.runtime.spec.name
        if self.consumer is not None:
            self._spawn(f"{name}-consumer", self.consumer.run)
        if self.relay is not None:
            relay = self.relay
            self._spawn(f"{name}-relay", lambda: relay.run_forever(self.stop))
            if self.runtime.db.url.startswith("postgresql"):
                self._spawn(f"{name}-relay-listener", lambda: relay.listen(self.stop))
        sweeps = [
            Sweep("retry-failed-events", 0.5, lambda rt: rt.inbox.retry_due()),
            Sweep("prune-outbox", 3600, _prune_outbox),
            *self.runtime.spec.sweeps,
        ]
        self._first_rounds_left = len(sweeps)
        # A thread per sweep: one stuck on a server that never answers (mail, a webhook
        # receiver) must not hold up the others (webhooks, retries of failed events, deadlines).
        for sweep in sweeps:
            self._spawn(f"{name}-sweep-{sweep.name}", functools.partial(self._sweep_loop, sweep))

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """True once the consumer has declared its queue (so nothing published is unrouted)."""
        return self.consumer is None or self.consumer.ready.wait(timeout)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        service = self.runtime.spec.name

        def run() -> None:
            with logs.context(service=service):
                target()

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _sweep_loop(self, sweep: Sweep) -> None:
        wait, first = 0.1, True
        while not self.stop.wait(wait):
            started = time.monotonic()
            with logs.context(sweep=sweep.name, correlation_id=str(uuid.uuid4())):
                try:
                    sweep.run(self.runtime)
                except Exception:
                    log.exception("sweep %s of %s failed", sweep.name, self.runtime.spec.name)
            if first:
                first = False
                with self._lock:
                    self._first_rounds_left -= 1
                    if self._first_rounds_left == 0:
                        self.swept_once.set()
            wait = max(started + sweep.interval - time.monotonic(), 0.01)

    def signal_stop(self) -> None:
        self.stop.set()
        if self.consumer is not None:
            self.consumer.should_stop = True

    def shutdown(self, timeout: float = 5.0) -> None:
        self.signal_stop()
        deadline = time.monotonic() + timeout  # for all threads together, however many
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
