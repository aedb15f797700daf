"""Each service's /openapi.json, read from an app that needs no database to describe itself."""

from __future__ import annotations

import tempfile
from functools import cache
from typing import Any

from services.hall import embedded
from tests.support import TEST_SECRET


@cache
def openapi_document(service: str) -> dict[str, Any]:
    # Its var folder (keys it generates) is removed once the document is read.
    with tempfile.TemporaryDirectory(prefix=f"govhall-openapi-{service}-") as var:
        app = embedded.service_module(service).create_app(
            {
                "database_url": "sqlite://",
                "broker_url": "memory://",
                "var_dir": var,
                "jwt_secret": TEST_SECRET,
            }
        )
        response = app.test_client().get("/openapi.json")
    assert response.status_code == 200, f"{service}: {response.status_code}"
    document: dict[str, Any] = response.get_json()
    return document
