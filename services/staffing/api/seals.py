"""Approval seals and their log (EQ-4.2), training (TJ-7.1) and attendance (TJ-7.3)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.domain import attendance as attendance_rules
from services.staffing.handlers import seals, training
from shared import auth, clock
from shared.errors import Invalid, NotFound
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import unit_of_work, unit_scope

seals_blp = Blueprint(
    "seals",
    __name__,
    url_prefix="/api/v1/seals",
    description="Approval seals, kept by the chief representative and deputy (EQ-4.2)",
)
trainings_blp = Blueprint(
    "trainings", __name__, url_prefix="/api/v1/trainings", description="Training (TJ-7.1)"
)
attendance_blp = Blueprint(
    "attendance", __name__, url_prefix="/api/v1/attendance", description="Attendance (TJ-7.3)"
)
blueprints: list[Blueprint] = [seals_blp, trainings_blp, attendance_blp]

READERS = ("authority", "center", "inspector", "unit")
WRITERS = ("unit", "center")
STAFF_ID = validate.Length(min=1, max=63)
SHEET_RULE = attendance_rules.ATTENDANCE_RULE


class SealIn(Schema):
    unit_code = fields.String(
        load_default=None, metadata={"description": "the center names the unit; a unit its own"}
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    custodian_a = fields.String(required=True, metadata={"description": "the chief representative"})
    custodian_b = fields.String(required=True, metadata={"description": "the chief's deputy"})


class SealOut(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    name = fields.String()
    custodian_a = fields.String(
        allow_none=True, metadata={"description": "the chief representative serving now"}
    )
    custodian_b = fields.String(allow_none=True, metadata={"description": "the deputy now"})
    registered_custodian_a = fields.String()
    registered_custodian_b = fields.String()
    registered_at = fields.DateTime()


class UseIn(Schema):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    purpose = fields.String(
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "`approval`; anything else is refused and recorded (EQ-4.2)"},
    )
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    staff_id = fields.String(required=True, validate=STAFF_ID)


class UseOut(Schema):
    id = fields.Integer()
    seal_id = fields.Integer()
    case_number = fields.String()
    purpose = fields.String()
    description = fields.String()
    staff_id = fields.String()
    used_at = fields.DateTime()
    allowed = fields.Boolean(metadata={"description": "false: an attempted misuse, refused"})
    refusal = fields.String(allow_none=True)


class UsePage(Schema):
    items = fields.List(fields.Nested(UseOut))
    next_cursor = fields.String(allow_none=True)


class UseQuery(PageQuery):
    allowed = fields.Boolean(load_default=None)


class AllUseOut(UseOut):
    unit_code = fields.String(metadata={"description": "the seal's unit"})


class AllUsePage(Schema):
    items = fields.List(fields.Nested(AllUseOut))
    next_cursor = fields.String(allow_none=True)


class AllUseQuery(PageQuery):
    allowed = fields.Boolean(
        load_default=None, metadata={"description": "false: the refused attempts (misuses)"}
    )
    unit_code = fields.String(load_default=None, validate=validate.Length(min=1, max=63))
    start = fields.Date(
        data_key="from", load_default=None, metadata={"description": "hall day, included"}
    )
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "included"})


class TrainingIn(Schema):
    staff_id = fields.String(required=True, validate=STAFF_ID)
    course = fields.String(required=True, validate=validate.Length(min=1, max=200))
    hours = fields.Integer(required=True)
    provider = fields.String(
        required=True, metadata={"description": ", ".join(attendance_rules.Provider)}
    )
    held_on = fields.Date(required=True)


class TrainingOut(TrainingIn):
    id = fields.Integer()


class TrainingPage(Schema):
    items = fields.List(fields.Nested(TrainingOut))
    next_cursor = fields.String(allow_none=True)


class TrainingQuery(PageQuery):
    staff_id = fields.String(load_default=None)


class MarkIn(Schema):
    status = fields.String(
        required=True, metadata={"description": ", ".join(attendance_rules.Status)}
    )
    note = fields.String(load_default="")


class MarkOut(Schema):
    staff_id = fields.String()
    day = fields.Date()
    status = fields.String()
    note = fields.String()


class MarkPage(Schema):
    items = fields.List(fields.Nested(MarkOut))
    next_cursor = fields.String(allow_none=True)


class PeriodQuery(Schema):
    staff_id = fields.String(load_default=None)
    start = fields.Date(
        data_key="from", load_default=None, metadata={"description": "default Jan 1"}
    )
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "default today"})


class MarkQuery(PageQuery, PeriodQuery):
    pass


class SummaryOut(Schema):
    staff_id = fields.String()
    name = fields.String()
    present = fields.Integer()
    absent_approved = fields.Integer()
    absent_unapproved = fields.Integer()
    late = fields.Integer()
    days = fields.Integer()


class ImportOut(Schema):
    imported = fields.Integer(metadata={"description": "rows in the sheet, all written"})
    changed = fields.Integer(metadata={"description": "rows that differed from the record"})


SHEET_BODY = {
    "content": {
        "text/csv": {"schema": {"type": "string", "maxLength": attendance_rules.MAX_SHEET_BYTES}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    }
}


@seals_blp.route("")
class Seals(MethodView):
    @auth.roles(*WRITERS)
    @seals_blp.arguments(SealIn)
    @seals_blp.response(201, SealOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register the unit's approval seal with its custodians, the chief representative (A)
        and deputy (B) (EQ-4.2). One seal per unit."""
        return seals.register(unit_of_work(), _unit_of(body["unit_code"]), body)

    @auth.roles(*READERS)
    @seals_blp.response(200, SealOut(many=True))
    def get(self) -> Any:
        """Seals with the custodians serving now; a unit sees its own."""
        return seals.list_seals(unit_of_work(), unit_scope())


