"""/livez, /readyz and /metrics: the same on every service."""

from __future__ import annotations

import contextlib
import logging
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify

from shared import auth, broker, clock, problems, scrape
from shared.scrape import BusinessGauge
from shared.service import ServiceRuntime, runtime

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__)


class IsolatedBroker(RuntimeError):
    """memory:// outside the embedded mode: the broker "answers", but reaches no one."""


def broker_consumers(rt: ServiceRuntime) -> int | None:
    """Consumers on the service's queue, as the broker counts them (whichever process they run
    in); None on the in-memory broker, or for a service that consumes nothing. Raises when the
    broker cannot be reached."""
    if rt.settings.is_isolated:
        raise IsolatedBroker("memory:// reaches no other process; set BROKER_URL or `govhall up`")
    if rt.settings.is_memory_broker:
        return None
    connection = broker.connect(rt.settings)
    try:
        connection.connect()
        if not rt.spec.subscriptions:
            return None
        channel = connection.channel()
        try:
            declared = channel.queue_declare(queue=rt.settings.queue_name, passive=True)
        except connection.channel_errors:
            return 0  # no queue yet (NOT_FOUND): no worker has ever declared it
        finally:
            with contextlib.suppress(Exception):
                channel.close()
        return int(declared.consumer_count)
    finally:
        connection.release()


@blp.get("/livez")
@auth.public
def livez() -> Response:
    """Alive: the process answers. Checks no dependency, so a database outage restarts nothing;
    gunicorn's threads (shared/gunicorn_conf.py) answer it while others wait on the database."""
    return jsonify(status="ok", service=runtime().spec.name)


@blp.get("/readyz")
@auth.public
def readyz() -> tuple[Response, int]:
    """Ready when the database answers and the service's consumer is consuming; a broker
    outage is reported, not fatal."""
    rt = runtime()
    checks: dict[str, Any] = {}
    try:
        rt.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    consumers: int | None = None
    try:
        consumers = broker_consumers(rt)
        checks["broker"] = "ok"
    except IsolatedBroker as exc:
        checks["broker"] = f"isolated: {exc}"
    except Exception as exc:
        checks["broker"] = f"unreachable: {type(exc).__name__}"
    consuming = _consumer_check(rt, consumers)
    if consuming is not None:
        checks["consumer"] = consuming
    # The calendar's horizon (the latest open due date) is read from the database: with the
    # database failing, that second bounded try would stretch a probe of a silent database from
    # a ping and a connect (5 s) to 8 s. Without it the years are counted from today alone.
    if checks["database"] == "ok":
        provisional = provisional_years(rt)
    else:
        provisional = rt.calendar.provisional_years(clock.today(), None)
    checks["calendar"] = (
        {
            "status": "degraded",
            "provisional_years": provisional,
            "detail": f"no make-up working days known for {provisional}: counting "
            "Monday–Friday less the statutory holidays; add the State Council's schedule to "
            "the hall calendar file",
        }
        if provisional
        else "ok"
    )
    # Ready is "can answer requests": that takes the database, not the broker. Writes go to the
    # outbox and wait for it, so a broker outage must not take every web pod out of service;
    # it shows as "degraded" here, and in govhall_outbox_backlog and the broker alerts.
    # A consumer that is not consuming (its thread dead, its queue without consumers) is not
    # ready either: events stop flowing, silently, until someone looks.
    ready = checks["database"] == "ok" and checks.get("consumer", "ok") == "ok"
    degraded = checks["broker"] != "ok"
    body = {
        "status": ("degraded" if degraded else "ready") if ready else "unavailable",
        "service": rt.spec.name,
        "checks": checks,
    }
    if ready:
        return jsonify(body), 200
    response = jsonify(body)
    response.headers["Retry-After"] = str(problems.RETRY_AFTER_SECONDS)
    return response, 503


def _consumer_check(rt: Any, consumers: int | None) -> str | None:
    """ "ok", or why not; None when there is nothing to check (no subscriptions, or the
    in-memory broker without a worker in this process)."""
    if not rt.spec.subscriptions:
        return None
    worker = rt.consumer  # the worker's own consumer, when it runs in this process
    if worker is not None:
        return "ok" if worker.consuming.is_set() else "not consuming (this process's consumer)"
    if consumers is None:
        return None  # the broker unreachable (reported above), or the in-memory broker
    return "ok" if consumers > 0 else f"not consuming (no consumer on {rt.settings.queue_name})"


def provisional_years(rt: Any, session: Any = None) -> list[int]:
    """Years without make-up working days that the hall counts in or soon will: see
    HallCalendar.provisional_years; the horizon is the service's latest open due date."""
    return rt.calendar.provisional_years(clock.today(), _horizon(rt, session))


def _horizon(rt: Any, session: Any) -> date | None:
    read = rt.spec.calendar_horizon
    if read is None:
        return None
    if session is not None:
        return read(session)
    try:
        with rt.db.session() as own:
            return read(own)
    except Exception:
        log.warning("calendar horizon of %s unreadable", rt.spec.name, exc_info=True)
        return None


def _calendar_gauge(rt: Any) -> BusinessGauge:
    return BusinessGauge(
        "govhall_calendar_provisional_year",
        "1 for a year the hall counts in, or soon will (from 1 November, or an open due date), "
        "whose make-up working days neither chinese-calendar nor the hall calendar file knows",
        ("year",),
        lambda session: [((str(year),), 1.0) for year in provisional_years(rt, session)],
    )


@blp.get("/metrics")
@auth.public
def metrics_endpoint() -> Response:
    rt = runtime()
    return Response(
        scrape.exposition(rt.spec.name, rt.db, (*rt.spec.gauges, _calendar_gauge(rt))),
        mimetype="text/plain; version=0.0.4",
    )
