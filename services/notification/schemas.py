"""Notification's request and response bodies."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields

from services.notification.domain.email import is_inbox_key
from shared.pagination import PageQuery


def _inbox_key(value: str) -> None:
    if not is_inbox_key(value):
        raise ValidationError(
            "authority, center, inspector, unit:<code>, district:<name> or integrator:<sub>"
        )


class RecipientQuery(Schema):
    recipient = fields.String(
        load_default=None,
        validate=_inbox_key,
        metadata={
            "description": "Whose inbox (default: the caller's own). The authority and the "
            "center may name any, e.g. `district:<name>`; any other role only its own."
        },
    )


class NoticeQuery(PageQuery, RecipientQuery):
    unread = fields.Boolean(load_default=False)


class NoticeOut(Schema):
    id = fields.Integer()
    recipient = fields.String()
    channel = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    subject = fields.String()
    title = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NoticePage(Schema):
    items = fields.List(fields.Nested(NoticeOut))
    next_cursor = fields.String(allow_none=True)
    unread = fields.Integer()
