"""Hall closures and moves are announced in advance (EQ-4.5)."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain import halls
from services.registry.domain.halls import NoticeKind
from shared.errors import Invalid, RuleViolation

TODAY = date(2015, 12, 1)


def announce(**changes: object) -> halls.HallNotice:
    args: dict = {
        "starts_on": date(2015, 12, 18),
        "ends_on": date(2015, 12, 20),
        "new_address": "二七区行政服务中心",
        "message_zh": "搬迁",
        "message_en": "Move",
        "today": TODAY,
        **changes,
    }
    return halls.announce("eq-erqi", NoticeKind.MOVE, **args)


def test_the_2015_move_announced_in_advance() -> None:
    notice = announce()
    assert notice.kind is NoticeKind.MOVE and notice.announced_on == TODAY


def test_a_closure_starting_today_was_not_announced_in_advance() -> None:
    with pytest.raises(RuleViolation) as refused:
        announce(starts_on=TODAY)
    assert refused.value.rule == "EQ-4.5"


def test_a_move_names_its_new_address() -> None:
    with pytest.raises(Invalid):
        announce(new_address="")
    with pytest.raises(Invalid):
        announce(ends_on=date(2015, 12, 17))