@seals_blp.route("/uses")
class AllSealUses(MethodView):
    @auth.roles(*READERS)
    @seals_blp.arguments(AllUseQuery, location="query")
    @seals_blp.response(200, AllUsePage)
    def get(self, query: dict[str, Any]) -> Any:
        """Every seal's log, newest first, each line naming its seal's unit: `allowed=false`
        lists the attempted misuses across all seals (EQ-4.2), `unit_code` one unit's, `from`
        and `to` the hall days they were made on. A unit sees its own seal's."""
        if query["start"] and query["end"] and query["end"] < query["start"]:
            raise Invalid("`to` is on or after `from`", field="to")
        before = decode_cursor(query["cursor"], int)
        rows = seals.all_uses(unit_of_work(), unit_scope(), query, before, query["limit"] + 1)
        return page(rows, query["limit"], key=lambda row: row["id"])


@seals_blp.route("/<int:seal_id>")
class SealById(MethodView):
    @auth.roles(*READERS)
    @seals_blp.response(200, SealOut)
    def get(self, seal_id: int) -> Any:
        return seals.get(unit_of_work(), seal_id, unit_scope())


@seals_blp.route("/<int:seal_id>/uses")
class SealUses(MethodView):
    @auth.roles(*WRITERS)
    @seals_blp.arguments(UseIn)
    @seals_blp.response(201, UseOut)
    def post(self, body: dict[str, Any], seal_id: int) -> Any:
        """Log a use. Custody is checked against the chief representative and deputy serving
        now; a use by anyone else, or for anything but an approval, is refused (422, EQ-4.2)
        and recorded with `allowed: false`."""
        return seals.use(unit_of_work(), seal_id, unit_scope(), body)

    @auth.roles(*READERS)
    @seals_blp.arguments(UseQuery, location="query")
    @seals_blp.response(200, UsePage)
    def get(self, query: dict[str, Any], seal_id: int) -> Any:
        """The log, newest first; `allowed=false` lists refused attempts only."""
        before = decode_cursor(query["cursor"], int)
        rows = seals.uses(
            unit_of_work(), seal_id, unit_scope(), query["allowed"], before, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@trainings_blp.route("")
class Trainings(MethodView):
    @auth.roles(*WRITERS)
    @trainings_blp.arguments(TrainingIn)
    @trainings_blp.response(201, TrainingOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Record training a staff member took (TJ-7.1): hours > 0, held already."""
        return training.record_training(unit_of_work(), unit_scope(), body)

    @auth.roles(*READERS)
    @trainings_blp.arguments(TrainingQuery, location="query")
    @trainings_blp.response(200, TrainingPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Training records, latest first, of one staff member or all one may see."""
        rows = training.trainings(
            unit_of_work(),
            unit_scope(),
            query["staff_id"],
            _day_key(query["cursor"], int),
            query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda row: [row["held_on"].isoformat(), row["id"]])


@attendance_blp.route("")
class Attendance(MethodView):
    @auth.roles(*READERS)
    @attendance_blp.arguments(MarkQuery, location="query")
    @attendance_blp.response(200, MarkPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Attendance in a period (by default this year so far), latest day first."""
        rows = training.marks(
            unit_of_work(),
            unit_scope(),
            query["staff_id"],
            attendance_rules.period(query["start"], query["end"], clock.today()),
            _day_key(query["cursor"], str),
            query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda row: [row["day"].isoformat(), row["staff_id"]])


@attendance_blp.route("/summary")
class AttendanceSummary(MethodView):
    @auth.roles(*READERS)
    @attendance_blp.arguments(PeriodQuery, location="query")
    @attendance_blp.response(200, SummaryOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Days of each status per staff member in a period: an input of the assessment."""
        span = attendance_rules.period(query["start"], query["end"], clock.today())
        return training.summary(unit_of_work(), unit_scope(), query["staff_id"], span)


@attendance_blp.route("/<staff_id>/<day>")
class AttendanceDay(MethodView):
    @auth.roles(*WRITERS)
    @attendance_blp.arguments(MarkIn)
    @attendance_blp.response(200, MarkOut)
    def put(self, body: dict[str, Any], staff_id: str, day: str) -> Any:
        """Record one staff member's day; repeating it changes nothing (TJ-7.3)."""
        return training.put_mark(unit_of_work(), unit_scope(), staff_id, day, body)


@attendance_blp.route("/import")
class AttendanceImport(MethodView):
    @auth.roles(*WRITERS)
    @attendance_blp.doc(requestBody=SHEET_BODY)
    @attendance_blp.response(200, ImportOut)
    def post(self) -> Any:
        """Import a sheet with the columns staff_id, day, status, note (UTF-8 or GB18030, at
        most 2 MiB and 10,000 rows). Every row is checked first; if any is wrong nothing is
        written and the problem's `errors` name each one (`row 3.status`; the header is row 1)."""
        return training.import_sheet(unit_of_work(), unit_scope(), _sheet())


def _sheet() -> bytes:
    limit = attendance_rules.MAX_SHEET_BYTES
    # Refused before reading; the slack is multipart framing. The sheet itself is measured again.
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise attendance_rules.TooLarge(
            f"a sheet is at most {limit // (1024 * 1024)} MiB", rule=SHEET_RULE, field="file"
        )
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("send the sheet in the form field `file`", rule=SHEET_RULE, field="file")
        return upload.read(limit + 1)
    if request.mimetype in ("text/csv", "text/plain"):
        return request.get_data()
    raise Invalid(
        "send the sheet as text/csv or multipart/form-data", rule=SHEET_RULE, field="Content-Type"
    )


def _unit_of(named: str | None) -> str:
    scope = unit_scope()
    if scope is not None and named not in (None, scope):
        raise NotFound(f"no unit {named}")
    unit = scope or named
    if not unit:
        raise Invalid("name the unit whose seal this is", field="unit_code")
    return unit


def _day_key(cursor: str | None, then: type) -> list[Any] | None:
    """A cursor [day, id] as the lists hand them out."""
    key = decode_cursor(cursor, (str, then))
    if key is None:
        return None
    if attendance_rules.parse_day(key[0]) is None:
        raise Invalid("the cursor is not one this service gave out", field="cursor")
    return key
