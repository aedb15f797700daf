"""Keyset pagination: `limit` and an opaque `cursor`, fast at a million rows."""

from __future__ import annotations

import base64
import json
from typing import Any

from marshmallow import fields, validate

from shared.errors import Invalid
from shared.schemas import BIGINT_MAX, Schema, storable

MAX_LIMIT = 200


class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None)


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


# What a list's cursor holds: one value of a type (an id, a code), or a list of values of these
# types in this order (a day and an id, …). JSON's types: int, str, float.
Shape = type | tuple[type, ...]
NOT_OURS = "the cursor is not one this service gave out"


def decode_cursor(cursor: str | None, shape: Shape) -> Any:
    """The key a page ended on, as `encode_cursor` wrote it, or None for the first page. A
    cursor that is not base64 of JSON, or whose JSON is not of `shape` (an object, a string
    where an id belongs, …), is a 422 naming `cursor`: it never reaches a query."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Invalid(NOT_OURS, field="cursor") from exc
    if not _fits(key, shape):
        raise Invalid(NOT_OURS, field="cursor")
    return key


def _fits(key: Any, shape: Shape) -> bool:
    if isinstance(shape, tuple):
        return (
            isinstance(key, list)
            and len(key) == len(shape)
            and all(_fits(part, kind) for part, kind in zip(key, shape, strict=True))
        )
    # Exactly the type: True is no id, and a float no integer.
    if type(key) is not shape:
        return False
    if isinstance(key, int):
        return -BIGINT_MAX - 1 <= key <= BIGINT_MAX
    return not isinstance(key, str) or storable(key)


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
    key: int | None = decode_cursor(cursor, int)
    return key
