"""/livez, /readyz and /metrics: the same on every service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from shared import auth, metrics, problems
from shared.web import broker_reachable, runtime

blp = Blueprint("health", __name__)


@blp.get("/livez")
@auth.public
def livez() -> Response:
    """Alive: the process answers. Checks no dependency, so a database outage restarts nothing;
    gunicorn's threads (shared/gunicorn_conf.py) answer it while others wait on the database."""
    return jsonify(status="ok", service=runtime().spec.name)


@blp.get("/readyz")
@auth.public
def readyz() -> tuple[Response, int]:
    """Ready when the database answers; a broker outage is reported, not fatal."""
    rt = runtime()
    checks: dict[str, Any] = {}
    for name, probe in (("database", rt.db.ping), ("broker", lambda: broker_reachable(rt))):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unreachable: {type(exc).__name__}"
    unknown = sorted(rt.calendar.unknown_years_used)
    checks["calendar"] = (
        {"status": "degraded", "detail": f"no calendar for {unknown}: counting Monday–Friday"}
        if unknown
        else "ok"
    )
    # Ready is "can answer requests": that takes the database, not the broker. Writes go to the
    # outbox and wait for it, so a broker outage must not take every web pod out of service;
    # it shows as "degraded" here, and in govhall_outbox_backlog and the broker alerts.
    ready = checks["database"] == "ok"
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


@blp.get("/metrics")
@auth.public
def metrics_endpoint() -> Response:
    rt = runtime()
    return Response(
        metrics.exposition(rt.spec.name, rt.db, rt.spec.gauges),
        mimetype="text/plain; version=0.0.4",
    )
