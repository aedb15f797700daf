"""The inbox over HTTP: the caller's own inbox, and an applicant's case notices.

Notices come in the reader's language: `Accept-Language` zh or en (zh when it names neither).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, after_this_request, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.notification.adapters import texts
from services.notification.api.schemas import (
    CaseNoticePage,
    CaseNoticeQuery,
    NoticeOut,
    NoticePage,
    NoticeQuery,
    RecipientQuery,
)
from services.notification.domain.inboxes import inbox_keys
from services.notification.handlers import applicants, inbox
from shared import auth, limits
from shared.errors import Invalid, NotFound
from shared.pagination import NOT_OURS, decode_cursor, page
from shared.web import require_principal, unit_of_work

notices = Blueprint(
    "notices", __name__, url_prefix="/api/v1/notices", description="The caller's inbox"
)
case_notices = Blueprint(
    "case_notices",
    __name__,
    url_prefix="/api/v1/case-notices",
    description="What the applicant of a case was told, by receipt number and query code",
)

READERS = ("authority", "center", "unit", "inspector", "integrator")


def _inboxes(recipient: str | None) -> tuple[str, ...]:
    who = require_principal()
    inboxes = inbox_keys(who.role, who.unit, recipient, sub=who.sub)
    if not inboxes:  # 404, not 403: whose inboxes exist is not the caller's business
        raise NotFound(f"no inbox {recipient}")
    return inboxes


def language() -> str:
    best = request.accept_languages.best_match(texts.LANGUAGES)
    return best if best in texts.LANGUAGES else texts.DEFAULT_LANGUAGE


def _in_language(body: Any) -> Any:
    """The body, its answer saying which language it is in and that this depends on the
    asking (so a cache keeps one copy per language)."""
    chosen = language()

    @after_this_request
    def say(response: Response) -> Response:
        response.headers["Content-Language"] = chosen
        response.vary.add("Accept-Language")
        return response

    return body


@notices.route("")
class Notices(MethodView):
    @auth.roles(*READERS)
    @notices.arguments(NoticeQuery, location="query")
    @notices.response(200, NoticePage)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's notices (or those of the inbox named by `recipient`: the authority and
        the center any, a unit its own staff's), newest first unless `order=oldest`, filtered
        by `type`, `since`/`until` and `read`; `unread` counts the whole inbox's unread
        notices, whatever the filters."""
        inboxes = _inboxes(query["recipient"])
        newest_first = query["order"] == "newest"
        since, until = query["since"], query["until"]
        wanted = inbox.InboxFilter(
            newest_first=newest_first,
            types=tuple(query["type"]),
            since=since[0] if since else None,
            until=until[1] if until else None,
            read=False if query["unread"] else query["read"],
            after=_position(query["cursor"], query["order"]),
        )
        rows = inbox.list_notices(unit_of_work(), inboxes, wanted, query["limit"] + 1, language())
        result = page(
            rows,
            query["limit"],
            key=lambda row: [row["created_at"].isoformat(), row["id"], query["order"]],
        )
        result["unread"] = inbox.unread_count(unit_of_work(), inboxes)
        return _in_language(result)


def _position(cursor: str | None, order: str) -> tuple[datetime, int] | None:
    """Where the previous page ended: a cursor this list gave out, in the same order."""
    key = decode_cursor(cursor, (str, int, str))
    if key is None:
        return None
    when, last, given_in = key
    try:
        at = datetime.fromisoformat(when)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or given_in != order:
        raise Invalid(NOT_OURS, field="cursor")
    return at, last


@notices.route("/<int:notice_id>/read")
class ReadNotice(MethodView):
    @auth.roles(*READERS)
    @notices.arguments(RecipientQuery, location="query")
    @notices.response(200, NoticeOut)
    def post(self, query: dict[str, Any], notice_id: int) -> Any:
        """Mark a notice read: one of the caller's own, or of the inbox named by `recipient`."""
        inboxes = _inboxes(query["recipient"])
        return _in_language(inbox.mark_read(unit_of_work(), inboxes, notice_id, language()))


@case_notices.route("")
class CaseNotices(MethodView):
    @limits.public("case_notices", receipt=("args", "receipt_number"), lockout=True)
    @auth.public
    @case_notices.arguments(CaseNoticeQuery, location="query")
    @case_notices.response(200, CaseNoticePage)
    def get(self, query: dict[str, Any]) -> Any:
        """What the applicant was told of the case (accepted, materials missing, extended,
        delivered or refused), oldest first. A wrong receipt number or query code is a 404
        that tells nothing more."""
        after = decode_cursor(query["cursor"], int) or 0
        rows = applicants.case_notices(
            unit_of_work(),
            query["receipt_number"],
            query["query_code"],
            language(),
            after,
            query["limit"] + 1,
        )
        return _in_language(page(rows, query["limit"], key=lambda row: row["id"]))
