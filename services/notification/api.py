"""Notification's HTTP adapter: the caller's own inbox."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notification import handlers
from services.notification.domain.routing import inbox_keys
from services.notification.schemas import NoticeOut, NoticePage, NoticeQuery, RecipientQuery
from shared import auth
from shared.errors import NotFound
from shared.pagination import decode_cursor, page
from shared.web import require_principal, unit_of_work

notices = Blueprint(
    "notices", __name__, url_prefix="/api/v1/notices", description="The caller's inbox"
)

READERS = ("authority", "center", "unit", "inspector", "integrator")


def _inboxes(recipient: str | None) -> tuple[str, ...]:
    who = require_principal()
    inboxes = inbox_keys(who.role, who.unit, recipient, sub=who.sub)
    if not inboxes:  # 404, not 403: whose inboxes exist is not the caller's business
        raise NotFound(f"no inbox {recipient}")
    return inboxes


@notices.route("")
class Notices(MethodView):
    @auth.roles(*READERS)
    @notices.arguments(NoticeQuery, location="query")
    @notices.response(200, NoticePage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The caller's notices (or, for the authority and the center, those of the inbox named
        by `recipient`), oldest first, with the unread count."""
        inboxes = _inboxes(query["recipient"])
        after = int(decode_cursor(query["cursor"]) or 0)
        rows = handlers.list_notices(
            unit_of_work(), inboxes, query["unread"], after, query["limit"] + 1
        )
        result = page(rows, query["limit"], key=lambda row: row["id"])
        result["unread"] = handlers.unread_count(unit_of_work(), inboxes)
        return result


@notices.route("/<int:notice_id>/read")
class ReadNotice(MethodView):
    @auth.roles(*READERS)
    @notices.arguments(RecipientQuery, location="query")
    @notices.response(200, NoticeOut)
    def post(self, query: dict[str, Any], notice_id: int) -> Any:
        """Mark a notice read: one of the caller's own, or of the inbox named by `recipient`."""
        return handlers.mark_read(unit_of_work(), _inboxes(query["recipient"]), notice_id)


def blueprints() -> list[Blueprint]:
    from services.notification.email import api as email
    from services.notification.webhooks import api as webhooks

    return [notices, *email.blueprints, *webhooks.blueprints]
