"""Errors the domain raises, each carrying an HTTP status and, where one applies, a rule ID.

Plain Python: domain code raises these without knowing about HTTP; the web adapter turns them
into RFC 9457 problem documents (``shared.problems``).
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        self.errors = dict(errors or {})
        if field:
            self.errors.setdefault(field, []).append(detail)


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class StateConflict(Conflict):
    """A step taken out of order: the request is well formed but the resource is not in a state
    that allows it (a case already delivered, an order already verified, a window not active).
    Every service answers it alike: 409 with this problem type (docs/errors.md), naming the rule
    that orders the steps where one does."""

    slug = "state-conflict"
    title = "Not allowed in the current state"


class RuleViolation(DomainError):
    """A request that is well formed but breaks a rule of the hall (docs/rules.md)."""

    status = 422
    slug = "rule-violation"
    title = "Refused by a rule"


class Invalid(DomainError):
    status = 422
    slug = "validation"
    title = "Invalid request"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class PreconditionFailed(DomainError):
    """If-Match named a version that is no longer current: reload before changing."""

    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


def member_of(
    kind: type[E],
    value: str,
    *,
    field: str,
    detail: str,
    rule: str | None = None,
    error: type[DomainError] = Invalid,
) -> E:
    """`kind(value)`, or `error` naming the field and the rule: the domain, not the request
    schema, refuses a value outside an enumeration, so the refusal can cite its rule."""
    try:
        return kind(value)
    except ValueError:
        raise error(detail, rule=rule, field=field) from None
