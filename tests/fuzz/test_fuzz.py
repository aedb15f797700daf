"""Issue 11.1: schemathesis fuzzes every operation of every service's /openapi.json, in process
against the demo hall, as every caller the operation admits (each role's token, a `unit` token
for a demo unit; no token where it is public).

Every response must be no 5xx, have a documented status and content type, match its documented
schema, and, when it is an error, be an RFC 9457 problem document with type, title and status.

Path parameters take real ids of the demo hall where a list reveals them (known_ids.py), so the
requests reach the handlers and the domain rather than a 404 for a random id.

The run is deterministic (fixed seed, derandomized Hypothesis, no example database) and bounded:
GOVHALL_FUZZ_EXAMPLES cases per operation (default 25: about a minute and a half on two cores,
the demo hall's loading included); raise it for a deeper local run. There is no stateful phase:
the documents declare no OpenAPI links (test_documents_declare_no_links says so, and fails once
one does).
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.hall.embedded import Hall
from shared import auth, problems
from shared.config import SERVICES
from tests.fuzz.documents import openapi_document
from tests.fuzz.known_ids import known_ids
from tests.support import token

EXAMPLES = int(os.environ.get("GOVHALL_FUZZ_EXAMPLES", "25"))
SEED = 20261122
UNIT = "tj-hexi"  # a unit of the demo hall, with windows, staff and cases of its own

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        # The coverage phase sends dozens of boundary cases per operation whatever the budget.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)


@schemathesis.check
def problem_document(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """An error is `application/problem+json` with `type`, `title` and an integer `status`."""
    if response.status_code < 400:
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    assert media_type == problems.MEDIA_TYPE, f"error answered as {media_type!r}"
    body = response.json()
    assert isinstance(body, dict), "a problem document is a JSON object"
    missing = {"type", "title", "status"} - set(body)
    assert not missing, f"the problem document lacks {sorted(missing)}"
    assert body["status"] == response.status_code, "`status` differs from the HTTP status"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_document,
]


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@cache
def access_rules(app: Flask) -> dict[tuple[str, str], Any]:
    """(METHOD, OpenAPI path) → what the view declares: `auth.PUBLIC` or a set of roles."""
    declared: dict[tuple[str, str], Any] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in rule.methods or ():
            handler = getattr(view_class, method.lower(), None) if view_class else None
            access = getattr(handler, auth.ACCESS_ATTR, None) or getattr(
                view, auth.ACCESS_ATTR, None
            )
            declared[(method, _openapi_path(rule.rule))] = access
    return declared


@cache
def real_ids(app: Flask) -> dict[str, dict[str, Any]]:
    paths = [path for _, path in access_rules(app) if "{" in path]
    return known_ids(app, sorted(set(paths)))


def callers(access: Any) -> list[dict[str, str]]:
    """Headers of every caller the operation admits."""
    if access == auth.PUBLIC:
        admitted: list[str | None] = [None, *auth.ROLES]
    else:
        admitted = [role for role in auth.ROLES if role in (access or ())]
    return [
        {}
        if role is None
        else {"Authorization": f"Bearer {token(role, UNIT if role == 'unit' else None)}"}
        for role in admitted
    ]


def service_of(case: Case) -> str:
    title: str = case.operation.schema.raw_schema["info"]["title"]
    return next(s for s in SERVICES if openapi_document(s)["info"]["title"] == title)


@schemathesis.pytest.parametrize(
    **{
        service: schemathesis.openapi.from_dict(openapi_document(service), config=CONFIG)
        for service in SERVICES
    }
)
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_caller(case: Case, demo_hall: Hall) -> None:
    app = demo_hall.apps[service_of(case)]
    access = access_rules(app).get((case.method.upper(), case.path))
    assert access is not None, f"{case.method} {case.path} declares no access rule"
    case.path_parameters = {**(case.path_parameters or {}), **real_ids(app).get(case.path, {})}
    for headers in callers(access):
        case.call_and_validate(headers=headers, checks=CHECKS, app=app)


@pytest.mark.parametrize("service", SERVICES)
def test_documents_declare_no_links(
    service: str, openapi_documents: dict[str, dict[str, Any]]
) -> None:
    """Stateful fuzzing follows OpenAPI links; flask-smorest writes none and we declare none.
    When someone adds links, this fails: turn on the stateful phase above."""
    document = openapi_documents[service]
    links = [
        f"{method.upper()} {path} {status}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        for status, response in operation.get("responses", {}).items()
        if isinstance(response, dict) and response.get("links")
    ]
    assert not links, links
