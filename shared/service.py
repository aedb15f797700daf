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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import MetaData

from shared import audit, audit_checkpoints, audit_sealer, logs, metrics, scrape
from shared.config import Settings
from shared.consumer import Inbox, Subscriptions
from shared.db import Database
from shared.event_worker import EventWorker
from shared.outbox import Relay, prune
from shared.reads import Reads
from shared.unit_of_work import UnitOfWork
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
    package: str  # the service's package (`__name__`): Flask's import name for its app
    sweeps: tuple[Sweep, ...] = field(default=())
    pages: Callable[[], Sequence[Any]] = field(default=lambda: ())  # plain Flask blueprints
    gauges: tuple[scrape.BusinessGauge, ...] = field(default=())  # the hall's state, at scrape
    # The latest day an open item of the service is due (e.g. an open case's due date): the
    # calendar reports a provisional year as soon as that horizon reaches it.
    calendar_horizon: Callable[[Any], date | None] | None = None

    @property
    def source(self) -> str:
        return f"/govhall/{self.name}"


class ServiceRuntime:
    """One process's handle on a service: settings, database, calendar, inbox and relay."""

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.keyring = audit.Keyring(settings.audit_key, settings.audit_keys)
        self.db = Database(
            settings.database_url,
            spec.metadata,
            settings.database_timeouts,
            audit_keyring=self.keyring,
            audit_inline=settings.audit_chain_inline,
        )
        self.calendar = HallCalendar.from_file(
            settings.calendar_file, on_unknown_year=_count_fallback
        )
        self.inbox = Inbox(self.db, settings, spec.subscriptions)
        self.reads = Reads(self.db)  # the lean read path of GETs that write nothing
        # The consumer, when this process runs it (the embedded mode): /readyz asks it directly.
        self.consumer: EventWorker | None = None
        logs.mask_secrets(settings.jwt_secret)
        logs.mask_secrets(settings.audit_key)

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


RESTART_FIRST_DELAY = 0.5
RESTART_MAX_DELAY = 30.0
RESTART_RESET_AFTER = 60.0


class WorkerThreads:
    """The worker's three jobs (relay, consumer, sweeps) on threads of one process."""

    def __init__(self, runtime: ServiceRuntime, *, relay: bool = True, consume: bool = True):
        self.runtime = runtime
        self.stop = threading.Event()
        self.consumer = EventWorker(runtime.inbox, runtime.settings) if consume else None
        if self.consumer is not None and runtime.spec.subscriptions:
            runtime.consumer = self.consumer
        self.relay = runtime.relay() if relay else None
        # Where the relay runs, the sealer runs: it chains the audit records writes left.
        self.sealer = (
            audit_sealer.Sealer(runtime.db) if relay and audit_sealer.sealing(runtime.db) else None
        )
        self.threads: list[threading.Thread] = []
        # Set once every sweep has run at least once: a test that moves the clock waits for it,
        # or the start-up round could act on the real day in the middle of the test's.
        self.swept_once = threading.Event()
        self.checkpoints = audit_checkpoints.Publisher()
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
        if self.sealer is not None:
            sealer = self.sealer
            self._spawn(f"{name}-audit-sealer", lambda: sealer.run_forever(self.stop))
        settings = self.runtime.settings
        sweeps = [
            Sweep("retry-failed-events", 0.5, lambda rt: rt.inbox.retry_due()),
            Sweep("prune-outbox", 3600, _prune_outbox),
            Sweep("audit-checkpoint", settings.audit_checkpoint_interval, self.checkpoints),
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
        job = name.removeprefix(f"{service}-")

        def run() -> None:
            with logs.context(service=service):
                self._supervise(job, target)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _supervise(self, job: str, target: Callable[[], None]) -> None:
        """Run a job until the worker stops; one that dies (any exception, even RecursionError)
        or returns early is logged, counted and started again after a growing pause, so one
        bad message or bug never leaves a worker process up with a job silently gone."""
        delay = RESTART_FIRST_DELAY
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                target()
            except Exception:
                log.exception("%s of %s died; restarting", job, self.runtime.spec.name)
            else:
                if self.stop.is_set():
                    return
                log.error("%s of %s stopped by itself; restarting", job, self.runtime.spec.name)
            metrics.WORKER_THREAD_RESTARTS.labels(self.runtime.spec.name, job).inc()
            if time.monotonic() - started > RESTART_RESET_AFTER:
                delay = RESTART_FIRST_DELAY  # it ran well for a while: a fresh failure
            if self.stop.wait(delay):
                return
            delay = min(delay * 2, RESTART_MAX_DELAY)

    def _sweep_loop(self, sweep: Sweep) -> None:
        wait, first = 0.0, True  # the first round at once: tests and `up` wait for it
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
        if self.relay is not None:
            self.relay.wakeup.set()  # it may be waiting out a long poll: let it see the stop
        if self.sealer is not None:
            self.sealer.wakeup.set()
        if self.consumer is not None:
            self.consumer.should_stop = True

    def shutdown(self, timeout: float = 5.0) -> None:
        self.signal_stop()
        deadline = time.monotonic() + timeout  # for all threads together, however many
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        self.last_checkpoint()

    def last_checkpoint(self) -> None:
        """The head as the worker leaves it, published (relayed now if this worker relays)."""
        if not self.threads:
            return
        with logs.context(service=self.runtime.spec.name, sweep="audit-checkpoint"):
            try:
                if self.checkpoints(self.runtime) and self.relay is not None:
                    self.relay.run_once()
            except Exception:
                log.exception("the last audit checkpoint of %s failed", self.runtime.spec.name)


def runtime() -> ServiceRuntime:
    """The runtime of the service answering the current request."""
    rt: ServiceRuntime = current_app.extensions["govhall"]
    return rt
