"""The events registry publishes: the public, versioned contract other services rely on."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events import EventType, register


class Contact(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(load_default="")
    role = fields.String(load_default="")


class UnitV1(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)
    registered_at = fields.AwareDateTime(required=True)
    contacts = fields.List(fields.Nested(Contact), load_default=list)


class HallV1(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    address = fields.String(required=True)
    hours = fields.String(required=True)
    phone = fields.String(required=True)


class HallNoticeV1(Schema):
    id = fields.Integer(required=True)
    hall_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["closure", "move"]))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    new_address = fields.String(load_default="")
    message_zh = fields.String(required=True)
    message_en = fields.String(load_default="")
    announced_on = fields.Date(required=True)


class MatterV1(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True)
    case_kind = fields.String(required=True)
    legal_limit_days = fields.Integer(required=True)
    promised_limit_days = fields.Integer(required=True)
    extension_days = fields.Integer(required=True)
    unit_code = fields.String(allow_none=True, load_default=None)


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
    rule = fields.String(load_default="", metadata={"description": "the RULES.md ID applied"})
    published_on = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "the day it was published (TJ-5.6); none before publication"},
    )


class AgreementV1(Schema):
    agreement_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matters = fields.List(fields.String(), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    status = fields.String(required=True)
    previous_id = fields.Integer(allow_none=True, load_default=None)
    days_left = fields.Integer(allow_none=True, load_default=None)


class MaterialsReceivedV1(Schema):
    receipt_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matter_code = fields.String(required=True)
    applicant = fields.String(required=True)
    materials = fields.List(fields.String(), required=True)
    received_at = fields.AwareDateTime(required=True)


class CaseV1(Schema):
    """Every case event carries the case's state after the change; never personal data."""

    case_id = fields.Integer(required=True)
    receipt_number = fields.String(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matter_code = fields.String(required=True)
    stage = fields.String(required=True)
    staff_id = fields.String(load_default="", metadata={"description": "who took this step"})
    accepted_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    paused = fields.Boolean(required=True)
    on = fields.Date(required=True, metadata={"description": "the hall's day of the change"})
    level = fields.String(load_default="", metadata={"description": "case.warned: yellow/red"})
    detail = fields.String(load_default="")
    overdue = fields.Boolean(load_default=False, metadata={"description": "done after due_on"})
    query_code_verifier = fields.String(
        load_default="",
        metadata={
            "description": "case.accepted only: a slow salted hash of the receipt's query code, "
            "so the public's evaluation can be checked where the case is not kept (TJ-7.5)"
        },
    )


def _type(name: str, schema: type[Schema], description: str) -> EventType:
    return EventType(f"govhall.registry.{name}.v1", schema, description)


UNIT_REGISTERED = _type("unit.registered", UnitV1, "The authority registered a unit (TJ-1).")
UNIT_UPDATED = _type("unit.updated", UnitV1, "A unit's name, district or contacts changed.")
HALL_REGISTERED = _type("hall.registered", HallV1, "A hall was registered.")
HALL_NOTICE_ANNOUNCED = _type(
    "hall_notice.announced", HallNoticeV1, "A hall closure or move was announced (EQ-4.5)."
)
MATTER_PUBLISHED = _type(
    "matter.published", MatterV1, "A version of a matter's guide was published (TJ-6.2)."
)
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
AGREEMENT_SIGNED = _type("agreement.signed", AgreementV1, "A delegation agreement (TJ-5.5).")
AGREEMENT_RENEWAL_DUE = _type(
    "agreement.renewal_due", AgreementV1, "An agreement expires within 90 or 30 days (TJ-5.5)."
)
AGREEMENT_RENEWED = _type(
    "agreement.renewed", AgreementV1, "Renewed for 3 years after an assessment (TJ-5.5)."
)
AGREEMENT_EXPIRED = _type("agreement.expired", AgreementV1, "An agreement ran out (TJ-5.5).")

CASE_ACCEPTED = _type("case.accepted", CaseV1, "A window accepted a case (EQ-4.3).")
CASE_ADVANCED = _type(
    "case.advanced", CaseV1, "A step of the full chain was taken: handled … delivered (EQ-4.3)."
)
CASE_REFUSED = _type("case.refused", CaseV1, "A case was refused with written reasons.")
CASE_SUPPLEMENT_REQUESTED = _type(
    "case.supplement_requested", CaseV1, "Missing materials told once, clock paused (EQ-4.4b)."
)
CASE_SUPPLEMENT_RECEIVED = _type(
    "case.supplement_received", CaseV1, "The materials arrived; the clock runs again."
)
CASE_EXTENDED = _type("case.extended", CaseV1, "The clock was extended with a reason (EQ-4.4c).")
CASE_ASSISTED = _type("case.assisted", CaseV1, "Agency assistance recorded (EQ-4.4d).")
CASE_RESCHEDULED = _type(
    "case.rescheduled",
    CaseV1,
    "A hall closure announced after acceptance moved the due date: closed days stop the clock "
    "(EQ-4.5).",
)
CASE_WARNED = _type(
    "case.warned", CaseV1, "Electronic supervision: yellow (due soon) or red (overdue) (EQ-1.4)."
)
CASE_STAGE_OVERRAN = _type(
    "case.stage_overran", CaseV1, "A step took longer than its share of the limit (EQ-1.4)."
)

register(
    CASE_ACCEPTED, CASE_ADVANCED, CASE_REFUSED, CASE_SUPPLEMENT_REQUESTED,
    CASE_SUPPLEMENT_RECEIVED, CASE_EXTENDED, CASE_ASSISTED, CASE_WARNED, CASE_STAGE_OVERRAN,
    CASE_RESCHEDULED,
)  # fmt: skip

register(
    UNIT_REGISTERED, UNIT_UPDATED, HALL_REGISTERED, HALL_NOTICE_ANNOUNCED, MATTER_PUBLISHED,
    WINDOW_APPLIED, WINDOW_INSPECTED, WINDOW_REVIEWED, WINDOW_REJECTED, WINDOW_APPROVED,
    WINDOW_AGREED, WINDOW_PUBLISHED, WINDOW_DETAILS_CHANGED, WINDOW_OPENED, WINDOW_CLOSED,
    WINDOW_SUSPENDED, WINDOW_REINSTATED, WINDOW_TERMINATED, WINDOW_REVOCATION_REQUESTED,
    WINDOW_REVOKED, MATERIALS_RECEIVED, AGREEMENT_SIGNED, AGREEMENT_RENEWAL_DUE,
    AGREEMENT_RENEWED, AGREEMENT_EXPIRED,
)  # fmt: skip

# The appointment events (EQ-4.4d) live in their own module; importing it here registers them
# wherever registry's contracts are known (the catalog, the app).
import services.registry.contracts_appointments  # noqa: E402, F401
