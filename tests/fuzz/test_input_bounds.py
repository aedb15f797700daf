"""Issue 11.5: nothing a client sends is unbounded. Every string a request body or query may
carry has a maxLength (unless an enum or a date, date-time or uuid format bounds it) and every
array a maxItems; the schemas' validators enforce what the document says (shared/schemas.py)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.config import SERVICES
from tests.fuzz.openapi_walk import request_schemas, unbounded


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_string_and_list_is_bounded(
    service: str, openapi_documents: dict[str, dict[str, Any]]
) -> None:
    document = openapi_documents[service]
    found = [
        problem
        for where, schema in request_schemas(document)
        for problem in unbounded(document, schema, where)
    ]
    assert not found, f"{len(found)} unbounded inputs:\n" + "\n".join(found)
