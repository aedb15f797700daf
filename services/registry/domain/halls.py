"""Halls, and their closures and moves, announced in advance (EQ-4.5, EQ-1.1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.errors import Invalid, RuleViolation

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class NoticeKind(StrEnum):
    CLOSURE = "closure"
    MOVE = "move"


@dataclass(frozen=True)
class Hall:
    code: str
    name_zh: str
    name_en: str
    address: str
    hours: str
    phone: str


@dataclass(frozen=True)
class HallNotice:
    """EQ-4.5: a closure or move, announced before it starts; phones and matters stay."""

    id: int | None
    hall_code: str
    kind: NoticeKind
    starts_on: date
    ends_on: date | None
    new_address: str
    message_zh: str
    message_en: str
    announced_on: date


def new_hall(code: str, name_zh: str, name_en: str, address: str, hours: str, phone: str) -> Hall:
    if not CODE_PATTERN.match(code):
        raise Invalid("a hall code is 2–63 lower-case letters, digits or hyphens", field="code")
    for name, value in (("name_zh", name_zh), ("address", address), ("hours", hours)):
        if not value.strip():
            raise Invalid(f"a hall needs its {name}", field=name)
    return Hall(
        code, name_zh.strip(), name_en.strip(), address.strip(), hours.strip(), phone.strip()
    )


def announce(
    hall_code: str,
    kind: NoticeKind,
    *,
    starts_on: date,
    ends_on: date | None,
    new_address: str,
    message_zh: str,
    message_en: str,
    today: date,
) -> HallNotice:
    if starts_on <= today:
        raise RuleViolation(
            "a closure or move is announced in advance: it must start after today (EQ-4.5)",
            rule="EQ-4.5",
            field="starts_on",
        )
    if ends_on is not None and ends_on < starts_on:
        raise Invalid("a closure ends on or after the day it starts", field="ends_on")
    if kind is NoticeKind.MOVE and not new_address.strip():
        raise Invalid("a move names the new address", field="new_address")
    if not message_zh.strip():
        raise Invalid("the announcement needs its text", field="message_zh")
    return HallNotice(
        None,
        hall_code,
        kind,
        starts_on,
        ends_on,
        new_address.strip(),
        message_zh.strip(),
        message_en.strip(),
        today,
    )


def closed_days(notices: list[HallNotice]) -> dict[date, HallNotice]:
    """Days the hall is shut by an announced closure (a move closes it for its dates too)."""
    closed: dict[date, HallNotice] = {}
    for notice in notices:
        day, last = notice.starts_on, notice.ends_on or notice.starts_on
        while day <= last:
            closed[day] = notice
            day += timedelta(days=1)
    return closed
