"""Complaints and reports from the public (TJ-7.5, TJ-8.3), and the log of every full read of the
public's personal data (issue 7 points 6 and 8)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.domain import complaints as rules
from services.inspection.handlers import complaint_reads, complaints
from shared import auth, limits
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema, Text
from shared.web import reads, require_principal, runtime, unit_of_work

complaints_blp = Blueprint(
    "complaints",
    __name__,
    url_prefix="/api/v1/complaints",
    description="Complaints and reports from the public, decided by a deadline (TJ-7.5, TJ-8.3)",
)
reads_blp = Blueprint(
    "personal_data_reads",
    __name__,
    url_prefix="/api/v1/personal-data-reads",
    description="Every full read of the public's names and phones, for the authority's audit",
)
blueprints: list[Blueprint] = [complaints_blp, reads_blp]

READERS = ("authority", "center", "inspector", "unit")
HANDLERS = rules.HANDLERS
STATUSES = validate.OneOf([s.value for s in rules.Status])
MISCONDUCT_DOC = {"description": f"one of {', '.join(rules.MISCONDUCT)} (TJ-8.3), or none"}


class ComplaintIn(Schema):
    window_id = fields.Integer(required=True)
    staff_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=63),
        metadata={"description": "the staff member's number on the window, if known"},
    )
    misconduct = fields.String(load_default=None, allow_none=True, metadata=MISCONDUCT_DOC)
    account = Text(required=True, metadata={"description": "what happened"})
    happened_on = fields.Date(load_default=None, allow_none=True)
    complainant_name = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "leave out to report anonymously"},
    )
    complainant_phone = fields.String(
        load_default=None, allow_none=True, metadata={"description": "mobile or landline"}
    )


class ReceiptOut(Schema):
    id = fields.Integer()
    number = fields.String()
    tracking_code = fields.String(
        metadata={"description": "shown this once: with the number it follows the complaint"}
    )
    status = fields.String()
    received_on = fields.Date()
    due_on = fields.Date(metadata={"description": "the last working day to decide"})


class ComplaintOut(Schema):
    id = fields.Integer()
    number = fields.String()
    window_id = fields.Integer()
    unit_code = fields.String()
    staff_id = fields.String(allow_none=True)
    misconduct = fields.String(allow_none=True)
    account = fields.String()
    happened_on = fields.Date(allow_none=True)
    anonymous = fields.Boolean()
    complainant_name = fields.String(allow_none=True)
    complainant_phone = fields.String(allow_none=True)
    personal_data = fields.String(
        metadata={"description": "full (read logged), masked, or none (the unit's view)"}
    )
    received_at = fields.DateTime()
    received_on = fields.Date()
    due_on = fields.Date()
    overdue = fields.Boolean(metadata={"description": "undecided after due_on, or decided late"})
    status = fields.String()
    handler = fields.String(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    reasons = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    corrects_id = fields.Integer(allow_none=True)
    corrected_by_id = fields.Integer(allow_none=True)


class ComplaintPage(Schema):
    items = fields.List(fields.Nested(ComplaintOut))
    next_cursor = fields.String(allow_none=True)


class ComplaintQuery(PageQuery):
    status = fields.String(load_default=None, validate=STATUSES)
    window_id = fields.Integer(load_default=None)
    unit_code = fields.String(load_default=None)
    staff_id = fields.String(load_default=None)
    misconduct = fields.String(load_default=None, validate=validate.OneOf(rules.MISCONDUCT))
    overdue = fields.Boolean(load_default=None)
    masked = fields.Boolean(
        load_default=False,
        metadata={"description": "handlers: show names and phones masked, and log no read"},
    )


class MaskQuery(Schema):
    masked = fields.Boolean(load_default=False)


class TrackQuery(Schema):
    number = fields.String(required=True)
    code = fields.String(required=True)


class TrackEntry(Schema):
    reply = True

    number = fields.String()
    status = fields.String()
    reasons = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)


class TrackOut(TrackEntry):
    window_id = fields.Integer()
    misconduct = fields.String(allow_none=True)
    received_on = fields.Date()
    due_on = fields.Date()
    corrections = fields.List(
        fields.Nested(TrackEntry), metadata={"description": "later decisions, the last stands"}
    )


class AssignmentIn(Schema):
    handler = fields.String(required=True, validate=validate.Length(max=200))


class DecisionIn(Schema):
    outcome = fields.String(required=True, metadata={"enum": list(rules.OUTCOMES)})
    reasons = fields.String(required=True, metadata={"description": "shown to the complainant"})
    misconduct = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the misconduct found, if other than reported (TJ-8.3)"},
    )


class ReadQuery(PageQuery):
    record_kind = fields.String(load_default=None, metadata={"description": "complaint, …"})
    record_id = fields.Integer(load_default=None)
    reader = fields.String(load_default=None)
    role = fields.String(load_default=None, validate=validate.OneOf(auth.ROLES))


class ReadOut(Schema):
    id = fields.Integer()
    reader = fields.String()
    role = fields.String()
    record_kind = fields.String()
    record_id = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields")
    at = fields.DateTime()


class ReadPage(Schema):
    items = fields.List(fields.Nested(ReadOut))
    next_cursor = fields.String(allow_none=True)


@complaints_blp.route("")
class Complaints(MethodView):
    @limits.public("complaints")
    @auth.public
    @complaints_blp.arguments(ComplaintIn)
    @complaints_blp.response(201, ReceiptOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Complain about a window or a staff member, with or without name and phone. The
        answer's number and tracking code follow the complaint; the code is shown only here."""
        return complaints.submit(unit_of_work(), runtime().calendar, body)

    @auth.roles(*READERS)
    @complaints_blp.arguments(ComplaintQuery, location="query")
    @complaints_blp.response(200, ComplaintPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Complaints, oldest first; a unit token sees its own windows', without who complained.
        The center and inspectors see names and phones, and each complaint so shown is a logged
        read; the authority sees them masked."""
        after = decode_cursor(query["cursor"], int)
        rows = complaint_reads.list_complaints(
            reads(), unit_of_work(), require_principal(), query, after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@complaints_blp.route("/track")
class Track(MethodView):
    @limits.public("complaint_tracking", receipt=("args", "number"), kind="complaint", lockout=True)
    @auth.public
    @complaints_blp.arguments(TrackQuery, location="query")
    @complaints_blp.response(200, TrackOut)
    def get(self, query: dict[str, Any]) -> Any:
        """The complainant follows the complaint: its status and the reasons of the decision."""
        return complaint_reads.track(unit_of_work(), query["number"], query["code"])


@complaints_blp.route("/<int:complaint_id>")
class ComplaintById(MethodView):
    @auth.roles(*READERS)
    @complaints_blp.arguments(MaskQuery, location="query")
    @complaints_blp.response(200, ComplaintOut)
    def get(self, query: dict[str, Any], complaint_id: int) -> Any:
        """One complaint; names and phones shown in full to the center and inspectors (a logged
        read), masked to the authority, left out for the unit."""
        return complaint_reads.get(
            reads(), unit_of_work(), complaint_id, require_principal(), query["masked"]
        )


@complaints_blp.route("/<int:complaint_id>/assignment")
class Assignment(MethodView):
    @auth.roles(*HANDLERS)
    @complaints_blp.arguments(AssignmentIn)
    @complaints_blp.response(200, ComplaintOut)
    def post(self, body: dict[str, Any], complaint_id: int) -> Any:
        """Give an open complaint to a handler to verify (again, to hand it over)."""
        return complaints.assign(unit_of_work(), complaint_id, body["handler"])


@complaints_blp.route("/<int:complaint_id>/verification")
class Verification(MethodView):
    @auth.roles(*HANDLERS)
    @complaints_blp.arguments(DecisionIn)
    @complaints_blp.response(200, ComplaintOut)
    def post(self, body: dict[str, Any], complaint_id: int) -> Any:
        """Uphold or dismiss with reasons (the complainant sees them). Final: a decided
        complaint is a 409; correct it instead."""
        actor = require_principal().actor
        return complaints.verify(unit_of_work(), complaint_id, body, actor)


@complaints_blp.route("/<int:complaint_id>/corrections")
class Corrections(MethodView):
    @auth.roles(*HANDLERS)
    @complaints_blp.arguments(DecisionIn)
    @complaints_blp.response(201, ComplaintOut)
    def post(self, body: dict[str, Any], complaint_id: int) -> Any:
        """Decide a decided complaint again: a new entry that replaces the earlier decision
        (only the latest entry of a complaint can be corrected)."""
        actor = require_principal().actor
        return complaints.correct(unit_of_work(), complaint_id, body, actor)


@reads_blp.route("")
class PersonalDataReads(MethodView):
    @auth.roles("authority")
    @reads_blp.arguments(ReadQuery, location="query")
    @reads_blp.response(200, ReadPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Who read which member of the public's name or phone, and when, newest first. The
        authority's alone: the center and inspectors are the readers this log watches."""
        after = decode_cursor(query["cursor"], int)
        rows = complaint_reads.list_reads(unit_of_work(), query, after, query["limit"] + 1)
        return page([_read(row) for row in rows], query["limit"], key=lambda row: row["id"])


def _read(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "fields_": row["fields"]}
