"""Inspectors, proportional sampling, random spot checks and verifiable draws (TJ-7.4)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.domain.draws import KINDS_TEXT, Kind
from services.inspection.handlers import draws as handlers
from services.inspection.handlers.draws import Viewer
from shared import auth, limits
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import (
    CSV_TOO,
    CsvQuery,
    csv_download,
    principal,
    require_principal,
    unit_of_work,
    unit_scope,
    wants_csv,
)

inspectors_blp = Blueprint(
    "inspectors",
    __name__,
    url_prefix="/api/v1/inspectors",
    description="Inspectors, their home units and declared conflicts (recusal, TJ-7.4)",
)
sampling_blp = Blueprint(
    "sampling_plans",
    __name__,
    url_prefix="/api/v1/sampling-plans",
    description="Proportional sampling of handled cases (TJ-7.4)",
)
spot_checks_blp = Blueprint(
    "spot_checks",
    __name__,
    url_prefix="/api/v1/spot-checks",
    description="Random spot checks of windows, unannounced: authority and inspectors only",
)
draws_blp = Blueprint(
    "draws",
    __name__,
    url_prefix="/api/v1/draws",
    description="Verifiable draws: population, parameters, seed and selection, re-runnable",
)
blueprints: list[Blueprint] = [inspectors_blp, sampling_blp, spot_checks_blp, draws_blp]

INSPECTING = ("authority", "inspector")  # who plans and draws; the only ones to see spot checks
SAMPLING_READERS = ("authority", "inspector", "center")
DRAW_READERS = ("authority", "inspector", "center", "unit")
UNIT = validate.Length(min=1, max=63)
# Blank titles, seeds and checklists are refused by the domain, naming the field and TJ-7.4.
TEXT = validate.Length(max=200)
CHECKLIST = validate.Length(max=100)


class InspectorIn(Schema):
    name = fields.String(required=True, validate=validate.Length(max=100))
    home_unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=UNIT,
        metadata={"description": "the unit the inspector works for; null: the authority's staff"},
    )
    conflicts = fields.List(
        fields.String(validate=UNIT),
        load_default=list,
        metadata={"description": "units the inspector declared a conflict of interest with"},
    )
    active = fields.Boolean(load_default=True)


class InspectorChange(Schema):
    name = fields.String(validate=validate.Length(max=100))
    home_unit = fields.String(allow_none=True, validate=UNIT)
    conflicts = fields.List(fields.String(validate=UNIT))
    active = fields.Boolean()


class InspectorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    home_unit = fields.String(allow_none=True)
    conflicts = fields.List(fields.String())
    active = fields.Boolean()
    registered_at = fields.DateTime()
    updated_at = fields.DateTime()


class InspectorQuery(PageQuery):
    active = fields.Boolean(load_default=None)


class InspectorPage(Schema):
    items = fields.List(fields.Nested(InspectorOut))
    next_cursor = fields.String(allow_none=True)


class Commitment(Schema):
    title = fields.String(required=True, validate=TEXT)
    checklist = fields.List(
        fields.String(validate=validate.Length(max=500)), required=True, validate=CHECKLIST
    )
    seed_source = fields.String(
        required=True,
        validate=validate.Length(max=500),
        metadata={
            "description": "the value the seed comes from, published after the plan is "
            "made, e.g. 福利彩票3D 第2026330期开奖号码"
        },
    )
    draw_on = fields.Date(
        required=True, metadata={"description": "the draw is made on or after this day"}
    )


class SamplingPlanIn(Commitment):
    period_from = fields.Date(required=True)
    period_to = fields.Date(required=True, metadata={"description": "cases completed up to it"})
    rate = fields.Decimal(required=True, metadata={"description": "0 < rate ≤ 1, e.g. 0.05"})
    minimum_per_window = fields.Integer(load_default=1)


class SpotCheckIn(Commitment):
    days = fields.List(fields.Date(), required=True, validate=validate.Length(max=31))
    windows = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "how many windows; or give `rate`"},
    )
    rate = fields.Decimal(load_default=None, allow_none=True)
    inspectors_per_window = fields.Integer(
        load_default=2, metadata={"description": "at least 2 (TJ-7.4)"}
    )


class PlanOut(Schema):
    id = fields.Integer()
    title = fields.String()
    checklist = fields.List(fields.String())
    seed_source = fields.String()
    draw_on = fields.Date()
    rate = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    current_draw_id = fields.Integer(allow_none=True)


class SamplingPlanOut(PlanOut):
    period_from = fields.Date()
    period_to = fields.Date()
    minimum_per_window = fields.Integer()


class SpotCheckOut(PlanOut):
    days = fields.List(fields.String())
    windows = fields.Integer(allow_none=True)
    inspectors_per_window = fields.Integer()
    population_digest = fields.String(
        allow_none=True,
        metadata={"description": "the population committed when planned: drawn from, or refused"},
    )
    population_covers = fields.String()
    population_at = fields.DateTime(allow_none=True)


class SamplingPlanPage(Schema):
    items = fields.List(fields.Nested(SamplingPlanOut))
    next_cursor = fields.String(allow_none=True)


class SpotCheckPage(Schema):
    items = fields.List(fields.Nested(SpotCheckOut))
    next_cursor = fields.String(allow_none=True)


class DrawIn(Schema):
    seed_value = fields.String(
        required=True, validate=TEXT, metadata={"description": "the published value"}
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "required to draw a plan again (TJ-7.4)"},
    )


class DrawSummary(Schema):
    reply = True

    id = fields.Integer()
    kind = fields.String()
    plan_id = fields.Integer()
    round = fields.Integer()
    seed_source = fields.String()
    seed_value = fields.String()
    seed = fields.String()
    parameters = fields.Dict()
    population_digest = fields.String()
    population_size = fields.Integer()
    selection_size = fields.Integer()
    draw_digest = fields.String()
    reason = fields.String()
    drawn_by = fields.String()
    drawn_at = fields.DateTime()
    superseded_by = fields.Integer(allow_none=True)


class CaseDrawn(Schema):
    reply = True

    case_id = fields.Integer()
    receipt_number = fields.String()
    window_id = fields.Integer()
    unit_code = fields.String()
    matter_code = fields.String()
    completed_on = fields.Date()


class InspectorDrawn(Schema):
    reply = True

    inspector_id = fields.Integer()
    name = fields.String()


class WindowDrawn(Schema):
    reply = True

    window_id = fields.Integer()
    unit_code = fields.String()
    co_units = fields.List(fields.String())
    name_zh = fields.String()
    name_en = fields.String()
    inspectors = fields.List(fields.Nested(InspectorDrawn))


class DrawOut(DrawSummary):
    title = fields.String()
    checklist = fields.List(fields.String())
    cases = fields.List(fields.Nested(CaseDrawn), metadata={"description": "sampling"})
    windows = fields.List(fields.Nested(WindowDrawn), metadata={"description": "spot check"})
    population = fields.Raw(metadata={"description": "the recorded population (not to units)"})
    selection = fields.Raw(metadata={"description": "the recorded selection, as drawn"})
    population_commitment = fields.Raw(
        allow_none=True,
        metadata={
            "description": "a spot check's population committed when planned (digest, covers, "
            "at); null for sampling and for checks planned before it was kept"
        },
    )


class DrawQuery(PageQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS_TEXT))
    plan_id = fields.Integer(load_default=None)


class DrawPage(Schema):
    items = fields.List(fields.Nested(DrawSummary))
    next_cursor = fields.String(allow_none=True)


class VerifyOut(Schema):
    draw_id = fields.Integer()
    verified = fields.Boolean(metadata={"description": "the record re-runs to the same draw"})
    checks = fields.Dict(keys=fields.String(), values=fields.Boolean())
    problem = fields.String(allow_none=True)
    seed = fields.String()
    population_digest = fields.String()
    draw_digest = fields.String()
    selection = fields.Raw(allow_none=True, metadata={"description": "as re-run now"})
    population_digest_now = fields.String()
    population_matches_now = fields.Boolean(
        metadata={"description": "false: today's data would give another population"}
    )
    kind = fields.String()
    plan_id = fields.Integer()
    seed_source = fields.String()
    seed_value = fields.String()
    population_commitment = fields.Raw(
        allow_none=True,
        metadata={
            "description": "a spot check's population committed before its seed (digest, "
            "covers, at) and whether the draw was made from it (matches)"
        },
    )
    record = fields.Raw(
        allow_none=True,
        metadata={
            "description": "kind, plan_id, seed_source, seed_value, parameters, population and "
            "selection: enough to re-run the draw; null where the caller may not see it all"
        },
    )


def _viewer() -> Viewer:
    return Viewer(spot_checks=require_principal().role in INSPECTING, unit=unit_scope())


def _anyone() -> Viewer:
    """The caller of a public route: a reader of draws as above, anyone else as the public."""
    who = principal()
    if who is None or who.role not in DRAW_READERS:
        return Viewer(spot_checks=False, public=True)
    return _viewer()


def _cursor_id(cursor: str | None) -> int | None:
    key: int | None = decode_cursor(cursor, int)
    return key


@inspectors_blp.route("")
class Inspectors(MethodView):
    @auth.roles("authority")
    @inspectors_blp.arguments(InspectorIn)
    @inspectors_blp.response(201, InspectorOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register an inspector with their home unit and declared conflicts: they are never
        drawn for a window of those units (recusal, TJ-7.4)."""
        return handlers.register_inspector(unit_of_work(), body)

    @auth.roles(*INSPECTING)
    @inspectors_blp.arguments(InspectorQuery, location="query")
    @inspectors_blp.response(200, InspectorPage)
    def get(self, query: dict[str, Any]) -> Any:
        rows = handlers.list_inspectors(
            unit_of_work(), query["active"], _cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@inspectors_blp.route("/<int:inspector_id>")
class InspectorById(MethodView):
    @auth.roles(*INSPECTING)
    @inspectors_blp.response(200, InspectorOut)
    def get(self, inspector_id: int) -> Any:
        return handlers.get_inspector(unit_of_work(), inspector_id)

    @auth.roles("authority")
    @inspectors_blp.arguments(InspectorChange)
    @inspectors_blp.response(200, InspectorOut)
    def patch(self, body: dict[str, Any], inspector_id: int) -> Any:
        """Declare conflicts, change the home unit, or (de)activate; later draws apply it."""
        return handlers.change_inspector(unit_of_work(), inspector_id, body)


@sampling_blp.route("")
class SamplingPlans(MethodView):
    @auth.roles(*INSPECTING)
    @sampling_blp.arguments(SamplingPlanIn)
    @sampling_blp.response(201, SamplingPlanOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Plan proportional sampling: of each window's cases completed in the period,
        max(minimum, ⌈rate × n⌉) are drawn (TJ-7.4). The seed's source and the draw day are
        fixed now, before the seed's value is published."""
        return handlers.create_sampling_plan(unit_of_work(), body)

    @auth.roles(*SAMPLING_READERS)
    @sampling_blp.arguments(PageQuery, location="query")
    @sampling_blp.response(200, SamplingPlanPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Sampling plans, newest first."""
        rows = handlers.list_plans(
            unit_of_work(), Kind.SAMPLING, _cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@sampling_blp.route("/<int:plan_id>")
class SamplingPlanById(MethodView):
    @auth.roles(*SAMPLING_READERS)
    @sampling_blp.response(200, SamplingPlanOut)
    def get(self, plan_id: int) -> Any:
        return handlers.get_plan(unit_of_work(), Kind.SAMPLING, plan_id)


@sampling_blp.route("/<int:plan_id>/draw")
class SamplingDraw(MethodView):
    @auth.roles(*INSPECTING)
    @sampling_blp.arguments(DrawIn)
    @sampling_blp.response(201, DrawOut)
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """Draw the cases, with the seed's published value, on or after the draw day. Drawing a
        plan again needs a `reason`; the earlier draw is kept, superseded (TJ-7.4)."""
        return handlers.draw(unit_of_work(), Kind.SAMPLING, plan_id, body)


@spot_checks_blp.route("")
class SpotChecks(MethodView):
    @auth.roles(*INSPECTING)
    @spot_checks_blp.arguments(SpotCheckIn)
    @spot_checks_blp.response(201, SpotCheckOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Plan an unannounced spot check: `windows` (or a `rate`) among the windows open to
        the public (state `active`), each inspected by `inspectors_per_window` ≥ 2 inspectors
        drawn from outside its units (TJ-7.4)."""
        return handlers.create_spot_check(unit_of_work(), body)

    @auth.roles(*INSPECTING)
    @spot_checks_blp.arguments(PageQuery, location="query")
    @spot_checks_blp.response(200, SpotCheckPage)
    def get(self, query: dict[str, Any]) -> Any:
        rows = handlers.list_plans(
            unit_of_work(), Kind.SPOT_CHECK, _cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@spot_checks_blp.route("/<int:plan_id>")
class SpotCheckById(MethodView):
    @auth.roles(*INSPECTING)
    @spot_checks_blp.response(200, SpotCheckOut)
    def get(self, plan_id: int) -> Any:
        return handlers.get_plan(unit_of_work(), Kind.SPOT_CHECK, plan_id)


@spot_checks_blp.route("/<int:plan_id>/draw")
class SpotCheckDraw(MethodView):
    @auth.roles(*INSPECTING)
    @spot_checks_blp.arguments(DrawIn)
    @spot_checks_blp.response(201, DrawOut)
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """Draw the windows and, for each, its inspectors; if any drawn window has too few
        eligible inspectors nothing is recorded (422, TJ-7.4)."""
        return handlers.draw(unit_of_work(), Kind.SPOT_CHECK, plan_id, body)


@draws_blp.route("")
class Draws(MethodView):
    @auth.roles(*DRAW_READERS)
    @draws_blp.arguments(DrawQuery, location="query")
    @draws_blp.response(200, DrawPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Draws, newest first, superseded ones included. A unit sees the sampling draws that
        picked its cases; spot checks are shown to the authority and inspectors only."""
        rows = handlers.list_draws(
            unit_of_work(), _viewer(), query, _cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@draws_blp.route("/<int:draw_id>")
class DrawById(MethodView):
    @auth.roles(*DRAW_READERS)
    @draws_blp.arguments(CsvQuery, location="query")
    @draws_blp.doc(**CSV_TOO)
    @draws_blp.response(200, DrawOut)
    def get(self, _query: dict[str, Any], draw_id: int) -> Any:
        """A draw with what it picked and the record to re-run it; `?format=csv` gives the
        inspectors' worksheet. A unit sees only its own cases."""
        shown = handlers.get_draw(unit_of_work(), draw_id, _viewer())
        return _worksheet(shown) if wants_csv() else shown


@draws_blp.route("/<int:draw_id>/verify")
class DrawVerification(MethodView):
    @limits.public("draw_verification")
    @auth.public
    @draws_blp.response(200, VerifyOut)
    def get(self, draw_id: int) -> Any:
        """Re-run the draw from its recorded population, parameters and seed: `verified` when
        it gives the recorded selection and digests; `population_matches_now` says whether
        today's data would give the same population. Anyone may call it. A spot check stays
        unannounced (404) to all but the authority and inspectors until its last day has
        passed, then its whole `record` is public; of a sampling draw the public gets the
        verdict, seed and digests, a unit its own cases drawn, the overseers the record."""
        return handlers.verify(unit_of_work(), draw_id, _anyone())


CASE_COLUMNS = ["case_id", "receipt_number", "window_id", "unit_code", "matter_code"]
WINDOW_COLUMNS = ["window_id", "unit_code", "name_zh", "name_en", "inspectors"]


def _worksheet(shown: dict[str, Any]) -> Response:
    filename = f"draw-{shown['id']}.csv"
    if shown["kind"] == Kind.SAMPLING.value:
        return csv_download(shown["cases"], [*CASE_COLUMNS, "completed_on"], filename)
    rows = [
        {**w, "inspectors": "; ".join(i["name"] for i in w["inspectors"])} for w in shown["windows"]
    ]
    return csv_download(rows, WINDOW_COLUMNS, filename)
