"""The events of a window's life: its setup procedure (TJ-5), opening and closing, sanctions and
revocation, and the materials a comprehensive window receives for a unit (EQ-2.2b)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events import EventType, register


class WindowV1(Schema):
    """Every window event carries the window as it is after the change."""

    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    co_units = fields.List(fields.String(), required=True)
    hall_code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)
    is_open = fields.Boolean(required=True)
    reason = fields.String(load_default="")
    rule = fields.String(
        load_default="", metadata={"description": "the rule applied (docs/rules.md)"}
    )
    published_on = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "the day it was published (TJ-5.6); none before publication"},
    )


class MaterialsReceivedV1(Schema):
    receipt_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matter_code = fields.String(required=True)
    applicant = fields.String(required=True)
    materials = fields.List(fields.String(), required=True)
    received_at = fields.AwareDateTime(required=True)


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


WINDOW_APPLIED = _type("window.applied", WindowV1, "A unit applied for a window (TJ-5.1).")
WINDOW_INSPECTED = _type("window.inspected", WindowV1, "Joint site inspection passed (TJ-5.2).")
WINDOW_REVIEWED = _type("window.reviewed", WindowV1, "Review meeting passed (TJ-5.3).")
WINDOW_REJECTED = _type("window.rejected", WindowV1, "Inspection or review failed.")
WINDOW_APPROVED = _type("window.approved", WindowV1, "Confirmation letter issued (TJ-5.4).")
WINDOW_AGREED = _type("window.agreed", WindowV1, "Delegation agreement signed (TJ-5.5).")
WINDOW_PUBLISHED = _type("window.published", WindowV1, "Window published and active (TJ-5.6).")
WINDOW_DETAILS_CHANGED = _type(
    "window.details_changed", WindowV1, "Address, phone, hours or standards changed."
)
WINDOW_OPENED = _type("window.opened", WindowV1, "A reserved window opened (EQ-2.2c/d).")
WINDOW_CLOSED = _type("window.closed", WindowV1, "A reserved window closed (EQ-2.2c/d).")
WINDOW_SUSPENDED = _type("window.suspended", WindowV1, "Suspended after a sanction (TJ-8.2).")
WINDOW_REINSTATED = _type("window.reinstated", WindowV1, "A suspension was lifted.")
WINDOW_TERMINATED = _type("window.terminated", WindowV1, "Terminated after a sanction (TJ-8.2).")
WINDOW_REVOCATION_REQUESTED = _type(
    "window.revocation_requested", WindowV1, "The unit applied for revocation (TJ-7.6)."
)
WINDOW_REVOKED = _type("window.revoked", WindowV1, "Revoked with the authority's consent (TJ-7.6).")
MATERIALS_RECEIVED = _type(
    "window.materials_received",
    MaterialsReceivedV1,
    "A comprehensive window's agent received materials for a unit, which must come to accept "
    "them (EQ-2.2b).",
)

register(
    WINDOW_APPLIED,
    WINDOW_INSPECTED,
    WINDOW_REVIEWED,
    WINDOW_REJECTED,
    WINDOW_APPROVED,
    WINDOW_AGREED,
    WINDOW_PUBLISHED,
    WINDOW_DETAILS_CHANGED,
    WINDOW_OPENED,
    WINDOW_CLOSED,
    WINDOW_SUSPENDED,
    WINDOW_REINSTATED,
    WINDOW_TERMINATED,
    WINDOW_REVOCATION_REQUESTED,
    WINDOW_REVOKED,
    MATERIALS_RECEIVED,
)
