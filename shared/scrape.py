"""What a scrape of a service reads from its database: the outbox backlog, the dead letters and
the hall's own gauges, read at scrape time so they are right whichever process answers (under
gunicorn the web workers and the worker share no memory). The process's own counters and
histograms are in shared/metrics.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import Database
from shared.outbox import backlog

log = logging.getLogger(__name__)


Samples = Iterable[tuple[Sequence[str], float]]


@dataclass(frozen=True)
class BusinessGauge:
    """A gauge of the hall's state (open windows, sanctions in force, …), read from the service's
    database at scrape time: right whichever process answers, and never out of step with it.
    `read` gives (label values, value) pairs; label values it omits are reported as 0."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[Session], Samples]
    known: tuple[tuple[str, ...], ...] = ()  # label values always reported, 0 when absent


class DatabaseCollector(Collector):
    """Gauges read from the service's database at scrape time."""

    def __init__(self, service: str, db: Database, gauges: Sequence[BusinessGauge] = ()) -> None:
        self.service = service
        self.db = db
        self.gauges = gauges

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "govhall_outbox_backlog", "Events written but not yet published", labels=["service"]
        )
        age = GaugeMetricFamily(
            "govhall_outbox_oldest_age_seconds",
            "Age of the oldest unpublished event (0 when none)",
            labels=["service"],
        )
        dead = GaugeMetricFamily(
            "govhall_dead_letters",
            "Events kept as dead letters or awaiting retry",
            labels=["service", "status"],
        )
        up = GaugeMetricFamily(
            "govhall_database_up",
            "1 when the service's database answered the scrape",
            labels=["service"],
        )
        failed = self.db.table("failed_events")
        try:
            with self.db.session() as session:
                count, oldest = backlog(session, self.db.table("outbox"))
                by_status: dict[str, int] = dict(
                    session.execute(
                        select(failed.c.status, func.count()).group_by(failed.c.status)
                    ).all()
                )
                business = [_family(gauge, gauge.read(session)) for gauge in self.gauges]
        except Exception:
            log.warning("metrics: %s database unreachable", self.service, exc_info=True)
            up.add_metric([self.service], 0)
            yield up
            return
        up.add_metric([self.service], 1)
        yield up
        pending.add_metric([self.service], count)
        seconds = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        age.add_metric([self.service], max(seconds, 0.0))
        for status in ("retrying", "dead"):
            dead.add_metric([self.service, status], by_status.get(status, 0))
        yield pending
        yield age
        yield dead
        yield from business


def _family(gauge: BusinessGauge, samples: Samples) -> GaugeMetricFamily:
    values = dict.fromkeys(gauge.known, 0.0)
    for labels, value in samples:
        values[tuple(str(label) for label in labels)] = float(value)
    family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
    for labels, value in sorted(values.items()):
        family.add_metric(list(labels), value)
    return family


def exposition(service: str, db: Database, gauges: Sequence[BusinessGauge] = ()) -> bytes:
    """The text a scrape of this service gets."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process_metrics = generate_latest(registry)
    else:
        process_metrics = generate_latest(REGISTRY)
    own = CollectorRegistry(auto_describe=False)
    own.register(DatabaseCollector(service, db, gauges))
    return process_metrics + generate_latest(own)
