"""Findings of inspections (TJ-7.4) with evidence and rectification (TJ-8.1); guidance visits
(TJ-7.2) are in guidance_visits.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.inspection.domain import evidence as evidence_rules
from services.inspection.domain import findings as rules
from services.inspection.handlers import finding_evidence, finding_rectification
from services.inspection.handlers import findings as handlers
from shared import auth
from shared.errors import Invalid
from shared.pagination import PageQuery, decode_id_cursor, page
from shared.schemas import INT_MAX, LINE_MAX, TEXT_MAX, UNSTORABLE, Schema, storable
from shared.web import runtime, unit_of_work, unit_scope

findings_blp = Blueprint(
    "findings",
    __name__,
    url_prefix="/api/v1/findings",
    description="Findings of inspections and guidance visits, their evidence and rectification "
    "(TJ-7.4, TJ-8.1)",
)


RECORDERS = ("inspector", "authority")


READERS = ("authority", "center", "inspector", "unit")


# 1–60 working days: the domain refuses any other deadline, naming the field and TJ-8.1.
DAYS = {"minimum": 1, "maximum": rules.MAX_RECTIFICATION_WORKDAYS}


# Blank texts, severities and sources are refused by the domain, naming the field and the rule.
TEXT = validate.Length(max=5000)


class FindingFacts(Schema):
    severity = fields.String(required=True, metadata={"enum": [s.value for s in rules.Severity]})
    rule = fields.String(
        required=True, metadata={"description": "the rule breached (docs/rules.md): EQ-4.4b"}
    )
    case_id = fields.Integer(load_default=None, allow_none=True)
    staff_id = fields.String(load_default=None, allow_none=True)
    rectification = fields.String(
        required=True, validate=TEXT, metadata={"description": "what the unit must put right"}
    )
    rectification_days = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "working days to rectify; default FINDING_RECTIFICATION_DAYS, 10",
            **DAYS,
        },
    )


class FindingIn(FindingFacts):
    window_id = fields.Integer(required=True)
    summary = fields.String(required=True, validate=TEXT)
    source = fields.String(required=True, metadata={"enum": [s.value for s in rules.Source]})
    source_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "the draw or visit"}
    )
    problem_number = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "of the guidance visit"}
    )
    corrects_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "a withdrawn finding"}
    )


class FindingOut(FindingIn):
    id = fields.Integer()
    unit_code = fields.String()
    rectification_due_on = fields.Date()
    status = fields.String(metadata={"description": "open, reported, rectified or withdrawn"})
    overdue = fields.Boolean(metadata={"description": "open past its deadline"})
    overdue_at = fields.DateTime(allow_none=True, metadata={"description": "when announced"})
    recorded_by = fields.String()
    recorded_at = fields.DateTime()
    recorded_on = fields.Date()
    withdrawn_reason = fields.String(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)


class EvidenceOut(Schema):
    id = fields.Integer()
    finding_id = fields.Integer()
    purpose = fields.String(metadata={"description": "finding, or the unit's rectification"})
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    description = fields.String()
    replaces_id = fields.Integer(allow_none=True)
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class FindingRectificationOut(Schema):
    id = fields.Integer()
    report = fields.String()
    reported_by = fields.String()
    reported_at = fields.DateTime()
    due_on = fields.Date(metadata={"description": "the deadline it answered"})
    accepted = fields.Boolean(allow_none=True, metadata={"description": "null: not verified"})
    note = fields.String(allow_none=True)
    verified_by = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)


class FindingDetail(FindingOut):
    evidence = fields.List(fields.Nested(EvidenceOut))
    rectifications = fields.List(fields.Nested(FindingRectificationOut))


class WindowPeriodQuery(PageQuery):
    window_id = fields.Integer(load_default=None)
    unit_code = fields.String(load_default=None)
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)


class FindingQuery(WindowPeriodQuery):
    severity = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in rules.Severity])
    )
    status = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in rules.Status])
    )
    rule = fields.String(load_default=None)
    case_id = fields.Integer(load_default=None)
    staff_id = fields.String(load_default=None)


class FindingPage(Schema):
    items = fields.List(fields.Nested(FindingOut))
    next_cursor = fields.String(allow_none=True)


class RectificationReportIn(Schema):
    report = fields.String(required=True, validate=TEXT)


class VerificationIn(Schema):
    accepted = fields.Boolean(required=True)
    note = fields.String(load_default="", metadata={"description": "required when rejected"})
    rectification_days = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "when rejected", **DAYS}
    )


class WithdrawalIn(Schema):
    reason = fields.String(required=True, validate=TEXT)


@findings_blp.route("")
class Findings(MethodView):
    @auth.roles(*RECORDERS)
    @findings_blp.arguments(FindingIn)
    @findings_blp.response(201, FindingOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Record a finding of an inspection, spot check or guidance visit (TJ-7.4, TJ-7.2); the
        unit is ordered to rectify within working days (TJ-8.1). Emits `finding.recorded`."""
        return handlers.record_finding(unit_of_work(), body, runtime().calendar)

    @auth.roles(*READERS, "integrator")
    @findings_blp.arguments(FindingQuery, location="query")
    @findings_blp.response(200, FindingPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Findings in id order, withdrawn ones too; `from`/`to` bound the day recorded. A unit
        token sees the findings on its own windows."""
        after = decode_id_cursor(query["cursor"])
        rows = handlers.list_findings(
            unit_of_work(), unit_scope(), query, after, query["limit"] + 1
        )
        return page(rows, query["limit"], key=lambda row: row["id"])


@findings_blp.route("/<int:finding_id>")
class FindingById(MethodView):
    @auth.roles(*READERS, "integrator")
    @findings_blp.response(200, FindingDetail)
    def get(self, finding_id: int) -> Any:
        """A finding with its evidence (without the bytes) and every rectification report."""
        return handlers.get_finding(unit_of_work(), finding_id, unit_scope())


@findings_blp.route("/<int:finding_id>/withdrawal")
class Withdrawal(MethodView):
    @auth.roles(*RECORDERS)
    @findings_blp.arguments(WithdrawalIn)
    @findings_blp.response(200, FindingOut)
    def post(self, body: dict[str, Any], finding_id: int) -> Any:
        """Withdraw a wrong finding with the reason; it stays listed. Record the correction as a
        new finding naming it in `corrects_id`."""
        return handlers.withdraw(unit_of_work(), finding_id, body["reason"])


@findings_blp.route("/<int:finding_id>/rectification")
class Rectification(MethodView):
    @auth.roles("unit")
    @findings_blp.arguments(RectificationReportIn)
    @findings_blp.response(200, FindingOut)
    def post(self, body: dict[str, Any], finding_id: int) -> Any:
        """The unit ordered to rectify reports how it did (TJ-8.1); the inspectors verify."""
        return finding_rectification.report_rectification(
            unit_of_work(), finding_id, unit_scope(), body["report"]
        )


@findings_blp.route("/<int:finding_id>/verification")
class Verification(MethodView):
    @auth.roles(*RECORDERS)
    @findings_blp.arguments(VerificationIn)
    @findings_blp.response(200, FindingOut)
    def post(self, body: dict[str, Any], finding_id: int) -> Any:
        """Accept the rectification reported, or reject it saying what is still wrong: the unit
        gets a new deadline (`rectification_days`, default FINDING_RECTIFICATION_DAYS)."""
        return finding_rectification.verify(unit_of_work(), finding_id, body, runtime().calendar)


UPLOAD = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "description": {"type": "string", "maxLength": TEXT_MAX},
                    "replaces_id": {"type": "integer"},
                },
            }
        },
        **{
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in evidence_rules.EVIDENCE_KINDS
        },
    }
}


# The raw-body upload names its file and describes it in the query (the multipart form does so
# in its fields).
UPLOAD_QUERY = [
    {"in": "query", "name": "filename", "schema": {"type": "string", "maxLength": LINE_MAX}},
    {"in": "query", "name": "description", "schema": {"type": "string", "maxLength": TEXT_MAX}},
    {"in": "query", "name": "replaces_id", "schema": {"type": "integer", "maximum": INT_MAX}},
]


@findings_blp.route("/<int:finding_id>/evidence")
class EvidenceList(MethodView):
    @auth.roles(*RECORDERS, "unit")
    @findings_blp.doc(requestBody=UPLOAD, parameters=UPLOAD_QUERY)
    @findings_blp.response(201, EvidenceOut)
    def post(self, finding_id: int) -> Any:
        """Attach evidence: PDF, JPEG, PNG or UTF-8 text, at most 10 MiB, as multipart (`file`,
        `description`, `replaces_id`) or as the raw body with its Content-Type (`?filename=`,
        `?description=`, `?replaces_id=`). The unit ordered to rectify attaches evidence of its
        rectification. Nothing is deleted: a correction names the evidence it `replaces_id`."""
        upload, fields_ = _upload()
        return finding_evidence.add_evidence(
            unit_of_work(),
            finding_id,
            unit_scope(),
            upload,
            _description(fields_.get("description", "")),
            _replaces(fields_.get("replaces_id")),
        )

    @auth.roles(*READERS)
    @findings_blp.response(200, EvidenceOut(many=True))
    def get(self, finding_id: int) -> Any:
        return finding_evidence.list_evidence(unit_of_work(), finding_id, unit_scope())


@findings_blp.route("/<int:finding_id>/evidence/<int:evidence_id>")
class EvidenceFile(MethodView):
    @auth.roles(*READERS)
    @findings_blp.response(200, description="The file, checked against its SHA-256")
    def get(self, finding_id: int, evidence_id: int) -> Response:
        """Download evidence; a file that no longer matches its SHA-256 is not served (500)."""
        row = finding_evidence.evidence_file(unit_of_work(), finding_id, evidence_id, unit_scope())
        response = Response(row.data, mimetype=row.content_type)
        ascii_name = row.filename.encode("ascii", "replace").decode().replace("?", "_")
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.filename)}"
        )
        response.headers["Content-Length"] = str(row.size)
        response.headers["ETag"] = f'"{row.sha256}"'
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-cache"
        return response


def _upload() -> tuple[tuple[str | None, str | None, bytes], dict[str, str]]:
    limit = evidence_rules.MAX_EVIDENCE_BYTES
    # Refused before reading; the slack is multipart framing. The file is measured again.
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise evidence_rules.TooLarge(
            f"evidence is at most {limit // (1024 * 1024)} MiB", field="file"
        )
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("send the evidence in the form field `file`", field="file")
        return (
            (_text(upload.filename, "file"), upload.mimetype, upload.read(limit + 1)),
            {name: _text(value, name) for name, value in request.form.items()},
        )
    filename = _text(request.args.get("filename"), "filename")
    fields_ = {name: _text(value, name) for name, value in request.args.items()}
    return (filename, request.mimetype, request.get_data()), fields_


def _text(value: str | None, field: str) -> Any:
    """What the form or the query carries is text a database can keep (no NUL character)."""
    if value is not None and not storable(value):
        raise Invalid(UNSTORABLE, field=field)
    return value


def _description(text: str) -> str:
    if len(text) > TEXT_MAX:
        raise Invalid(f"the description is at most {TEXT_MAX} characters", field="description")
    return text


def _replaces(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise Invalid("name the evidence this replaces by its id", field="replaces_id")
    return int(text)


blueprints: list[Blueprint] = [findings_blp]
