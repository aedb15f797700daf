"""Posts with their A and B (EQ-3.2.5), coverage, and chief representatives (EQ-3.1b)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.staffing.domain.posts import CHIEF_POWERS
from services.staffing.handlers import chiefs, posts
from shared import auth
from shared.errors import NotFound
from shared.schemas import Schema
from shared.web import require_principal, unit_of_work, unit_scope

blp = Blueprint(
    "posts",
    __name__,
    url_prefix="/api/v1/posts",
    description="Posts of windows, each with an A and a B (EQ-3.2.5)",
)
assignments_blp = Blueprint(
    "assignments", __name__, url_prefix="/api/v1/assignments", description="Who holds which post"
)
coverage_blp = Blueprint(
    "coverage", __name__, url_prefix="/api/v1/coverage", description="Posts lacking an A or a B"
)
chiefs_blp = Blueprint(
    "chief-representatives",
    __name__,
    url_prefix="/api/v1/chief-representatives",
    description="One chief representative per unit (EQ-3.1b, EQ-3.2.6)",
)
READERS = ("authority", "center", "inspector", "unit")


class PostIn(Schema):
    window_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PostOut(PostIn):
    id = fields.Integer()
    created_at = fields.DateTime()


class AssignmentIn(Schema):
    staff_id = fields.String(required=True)
    # Checked by the domain, so a refusal names EQ-3.2.5 (a schema OneOf would not).
    role = fields.String(required=True, metadata={"enum": ["A", "B"]})
    starts_on = fields.Date(
        load_default=None,
        metadata={"description": "today if none; earlier only by the center (EQ-3.2.3)"},
    )


class AssignmentOut(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    window_id = fields.Integer()
    staff_id = fields.String()
    role = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    end_reason = fields.String()


class EndIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1))


class SeatOut(Schema):
    post_id = fields.Integer(allow_none=True, metadata={"description": "none: a window unposted"})
    post = fields.String(allow_none=True)
    window_id = fields.Integer()
    a = fields.String(allow_none=True)
    b = fields.String(allow_none=True)
    covered = fields.Boolean()


class SeatQuery(Schema):
    window_id = fields.Integer(load_default=None)


class ChiefIn(Schema):
    staff_id = fields.String(required=True)
    deputy_staff_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the B who also keeps the seal"},
    )
    powers = fields.List(
        fields.String(validate=validate.OneOf(CHIEF_POWERS)),
        load_default=lambda: list(CHIEF_POWERS),
    )
    full_time = fields.Boolean(load_default=True)
    starts_on = fields.Date(
        load_default=None,
        metadata={"description": "today if none; earlier only by the center (EQ-3.2.6)"},
    )
    reason = fields.String(load_default="", metadata={"description": "EQ-3.2.6 early change"})


class ChiefOut(Schema):
    id = fields.Integer()
    unit_code = fields.String()
    staff_id = fields.String()
    deputy_staff_id = fields.String(allow_none=True)
    powers = fields.List(fields.String())
    full_time = fields.Boolean()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    replacement_reason = fields.String()
    replacement_approved_by = fields.String(allow_none=True)


def _seats(rows: list[Any]) -> list[dict[str, Any]]:
    return [{**asdict(seat), "covered": seat.covered} for seat in rows]


@blp.route("")
class Posts(MethodView):
    @auth.roles("unit", "center")
    @blp.arguments(PostIn)
    @blp.response(201, PostOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a post of a window (the window's unit or the center)."""
        return posts.create_post(unit_of_work(), unit_scope(), body)

    @auth.roles(*READERS)
    @blp.arguments(SeatQuery, location="query")
    @blp.response(200, SeatOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """Posts with who holds A and B."""
        return _seats(posts.seats(unit_of_work(), query["window_id"], unit_scope()))


@blp.route("/<int:post_id>/assignments")
class PostAssignments(MethodView):
    @auth.roles("unit", "center")
    @blp.arguments(AssignmentIn)
    @blp.response(201, AssignmentOut)
    def post(self, body: dict[str, Any], post_id: int) -> Any:
        """Post a staff member as A or B; checked against EQ-3.1a at the date of posting, which
        is today or, recorded by the center, earlier (EQ-3.2.3)."""
        by_center = require_principal().role == "center"
        return posts.assign(unit_of_work(), post_id, unit_scope(), body, by_center=by_center)


@assignments_blp.route("/<int:assignment_id>/end")
class EndAssignment(MethodView):
    @auth.roles("unit", "center")
    @assignments_blp.arguments(EndIn)
    @assignments_blp.response(200, AssignmentOut)
    def post(self, body: dict[str, Any], assignment_id: int) -> Any:
        return posts.end_assignment(unit_of_work(), assignment_id, unit_scope(), body["reason"])


@coverage_blp.route("")
class Coverage(MethodView):
    @auth.roles("center", "authority", "unit")
    @coverage_blp.response(200, SeatOut(many=True))
    def get(self) -> Any:
        """Posts of published windows that lack an A or a B, and published windows with no
        post (EQ-3.2.5)."""
        return posts.coverage(unit_of_work(), unit_scope())


@chiefs_blp.route("/<unit_code>")
class ChiefRepresentative(MethodView):
    @auth.roles(*READERS)
    @chiefs_blp.response(200, ChiefOut)
    def get(self, unit_code: str) -> Any:
        _own(unit_code)
        return chiefs.get(unit_of_work(), unit_code)

    @auth.roles("unit", "center")
    @chiefs_blp.arguments(ChiefIn)
    @chiefs_blp.response(201, ChiefOut)
    def put(self, body: dict[str, Any], unit_code: str) -> Any:
        """Appoint the unit's chief representative; replacing one within 2 years needs a
        reason and the center (EQ-3.2.6)."""
        _own(unit_code)
        by_center = require_principal().role == "center"
        return chiefs.appoint(unit_of_work(), unit_code, body, by_center=by_center)


def _own(unit_code: str) -> None:
    scope = unit_scope()
    if scope is not None and scope != unit_code:
        raise NotFound(f"no unit {unit_code}")
