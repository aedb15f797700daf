"""Issue 16.3: nothing a stranger sends gives a 500. Shapes schemathesis does not generate by
itself, sent to every operation of every service's /openapi.json as a caller it admits:

- JSON nested 10,000 deep as the body: a 400 problem naming the body;
- a cursor that decodes to an object, or to a value of another type than the list hands out:
  a 422 naming `cursor` (or, for a value of the right type, a page);
- a lone surrogate, or a NUL character, in the body's strings and in the query's: a 422 naming
  the field;
- HEAD on every GET route: answered as GET is, never a 403 or a 405;
- a query parameter the operation does not declare: a 422 naming it.

An operation added tomorrow is covered by being in the document. One request per shape and
operation (a few per body), so the run stays within seconds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client, TestResponse

from services.hall.embedded import Hall
from shared import problems
from shared.config import SERVICES
from shared.pagination import encode_cursor
from tests.fuzz.openapi_walk import OPERATIONS, resolve
from tests.fuzz.test_fuzz import access_rules, callers, real_ids
from tests.support import bearer

DEEP = 10_000
UNKNOWN = "govhall_unknown"
# A cursor no list hands out: an object. And values that are a list's key or another's.
FOREIGN_CURSOR = encode_cursor({"a": 1})
OTHER_CURSORS = (encode_cursor(5), encode_cursor("5"), encode_cursor(["x", 1.5]), "NQ", "@@")
BAD_TEXTS = {"lone surrogate": "\ud800", "NUL": "a\x00b"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


# Query parameters that name an object of the demo hall, with a real one: optional in the
# document, but a probe of another parameter must not be refused for lack of them. The demo has
# two halls, so an assessment route without `hall` is a 422 naming it (EQ-3.2.2a, per hall).
DEMO_VALUES = {"hall": "tj-hall"}


def query_parameters(
    document: dict[str, Any], operation: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The operation's query parameters (name → schema), and a value for each required one (and
    each that names a demo object), so that a probe of one parameter is not refused for lack of
    another."""
    found, required = {}, {}
    for parameter in operation.get("parameters", ()):
        parameter = resolve(document, parameter)
        if parameter.get("in") == "query":
            schema = resolve(document, parameter.get("schema", {}))
            found[parameter["name"]] = schema
            if parameter.get("required"):
                required[parameter["name"]] = str(schema.get("enum", ["1"])[0])
            elif parameter["name"] in DEMO_VALUES:
                required[parameter["name"]] = DEMO_VALUES[parameter["name"]]
    return found, required


def json_body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    if not body:
        return None
    content = resolve(document, body).get("content", {}).get("application/json")
    return None if content is None else resolve(document, content.get("schema", {}))


