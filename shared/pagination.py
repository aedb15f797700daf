"""Keyset pagination: `limit` and an opaque `cursor`, fast at a million rows."""

from __future__ import annotations

import base64
import json
from typing import Any

from marshmallow import fields, validate

from shared.errors import Invalid
from shared.schemas import Schema

MAX_LIMIT = 200


class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None)


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("the cursor is not one this service gave out", field="cursor") from exc


def page(items: list[Any], limit: int, key: Any) -> dict[str, Any]:
    """`items` holds up to limit + 1 rows: the extra one only says that there is a next page."""
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": items,
        "next_cursor": encode_cursor(key(items[-1])) if more and items else None,
    }


def decode_id_cursor(cursor: str | None) -> int | None:
    """A cursor that must hold an integer id (keyset pages in id order)."""
    key = decode_cursor(cursor)
    if key is not None and type(key) is not int:
        raise Invalid("the cursor is not one this service gave out", field="cursor")
    return key
