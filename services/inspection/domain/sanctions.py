"""The sanctions ladder (TJ-8.1, TJ-8.2): interview → notice and rectification order by a
deadline → suspension → termination, and the lifting of a suspension.

Problems found lead to an interview with the window's responsible person and the unit's leader;
prominent ones to a notice to the district and an order to rectify by a deadline in working days
(TJ-8.1). Serious problems or concentrated public complaints suspend the window, without an
interview first; an order not rectified by its deadline terminates it (TJ-8.2). A suspension is
lifted only by the verified rectification of the order it comes with.

Every step names its basis, the findings and complaints it rests on and who decided. Nothing is
deleted: a correction is a new entry naming the one it corrects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from services.inspection.domain.deadlines import configured_workdays
from shared.errors import Invalid, RuleViolation, StateConflict

PROBLEMS = "TJ-8.1"  # interview; notice and rectification order
SERIOUS = "TJ-8.2"  # suspension; termination

RECTIFICATION_WORKDAYS = 10  # the hall's default; SANCTION_RECTIFICATION_DAYS overrides it
MAX_RECTIFICATION_WORKDAYS = 60
# What "concentrated complaints" means when a suspension is decided: the current version of this
# local rule (N upheld complaints within M days), the same one that proposes suspensions.
CONCENTRATION_RULE = "LR-COMPLAINTS-30D"

IN_SERVICE = frozenset({"active", "suspended"})


class WorkingDays(Protocol):
    def add_workdays(self, start: date, n: int) -> date: ...


class Kind(StrEnum):
    INTERVIEW = "interview"
    RECTIFICATION = "rectification"
    SUSPENSION = "suspension"
    TERMINATION = "termination"


# The rule each step applies: a basis naming another rule is refused.
BASIS = {
    Kind.INTERVIEW: PROBLEMS,
    Kind.RECTIFICATION: PROBLEMS,
    Kind.SUSPENSION: SERIOUS,
    Kind.TERMINATION: SERIOUS,
}


class Status(StrEnum):
    IN_FORCE = "in_force"  # an interview held, a suspension or termination imposed
    OPEN = "open"  # an order not yet reported rectified (or whose report was rejected)
    REPORTED = "reported"  # the unit says it rectified; the authority verifies
    VERIFIED = "verified"  # the rectification is verified: the order is done
    LIFTED = "lifted"  # a suspension lifted on verified rectification
    CORRECTED = "corrected"  # replaced by a later entry naming it in corrects_id
    CLOSED = "closed"  # an order left open when its window was terminated: the ladder ended


CURRENT = (Status.IN_FORCE, Status.OPEN, Status.REPORTED)
CORRECTABLE = {Kind.INTERVIEW: (Status.IN_FORCE,), Kind.RECTIFICATION: (Status.OPEN,)}


class Role(StrEnum):
    """Who is interviewed (TJ-8.1): both, every time."""

    WINDOW_LEAD = "window_lead"
    UNIT_LEADER = "unit_leader"


@dataclass(frozen=True)
class Ground:
    """A finding or complaint as a sanction may rest on it."""

    window_id: int
    counts: bool  # an open finding / an upheld complaint not corrected since
    serious: bool = False  # a finding of the top severity
    on: date | None = None  # the day a complaint was upheld


@dataclass(frozen=True)
class Concentration:
    """Concentrated complaints (TJ-8.2): at least `complaints` upheld within the last `days`
    days (today counts, the day `days` days ago does not), as CONCENTRATION_RULE says now."""

    complaints: int
    days: int

    def counted(self, upheld_on: Iterable[date | None], today: date) -> int:
        since = today - timedelta(days=self.days)
        return sum(1 for on in upheld_on if on is not None and since < on <= today)


def text(value: str | None, field: str, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise Invalid(f"say {what}", field=field)
    return cleaned


def basis(kind: Kind, given: str | None) -> str:
    """The rule the step applies: TJ-8.1 for interviews and orders, TJ-8.2 for the rest."""
    rule = BASIS[kind]
    named = (given or "").strip() or rule
    if named != rule:
        raise Invalid(
            f"a {kind.value} is imposed under {rule}, not {named!r}", rule=rule, field="basis"
        )
    return rule


def configured_days(configured: str | None) -> int:
    """`SANCTION_RECTIFICATION_DAYS` as set, or the default when it is not; a ValueError when it
    is not a whole number of working days in range (the caller logs it and uses the default)."""
    return configured_workdays(
        "SANCTION_RECTIFICATION_DAYS",
        configured,
        RECTIFICATION_WORKDAYS,
        MAX_RECTIFICATION_WORKDAYS,
    )


def rectification_days(asked: int | None, configured: int) -> int:
    days = configured if asked is None else asked
    if not 1 <= days <= MAX_RECTIFICATION_WORKDAYS:
        raise Invalid(
            f"a rectification deadline is 1–{MAX_RECTIFICATION_WORKDAYS} working days (TJ-8.1)",
            rule=PROBLEMS,
            field="days",
        )
    return days


def check_window(window_id: int, state: str | None, kind: Kind, terminated: bool) -> None:
    """Only a window serving the public is sanctioned; a terminated one is at the ladder's end."""
    if state is None:
        raise Invalid(f"inspection knows no window {window_id}", field="window_id")
    if terminated or state not in IN_SERVICE:
        raise RuleViolation(
            f"window {window_id} is {'terminated' if terminated else state}: a {kind.value} is "
            f"for a window in service ({BASIS[kind]})",
            rule=BASIS[kind],
            field="window_id",
        )


