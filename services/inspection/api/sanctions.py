"""The sanctions ladder (TJ-8.1, TJ-8.2): interviews, notices and rectification orders,
suspensions and terminations, and each window's history of them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.domain import sanctions as rules
from services.inspection.handlers import sanction_orders, sanctions_read
from services.inspection.handlers import sanctions as handlers
from shared import auth
from shared.pagination import PageQuery, decode_id_cursor, page
from shared.schemas import TEXT_MAX, Schema
from shared.web import runtime, unit_of_work, unit_scope

sanctions_blp = Blueprint(
    "sanctions",
    __name__,
    url_prefix="/api/v1/sanctions",
    description="The sanctions ladder: interview, notice and rectification order, suspension, "
    "termination (TJ-8.1, TJ-8.2)",
)
history_blp = Blueprint(
    "window-sanctions",
    __name__,
    url_prefix="/api/v1/windows",
    description="A window's history of sanctions, in one query",
)
READERS = ("authority", "center", "inspector", "unit", "integrator")
TEXT = validate.Length(min=1, max=TEXT_MAX)
IDS = {"load_default": list, "metadata": {"description": "ids at this window"}}


class Grounds(Schema):
    window_id = fields.Integer(required=True)
    findings = fields.List(fields.Integer(), **IDS)  # type: ignore[arg-type]
    complaints = fields.List(fields.Integer(), **IDS)  # type: ignore[arg-type]
    proposal_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "the proposal it settles"}
    )


class Person(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in rules.Role]))


class InterviewIn(Grounds):
    basis = fields.String(load_default=rules.PROBLEMS)
    interviewed = fields.List(fields.Nested(Person), required=True)
    held_on = fields.Date(required=True)
    minutes = fields.String(required=True, validate=TEXT)
    reason = fields.String(load_default=None, metadata={"description": "default: the minutes"})
    corrects_id = fields.Integer(load_default=None, allow_none=True)


class OrderIn(Grounds):
    basis = fields.String(load_default=rules.PROBLEMS)
    problems = fields.String(required=True, validate=TEXT)
    days = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "working days; default SANCTION_RECTIFICATION_DAYS, 10"},
    )
    corrects_id = fields.Integer(load_default=None, allow_none=True)


class OrderReportIn(Schema):
    summary = fields.String(required=True, validate=TEXT)


class OrderVerificationIn(Schema):
    accepted = fields.Boolean(required=True)
    note = fields.String(load_default="", metadata={"description": "required when rejected"})


class SuspensionIn(Grounds):
    basis = fields.String(load_default=rules.SERIOUS)
    reason = fields.String(required=True, validate=TEXT)
    order_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "the order whose verification lifts it; default: a new one"},
    )
    days = fields.Integer(load_default=None, allow_none=True)


class TerminationIn(Schema):
    window_id = fields.Integer(required=True)
    order_id = fields.Integer(required=True, metadata={"description": "the order past due"})
    basis = fields.String(load_default=rules.SERIOUS)
    reason = fields.String(required=True, validate=TEXT)
    proposal_id = fields.Integer(load_default=None, allow_none=True)


class ReportOut(Schema):
    id = fields.Integer()
    summary = fields.String()
    reported_by = fields.String()
    reported_at = fields.DateTime()
    due_on = fields.Date(metadata={"description": "the deadline it answered"})
    accepted = fields.Boolean(allow_none=True, metadata={"description": "null: not verified"})
    note = fields.String(allow_none=True)
    verified_by = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)


class SanctionOut(Schema):
    id = fields.Integer()
    window_id = fields.Integer()
    unit_code = fields.String()
    kind = fields.String(metadata={"description": "interview, rectification, suspension, …"})
    basis = fields.String(metadata={"description": "the rule applied (docs/rules.md)"})
    reason = fields.String()
    findings = fields.List(fields.Integer())
    complaints = fields.List(fields.Integer())
    status = fields.String(
        metadata={
            "description": "in_force, open, reported, verified, lifted, corrected, or closed (an "
            "order of a window since terminated)"
        }
    )
    decided_by = fields.String()
    decided_at = fields.DateTime()
    decided_on = fields.Date()
    corrects_id = fields.Integer(allow_none=True)
    proposal_id = fields.Integer(allow_none=True)
    interviewed = fields.List(fields.Nested(Person), allow_none=True)
    held_on = fields.Date(allow_none=True)
    minutes = fields.String(allow_none=True)
    district = fields.String(allow_none=True, metadata={"description": "notified of the order"})
    due_on = fields.Date(allow_none=True)
    reported_on = fields.Date(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "an order past due unrectified"})
    overdue_at = fields.DateTime(allow_none=True, metadata={"description": "when announced"})
    order_id = fields.Integer(allow_none=True)
    lifted_by = fields.String(allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)
    lift_note = fields.String(allow_none=True)
    reports = fields.List(fields.Nested(ReportOut))


class SanctionQuery(PageQuery):
    window_id = fields.Integer(load_default=None)
    unit_code = fields.String(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf([k.value for k in rules.Kind]))
    status = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in rules.Status])
    )


class SanctionPage(Schema):
    items = fields.List(fields.Nested(SanctionOut))
    next_cursor = fields.String(allow_none=True)


@sanctions_blp.route("")
class Sanctions(MethodView):
    @auth.roles(*READERS)
    @sanctions_blp.arguments(SanctionQuery, location="query")
    @sanctions_blp.response(200, SanctionPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Every step of every window's ladder in id order, corrected and lifted ones too. A unit
        token sees its own windows'."""
        after = decode_id_cursor(query["cursor"])
        rows = sanctions_read.list_sanctions(
            unit_of_work(), unit_scope(), query, after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@sanctions_blp.route("/<int:sanction_id>")
class SanctionById(MethodView):
    @auth.roles(*READERS)
    @sanctions_blp.response(200, SanctionOut)
    def get(self, sanction_id: int) -> Any:
        return sanctions_read.get_sanction(unit_of_work(), sanction_id, unit_scope())


@sanctions_blp.route("/interviews")
class Interviews(MethodView):
    @auth.roles("authority", "inspector")
    @sanctions_blp.arguments(InterviewIn)
    @sanctions_blp.response(201, SanctionOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Record an interview with the window's responsible person and the unit's leader about
        the problems found (TJ-8.1). Emits `sanction.imposed` (interview); with `corrects_id`
        it replaces an earlier record and emits `sanction.corrected`."""
        return handlers.record_interview(unit_of_work(), body)


@sanctions_blp.route("/orders")
class Orders(MethodView):
    @auth.roles("authority")
    @sanctions_blp.arguments(OrderIn)
    @sanctions_blp.response(201, SanctionOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Notify the unit's district of prominent problems and order rectification within
        working days (TJ-8.1). Emits `sanction.imposed` (rectification, with `district`)."""
        return handlers.order_rectification(unit_of_work(), body, runtime().calendar)


@sanctions_blp.route("/orders/<int:order_id>/report")
class OrderReport(MethodView):
    @auth.roles("unit")
    @sanctions_blp.arguments(OrderReportIn)
    @sanctions_blp.response(200, SanctionOut)
    def post(self, body: dict[str, Any], order_id: int) -> Any:
        """The unit ordered to rectify reports how it did; the authority verifies."""
        return sanction_orders.report_rectification(
            unit_of_work(), order_id, unit_scope(), body["summary"]
        )


@sanctions_blp.route("/orders/<int:order_id>/verification")
class OrderVerification(MethodView):
    @auth.roles("authority")
    @sanctions_blp.arguments(OrderVerificationIn)
    @sanctions_blp.response(200, SanctionOut)
    def post(self, body: dict[str, Any], order_id: int) -> Any:
        """Accept the rectification — lifting the suspensions resting on the order, which
        registry reinstates — or reject it saying what is still wrong (the deadline stays)."""
        return sanction_orders.verify_rectification(unit_of_work(), order_id, body)


@sanctions_blp.route("/suspensions")
class Suspensions(MethodView):
    @auth.roles("authority")
    @sanctions_blp.arguments(SuspensionIn)
    @sanctions_blp.response(201, SanctionOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Suspend the window for serious problems or concentrated complaints (TJ-8.2); registry
        takes no new cases there. It waits on `order_id`, or on a new order issued with it: its
        verified rectification lifts the suspension."""
        return handlers.suspend(unit_of_work(), body, runtime().calendar)


@sanctions_blp.route("/terminations")
class Terminations(MethodView):
    @auth.roles("authority")
    @sanctions_blp.arguments(TerminationIn)
    @sanctions_blp.response(201, SanctionOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Confirm termination of a window whose rectification order's deadline passed without
        verified rectification (TJ-8.2); registry terminates it and the directory drops it."""
        return handlers.terminate(unit_of_work(), body)


@history_blp.route("/<int:window_id>/sanctions")
class WindowSanctions(MethodView):
    @auth.roles(*READERS)
    @history_blp.response(200, SanctionOut(many=True))
    def get(self, window_id: int) -> Any:
        """The window's whole ladder in the order taken: each step with its basis, the findings
        and complaints it rests on, who decided, and what became of it."""
        return sanctions_read.window_history(unit_of_work(), window_id, unit_scope())


blueprints: list[Blueprint] = [sanctions_blp, history_blp]
