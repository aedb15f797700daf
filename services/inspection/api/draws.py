"""Verifiable draws (TJ-7.4): listed, read, verified by anyone, and taken as a worksheet; the
inspectors and the plans they draw from are in inspectors.py and draw_plans.py."""

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
from shared.csv_reports import CSV_TOO, CsvQuery, csv_download, wants_csv
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import principal, require_principal, unit_of_work, unit_scope

draws_blp = Blueprint(
    "draws",
    __name__,
    url_prefix="/api/v1/draws",
    description="Verifiable draws: population, parameters, seed and selection, re-runnable",
)


INSPECTING = ("authority", "inspector")  # who plans and draws; the only ones to see spot checks


DRAW_READERS = ("authority", "inspector", "center", "unit")


UNIT = validate.Length(min=1, max=63)


# Blank titles, seeds and checklists are refused by the domain, naming the field and TJ-7.4.
TEXT = validate.Length(max=200)


CHECKLIST = validate.Length(max=100)


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


def cursor_id(cursor: str | None) -> int | None:
    key: int | None = decode_cursor(cursor, int)
    return key


@draws_blp.route("")
class Draws(MethodView):
    @auth.roles(*DRAW_READERS)
    @draws_blp.arguments(DrawQuery, location="query")
    @draws_blp.response(200, DrawPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Draws, newest first, superseded ones included. A unit sees the sampling draws that
        picked its cases; spot checks are shown to the authority and inspectors only."""
        rows = handlers.list_draws(
            unit_of_work(), _viewer(), query, cursor_id(query["cursor"]), query["limit"] + 1
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


blueprints: list[Blueprint] = [draws_blp]
