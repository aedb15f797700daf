"""Headers every answer carries: nosniff everywhere, no-store on what a token opened, and
`WWW-Authenticate: Bearer` on every 401 (RFC 6750)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from werkzeug.test import Client

from shared import auth
from tests import halls
from tests.support import TEST_SECRET, bearer

SERVICES = ("registry", "staffing", "inspection", "notification")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """One hall for the module, its workers never started: headers need no events."""
    hall = halls.build(tmp_path_factory.mktemp("headers") / "var", halls.own_settings())
    yield Client(hall.wsgi())
    for name in hall.apps:
        hall.runtime(name).db.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nowhere",
        "/registry/",
        "/registry/docs",
        "/registry/openapi.json",
        "/staffing/livez",
        "/inspection/readyz",
        "/notification/metrics",
        "/registry/api/v1/nothing-here",
        "/staffing/api/v1/staff",
    ],
)
def test_every_answer_says_nosniff(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.status


@pytest.mark.parametrize("service", SERVICES)
def test_authenticated_answers_are_not_stored(client: Client, service: str) -> None:
    response = client.get(f"/{service}/api/v1/dead-letters", headers=bearer("authority"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    refused = client.get(f"/{service}/api/v1/dead-letters", headers=bearer("integrator"))
    assert refused.status_code == 403 and refused.headers["Cache-Control"] == "no-store"


def test_public_answers_stay_cacheable(client: Client) -> None:
    assert "no-store" not in client.get("/registry/").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/registry/livez").headers.get("Cache-Control", "")


@pytest.mark.parametrize("service", SERVICES)
def test_every_401_says_bearer(client: Client, service: str) -> None:
    path = f"/{service}/api/v1/dead-letters"
    missing = client.get(path)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="govhall"'
    assert missing.headers["Cache-Control"] == "no-store"
    expired = auth.issue_token(TEST_SECRET, role="authority", ttl=timedelta(seconds=-5))
    for header in (f"Bearer {expired}", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"):
        refused = client.get(path, headers={"Authorization": header})
        assert refused.status_code == 401, header
        challenge = refused.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
