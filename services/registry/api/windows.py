"""Windows: the setup procedure (TJ-5), details, opening, revocation, comprehensive receipts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.registry.api.schemas import (
    AgreementIn,
    AgreementOut,
    DetailsSchema,
    InspectionIn,
    LetterIn,
    ReasonIn,
    ReceiptIn,
    ReceiptOut,
    ReviewIn,
    RevocationIn,
    WindowIn,
    WindowOut,
    WindowQuery,
    page_of,
)
from services.registry.domain.windows import Window
from services.registry.handlers import agreements, windows
from shared import auth
from shared.errors import Forbidden
from shared.pagination import decode_cursor, page
from shared.web import if_match, require_principal, unit_of_work, unit_scope, with_etag

blp = Blueprint(
    "windows",
    __name__,
    url_prefix="/api/v1/windows",
    description="Windows and their setup procedure (TJ-4, TJ-5, EQ-2.2)",
)

READERS = ("authority", "center", "inspector", "unit")


def _etag(window: Window, status: int = 200) -> Any:
    return with_etag(window, window.version, status)


@blp.route("")
class Windows(MethodView):
    @auth.roles("unit")
    @blp.arguments(WindowIn)
    @blp.response(201, WindowOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Apply for a window (TJ-5.1): the unit's written application with evidence (TJ-4)."""
        unit = require_principal().unit
        if unit is None:
            raise Forbidden("a unit token names its unit")
        return _etag(windows.apply(unit_of_work(), unit, body), 201)

    @auth.roles(*READERS)
    @blp.arguments(WindowQuery, location="query")
    @blp.response(200, page_of(WindowOut))
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Windows in id order; a unit token sees only the windows that serve its unit."""
        rows = windows.list_windows(
            unit_of_work(),
            unit=unit_scope(),
            state=query["state"],
            after=decode_cursor(query["cursor"], int) or 0,
            limit=query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda window: window.id)


@blp.route("/<int:window_id>")
class WindowById(MethodView):
    @auth.roles(*READERS)
    @blp.response(200, WindowOut)
    def get(self, window_id: int) -> Any:
        return _etag(windows.get(unit_of_work(), window_id, unit=unit_scope()))

    @auth.roles("authority", "unit")
    @blp.arguments(DetailsSchema)
    @blp.response(200, WindowOut)
    def patch(self, changes: dict[str, str], window_id: int) -> Any:
        """Address, phone, hours and the service standards of TJ-6.1 (`If-Match` honoured)."""
        return _etag(
            windows.edit_details(
                unit_of_work(), window_id, changes, unit=unit_scope(), if_match=if_match()
            )
        )


def _step_view(step: str, schema: type, rule: str) -> type[MethodView]:
    class Step(MethodView):
        @auth.roles("authority")
        @blp.arguments(schema)
        @blp.response(200, WindowOut)
        def post(self, record: dict[str, Any], window_id: int) -> Any:
            return _etag(windows.take_step(unit_of_work(), window_id, step, record, if_match()))

    Step.post.__doc__ = f"Record the {step} ({rule}); the authority's step, taken once, in order."
    Step.__name__ = f"Window{step.title()}"
    return Step


# The class, not `.as_view()`: flask-smorest documents a MethodView's methods only from its class.
for _step, _schema, _rule in (
    ("inspection", InspectionIn, "TJ-5.2"),
    ("review", ReviewIn, "TJ-5.3"),
    ("letter", LetterIn, "TJ-5.4"),
):
    blp.add_url_rule(
        f"/<int:window_id>/{_step}", endpoint=_step, view_func=_step_view(_step, _schema, _rule)
    )


@blp.route("/<int:window_id>/agreement")
class WindowAgreement(MethodView):
    @auth.roles("authority")
    @blp.arguments(AgreementIn)
    @blp.response(201, AgreementOut)
    def post(self, body: dict[str, Any], window_id: int) -> Any:
        """Sign the delegation agreement (TJ-5.5): the matters delegated, for 3 years."""
        window, agreement = windows.sign_agreement(unit_of_work(), window_id, body, if_match())
        return with_etag(agreement, window.version, 201)

    @auth.roles(*READERS)
    @blp.response(200, AgreementOut(many=True))
    def get(self, window_id: int) -> Any:
        """Every agreement of the window, oldest first."""
        return agreements.for_window(unit_of_work(), window_id, unit=unit_scope())


@blp.route("/<int:window_id>/publication")
class WindowPublication(MethodView):
    @auth.roles("authority")
    @blp.response(200, WindowOut)
    def post(self, window_id: int) -> Any:
        """Publish the window (TJ-5.6, TJ-6.1): it becomes active."""
        return _etag(windows.publish(unit_of_work(), window_id, if_match()))


@blp.route("/<int:window_id>/opening")
class WindowOpening(MethodView):
    @auth.roles("center")
    @blp.arguments(ReasonIn)
    @blp.response(200, WindowOut)
    def post(self, body: dict[str, Any], window_id: int) -> Any:
        """Open a reserved window (EQ-2.2c emergency: with a reason; EQ-2.2d seasonal)."""
        return _etag(
            windows.set_open(
                unit_of_work(), window_id, open_=True, reason=body["reason"], if_match=if_match()
            )
        )


@blp.route("/<int:window_id>/closing")
class WindowClosing(MethodView):
    @auth.roles("center")
    @blp.arguments(ReasonIn)
    @blp.response(200, WindowOut)
    def post(self, body: dict[str, Any], window_id: int) -> Any:
        """Close a reserved window again."""
        return _etag(
            windows.set_open(
                unit_of_work(), window_id, open_=False, reason=body["reason"], if_match=if_match()
            )
        )


@blp.route("/<int:window_id>/revocation-request")
class WindowRevocationRequest(MethodView):
    @auth.roles("unit")
    @blp.arguments(ReasonIn)
    @blp.response(200, WindowOut)
    def post(self, body: dict[str, Any], window_id: int) -> Any:
        """The unit applies for revocation, e.g. for too little volume (TJ-7.6)."""
        return _etag(
            windows.request_revocation(
                unit_of_work(), window_id, body["reason"], unit=unit_scope(), if_match=if_match()
            )
        )


@blp.route("/<int:window_id>/revocation")
class WindowRevocation(MethodView):
    @auth.roles("authority")
    @blp.arguments(RevocationIn)
    @blp.response(200, WindowOut)
    def post(self, body: dict[str, Any], window_id: int) -> Any:
        """The authority consents to the unit's application: the window is revoked (TJ-7.6)."""
        return _etag(windows.consent_to_revocation(unit_of_work(), window_id, body, if_match()))


@blp.route("/<int:window_id>/receipts")
class WindowReceipts(MethodView):
    @auth.roles("center")
    @blp.arguments(ReceiptIn)
    @blp.response(201, ReceiptOut)
    def post(self, body: dict[str, Any], window_id: int) -> Any:
        """A comprehensive window's agent receives materials for one of its units (EQ-2.2b);
        the unit is told to come and accept them."""
        return windows.record_receipt(unit_of_work(), window_id, body)
