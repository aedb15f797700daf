"""Proportional sampling plans and random spot checks (TJ-7.4): planned, listed and drawn."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.api.draws import CHECKLIST, INSPECTING, TEXT, DrawIn, DrawOut, cursor_id
from services.inspection.domain.draws import Kind
from services.inspection.handlers import draw_plans
from services.inspection.handlers import draws as handlers
from shared import auth
from shared.pagination import PageQuery, page
from shared.schemas import Schema
from shared.web import (
    unit_of_work,
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


SAMPLING_READERS = ("authority", "inspector", "center")


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


@sampling_blp.route("")
class SamplingPlans(MethodView):
    @auth.roles(*INSPECTING)
    @sampling_blp.arguments(SamplingPlanIn)
    @sampling_blp.response(201, SamplingPlanOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Plan proportional sampling: of each window's cases completed in the period,
        max(minimum, ⌈rate × n⌉) are drawn (TJ-7.4). The seed's source and the draw day are
        fixed now, before the seed's value is published."""
        return draw_plans.create_sampling_plan(unit_of_work(), body)

    @auth.roles(*SAMPLING_READERS)
    @sampling_blp.arguments(PageQuery, location="query")
    @sampling_blp.response(200, SamplingPlanPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Sampling plans, newest first."""
        rows = draw_plans.list_plans(
            unit_of_work(), Kind.SAMPLING, cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@sampling_blp.route("/<int:plan_id>")
class SamplingPlanById(MethodView):
    @auth.roles(*SAMPLING_READERS)
    @sampling_blp.response(200, SamplingPlanOut)
    def get(self, plan_id: int) -> Any:
        return draw_plans.get_plan(unit_of_work(), Kind.SAMPLING, plan_id)


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
        return draw_plans.create_spot_check(unit_of_work(), body)

    @auth.roles(*INSPECTING)
    @spot_checks_blp.arguments(PageQuery, location="query")
    @spot_checks_blp.response(200, SpotCheckPage)
    def get(self, query: dict[str, Any]) -> Any:
        rows = draw_plans.list_plans(
            unit_of_work(), Kind.SPOT_CHECK, cursor_id(query["cursor"]), query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@spot_checks_blp.route("/<int:plan_id>")
class SpotCheckById(MethodView):
    @auth.roles(*INSPECTING)
    @spot_checks_blp.response(200, SpotCheckOut)
    def get(self, plan_id: int) -> Any:
        return draw_plans.get_plan(unit_of_work(), Kind.SPOT_CHECK, plan_id)


@spot_checks_blp.route("/<int:plan_id>/draw")
class SpotCheckDraw(MethodView):
    @auth.roles(*INSPECTING)
    @spot_checks_blp.arguments(DrawIn)
    @spot_checks_blp.response(201, DrawOut)
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """Draw the windows and, for each, its inspectors; if any drawn window has too few
        eligible inspectors nothing is recorded (422, TJ-7.4)."""
        return handlers.draw(unit_of_work(), Kind.SPOT_CHECK, plan_id, body)


blueprints: list[Blueprint] = [sampling_blp, spot_checks_blp]
