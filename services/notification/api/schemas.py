"""Notification's request and response bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.notification.domain.inboxes import is_inbox_key
from shared.clock import HALL_TIMEZONE
from shared.pagination import PageQuery
from shared.schemas import Schema


def _inbox_key(value: str) -> None:
    if not is_inbox_key(value):
        raise ValidationError(
            "authority, center, inspector, unit:<code>, staff:<unit code>:<staff id>, "
            "district:<name>, integrator:<sub> or case:<receipt number>"
        )


class RecipientQuery(Schema):
    recipient = fields.String(
        load_default=None,
        validate=_inbox_key,
        metadata={
            "description": "Whose inbox (default: the caller's own). The authority and the "
            "center may name any, e.g. `district:<name>`; a unit its own staff's "
            "(`staff:<its code>:<staff id>`); any other role only its own."
        },
    )


INSTANT_MAX = 40  # the longest ISO datetime with an offset and microseconds is 32


class Instant(fields.Field):
    """A point in time given as a datetime with its offset (`2026-12-01T08:00:00+08:00`, `…Z`)
    or as a date (`2026-12-01`, a day of the hall's calendar, Asia/Shanghai). A date is loaded
    as the day it names, `(start, end)`; a datetime as `(instant, instant)`. A datetime
    without an offset is refused: it would name a different instant to each reader."""

    def __init__(self, *, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "minLength": 10,
            "maxLength": INSTANT_MAX,
            "example": "2026-12-01",
            **(metadata or {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or len(value) > INSTANT_MAX:
            raise ValidationError("a date (YYYY-MM-DD) or a datetime with its offset")
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        try:
            if day is not None:
                start = datetime.combine(day, time(), HALL_TIMEZONE).astimezone(UTC)
                end = datetime.combine(day + timedelta(days=1), time(), HALL_TIMEZONE)
                return (start, end.astimezone(UTC))
            try:
                instant = datetime.fromisoformat(value)
            except ValueError as exc:
                raise ValidationError("a date (YYYY-MM-DD) or a datetime with its offset") from exc
            if instant.tzinfo is None:
                raise ValidationError("a datetime needs its offset (Z or +08:00)")
            instant = instant.astimezone(UTC)
        except OverflowError as exc:  # 0001-01-01T00:00+14:00, 9999-12-31: no UTC instant
            raise ValidationError("a date or datetime within years 1–9999 in UTC") from exc
        return (instant, instant)


ORDERS = ("newest", "oldest")


class NoticeQuery(PageQuery, RecipientQuery):
    order = fields.String(
        load_default="newest",
        validate=validate.OneOf(ORDERS),
        metadata={"description": "`newest` first (the default) or `oldest` first"},
    )
    type = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        metadata={
            "description": "Only notices of these event types (repeat for several), e.g. "
            "`govhall.inspection.sanction.imposed.v1`"
        },
    )
    since = Instant(
        load_default=None,
        metadata={
            "description": "Only notices recorded at or after this: a datetime with its offset, "
            "or a date (from the start of that day, hall time)"
        },
    )
    until = Instant(
        load_default=None,
        metadata={
            "description": "Only notices recorded before this: a datetime with its offset "
            "(exclusive), or a date (that whole day included, hall time)"
        },
    )
    read = fields.Boolean(
        load_default=None,
        metadata={"description": "`true`: only read notices; `false`: only unread ones"},
    )
    unread = fields.Boolean(
        load_default=False,
        metadata={"description": "Deprecated: `unread=true` is `read=false`"},
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("unread") and data.get("read") is True:
            raise ValidationError("read=true and unread=true exclude each other", "read")
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until[1] <= since[0]:
            raise ValidationError("until must come after since", "until")


LANGUAGE = fields.String(
    metadata={"description": "the language of `title`: Accept-Language zh or en, else zh"}
)


class NoticeOut(Schema):
    id = fields.Integer()
    recipient = fields.String()
    channel = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    subject = fields.String()
    title = fields.String()
    language = LANGUAGE
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NoticePage(Schema):
    items = fields.List(fields.Nested(NoticeOut))
    next_cursor = fields.String(allow_none=True)
    unread = fields.Integer(
        metadata={
            "description": "How many notices of the inbox are unread, whatever the filters "
            "(the badge)"
        }
    )


class CaseNoticeQuery(PageQuery):
    receipt_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    query_code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CaseNoticeOut(Schema):
    id = fields.Integer()
    event_type = fields.String()
    title = fields.String()
    language = LANGUAGE
    created_at = fields.DateTime()


class CaseNoticePage(Schema):
    items = fields.List(fields.Nested(CaseNoticeOut))
    next_cursor = fields.String(allow_none=True)
