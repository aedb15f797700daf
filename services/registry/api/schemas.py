"""Registry's request and response bodies."""

from __future__ import annotations

from marshmallow import fields, validate

from services.registry.domain.halls import NoticeKind
from services.registry.domain.matters import CaseKind, MatterType
from services.registry.domain.windows import STANDARDS, WindowState, WindowType
from shared.pagination import PageQuery
from shared.schemas import Schema, Text

Str = fields.String
NonEmpty = validate.Length(min=1)


def page_of(item: type[Schema]) -> type[Schema]:
    return type(
        f"{item.__name__}Page",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item)),
            "next_cursor": Str(allow_none=True),
        },
    )


def _email_or_empty(value: str) -> None:
    if value:
        validate.Email()(value)


class ContactSchema(Schema):
    name = Str(required=True, validate=NonEmpty)
    phone = Str(required=True, validate=validate.Regexp(r"^[0-9+\-() ]{5,30}$"))
    # "" when there is none, as the unit is written back: a reply must load as a request.
    email = Str(
        load_default="",
        validate=[validate.Length(max=254), _email_or_empty],
        metadata={"description": "an e-mail address, or empty"},
    )
    role = Str(load_default="")


class UnitIn(Schema):
    code = Str(required=True, validate=validate.Length(min=2, max=63))
    name = Str(required=True, validate=validate.Length(min=1, max=200))
    district = Str(required=True, validate=validate.Length(min=1, max=100))
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list)


class UnitPatch(Schema):
    name = Str(validate=validate.Length(min=1, max=200))
    district = Str(validate=validate.Length(min=1, max=100))
    contacts = fields.List(fields.Nested(ContactSchema))


class UnitOut(Schema):
    code = Str()
    name = Str()
    district = Str()
    registered_at = fields.DateTime()
    contacts = fields.List(fields.Nested(ContactSchema))


class HallIn(Schema):
    code = Str(required=True)
    name_zh = Str(required=True)
    name_en = Str(required=True)
    address = Str(required=True)
    hours = Str(required=True)
    phone = Str(load_default="")


class HallNoticeIn(Schema):
    kind = Str(required=True, validate=validate.OneOf([k.value for k in NoticeKind]))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    new_address = Str(load_default="")
    message_zh = Text(required=True)
    message_en = Text(load_default="")


class HallNoticeOut(HallNoticeIn):
    id = fields.Integer()
    hall_code = Str()
    announced_on = fields.Date()


class HallOut(HallIn):
    notices = fields.List(fields.Nested(HallNoticeOut))


class MaterialSchema(Schema):
    name_zh = Str(required=True, validate=NonEmpty)
    name_en = Str(required=True, validate=NonEmpty)
    required = fields.Boolean(load_default=True)
    copies = fields.Integer(load_default=1, validate=validate.Range(min=0, max=20))
    note = Text(load_default="")


class MatterIn(Schema):
    name_zh = Str(required=True, validate=NonEmpty)
    name_en = Str(required=True, validate=NonEmpty)
    type = Str(
        required=True,
        validate=validate.OneOf([t.value for t in MatterType]),
        metadata={"description": "EQ-2.1"},
    )
    case_kind = Str(required=True, validate=validate.OneOf([k.value for k in CaseKind]))
    legal_limit_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365))
    promised_limit_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365))
    extension_days = fields.Integer(load_default=0, validate=validate.Range(min=0, max=365))
    extension_note = Text(load_default="")
    materials = fields.List(fields.Nested(MaterialSchema), required=True)
    flow = fields.List(Str(), required=True)
    visits = fields.Integer(required=True, validate=validate.Range(min=0, max=10))
    fees = Text(load_default="")
    legal_basis = Text(required=True)
    forms = fields.List(fields.Integer(), load_default=list)
    unit_code = Str(load_default=None, allow_none=True)
    description = Text(load_default="")


class NewMatterIn(MatterIn):
    code = Str(required=True, validate=validate.Length(min=2, max=63))


class FormOut(Schema):
    id = fields.Integer()
    filename = Str()
    content_type = Str()
    size = fields.Integer()


class MatterOut(MatterIn):
    code = Str()
    version = fields.Integer()
    published_at = fields.DateTime()
    extendable = fields.Boolean()
    forms = fields.List(fields.Integer())


