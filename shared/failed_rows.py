"""A failed event's row made storable, and a database that is down told from one that refuses a
row: what the inbox (shared/consumer.py) needs to keep any message as a dead letter without
losing it."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

# What of a message too large to parse a dead letter keeps (the whole goes to the DLX).
KEPT_PREFIX_BYTES = 64 * 1024
# Column sizes of failed_events (shared.messaging_tables).
EVENT_ID_LENGTH = 100
EVENT_TYPE_LENGTH = 200


def storable(body: str | bytes) -> str:
    """A message body as text a database keeps: base64 when it is not clean UTF-8."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        return "base64:" + base64.b64encode(raw).decode()
    return text


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def database_down(exc: BaseException) -> bool:
    """The database unreachable (wait and try again), not a row it refuses (the message's fault:
    a value too long, a NUL character, a bad encoding), which no retry would cure."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def raw_bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body


def printable(text: str) -> str:
    """Text without NUL (PostgreSQL refuses it in text) nor lone surrogates (not UTF-8)."""
    text = text.replace("\x00", "\\u0000")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def fit_row(values: dict[str, Any]) -> dict[str, Any]:
    """A failed event's row made storable as far as can be without losing the message: short
    fields cut to their columns and flagged in last_error, NUL escaped, the body kept whole
    (base64 when it is not clean UTF-8)."""
    fitted = dict(values)
    flags = []
    event_id = printable(str(values["event_id"]))
    if len(event_id) > EVENT_ID_LENGTH or event_id != values["event_id"]:
        # Not cut: two ids with one prefix would pass for one event, and one of them be lost.
        flags.append("event_id replaced by the body's digest")
        event_id = "sha256:" + hashlib.sha256(raw_bytes(values["body"])).hexdigest()
    fitted["event_id"] = event_id
    event_type = printable(str(values["event_type"]))
    if len(event_type) > EVENT_TYPE_LENGTH or event_type != values["event_type"]:
        flags.append("event_type truncated or escaped")
    fitted["event_type"] = event_type[:EVENT_TYPE_LENGTH]
    fitted["body"] = storable(values["body"])
    error = printable(values["last_error"])
    if flags:
        error = f"[{'; '.join(flags)}] {error}"
    fitted["last_error"] = error[:2000]
    return fitted
