"""Cases (办件) through the full chain in the hall (EQ-4.3), with one-time notification
(EQ-4.4b), the working-day clock and extensions (EQ-4.4c), agency assistance (EQ-4.4d) and
the warnings of electronic supervision (EQ-1.4)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.registry.domain.clock import Pause, WorkingDays, due_date, workdays_left
from shared.errors import Invalid, RuleViolation, StateConflict


class Stage(StrEnum):
    ACCEPTED = "accepted"
    HANDLED = "handled"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    ISSUED = "issued"
    DELIVERED = "delivered"
    REFUSED = "refused"


CHAIN = (
    Stage.ACCEPTED,
    Stage.HANDLED,
    Stage.REVIEWED,
    Stage.APPROVED,
    Stage.ISSUED,
    Stage.DELIVERED,
)
DONE = (Stage.DELIVERED, Stage.REFUSED)
# Materials may be asked for until a decision is taken.
SUPPLEMENT_STAGES = (Stage.ACCEPTED, Stage.HANDLED, Stage.REVIEWED)
# Each step's share of the limit, for flagging a stage that overruns (EQ-1.4).
STAGE_SHARES = {
    Stage.HANDLED: 0.4,
    Stage.REVIEWED: 0.2,
    Stage.APPROVED: 0.2,
    Stage.ISSUED: 0.1,
    Stage.DELIVERED: 0.1,
}


class Warning(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class StageRecord:
    stage: Stage
    staff_id: str
    at: datetime
    on: date
    note: str = ""


@dataclass(frozen=True)
class Case:
    id: int | None
    window_id: int
    unit_code: str
    matter_code: str
    matter_version: int
    applicant: str
    accepted_on: date
    limit_days: int
    extension_allowance: int
    stage: Stage
    history: tuple[StageRecord, ...]
    due_on: date
    stage_due_on: date | None
    pauses: tuple[Pause, ...] = ()
    supplement: tuple[str, ...] = ()
    extension_days: int = 0
    extension_reasons: tuple[str, ...] = ()
    refusal_reason: str = ""
    assisted_by: str = ""
    warning: Warning = Warning.NONE
    stage_overrun: bool = False
    version: int = 1

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_on is None

    @property
    def done(self) -> bool:
        return self.stage in DONE

    @property
    def staff_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(record.staff_id for record in self.history))


def accept(
    *,
    window_id: int,
    unit_code: str,
    matter_code: str,
    matter_version: int,
    applicant: str,
    limit_days: int,
    extension_allowance: int,
    staff_id: str,
    now: datetime,
    today: date,
    calendar: WorkingDays,
    accepted_on: date | None = None,
) -> Case:
    """A case accepted today, or (`accepted_on`, recorded by the center) on an earlier day: a
    paper case taken during an outage, or one brought over from an old system. Its clock runs
    from the day it was accepted, so it may be due, or overdue, already."""
    if not applicant.strip():
        raise Invalid("name the applicant", field="applicant")
    _need_staff(staff_id)
    accepted_on = check_acceptance_day(accepted_on or today, today)
    record = StageRecord(Stage.ACCEPTED, staff_id, now, accepted_on)
    case = Case(
        id=None,
        window_id=window_id,
        unit_code=unit_code,
        matter_code=matter_code,
        matter_version=matter_version,
        applicant=applicant.strip(),
        accepted_on=accepted_on,
        limit_days=limit_days,
        extension_allowance=extension_allowance,
        stage=Stage.ACCEPTED,
        history=(record,),
        due_on=due_date(calendar, accepted_on, limit_days),
        stage_due_on=None,
    )
    return _with_stage_due(case, calendar, today)


def check_acceptance_day(accepted_on: date, today: date) -> date:
    """An acceptance is recorded on the day or after it, never ahead."""
    if accepted_on > today:
        raise Invalid(
            f"a case is recorded once accepted: {accepted_on} is after today ({today})",
            field="accepted_on",
        )
    return accepted_on


def advance(
    case: Case,
    stage: Stage,
    staff_id: str,
    note: str,
    now: datetime,
    today: date,
    calendar: WorkingDays,
) -> Case:
    """The next step of the chain, in the hall, in order (EQ-4.3)."""
    _need_staff(staff_id)
    if case.done:
        raise StateConflict(
            f"the case is {case.stage} already (EQ-4.3)", rule="EQ-4.3", field="stage"
        )
    expected = CHAIN[CHAIN.index(case.stage) + 1]
    if stage is not expected:
        raise StateConflict(
            f"after {case.stage} comes {expected}, not {stage}: every step of "
            "the chain is taken in the hall, in order (EQ-4.3)",
            rule="EQ-4.3",
            field="stage",
        )
    if case.paused:
        raise StateConflict(
            "the case waits for the applicant's materials (EQ-4.4b)", rule="EQ-4.4b", field="stage"
        )
    record = StageRecord(stage, staff_id, now, today, note.strip())
    moved = replace(
        case,
        stage=stage,
        history=(*case.history, record),
        stage_overrun=False,
        version=case.version + 1,
    )
    if moved.done:
        return replace(moved, warning=Warning.NONE, stage_due_on=None)
    return _with_stage_due(moved, calendar, today)


def refuse(case: Case, reason: str, staff_id: str, now: datetime, today: date) -> Case:
    """A refusal states its reasons in writing (EQ-4.3)."""
    _need_staff(staff_id)
    if case.done or case.stage in (Stage.ISSUED,):
        raise RuleViolation(
            f"a case that is {case.stage} is not refused", rule="EQ-4.3", field="stage"
        )
    if len(reason.strip()) < 4:
        raise RuleViolation(
            "a refusal gives its reasons in writing (EQ-4.3)", rule="EQ-4.3", field="reason"
        )
    record = StageRecord(Stage.REFUSED, staff_id, now, today, reason.strip())
    return replace(
        case,
        stage=Stage.REFUSED,
        history=(*case.history, record),
        refusal_reason=reason.strip(),
        warning=Warning.NONE,
        stage_due_on=None,
        pauses=_closed(case.pauses, today),
        version=case.version + 1,
    )


def request_supplement(case: Case, materials: list[str], today: date) -> Case:
    """EQ-4.4b: everything missing, told once; the clock stops until it arrives."""
    if case.supplement:
        raise RuleViolation(
            "missing materials are told to the applicant once, completely: a "
            "second request on this case is refused (EQ-4.4b)",
            rule="EQ-4.4b",
            field="materials",
        )
    items = tuple(m.strip() for m in materials if m.strip())
    if not items:
        raise Invalid("list every missing material", field="materials")
    if case.stage not in SUPPLEMENT_STAGES:
        raise RuleViolation(
            f"materials are asked for before a decision; the case is {case.stage}",
            rule="EQ-4.4b",
            field="stage",
        )
    pause = Pause(started_on=today, reason="supplement")
    return replace(
        case,
        supplement=items,
        pauses=(*case.pauses, pause),
        warning=Warning.NONE,
        version=case.version + 1,
    )


def supplement_received(case: Case, today: date, calendar: WorkingDays) -> Case:
    if not case.paused:
        raise StateConflict(
            "the case is not waiting for materials (EQ-4.4b)", rule="EQ-4.4b", field="state"
        )
    resumed = replace(case, pauses=_closed(case.pauses, today), version=case.version + 1)
    return _reclock(resumed, calendar, today)


def extend(case: Case, days: int, reason: str, today: date, calendar: WorkingDays) -> Case:
    """EQ-4.4c: within the matter's allowance, with a reason told to the applicant."""
    if case.done:
        raise StateConflict(f"the case is {case.stage} (EQ-4.4c)", rule="EQ-4.4c", field="stage")
    if days < 1:
        raise Invalid("extend by at least one working day", field="days")
    if not reason.strip():
        raise RuleViolation(
            "an extension states its reason (EQ-4.4c)", rule="EQ-4.4c", field="reason"
        )
    if case.extension_days + days > case.extension_allowance:
        raise RuleViolation(
            f"the matter allows {case.extension_allowance} working days of extension; "
            f"{case.extension_days} are used (EQ-4.4c)",
            rule="EQ-4.4c",
            field="days",
        )
    extended = replace(
        case,
        extension_days=case.extension_days + days,
        extension_reasons=(*case.extension_reasons, reason.strip()),
        version=case.version + 1,
    )
    return _reclock(extended, calendar, today)


