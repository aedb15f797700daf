"""Deadlines the hall sets in working days (`COMPLAINT_DAYS`, `…_RECTIFICATION_DAYS`)."""

from __future__ import annotations


def configured_workdays(name: str, configured: str | None, default: int, maximum: int) -> int:
    """The setting `name` as the hall gave it, or `default` when it gave none; a ValueError
    naming the setting when it is not a whole number of working days in 1..maximum."""
    if configured is None or not configured.strip():
        return default
    try:
        days = int(configured)
    except ValueError:
        raise ValueError(f"{name} is a whole number, not {configured!r}") from None
    if not 1 <= days <= maximum:
        raise ValueError(f"{name} is 1..{maximum}, not {days}")
    return days
