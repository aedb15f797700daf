"""/docs and /openapi.json without a browser: nothing from a CDN, a CSP, the prefix as the
server and the bearer scheme on every operation but the public ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask_smorest import Api
from werkzeug.test import Client

from services.hall import embedded
from services.hall.access_matrix import routes
from shared.web import ProblemApi
from tests import halls

SERVICES = ("registry", "staffing", "inspection", "notification")


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[embedded.Hall]:
    running = halls.build(tmp_path_factory.mktemp("docs") / "var", halls.own_settings())
    yield running
    for name in running.apps:
        running.runtime(name).db.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_the_docs_page_loads_everything_from_its_own_service(
    hall: embedded.Hall, service: str
) -> None:
    client = Client(hall.wsgi())
    page = client.get(f"/{service}/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html and "cdn" not in html
    assert "<script>" not in html  # no inline script: the CSP would refuse it
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe" not in csp
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert f"/{service}/docs/swagger-ui-bundle.js" in assets
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    spec_url = re.search(r'data-spec-url="([^"]+)"', html)
    assert spec_url and spec_url[1] == f"/{service}/openapi.json"


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_declares_its_prefix_and_the_bearer_scheme(
    hall: embedded.Hall, service: str
) -> None:
    document = Client(hall.wsgi()).get(f"/{service}/openapi.json").json
    assert document["servers"] == [{"url": f"/{service}"}]
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearer": []}]
    public = {
        (route.method.lower(), re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", route.rule))
        for route in routes({s: hall.apps[s] for s in SERVICES})
        if route.service == service and route.public
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            expected = [] if (method, path) in public else None
            assert operation.get("security") == expected, f"{method.upper()} {path}"


def test_called_directly_the_server_is_the_root(hall: embedded.Hall) -> None:
    document = hall.apps["registry"].test_client().get("/openapi.json").json
    assert document["servers"] == [{"url": "/"}]


def test_the_document_described_on_first_read_is_the_one_described_at_registration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Views are described when the document is first read (shared/web.py `ProblemApi`), by
    many threads at once in a web tier; the document must be the one flask-smorest builds when
    it describes each blueprint as it registers it."""
    monkeypatch.setattr(ProblemApi, "register_blueprint", Api.register_blueprint)
    eager = halls.build(tmp_path / "eager", halls.own_settings())
    monkeypatch.undo()
    lazy = halls.build(tmp_path / "lazy", halls.own_settings())
    for service in SERVICES:
        expected = eager.apps[service].test_client().get("/openapi.json").json
        app = lazy.apps[service]
        with ThreadPoolExecutor(4) as pool:
            reads = [pool.submit(app.test_client().get, "/openapi.json") for _ in range(4)]
            documents = [read.result().json for read in reads]
        assert all(document == expected for document in documents), service
    for built in (eager, lazy):
        for name in built.apps:
            built.runtime(name).db.dispose()
