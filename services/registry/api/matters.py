"""The matter catalogue and forms (EQ-2.1, TJ-6.2, EQ-1.3): public to read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registry.api.schemas import (
    FormOut,
    MatterIn,
    MatterOut,
    MatterQuery,
    NewMatterIn,
    page_of,
)
from services.registry.domain import forms
from services.registry.domain.matters import MatterVersion
from services.registry.handlers import matters
from shared import auth
from shared.errors import Invalid
from shared.pagination import decode_cursor, page
from shared.web import unit_of_work

blp = Blueprint(
    "matters",
    __name__,
    url_prefix="/api/v1/matters",
    description="The matter catalogue (EQ-2.1, TJ-6.2)",
)
forms_blp = Blueprint(
    "forms",
    __name__,
    url_prefix="/api/v1/forms",
    description="Downloadable forms of the guides (TJ-6.2)",
)


@blp.route("")
class Matters(MethodView):
    @auth.roles("authority")
    @blp.arguments(NewMatterIn)
    @blp.response(201, MatterOut)
    def post(self, body: dict[str, Any]) -> MatterVersion:
        """Publish a new matter's guide (version 1)."""
        code = body.pop("code")
        return matters.publish_matter(unit_of_work(), code, body, new=True)

    @auth.public
    @blp.arguments(MatterQuery, location="query")
    @blp.response(200, page_of(MatterOut))
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Current guides; search by name, filter by type."""
        rows = matters.list_matters(
            unit_of_work(),
            q=query["q"],
            type=query["type"],
            after=decode_cursor(query["cursor"], str),
            limit=query["limit"] + 1,
        )
        return page(rows, query["limit"], key=lambda matter: matter.code)


@blp.route("/<code>")
class MatterByCode(MethodView):
    @auth.public
    @blp.response(200, MatterOut)
    def get(self, code: str) -> MatterVersion:
        """The current version of a matter's guide."""
        return matters.get_matter(unit_of_work(), code)

    @auth.roles("authority")
    @blp.arguments(MatterIn)
    @blp.response(200, MatterOut)
    def put(self, body: dict[str, Any], code: str) -> MatterVersion:
        """Publish the next version; earlier versions stay readable as they were."""
        return matters.publish_matter(unit_of_work(), code, body, new=False)


@blp.route("/<code>/versions/<int:version>")
class MatterVersionView(MethodView):
    @auth.public
    @blp.response(200, MatterOut)
    def get(self, code: str, version: int) -> MatterVersion:
        """A matter's guide exactly as it was published in that version."""
        return matters.get_matter(unit_of_work(), code, version)


@forms_blp.route("")
class Forms(MethodView):
    @auth.roles("authority")
    @forms_blp.response(201, FormOut)
    @forms_blp.doc(
        requestBody={
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    )
    def post(self) -> Any:
        """Upload a form (PDF, Word, Excel, OpenDocument, PNG or JPEG; at most 5 MiB)."""
        limit = forms.MAX_FORM_BYTES
        # Refused before reading; the slack is multipart framing. The file is measured again.
        if request.content_length is not None and request.content_length > limit + 64 * 1024:
            raise forms.TooLarge(f"a form is at most {limit // (1024 * 1024)} MiB", field="file")
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("send the form as multipart/form-data in the field `file`", field="file")
        return matters.upload_form(unit_of_work(), upload.filename or "", upload.read())


@forms_blp.route("/<int:form_id>")
class FormById(MethodView):
    @auth.public
    @forms_blp.response(200, description="The form, with its content type")
    def get(self, form_id: int) -> Response:
        """Download a form."""
        return form_response(form_id)


def form_response(form_id: int) -> Response:
    row = matters.get_form(unit_of_work(), form_id)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    response.headers["Content-Length"] = str(row.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response
