"""The public directory as JSON (TJ-5.6, TJ-6.1): the same data as the pages."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.registry.domain.matters import MatterType
from services.registry.domain.windows import WindowType
from services.registry.handlers import directory
from shared import auth
from shared.pagination import PageQuery, decode_cursor, page
from shared.schemas import Schema
from shared.web import unit_of_work

blp = Blueprint(
    "directory",
    __name__,
    url_prefix="/api/v1/directory",
    description="The public directory of published windows (no login)",
)


class DirectoryQuery(PageQuery):
    q = fields.String(load_default=None, metadata={"description": "matter or window name"})
    matter_type = fields.String(
        load_default=None, validate=validate.OneOf([t.value for t in MatterType])
    )
    window_type = fields.String(
        load_default=None, validate=validate.OneOf([t.value for t in WindowType])
    )
    district = fields.String(load_default=None)


class DirectoryEntry(Schema):
    reply = True

    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    type = fields.String(metadata={"description": "EQ-2.2 window type"})
    state = fields.String()
    suspended = fields.Boolean()
    is_open = fields.Boolean(metadata={"description": "taking applicants now"})
    unit = fields.Dict()
    co_units = fields.List(fields.Dict())
    district = fields.String()
    hall = fields.Dict()
    seasonal_months = fields.List(fields.Integer())
    address = fields.String()
    phone = fields.String()
    hours = fields.String()
    service_standards = fields.String()
    code_of_conduct = fields.String()
    performance_assessment = fields.String()
    complaint_channel = fields.String()
    emergency_plan = fields.String()
    matters = fields.List(fields.Dict())
    staff = fields.List(fields.Dict(), metadata={"description": "names as published"})


class DirectoryPage(Schema):
    items = fields.List(fields.Nested(DirectoryEntry))
    next_cursor = fields.String(allow_none=True)


@blp.route("")
class Directory(MethodView):
    @auth.public
    @blp.arguments(DirectoryQuery, location="query")
    @blp.response(200, DirectoryPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Published windows with their matters, staff on duty, hours and standards."""
        filters = directory.Filters(
            q=query["q"],
            matter_type=query["matter_type"],
            window_type=query["window_type"],
            district=query["district"],
        )
        rows = directory.entries(
            unit_of_work(),
            filters,
            after=decode_cursor(query["cursor"], int) or 0,
            limit=query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda entry: entry["id"])


@blp.route("/windows/<int:window_id>")
class DirectoryWindow(MethodView):
    @auth.public
    @blp.response(200, DirectoryEntry)
    def get(self, window_id: int) -> dict[str, Any]:
        return directory.entry(unit_of_work(), window_id)