class MatterQuery(PageQuery):
    q = Str(load_default=None, metadata={"description": "part of the name, Chinese or English"})
    type = Str(load_default=None, validate=validate.OneOf([t.value for t in MatterType]))


class EvidenceSchema(Schema):
    demand = Text(required=True, metadata={"description": "TJ-4.1"})
    staffing = Text(required=True, metadata={"description": "TJ-4.2"})
    funding = Text(required=True, metadata={"description": "TJ-4.2"})
    equipment = Text(required=True, metadata={"description": "TJ-4.2"})
    district_consent = Text(required=True, metadata={"description": "TJ-4.2, TJ-5.1"})


class DetailsSchema(Schema):
    address = Str()
    phone = Str()
    hours = Str()
    service_standards = Text()
    code_of_conduct = Text()
    performance_assessment = Text()
    complaint_channel = Text()
    emergency_plan = Text()


class WindowIn(Schema):
    hall_code = Str(required=True)
    name_zh = Str(required=True)
    name_en = Str(required=True)
    type = Str(
        required=True,
        validate=validate.OneOf([t.value for t in WindowType]),
        metadata={"description": "EQ-2.2"},
    )
    evidence = fields.Nested(EvidenceSchema, required=True)
    co_units = fields.List(Str(), load_default=list)
    seasonal_months = fields.List(fields.Integer(), load_default=list)
    details = fields.Nested(DetailsSchema, load_default=dict)


class WindowOut(Schema):
    id = fields.Integer()
    unit_code = Str()
    co_units = fields.List(Str())
    hall_code = Str()
    name_zh = Str()
    name_en = Str()
    type = Str()
    state = Str()
    is_open = fields.Boolean()
    open_reason = Str()
    seasonal_months = fields.List(fields.Integer())
    evidence = fields.Nested(EvidenceSchema)
    details = fields.Dict(keys=Str(), values=Str())
    records = fields.Dict()
    revocation_request = Str()
    applied_at = fields.DateTime()
    version = fields.Integer()


class WindowQuery(PageQuery):
    state = Str(load_default=None, validate=validate.OneOf([s.value for s in WindowState]))


class InspectionIn(Schema):
    """TJ-5.2: the joint on-site inspection."""

    inspected_on = fields.Date(required=True)
    inspectors = fields.List(Str(validate=NonEmpty), required=True)
    findings = Text(required=True)
    passed = fields.Boolean(required=True)


class ReviewIn(Schema):
    """TJ-5.3: the review meeting."""

    held_on = fields.Date(required=True)
    participants = fields.List(Str(validate=NonEmpty), required=True, validate=NonEmpty)
    experts = fields.List(Str(validate=NonEmpty), required=True)
    opinion = Text(required=True, validate=NonEmpty)
    passed = fields.Boolean(required=True)


class LetterIn(Schema):
    """TJ-5.4: the confirmation letter."""

    number = Str(required=True, validate=NonEmpty)
    issued_on = fields.Date(required=True)


class AgreementIn(Schema):
    matters = fields.List(Str(), required=True)
    duties = Text(required=True)
    rights = Text(required=True)
    requirements = Text(required=True)
    starts_on = fields.Date(required=True)


class AssessmentSchema(Schema):
    assessed_on = fields.Date(required=True)
    passed = fields.Boolean(required=True)
    summary = Text(required=True, validate=NonEmpty)
    assessed_by = Str(dump_only=True)


class AgreementOut(Schema):
    id = fields.Integer()
    window_id = fields.Integer()
    matters = fields.List(Str())
    duties = Str()
    rights = Str()
    requirements = Str()
    starts_on = fields.Date()
    ends_on = fields.Date()
    status = Str()
    assessment = fields.Nested(AssessmentSchema, allow_none=True)
    previous_id = fields.Integer(allow_none=True)


class ReasonIn(Schema):
    reason = Str(load_default="")


class RevocationIn(Schema):
    consented_on = fields.Date(required=True)
    note = Str(load_default="")


class ReceiptIn(Schema):
    unit_code = Str(required=True)
    matter_code = Str(required=True)
    applicant = Str(required=True, validate=NonEmpty)
    materials = fields.List(Str(validate=NonEmpty), required=True, validate=NonEmpty)


class ReceiptOut(ReceiptIn):
    id = fields.Integer()
    window_id = fields.Integer()
    received_at = fields.DateTime()


STANDARD_FIELDS = STANDARDS
