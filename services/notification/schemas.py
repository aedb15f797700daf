"""Notification's request and response bodies."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from services.notification.domain.inboxes import is_inbox_key
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


class NoticeQuery(PageQuery, RecipientQuery):
    unread = fields.Boolean(load_default=False)


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
    unread = fields.Integer()


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
