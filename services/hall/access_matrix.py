"""Who may call what, route by route, read from the code: docs/access-matrix.md.

Each view's `@auth.public` or `@auth.roles(...)` says who may call it. What the marks cannot say
is where a `unit` token is confined to its own unit (docs/architecture.md: anything else is
404); that is the two tables below, and tests/security/test_access_matrix.py proves them route
by route.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from shared import auth
from shared.config import SERVICES

# Path parameters naming an object that belongs to one unit, as (service, collection, name): the
# collection is the literal path before the parameter, less /api/v1 (see `Route.params`).
UNIT_OWNED = frozenset(
    {
        ("registry", "agreements", "agreement_id"),
        ("registry", "cases", "case_id"),
        ("registry", "enquiries", "enquiry_id"),
        ("registry", "slots", "slot_id"),
        ("registry", "units", "code"),
        ("registry", "windows", "window_id"),
        ("registry", "directory/windows", "window_id"),
        ("staffing", "absences", "absence_id"),
        ("staffing", "assessments/appeals", "appeal_id"),
        ("staffing", "assessments/staff", "staff_id"),
        ("staffing", "assessments/units", "unit_code"),
        ("staffing", "assessments/windows", "window_id"),
        ("staffing", "assignments", "assignment_id"),
        ("staffing", "attendance", "staff_id"),
        ("staffing", "chief-representatives", "unit_code"),
        ("staffing", "posts", "post_id"),
        ("staffing", "returns", "return_id"),
        ("staffing", "rotations", "rotation_id"),
        ("staffing", "seals", "seal_id"),
        ("staffing", "staff", "staff_id"),
        ("staffing", "units", "code"),
        ("inspection", "accountability-cases", "case_id"),
        ("inspection", "cases", "case_id"),
        ("inspection", "complaints", "complaint_id"),
        ("inspection", "draws", "draw_id"),
        ("inspection", "evaluations", "evaluation_id"),
        ("inspection", "findings", "finding_id"),
        ("inspection", "findings/evidence", "evidence_id"),
        ("inspection", "guidance-visits", "visit_id"),
        ("inspection", "rectifications", "task_id"),
        ("inspection", "sanctions", "sanction_id"),
        ("inspection", "sanctions/orders", "order_id"),
        ("inspection", "units", "code"),
        ("inspection", "windows", "window_id"),
        ("notification", "email/addresses", "inbox_key"),
        ("notification", "notices", "notice_id"),
    }
)

# Routes open to `unit` tokens where a unit sees what every reader sees (hall-wide data); on
# every other route open to them a unit token is confined to its own unit.
UNIT_WIDE = frozenset(
    {
        ("staffing", "GET", "/api/v1/assessment-schemes"),
        ("staffing", "GET", "/api/v1/assessments/<int:year>"),
        ("inspection", "GET", "/api/v1/rankings"),
    }
)

_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    rule: str
    access: Any  # auth.PUBLIC, a frozenset of roles, or None (undeclared: refused)

    @property
    def public(self) -> bool:
        return self.access == auth.PUBLIC

    @property
    def roles(self) -> frozenset[str]:
        return self.access if isinstance(self.access, frozenset) else frozenset()

    @property
    def params(self) -> list[tuple[str, str, str]]:
        """(service, collection, name) of each path parameter, in path order."""
        found: list[tuple[str, str, str]] = []
        literal: list[str] = []
        for segment in self.rule.removeprefix("/api/v1").strip("/").split("/"):
            match = _PARAM.fullmatch(segment)
            if match:
                found.append((self.service, "/".join(literal), match[1]))
            elif segment:
                literal.append(segment)
        return found

    @property
    def addresses_unit_object(self) -> bool:
        return any(param in UNIT_OWNED for param in self.params)

    @property
    def unit_scoped(self) -> bool:
        """A `unit` token may call it and sees or changes only its own unit's objects there."""
        if "unit" not in self.roles:
            return False
        return self.addresses_unit_object or (self.service, self.method, self.rule) not in UNIT_WIDE

    def who(self) -> str:
        if self.public:
            return "public"
        if not self.roles:
            return "nobody (no access rule)"
        return ", ".join(role for role in auth.ROLES if role in self.roles)


def routes(apps: Mapping[str, Flask]) -> list[Route]:
    """Every rule × method (HEAD and OPTIONS aside) of every service, in a stable order."""
    found = []
    for service in SERVICES:
        app = apps[service]
        for rule in app.url_map.iter_rules():
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                access = auth.declared_access(app, rule.endpoint, method)
                found.append(Route(service, method, rule.rule, access))
    return sorted(found, key=lambda r: (SERVICES.index(r.service), r.rule, r.method))


def service_apps() -> dict[str, Flask]:
    """The four apps, for their routes only: an in-memory database that is never touched."""
    from services.hall.embedded import service_module

    with tempfile.TemporaryDirectory() as var:
        settings = {
            "database_url": "sqlite://",
            "broker_url": "memory://",
            "jwt_secret": "access-matrix-only",
            "var_dir": var,
        }
        return {name: service_module(name).create_app(settings) for name in SERVICES}


HEADER = """\
# Access matrix

Generated from the code by `govhall access-matrix -o docs/access-matrix.md`: do not edit by hand.
Every route and method of every service, with who may call it as the view declares it
(`@auth.public` or `@auth.roles(...)`), and whether a `unit` token is confined there to its own
unit. `tests/security/test_access_matrix.py` calls every cell with every kind of caller.

- **public**: anyone, with or without a token. A token that is expired or badly signed is still
  401, here as everywhere.
- **roles**: a caller without a token gets 401; a token of a role not listed gets 403.
- **unit-scoped**: a `unit` token sees and changes only its own unit's windows, cases, staff and
  the rest; another unit's object is 404, not 403, so that ids do not leak, and lists leave
  other units' items out.
"""


def render(apps: Mapping[str, Flask] | None = None) -> str:
    found = routes(apps if apps is not None else service_apps())
    lines = [HEADER]
    public = sum(route.public for route in found)
    scoped = sum(route.unit_scoped for route in found)
    lines.append(
        f"{len(found)} route-methods: {public} public, {len(found) - public} with roles, "
        f"{scoped} unit-scoped.\n"
    )
    for service in SERVICES:
        lines += [f"## {service}\n", "| Method | Route | Who may call | Unit-scoped |"]
        lines.append("|---|---|---|---|")
        for route in found:
            if route.service == service:
                scoped_text = "yes" if route.unit_scoped else "no"
                lines.append(f"| {route.method} | `{route.rule}` | {route.who()} | {scoped_text} |")
        lines.append("")
    return "\n".join(lines)
