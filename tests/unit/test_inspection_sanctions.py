"""The sanctions ladder as a state machine (TJ-8.1, TJ-8.2): pure rules, no I/O."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.domain import sanctions as rules
from services.inspection.domain.sanctions import Ground, Kind, Status
from shared.errors import Conflict, Invalid, RuleViolation, StateConflict

DAY = date(2026, 11, 23)
DUE = date(2026, 12, 7)


def test_an_interview_is_with_both_the_window_lead_and_the_unit_leader() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.check_interviewed([{"name": "张敏", "role": "window_lead"}])
    assert refused.value.rule == "TJ-8.1" and "unit_leader" in refused.value.detail
    people = [{"name": " 张敏 ", "role": "window_lead"}, {"name": "李强", "role": "unit_leader"}]
    assert rules.check_interviewed(people)[0] == {"name": "张敏", "role": "window_lead"}
    with pytest.raises(Invalid):
        rules.check_interviewed([{"name": " ", "role": "window_lead"}, people[1]])


def test_each_step_applies_its_own_rule() -> None:
    assert rules.basis(Kind.INTERVIEW, None) == "TJ-8.1"
    assert rules.basis(Kind.SUSPENSION, " TJ-8.2 ") == "TJ-8.2"
    with pytest.raises(Invalid):
        rules.basis(Kind.TERMINATION, "TJ-8.1")


def test_a_step_rests_on_standing_problems_at_that_window() -> None:
    with pytest.raises(RuleViolation) as bare:
        rules.check_grounds(Kind.RECTIFICATION, 1, {}, {})
    assert bare.value.rule == "TJ-8.1"
    for grounds in ({7: None}, {7: Ground(2, True)}, {7: Ground(1, False)}):
        with pytest.raises(Invalid):
            rules.check_grounds(Kind.INTERVIEW, 1, grounds, {})
    rules.check_grounds(Kind.INTERVIEW, 1, {7: Ground(1, True)}, {})
    rules.check_grounds(Kind.INTERVIEW, 1, {}, {}, proposed=True)  # ranked last, proposed


THREE_IN_30 = rules.Concentration(complaints=3, days=30)


def suspension(
    serious: bool = False,
    upheld: tuple[int, ...] = (),
    concentration: rules.Concentration = THREE_IN_30,
    open_order: bool = False,
    proposed: bool = False,
    suspended: bool = False,
) -> None:
    """check_suspension on DAY, the named complaints upheld `upheld` days ago each."""
    days = [DAY - timedelta(days=d) for d in upheld]
    rules.check_suspension(1, suspended, serious, days, concentration, DAY, open_order, proposed)


def test_suspension_needs_serious_problems_concentrated_complaints_or_an_order_first() -> None:
    with pytest.raises(RuleViolation) as refused:
        suspension(upheld=(0, 1))
    assert refused.value.rule == "TJ-8.2" and "complaints" in refused.value.errors
    suspension(serious=True)
    suspension(upheld=(0, 1, 2))
    suspension(open_order=True)
    with pytest.raises(Conflict) as again:
        suspension(serious=True, suspended=True)
    assert again.value.rule == "TJ-8.2"


def test_concentrated_complaints_are_what_the_local_rule_says_now() -> None:
    """LR-COMPLAINTS-30D's count and days, as the rule engine proposes with them (TJ-8.2)."""
    with pytest.raises(RuleViolation):
        suspension(upheld=(0, 5, 30))  # 30 days ago is outside the 30 days
    suspension(upheld=(0, 5, 29))
    two_in_7 = rules.Concentration(complaints=2, days=7)
    suspension(upheld=(0, 6), concentration=two_in_7)
    with pytest.raises(RuleViolation):
        suspension(upheld=(0, 7), concentration=two_in_7)


def test_the_rules_proposal_being_decided_is_grounds_for_the_suspension() -> None:
    """A proposal made when its complaints were within the days is decided later."""
    with pytest.raises(RuleViolation):
        suspension(upheld=(31, 32, 33))
    suspension(upheld=(31, 32, 33), proposed=True)


