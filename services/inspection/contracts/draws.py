"""The events of sampling, spot checks, inspectors and draws (TJ-7.4).

No event names a case's applicant, and none names the windows a spot check drew: a surprise
check must not reach the unit before the inspectors do. Route `spot_check.planned` and the
spot-check `draw.made` to the authority and the inspectors only.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register

KINDS = ["sampling", "spot_check"]
SEED = {"description": "SHA-256 of the canonical JSON [kind, plan_id, seed_source, seed_value]"}


class InspectorV1(Schema):
    inspector_id = fields.Integer(required=True)
    name = fields.String(required=True)
    home_unit = fields.String(
        allow_none=True, required=True, metadata={"description": "null: the authority's staff"}
    )
    conflicts = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    at = fields.AwareDateTime(required=True)


class SamplingPlanV1(Schema):
    plan_id = fields.Integer(required=True)
    title = fields.String(required=True)
    period_from = fields.Date(required=True)
    period_to = fields.Date(required=True)
    rate = fields.String(required=True, metadata={"description": "a decimal, e.g. 0.05"})
    minimum_per_window = fields.Integer(required=True)
    checklist = fields.List(fields.String(), required=True)
    seed_source = fields.String(required=True)
    draw_on = fields.Date(required=True)
    at = fields.AwareDateTime(required=True)


class SpotCheckPlanV1(Schema):
    """The seed commitment of an unannounced check; its days stay with the inspectors."""

    plan_id = fields.Integer(required=True)
    title = fields.String(required=True)
    windows = fields.Integer(allow_none=True, required=True)
    rate = fields.String(allow_none=True, required=True)
    inspectors_per_window = fields.Integer(required=True)
    seed_source = fields.String(required=True)
    draw_on = fields.Date(required=True)
    at = fields.AwareDateTime(required=True)
    population_digest = fields.String(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "SHA-256 of the canonical JSON of the population committed now, "
            "before the seed's value is known: the draw is made from it or refused (TJ-7.4)"
        },
    )
    population_covers = fields.String(
        allow_none=True, load_default=None, metadata={"description": "what the population holds"}
    )
    population_at = fields.AwareDateTime(
        allow_none=True, load_default=None, metadata={"description": "when it was committed"}
    )


class DrawV1(Schema):
    draw_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    plan_id = fields.Integer(required=True)
    round = fields.Integer(required=True, metadata={"description": "1, then 2… for a redraw"})
    seed_source = fields.String(required=True)
    seed_value = fields.String(required=True)
    seed = fields.String(required=True, metadata=SEED)
    population_digest = fields.String(required=True)
    population_size = fields.Integer(
        required=True, metadata={"description": "cases (sampling) or windows (spot check)"}
    )
    selection_size = fields.Integer(required=True)
    draw_digest = fields.String(
        required=True,
        metadata={"description": "binds seed, parameters, population and selection"},
    )
    sampled_units = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "units with cases drawn (sampling); always empty for a spot check"
        },
    )
    supersedes = fields.Integer(
        allow_none=True, required=True, metadata={"description": "the draw this one replaces"}
    )
    reason = fields.String(required=True, metadata={"description": "why a plan was redrawn"})
    drawn_at = fields.AwareDateTime(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.inspection.{name}.v1", schema, description)


INSPECTOR_REGISTERED = _type(
    "inspector.registered",
    InspectorV1,
    "The authority registered an inspector, with home unit and declared conflicts (TJ-7.4).",
)
INSPECTOR_CHANGED = _type(
    "inspector.changed",
    InspectorV1,
    "An inspector's conflicts, home unit or activity changed (recusal, TJ-7.4).",
)
SAMPLING_PLAN_CREATED = _type(
    "sampling_plan.created",
    SamplingPlanV1,
    "A plan for proportional sampling of handled cases, with its seed commitment (TJ-7.4).",
)
SPOT_CHECK_PLANNED = _type(
    "spot_check.planned",
    SpotCheckPlanV1,
    "A random spot check of windows was planned, with its seed commitment (TJ-7.4). "
    "Authority and inspectors only.",
)
DRAW_MADE = _type(
    "draw.made",
    DrawV1,
    "Cases or windows and inspectors were drawn, verifiably (TJ-7.4); a redraw gives a reason. "
    "A spot check's draw names no window.",
)

register(
    INSPECTOR_REGISTERED, INSPECTOR_CHANGED, SAMPLING_PLAN_CREATED, SPOT_CHECK_PLANNED, DRAW_MADE
)
