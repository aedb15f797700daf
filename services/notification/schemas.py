"""Notification's request and response bodies."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.pagination import PageQuery


class NoticeQuery(PageQuery):
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