def assist(case: Case, staff_id: str) -> Case:
    """EQ-4.4d: agency assistance (代办帮办), recorded with the assisting staff member."""
    _need_staff(staff_id)
    return replace(case, assisted_by=staff_id, version=case.version + 1)


def due_as_it_stands(case: Case, calendar: WorkingDays, today: date) -> date:
    """The due date to show: while the case waits for materials, its clock is stopped, so the
    due date moves on by the working days paused so far (stored is the one before the pause;
    it is reclocked when the materials arrive)."""
    if not case.paused:
        return case.due_on
    return due_date(
        calendar,
        case.accepted_on,
        case.limit_days,
        extension_days=case.extension_days,
        pauses=case.pauses,
        today=today,
    )


def warning_level(case: Case, today: date, calendar: WorkingDays, yellow_days: int = 2) -> Warning:
    """EQ-1.4: red when overdue, yellow with `yellow_days` working days or fewer left."""
    if case.done or case.paused:
        return Warning.NONE
    left = workdays_left(calendar, today, case.due_on)
    if left < 0:
        return Warning.RED
    return Warning.YELLOW if left <= yellow_days else Warning.NONE


def stage_overran(case: Case, today: date) -> bool:
    return (
        not case.done
        and not case.paused
        and not case.stage_overrun
        and case.stage_due_on is not None
        and today > case.stage_due_on
    )


