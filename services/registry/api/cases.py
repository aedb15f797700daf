"""Cases (EQ-4.3, EQ-4.4b–d), public tracking, and electronic supervision's list (EQ-1.4)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.registry.domain.cases import CHAIN, Stage, Warning
from services.registry.handlers import case_reading, cases, supervision
from shared import auth, limits
from shared.errors import Forbidden, Invalid
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import require_principal, runtime, unit_of_work, unit_scope, with_etag

blp = Blueprint(
    "cases",
    __name__,
    url_prefix="/api/v1/cases",
    description="Cases through the full chain in the hall (EQ-4.3)",
)
tracking_blp = Blueprint(
    "tracking",
    __name__,
    url_prefix="/api/v1/tracking",
    description="The public tracks a case by receipt number and query code",
)
warnings_blp = Blueprint(
    "case-warnings",
    __name__,
    url_prefix="/api/v1/case-warnings",
    description="Electronic supervision: warned cases (EQ-1.4)",
)

READERS = ("authority", "center", "inspector", "unit")
Staff = fields.String(
    required=True,
    validate=validate.Length(min=1, max=63),
    metadata={"description": "the staff member who takes the step"},
)


class CaseIn(Schema):
    window_id = fields.Integer(required=True)
    matter_code = fields.String(required=True)
    applicant = fields.String(required=True, validate=validate.Length(min=1, max=200))
    staff_id = Staff
    assisted_by = fields.String(load_default="", metadata={"description": "EQ-4.4d 代办帮办"})
    accepted_on = fields.Date(
        load_default=None,
        metadata={
            "description": "center only, and then required: the day a case was accepted "
            "earlier (a paper case taken during an outage, a case brought over from an old "
            "system); not in the future, not before the agreement delegated the matter or the "
            "matter was published. The clock runs from it; the audit trail keeps who recorded it"
        },
    )


class StepIn(Schema):
    stage = fields.String(required=True, validate=validate.OneOf([s.value for s in CHAIN[1:]]))
    staff_id = Staff
    note = fields.String(load_default="")


class RefusalIn(Schema):
    reason = fields.String(required=True)
    staff_id = Staff


class SupplementIn(Schema):
    materials = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    staff_id = Staff


class StaffIn(Schema):
    staff_id = Staff


class ExtensionIn(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))
    reason = fields.String(required=True)
    staff_id = Staff


class StageOut(Schema):
    stage = fields.String()
    staff_id = fields.String()
    at = fields.DateTime()
    on = fields.Date()
    note = fields.String()


class CaseOut(Schema):
    id = fields.Integer()
    receipt_number = fields.String()
    query_code = fields.String(metadata={"description": "shown once, at acceptance"})
    window_id = fields.Integer()
    unit_code = fields.String()
    matter_code = fields.String()
    matter_version = fields.Integer()
    applicant = fields.String()
    stage = fields.String()
    accepted_on = fields.Date()
    due_on = fields.Date()
    stage_due_on = fields.Date(allow_none=True)
    limit_days = fields.Integer()
    extension_days = fields.Integer()
    extension_allowance = fields.Integer()
    extension_reasons = fields.List(fields.String())
    paused = fields.Boolean()
    pauses = fields.List(fields.Dict())
    supplement = fields.List(fields.String())
    refusal_reason = fields.String()
    assisted_by = fields.String()
    warning = fields.String()
    stage_overrun = fields.Boolean()
    version = fields.Integer()
    history = fields.List(fields.Nested(StageOut))


class CasePage(Schema):
    items = fields.List(fields.Nested(CaseOut))
    next_cursor = fields.String(allow_none=True)


class CaseQuery(PageQuery):
    window_id = fields.Integer(load_default=None)
    matter_code = fields.String(load_default=None)
    unit_code = fields.String(load_default=None)
    stage = fields.String(load_default=None, validate=validate.OneOf([s.value for s in Stage]))
    warning = fields.String(load_default=None, validate=validate.OneOf([w.value for w in Warning]))
    open = fields.Boolean(load_default=None)


def _etag(view: dict[str, Any], status: int = 200) -> Any:
    return with_etag(view, view["version"], status)


def _acceptor(body: dict[str, Any]) -> str | None:
    """The unit a case is accepted for (None: the center, at any window). Only the center
    records an earlier acceptance date; it records nothing else."""
    who = require_principal()
    if who.role == "center":
        if body.get("accepted_on") is None:
            raise Invalid(
                "the center records cases accepted earlier: name the day in accepted_on; "
                "a case accepted today is recorded by its unit",
                field="accepted_on",
            )
        return None
    if body.get("accepted_on") is not None:
        raise Forbidden("only the center records an earlier acceptance date", field="accepted_on")
    return _unit()


def _unit() -> str:
    unit = require_principal().unit
    if unit is None:
        raise Forbidden("a unit token names its unit")
    return unit


@blp.route("")
class Cases(MethodView):
    @auth.roles("unit", "center")
    @blp.arguments(CaseIn)
    @blp.response(201, CaseOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Accept a case at one of the unit's windows; the answer carries the receipt number
        and the query code the applicant tracks it with. The center (only) records a case
        accepted on an earlier day, with `accepted_on`."""
        return _etag(cases.accept(unit_of_work(), runtime().calendar, _acceptor(body), body), 201)

    @auth.roles(*READERS)
    @blp.arguments(CaseQuery, location="query")
    @blp.response(200, CasePage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Cases in id order, filtered; a unit token sees only its own unit's."""
        limit = query.pop("limit")
        after = decode_cursor(query.pop("cursor"), int) or 0
        rows = case_reading.list_cases(
            unit_of_work(),
            unit=unit_scope(),
            filters=query,
            after=after,
            limit=limit + 1,
            calendar=runtime().calendar,
        )
        _applicants_read(rows[:limit])
        return page(rows, limit, key=lambda row: row["id"])


def _applicants_read(shown: list[dict[str, Any]]) -> None:
    # The applicant's name is personal data: who saw it, and when, goes to the audit trail.
    unit_of_work().record_reads([f"case:{case['id']}" for case in shown], ["applicant"])


@blp.route("/<int:case_id>")
class CaseById(MethodView):
    @auth.roles(*READERS)
    @blp.response(200, CaseOut)
    def get(self, case_id: int) -> Any:
        case = case_reading.get(unit_of_work(), case_id, unit_scope(), runtime().calendar)
        _applicants_read([case])
        return _etag(case)


def _action(name: str, schema: type[Schema], run: Any, doc: str) -> None:
    class Action(MethodView):
        @auth.roles("unit")
        @blp.arguments(schema)
        @blp.response(200, CaseOut)
        def post(self, body: dict[str, Any], case_id: int) -> Any:
            return _etag(run(case_id, body))

    Action.post.__doc__ = doc
    # The class, not `.as_view()`: flask-smorest documents a MethodView's methods only from it.
    blp.add_url_rule(f"/<int:case_id>/{name}", endpoint=name.replace("-", "_"), view_func=Action)


def _register_actions() -> None:
    cal = lambda: runtime().calendar  # noqa: E731
    _action(
        "steps",
        StepIn,
        lambda i, b: cases.advance(unit_of_work(), cal(), i, unit_scope(), b),
        "Take the next step of the chain (EQ-4.3), recorded with the staff member.",
    )
    _action(
        "refusal",
        RefusalIn,
        lambda i, b: cases.refuse(unit_of_work(), i, unit_scope(), b),
        "Refuse the case with written reasons (EQ-4.3).",
    )
    _action(
        "supplement-request",
        SupplementIn,
        lambda i, b: cases.request_supplement(unit_of_work(), i, unit_scope(), b),
        "Tell the applicant every missing material, once (EQ-4.4b); the clock pauses.",
    )
    _action(
        "supplement-received",
        StaffIn,
        lambda i, b: cases.supplement_received(unit_of_work(), cal(), i, unit_scope(), b),
        "The materials arrived: the clock runs again, the due date moves by the pause.",
    )
    _action(
        "extension",
        ExtensionIn,
        lambda i, b: cases.extend(unit_of_work(), cal(), i, unit_scope(), b),
        "Extend within the matter's allowance, with a reason (EQ-4.4c).",
    )
    _action(
        "assistance",
        StaffIn,
        lambda i, b: cases.assist(unit_of_work(), i, unit_scope(), b),
        "Record agency assistance (代办帮办) by a staff member (EQ-4.4d).",
    )


_register_actions()


class TrackingQuery(Schema):
    receipt_number = fields.String(required=True)
    query_code = fields.String(required=True)


class TrackingOut(Schema):
    receipt_number = fields.String()
    matter_code = fields.String()
    matter_name_zh = fields.String()
    matter_name_en = fields.String()
    stage = fields.String()
    accepted_on = fields.Date()
    due_on = fields.Date()
    paused = fields.Boolean()
    supplement = fields.List(fields.String())
    refusal_reason = fields.String()
    history = fields.List(fields.Dict())


@tracking_blp.route("")
class Tracking(MethodView):
    @limits.public("tracking", receipt=("args", "receipt_number"), lockout=True)
    @auth.public
    @tracking_blp.arguments(TrackingQuery, location="query")
    @tracking_blp.response(200, TrackingOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Where a case stands; a wrong number or code is a 404 that tells nothing more."""
        return case_reading.track(
            unit_of_work(), query["receipt_number"], query["query_code"], runtime().calendar
        )


class WarningQuery(PageQuery):
    level = fields.String(load_default=None, validate=validate.OneOf(["yellow", "red"]))
    unit_code = fields.String(load_default=None)
    window_id = fields.Integer(load_default=None)


@warnings_blp.route("")
class CaseWarnings(MethodView):
    @auth.roles("center", "authority", "inspector")
    @warnings_blp.arguments(WarningQuery, location="query")
    @warnings_blp.response(200, CasePage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Open cases due soon (yellow), overdue (red) or stuck in a step."""
        rows = supervision.warnings(
            unit_of_work(),
            level=query["level"],
            unit=query["unit_code"],
            window_id=query["window_id"],
            after=decode_cursor(query["cursor"], int) or 0,
            limit=query["limit"] + 1,
        )
        _applicants_read(rows[: query["limit"]])
        return page(rows, query["limit"], key=lambda row: row["id"])