def free_strings(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Members of an object schema that take any string (no enum, format or pattern)."""
    names = []
    for name, inner in schema.get("properties", {}).items():
        inner = resolve(document, inner)
        if inner.get("readOnly") or inner.get("type") != "string":
            continue
        if "enum" in inner or "format" in inner or "pattern" in inner:
            continue
        names.append(name)
    return names


def _problem(response: TestResponse) -> dict[str, Any] | None:
    if response.mimetype != problems.MEDIA_TYPE:
        return None
    body = response.get_json(silent=True)
    return body if isinstance(body, dict) else None


class Prober:
    def __init__(self, app: Flask, service: str, document: dict[str, Any]) -> None:
        self.client = Client(app)
        self.rules = access_rules(app)
        self.ids = real_ids(app)
        self.service = service
        self.document = document
        self.failures: list[str] = []

    def headers(self, method: str, path: str) -> dict[str, str] | None:
        admitted = callers(self.rules.get((method.upper(), path)))
        return admitted[-1] if admitted else None

    def url(self, path: str) -> str:
        values = self.ids.get(path, {})
        for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
            path = path.replace("{" + name + "}", str(values.get(name, 1)))
        return path

    def fail(self, where: str, response: TestResponse, expected: str) -> None:
        text = response.get_data(as_text=True)[:300]
        self.failures.append(f"{where}: {response.status_code}, expected {expected}: {text}")

    def refused(
        self, where: str, response: TestResponse, statuses: tuple[int, ...], field: str | None
    ) -> None:
        """`response` is a problem document with one of `statuses`, naming `field` if given."""
        body = _problem(response)
        if response.status_code not in statuses or body is None:
            self.fail(where, response, f"a problem document with status {statuses}")
        elif field is not None and field not in body.get("errors", {}):
            self.fail(where, response, f"a problem naming {field!r}")

    def never_5xx(self, where: str, response: TestResponse) -> None:
        if response.status_code >= 500 or (response.status_code >= 400 and not _problem(response)):
            self.fail(where, response, "no 5xx, and a problem document if an error")

    def probe(self, method: str, path: str, operation: dict[str, Any]) -> None:
        headers = self.headers(method, path)
        if headers is None:
            return
        url, where = self.url(path), f"{self.service} {method.upper()} {path}"
        send = getattr(self.client, method)

        response = send(url, headers=headers, query_string={UNKNOWN: "1"})
        self.refused(f"{where} ?{UNKNOWN}", response, (401, 403, 422), None)
        if response.status_code == 422:
            self.refused(f"{where} ?{UNKNOWN}", response, (422,), UNKNOWN)

        query, required = query_parameters(self.document, operation)
        if method == "get":
            got, head = send(url, headers=headers), self.client.head(url, headers=headers)
            if head.status_code != got.status_code:
                self.fail(f"{where} HEAD", head, f"{got.status_code} as GET answers")
        if "cursor" in query:
            response = send(
                url, headers=headers, query_string={**required, "cursor": FOREIGN_CURSOR}
            )
            self.refused(f"{where} ?cursor=<object>", response, (422,), "cursor")
            for cursor in OTHER_CURSORS:
                response = send(url, headers=headers, query_string={**required, "cursor": cursor})
                self.never_5xx(f"{where} ?cursor={cursor}", response)
                if response.status_code == 422 and "cursor" not in response.get_json()["errors"]:
                    self.fail(f"{where} ?cursor={cursor}", response, "a problem naming 'cursor'")
        for name, schema in query.items():
            if schema.get("type") != "string" or {"enum", "format"} & set(schema):
                continue
            # A query cannot carry a lone surrogate (werkzeug decodes bytes that are no UTF-8
            # into U+FFFD), but it can carry a NUL, which PostgreSQL's text refuses.
            response = send(url, headers=headers, query_string={**required, name: BAD_TEXTS["NUL"]})
            self.refused(f"{where} ?{name}=<NUL>", response, (422,), name)

        body = json_body_schema(self.document, operation)
        if body is None:
            return
        deep = "[" * DEEP + "]" * DEEP
        json_headers = {**headers, "Content-Type": "application/json"}
        response = send(url, headers=json_headers, data=deep)
        self.refused(f"{where} deep JSON", response, (400,), "body")
        strings = free_strings(self.document, body)
        for label, text in BAD_TEXTS.items():
            if not strings:
                break
            data = json.dumps({name: text for name in strings})
            response = send(url, headers=json_headers, data=data)
            self.refused(f"{where} <{label}>", response, (422,), strings[0])


@pytest.mark.parametrize("service", SERVICES)
def test_hostile_shapes_are_refused_naming_the_field(
    service: str, demo_hall: Hall, openapi_documents: dict[str, dict[str, Any]]
) -> None:
    document = openapi_documents[service]
    prober = Prober(demo_hall.apps[service], service, document)
    for method, path, operation in operations(document):
        prober.probe(method, path, operation)
    assert not prober.failures, f"{len(prober.failures)} failures:\n" + "\n".join(prober.failures)


# The cases of the issue, as they were found.


@pytest.fixture(scope="module")
def client(demo_hall: Hall) -> Client:
    return Client(demo_hall.wsgi())


def _refused(response: TestResponse, status: int, field: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == problems.MEDIA_TYPE
    assert field in response.get_json()["errors"], response.get_json()


def test_a_cursor_of_another_shape_is_refused_naming_it(client: Client) -> None:
    for cursor in ("eyJhIjogMX0", "NQ"):  # {"a": 1}; 5 where a unit's code belongs
        units = client.get(f"/registry/api/v1/units?cursor={cursor}", headers=bearer("center"))
        _refused(units, 422, "cursor")
    cases = client.get("/registry/api/v1/cases?cursor=eyJhIjogMX0", headers=bearer("center"))
    _refused(cases, 422, "cursor")


def test_an_unknown_query_parameter_is_refused_naming_it(client: Client) -> None:
    response = client.get("/registry/api/v1/cases?unit=nope", headers=bearer("center"))
    _refused(response, 422, "unit")
    assert "unit" in response.get_json()["detail"]


def test_deep_json_on_a_public_post_is_refused(client: Client) -> None:
    deep = "[" * DEEP + "]" * DEEP
    for body in (deep, '{"a": ' * DEEP + "1" + "}" * DEEP):
        response = client.post(
            "/inspection/api/v1/complaints", data=body, content_type="application/json"
        )
        _refused(response, 400, "body")


def test_a_lone_surrogate_in_a_name_is_refused_naming_it(client: Client) -> None:
    unit = {"code": "fuzz-surrogate", "name": "\ud800", "district": "D"}
    response = client.post("/registry/api/v1/units", json=unit, headers=bearer("authority"))
    _refused(response, 422, "name")
    assert (
        client.get("/registry/api/v1/units/fuzz-surrogate", headers=bearer("authority")).status_code
        == 404
    )


def test_head_is_answered_as_get_on_class_based_routes(client: Client) -> None:
    for role in ("center", "authority"):
        got = client.get("/registry/api/v1/units", headers=bearer(role))
        head = client.head("/registry/api/v1/units", headers=bearer(role))
        assert (head.status_code, head.get_data()) == (got.status_code, b"")
    assert client.head("/registry/api/v1/units").status_code == 401
