"""Readiness tells the truth about the database and the broker; liveness checks neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.registry import create_app
from shared.pg import BoundedConnection
from tests.support import TEST_SECRET

UNREACHABLE_DB = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1//"


def _app(tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    defaults = {"database_url": f"sqlite:///{tmp_path}/registry.db", "jwt_secret": TEST_SECRET}
    return create_app({**defaults, **config, "var_dir": str(tmp_path)})


def test_unreachable_broker_degrades_readiness_without_taking_the_service_out(
    tmp_path: Path,
) -> None:
    """Writes wait in the outbox while the broker is away: the web tier keeps serving."""
    client = _app(tmp_path, broker_url=UNREACHABLE_BROKER).test_client()
    assert client.get("/livez").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "degraded"
    assert ready.json["checks"]["database"] == "ok"
    assert ready.json["checks"]["broker"].startswith("unreachable")


def test_unreachable_database_is_not_ready_and_metrics_still_answer(tmp_path: Path) -> None:
    client = _app(tmp_path, database_url=UNREACHABLE_DB).test_client()
    assert client.get("/livez").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"].startswith("unreachable")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'govhall_database_up{service="registry"} 0.0' in metrics.get_data(as_text=True)


def test_a_failing_database_is_tried_once_per_readiness_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A probe of a silent database is bounded by one try (a ping, a connect): the calendar's
    horizon, also read from the database, must not add a second bounded wait to it."""
    tries: list[object] = []
    connect = BoundedConnection.connect

    def counted(*args: Any, **kwargs: Any) -> Any:
        tries.append(args)
        return connect(*args, **kwargs)

    monkeypatch.setattr(BoundedConnection, "connect", counted)
    ready = _app(tmp_path, database_url=UNREACHABLE_DB).test_client().get("/readyz")
    assert ready.status_code == 503
    assert len(tries) == 1
    assert "calendar" in ready.json["checks"]  # still checked, from today alone


def test_behind_a_trusted_proxy_links_keep_the_stripped_prefix(tmp_path: Path) -> None:
    """The Ingress strips `/registry` and says so in X-Forwarded-Prefix; only a service told
    that a proxy is there believes it."""
    prefixed = {"X-Forwarded-Prefix": "/registry"}
    behind = _app(tmp_path, forwarded_proxies=1).test_client().get("/docs", headers=prefixed)
    assert '"/registry/openapi.json"' in behind.get_data(as_text=True)
    document = (
        _app(tmp_path, forwarded_proxies=1).test_client().get("/openapi.json", headers=prefixed)
    )
    assert document.json["servers"] == [{"url": "/registry"}]  # "Try it out" keeps the prefix
    direct = _app(tmp_path).test_client().get("/docs", headers=prefixed)
    assert '"/openapi.json"' in direct.get_data(as_text=True)


def test_a_year_without_calendar_is_reported_not_failed(tmp_path: Path) -> None:
    from datetime import date

    app = _app(tmp_path)
    app.extensions["govhall"].calendar.add_workdays(date(2026, 12, 20), 20)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["calendar"]["status"] == "degraded"
    assert "2027" in ready.json["checks"]["calendar"]["detail"]


def test_unknown_routes_and_methods_are_problems(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/livez")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "GET" in wrong.headers["Allow"]


def test_the_in_memory_broker_outside_the_embedded_mode_is_not_called_ok(tmp_path: Path) -> None:
    """A web tier alone on memory:// reaches no worker: readiness must not say the broker is ok."""
    ready = _app(tmp_path, broker_url="memory://").test_client().get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "degraded"
    assert ready.json["checks"]["broker"].startswith("isolated: memory://")
    embedded = _app(tmp_path, broker_url="memory://", embedded=True).test_client()
    assert embedded.get("/readyz").json["checks"]["broker"] == "ok"
