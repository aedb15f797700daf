"""The Prometheus metrics every service exports.

Under gunicorn the web workers and the worker process write to PROMETHEUS_MULTIPROC_DIR, which
must be set before this module is imported (`govhall serve` does it). Gauges that describe the
database (outbox backlog, dead letters) are read at scrape time by `DatabaseCollector`, so they
are right whichever process answers the scrape.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import Database
from shared.outbox import backlog

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "govhall_http_requests_total",
    "HTTP requests answered, by endpoint rule and status",
    ["service", "method", "endpoint", "status"],
)
HTTP_ERRORS = Counter(
    "govhall_http_errors_total",
    "HTTP requests answered with a 5xx status",
    ["service", "method", "endpoint"],
)
HTTP_DURATION = Histogram(
    "govhall_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint rule",
    ["service", "method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RATE_LIMITED = Counter(
    "govhall_rate_limited_total",
    "Public requests refused with a 429, by named limit (`<name>_lockout`: wrong codes)",
    ["service", "limit"],
)
EVENTS_PUBLISHED = Counter(
    "govhall_events_published_total", "Events the relay published", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "govhall_events_consumed_total",
    "Events a consumer took in, by outcome (applied, duplicate, ignored)",
    ["service", "type", "outcome"],
)
EVENTS_RETRIED = Counter(
    "govhall_events_retried_total", "Failed event handlings scheduled again", ["service", "type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "govhall_events_dead_lettered_total",
    "Events given up after the last attempt, or undecodable",
    ["service", "type"],
)
UNDECODABLE_MESSAGES = Counter(
    "govhall_undecodable_messages_total",
    "Messages a consumer could not take as events, by class: not_utf8, not_json, too_large, "
    "too_deep, bad_envelope, unknown_encoding; not_storable when even the sanitised dead letter "
    "could not be written and the message went to the broker's dead-letter exchange",
    ["service", "reason"],
)
WORKER_THREAD_RESTARTS = Counter(
    "govhall_worker_thread_restarts_total",
    "Worker threads (consumer, relay, sweeps) that died and were started again",
    ["service", "thread"],
)
RELAY_FAILURES = Counter(
    "govhall_outbox_relay_failures_total", "Relay batches that failed to publish", ["service"]
)
CALENDAR_FALLBACK = Counter(
    "govhall_calendar_unknown_year_days_total",
    "Days judged by the statutory holidays alone (Monday–Friday less them) because neither "
    "chinese-calendar nor the hall calendar file knows their year's make-up working days",
    ["year"],
)


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