def reschedule(case: Case, calendar: WorkingDays, today: date) -> Case | None:
    """The case clocked again on a changed calendar (a closure announced after acceptance,
    EQ-4.5); None when neither its due date nor its step's deadline moves."""
    if case.done or case.paused:  # a paused case is clocked again when the materials arrive
        return None
    moved = _reclock(case, calendar, today)
    if (moved.due_on, moved.stage_due_on) == (case.due_on, case.stage_due_on):
        return None
    return replace(moved, version=case.version + 1)


def _reclock(case: Case, calendar: WorkingDays, today: date) -> Case:
    due = due_date(
        calendar,
        case.accepted_on,
        case.limit_days,
        extension_days=case.extension_days,
        pauses=case.pauses,
        today=today,
    )
    # A new due date is judged afresh by the next sweep.
    return _with_stage_due(replace(case, due_on=due, warning=Warning.NONE), calendar, today)


def _with_stage_due(case: Case, calendar: WorkingDays, today: date) -> Case:
    """The current step's own deadline: its share of the limit after the previous step."""
    if case.done:
        return replace(case, stage_due_on=None)
    following = CHAIN[CHAIN.index(case.stage) + 1]
    share = max(1, math.ceil(STAGE_SHARES[following] * max(case.limit_days, 1)))
    started = case.history[-1].on
    stage_due = calendar.add_workdays(
        started, share + _paused_since(case, started, calendar, today)
    )
    return replace(case, stage_due_on=min(stage_due, case.due_on) if case.limit_days else stage_due)


def _paused_since(case: Case, since: date, calendar: WorkingDays, today: date) -> int:
    return sum(
        calendar.workdays_between(max(p.started_on, since), p.ended_on or today)
        for p in case.pauses
        if (p.ended_on or today) > since
    )


def _closed(pauses: tuple[Pause, ...], today: date) -> tuple[Pause, ...]:
    if pauses and pauses[-1].ended_on is None:
        return (*pauses[:-1], replace(pauses[-1], ended_on=today))
    return pauses


def _need_staff(staff_id: str) -> None:
    if not staff_id.strip():
        raise Invalid("name the staff member who takes the step", field="staff_id")
