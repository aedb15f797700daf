"""RFC 9457 problem documents for every error a service answers.

Members: `type`, `title`, `status`, `detail`, plus `errors` (field → messages) and `rule` (a
docs/rules.md ID) where they apply. Installed on every app; flask-smorest's own error body is
replaced.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from shared.errors import DomainError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:govhall:problem:"
# What a client is told to wait when the database cannot be reached (a restart, a fail-over).
RETRY_AFTER_SECONDS = 2

_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal",
    503: "unavailable",
}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: dict[str, list[str]] | None = None,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or _SLUGS.get(status, "error")),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if rule:
        body["rule"] = rule
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any) -> dict[str, list[str]]:
    """webargs groups errors by location (json, query, headers); a client wants field names."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, dict):
        for location, fields in messages.items():
            walk(
                "" if location in ("json", "query", "form", "files", "headers") else location,
                fields,
            )
    else:
        walk("", messages)
    return flat


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    errors = flatten_messages(messages) if messages else None
    detail = data.get("message") or error.description
    if status == 422 and errors:
        detail = "The request has invalid fields: " + ", ".join(sorted(errors))
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    return problem(status, error.name, detail, errors=errors, headers=headers)


def from_domain_error(error: DomainError) -> Response:
    return problem(
        error.status,
        error.title,
        error.detail,
        slug=error.slug,
        errors=error.errors or None,
        rule=error.rule,
    )


def from_integrity_error(error: IntegrityError) -> Response:
    # A database constraint caught what a race (or an unchecked path) let through: the request
    # conflicts with data that exists, and nothing was written.
    log.info("constraint refused a write: %s", error.orig)
    return problem(409, "Conflict", "the request conflicts with existing data", slug="conflict")


def from_data_error(error: DataError) -> Response:
    # A value the schemas let through but a column cannot hold (too long, out of range): the
    # client's input, so a 422, never a 500; the transaction rolled back, nothing was written.
    log.warning("the database refused a value: %s", str(error.orig).strip()[:300])
    return problem(
        422,
        "Unprocessable content",
        "a value is too long or out of range for where it is kept",
    )


def database_unavailable(error: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection: worth a retry, not a bug."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def from_database_unavailable(error: BaseException) -> Response:
    # A database outage, not a bug: 503 at once with when to come back, never a 500 or a hang.
    # The unit of work rolled back, so nothing of the request was written.
    cause = getattr(error, "orig", None) or error
    log.warning("database unavailable: %s: %s", type(cause).__name__, str(cause).strip()[:300])
    return problem(
        503,
        "Service unavailable",
        "The database cannot be reached just now; nothing was changed. Try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _from_http_exception(error: HTTPException) -> Response:
    # A failure outside the view (an after_request hook) reaches us as a 500 wrapping it.
    original = getattr(error, "original_exception", None)
    if isinstance(error, InternalServerError) and database_unavailable(original):
        assert original is not None
        return from_database_unavailable(original)
    return from_http_exception(error)


def install(app: Flask) -> None:
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(IntegrityError, from_integrity_error)
    app.register_error_handler(DataError, from_data_error)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unavailable, from_database_unavailable)
    app.register_error_handler(HTTPException, _from_http_exception)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return _from_http_exception(error)
        if database_unavailable(error):
            return from_database_unavailable(error)
        log.exception("unhandled error")
        return problem(500, "Internal server error", "The error was logged.")