def check_grounds(
    kind: Kind,
    window_id: int,
    findings: dict[int, Ground | None],
    complaints: dict[int, Ground | None],
    proposed: bool = False,
) -> None:
    """Each step rests on problems found at that window: findings still standing, complaints
    upheld (TJ-8.1, TJ-8.2), or the facts of the rules' open proposal it decides (a window
    ranked last months running, TJ-8.1)."""
    for field, grounds, what in (
        ("findings", findings, "finding (not withdrawn)"),
        ("complaints", complaints, "upheld complaint (not corrected)"),
    ):
        for ref, ground in grounds.items():
            if ground is None:
                raise Invalid(f"inspection has no {field[:-1]} {ref}", field=field)
            if ground.window_id != window_id:
                raise Invalid(
                    f"{field[:-1]} {ref} concerns window {ground.window_id}, not {window_id}",
                    field=field,
                )
            if not ground.counts:
                raise Invalid(f"{field[:-1]} {ref} is not a standing {what}", field=field)
    if not findings and not complaints and not proposed:
        raise RuleViolation(
            f"a {kind.value} rests on the problems found: name the findings or complaints "
            f"({BASIS[kind]})",
            rule=BASIS[kind],
            field="findings",
        )


def check_interviewed(people: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The window's responsible person and the unit's leader, both by name (TJ-8.1)."""
    named = [
        {**p, "name": text(p.get("name"), f"interviewed.{n}.name", "who was interviewed")}
        for n, p in enumerate(people)
    ]
    roles = {p["role"] for p in named}
    missing = [r.value for r in Role if r.value not in roles]
    if missing:
        raise RuleViolation(
            "an interview is held with the window's responsible person and the unit's leader; "
            f"missing: {', '.join(missing)} (TJ-8.1)",
            rule=PROBLEMS,
            field="interviewed",
        )
    return [{"name": p["name"], "role": p["role"]} for p in named]


def check_held_on(held_on: date, today: date) -> None:
    if held_on > today:
        raise Invalid("an interview is recorded once held, not ahead", field="held_on")


def check_suspension(
    window_id: int,
    suspended: bool,
    serious_finding: bool,
    complaints: Iterable[date | None],
    concentration: Concentration,
    today: date,
    open_order: bool,
    proposed: bool = False,
) -> None:
    """Serious problems or concentrated complaints suspend at once; otherwise the ladder is
    climbed first: an order to rectify, still open, before a suspension (TJ-8.2). `complaints`
    are the days the named complaints were upheld; `proposed` is an open proposal of the rules
    to suspend this window, which the decision answers."""
    if suspended:
        raise StateConflict(
            f"window {window_id} is suspended already", rule=SERIOUS, field="window_id"
        )
    counted = concentration.counted(complaints, today)
    if not (serious_finding or counted >= concentration.complaints or open_order or proposed):
        raise RuleViolation(
            "a suspension is for serious problems (a finding of severity serious) or "
            f"concentrated complaints (at least {concentration.complaints} upheld within "
            f"{concentration.days} days, {CONCENTRATION_RULE}; {counted} named), or follows an "
            "open rectification order; otherwise order rectification first (TJ-8.2)",
            rule=SERIOUS,
            field="complaints" if counted else "findings",
        )


def check_no_open_order(
    findings: Iterable[int],
    complaints: Iterable[int],
    open_orders: Iterable[tuple[int, Iterable[int], Iterable[int]]],
    corrects_id: int | None = None,
) -> None:
    """One open order per window and problem: an order still open or reported at the same window
    that rests on one of the same findings or complaints is the order that problem is rectified
    under (TJ-8.1). A second would give the unit two deadlines for one problem; a correction
    replaces the order it names instead. `open_orders` are (id, findings, complaints) of the
    window's orders still open."""
    wanted_f, wanted_c = set(findings), set(complaints)
    for order_id, on_f, on_c in open_orders:
        if order_id == corrects_id:
            continue
        shared_f, shared_c = wanted_f & set(on_f), wanted_c & set(on_c)
        if shared_f or shared_c:
            what = f"finding {min(shared_f)}" if shared_f else f"complaint {min(shared_c)}"
            raise StateConflict(
                f"rectification order {order_id} of this window is still open for {what}: "
                "a second order for the same problem is not issued; correct that order or wait "
                "for its verdict (TJ-8.1)",
                rule=PROBLEMS,
                field="findings" if shared_f else "complaints",
            )


def check_order_for(window_id: int, order_window: int | None, status: str | None) -> None:
    """A suspension rests on an order of the same window that is not done."""
    if order_window is None:
        raise Invalid("no such rectification order", field="order_id")
    if order_window != window_id:
        raise Invalid(f"the order is for window {order_window}, not {window_id}", field="order_id")
    if status not in (Status.OPEN, Status.REPORTED):
        raise StateConflict(
            f"the order is {status}: name an order still open", rule=SERIOUS, field="order_id"
        )


def is_past_due(status: str, due_on: date, reported_on: date | None, today: date) -> bool:
    """Not rectified by the deadline: not verified, and no report made by the deadline that still
    awaits its verdict (a unit that reported in time is not overtaken by a slow verdict)."""
    if status == Status.OPEN:
        return due_on < today
    if status == Status.REPORTED:
        return due_on < today and (reported_on is None or reported_on > due_on)
    return False


def check_termination(
    window_id: int,
    order_window: int | None,
    status: str | None,
    due_on: date | None,
    reported_on: date | None,
    today: date,
) -> None:
    """Termination only when a rectification order's deadline passed without verified
    rectification (TJ-8.2)."""
    if order_window is None or status is None or due_on is None:
        raise Invalid("no such rectification order", field="order_id")
    if order_window != window_id:
        raise Invalid(f"the order is for window {order_window}, not {window_id}", field="order_id")
    if not is_past_due(status, due_on, reported_on, today):
        why = (
            "its rectification was verified"
            if status == Status.VERIFIED
            else (f"its deadline {due_on.isoformat()} has not passed unrectified")
        )
        raise RuleViolation(
            f"a window is terminated only when a rectification deadline passed without verified "
            f"rectification; {why} (TJ-8.2)",
            rule=SERIOUS,
            field="order_id",
        )


def report(status: str) -> Status:
    if status != Status.OPEN:
        raise StateConflict(
            f"the order is {status}: only an open order is reported rectified", rule=PROBLEMS
        )
    return Status.REPORTED


def verify(status: str, accepted: bool, note: str) -> Status:
    if status != Status.REPORTED:
        raise StateConflict(
            f"the order is {status}: only a reported rectification is verified", rule=PROBLEMS
        )
    if not accepted and not note.strip():
        raise Invalid("say what is still wrong", field="note")
    return Status.VERIFIED if accepted else Status.OPEN


def check_not_terminated(order_id: int, terminated: bool) -> None:
    """A terminated window is at the ladder's end: its orders are no longer reported rectified
    nor verified, and nothing of it is lifted (TJ-8.2)."""
    if terminated:
        raise StateConflict(
            f"the window of order {order_id} is terminated: its rectification is no longer "
            "reported or verified (TJ-8.2)",
            rule=SERIOUS,
            field="order_id",
        )


def check_lift(suspension_status: str, order_status: str | None) -> Status:
    """A suspension is lifted only on the verified rectification of its order (TJ-8.2)."""
    if suspension_status != Status.IN_FORCE:
        raise StateConflict(f"the suspension is {suspension_status}", rule=SERIOUS)
    if order_status != Status.VERIFIED:
        raise RuleViolation(
            "a suspension is lifted only when its rectification is verified (TJ-8.2)",
            rule=SERIOUS,
            field="order_id",
        )
    return Status.LIFTED


def check_correction(
    kind: Kind, window_id: int, earlier: tuple[str, int, str] | None, corrects_id: int
) -> None:
    """A correction replaces an interview, or an order not yet reported, of the same window.
    `earlier` is (kind, window_id, status) of the entry it names."""
    if earlier is None:
        raise Invalid(f"no sanction {corrects_id} to correct", field="corrects_id")
    was_kind, was_window, was_status = earlier
    if was_kind != kind or was_window != window_id:
        raise Invalid(
            f"sanction {corrects_id} is a {was_kind} of window {was_window}: a correction is of "
            "the same kind and window",
            field="corrects_id",
        )
    if was_status not in CORRECTABLE.get(kind, ()):
        raise StateConflict(f"sanction {corrects_id} is {was_status} and is not corrected any more")


def can_see(unit: str | None, window_units: tuple[str, ...]) -> bool:
    """Every role but `unit` sees every window; a unit its own and the ones it shares."""
    return unit is None or unit in window_units