def test_no_rectification_is_reported_or_verified_once_the_window_is_terminated() -> None:
    rules.check_not_terminated(5, False)
    with pytest.raises(StateConflict) as refused:  # a step after the ladder's end: 409
        rules.check_not_terminated(5, True)
    assert refused.value.rule == "TJ-8.2" and "order_id" in refused.value.errors


def test_a_wrong_deadline_setting_is_a_value_error_for_the_caller_to_log() -> None:
    assert rules.configured_days(None) == rules.configured_days(" ") == 10
    assert rules.configured_days("15") == 15
    for wrong in ("ten", "0", "61", "1.5"):
        with pytest.raises(ValueError):
            rules.configured_days(wrong)


def test_a_terminated_window_takes_no_further_step() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.check_window(1, "terminated", Kind.SUSPENSION, True)
    assert refused.value.rule == "TJ-8.2"
    with pytest.raises(RuleViolation):
        rules.check_window(1, "published", Kind.INTERVIEW, False)
    rules.check_window(1, "suspended", Kind.TERMINATION, False)


def test_a_report_made_in_time_holds_off_termination_until_its_verdict() -> None:
    late = DUE + timedelta(days=1)
    assert rules.is_past_due(Status.OPEN, DUE, None, late)
    assert not rules.is_past_due(Status.OPEN, DUE, None, DUE)
    assert not rules.is_past_due(Status.REPORTED, DUE, DUE, late)
    assert rules.is_past_due(Status.REPORTED, DUE, late, late + timedelta(days=1))
    assert not rules.is_past_due(Status.VERIFIED, DUE, None, late)


def test_rejection_says_what_is_still_wrong() -> None:
    with pytest.raises(Invalid):
        rules.verify(Status.REPORTED, False, " ")
    assert rules.verify(Status.REPORTED, False, "not yet") is Status.OPEN
    with pytest.raises(Conflict):
        rules.verify(Status.OPEN, True, "")
    with pytest.raises(Conflict):
        rules.report(Status.VERIFIED)


# The ladder over random sequences of steps: a tiny window driven only through the rules.

STEPS = st.lists(
    st.sampled_from(["report", "accept", "reject", "day", "week", "suspend", "lift", "terminate"]),
    max_size=30,
)


class Window:
    def __init__(self) -> None:
        self.today = DAY
        self.order = Status.OPEN
        self.due = DUE
        self.reported_on: date | None = None
        self.suspension: str | None = None
        self.terminated = False
        self.log: list[tuple[str, Status, date, date | None, date]] = []

    def step(self, step: str) -> None:
        if step in ("day", "week"):
            self.today += timedelta(days=1 if step == "day" else 7)
        elif step == "report":
            self.order, self.reported_on = rules.report(self.order), self.today
        elif step in ("accept", "reject"):
            self.order = rules.verify(self.order, step == "accept", "still wrong")
            if self.order is Status.VERIFIED and self.suspension == Status.IN_FORCE:
                self.suspension = rules.check_lift(self.suspension, self.order)
                self.log.append(("lift", self.order, self.due, self.reported_on, self.today))
        elif step == "suspend":
            rules.check_window(1, "active", Kind.SUSPENSION, self.terminated)
            suspension(serious=True, suspended=self.suspension == Status.IN_FORCE)
            self.suspension = Status.IN_FORCE
        elif step == "lift":
            self.suspension = rules.check_lift(self.suspension or "none", self.order)
            self.log.append(("lift", self.order, self.due, self.reported_on, self.today))
        elif step == "terminate":
            rules.check_window(1, "active", Kind.TERMINATION, self.terminated)
            rules.check_termination(1, 1, self.order, self.due, self.reported_on, self.today)
            self.terminated = True
            self.log.append(("terminate", self.order, self.due, self.reported_on, self.today))


@given(STEPS)
def test_never_a_termination_without_a_missed_deadline_nor_a_lift_without_verification(
    steps: list[str],
) -> None:
    window = Window()
    for step in steps:
        with suppress(Conflict, RuleViolation, Invalid):  # refused: nothing changed
            window.step(step)
    for what, order, due, reported_on, on in window.log:
        if what == "lift":
            assert order is Status.VERIFIED
        else:
            assert order is not Status.VERIFIED and on > due
            assert order is Status.OPEN or reported_on is None or reported_on > due
    assert sum(1 for entry in window.log if entry[0] == "terminate") <= 1
