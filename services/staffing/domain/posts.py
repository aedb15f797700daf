"""Posts staffed by an A and a B (EQ-3.2.5), and the chief representative of each unit
(EQ-3.1b, EQ-3.2.6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.staffing.domain.staff import months_between
from shared.errors import Conflict, Invalid, RuleViolation, member_of

CHIEF_TENURE_YEARS = 2  # EQ-3.2.6
AB_RULE = "EQ-3.2.5"
# A window that is no longer (or never was) set up takes no staff, by the rule that ended it.
ENDED_BY = {"terminated": "TJ-8.2", "revoked": "TJ-7.6", "rejected": "TJ-5.4"}
CHIEF_POWERS = ("accept", "decide", "coordinate", "control_process", "final_approval")


class Role(StrEnum):
    A = "A"
    B = "B"


@dataclass(frozen=True)
class Seat:
    """Who holds a post as A or B (None when nobody does)."""

    post_id: int
    post: str
    window_id: int
    a: str | None
    b: str | None

    @property
    def covered(self) -> bool:
        return self.a is not None and self.b is not None


def check_assignment(
    window_state: str | None, staff_unit: str, window_units: tuple[str, ...], role: str
) -> Role:
    if window_state is None:
        raise Invalid("staffing has not learned of that window", field="window_id")
    if window_state in ENDED_BY:
        rule = ENDED_BY[window_state]
        raise RuleViolation(
            f"the window is {window_state} and takes no staff ({rule})",
            rule=rule,
            field="window_id",
        )
    if staff_unit not in window_units:
        raise RuleViolation(
            "a unit staffs the windows it runs, with its own staff (TJ-1)",
            rule="TJ-1",
            field="staff_id",
        )
    detail = f"{role!r}: a post is held by an A and a B (EQ-3.2.5)"
    return member_of(Role, role, field="role", detail=detail, rule=AB_RULE, error=RuleViolation)


PUBLISHED = ("active", "suspended")  # states of a window the public has seen (TJ-5.6)


def check_published(
    window_state: str,
    published_on: date | None,
    field: str = "starts_on",
    starts_on: date | None = None,
) -> None:
    """A posting starts once its window is published (TJ-5.6): before that there is no window
    at the hall to work at, only an application, and a posting would count in the year's
    assessment (EQ-3.2.2a) for days nobody could have served. That holds for a posting the
    center dates back too: it starts on the publication day at the earliest."""
    if window_state not in PUBLISHED and published_on is None:
        raise RuleViolation(
            f"the window is {window_state}, not yet published: a posting starts once it is "
            "(TJ-5.6)",
            rule="TJ-5.6",
            field=field,
        )
    if starts_on is not None and published_on is not None and starts_on < published_on:
        raise RuleViolation(
            f"the window was published on {published_on}: a posting starts on that day or "
            f"later, not {starts_on} (TJ-5.6)",
            rule="TJ-5.6",
            field=field,
        )


def check_seat(seat: Seat, role: Role, posted: bool, field: str = "role") -> None:
    """EQ-3.2.5: one A and one B per post, and one post per person. The database's partial
    unique indexes still answer a race; this names the rule and the field first."""
    if posted:
        raise Conflict(
            "the staff member holds a post already; end that assignment first (EQ-3.2.5)",
            rule=AB_RULE,
            field="staff_id",
        )
    holder = seat.a if role is Role.A else seat.b
    if holder is not None:
        raise Conflict(
            f"{seat.post} has its {role.value} already, {holder}; a post has one A and one B "
            "(EQ-3.2.5)",
            rule=AB_RULE,
            field=field,
        )


def uncovered(seats: list[Seat]) -> list[Seat]:
    """EQ-3.2.5: every post has both an A and a B."""
    return [seat for seat in seats if not seat.covered]


def unposted(published: Iterable[int], seats: Iterable[Seat]) -> list[int]:
    """EQ-3.2.5: a published window without a single post has no A and no B either."""
    return sorted(set(published) - {seat.window_id for seat in seats})


def check_start(starts_on: date, today: date, *, by_center: bool, what: str) -> date:
    """The first day of a posting (`what` "posting") or of a chief representative's term
    ("appointment").

    Never after today: the checks made at that day (experience and age, EQ-3.1a) and the
    two-year clocks that start on it (rotation, EQ-3.2.3; the chief's tenure, EQ-3.2.6) would
    otherwise be passed with a day not yet come. A move planned ahead is a rotation or a swap,
    which the center approves and the `rotations-due` sweep carries out on its day. A start
    before today, recording what already happened, is the center's to make: it moves the same
    checks and clocks back, so a unit cannot."""
    chief = what == "appointment"
    rule = "EQ-3.2.6" if chief else "EQ-3.2.3"
    if starts_on > today:
        ahead = "EQ-3.2.6" if chief else "EQ-3.1a"
        plan = (
            "appoint a successor on the day they take office"
            if chief
            else "a move planned ahead is a rotation or swap the center approves"
        )
        raise RuleViolation(
            f"a {what} starts today at the latest, not {starts_on} (today is {today}); {plan} "
            f"({ahead})",
            rule=ahead,
            field="starts_on",
        )
    if starts_on < today and not by_center:
        raise RuleViolation(
            f"a {what} that began before today ({starts_on}) is recorded by the center: the "
            f"two-year clock runs from it ({rule})",
            rule=rule,
            field="starts_on",
        )
    return starts_on


@dataclass(frozen=True)
class Chief:
    unit_code: str
    staff_id: str
    deputy_staff_id: str | None
    powers: tuple[str, ...]
    full_time: bool
    starts_on: date


def appoint(
    unit_code: str,
    staff_id: str,
    deputy: str | None,
    powers: list[str],
    full_time: bool,
    starts_on: date,
) -> Chief:
    missing = [p for p in CHIEF_POWERS if p not in powers]
    if missing:
        raise RuleViolation(
            f"a chief representative is authorised to {', '.join(CHIEF_POWERS)};"
            f" missing {', '.join(missing)} (EQ-3.1b)",
            rule="EQ-3.1b",
            field="powers",
        )
    if not full_time:
        raise RuleViolation(
            "the chief representative works full time in the hall (EQ-3.2.6)",
            rule="EQ-3.2.6",
            field="full_time",
        )
    if deputy == staff_id:
        raise RuleViolation(
            "the deputy is the chief's B, someone else (EQ-3.2.5)",
            rule=AB_RULE,
            field="deputy_staff_id",
        )
    return Chief(unit_code, staff_id, deputy, tuple(powers), full_time, starts_on)


def check_appointable(name: str, status: str, field: str) -> None:
    """A returned staff member (EQ-3.2.4) holds no office in the hall."""
    if status != "active":
        raise RuleViolation(
            f"{name} is {status} and cannot serve as chief representative or deputy (EQ-3.2.4)",
            rule="EQ-3.2.4",
            field=field,
        )


def keeps_office(current: Chief | None, staff_id: str) -> bool:
    """The serving chief named again, with a new deputy say: not a replacement (EQ-3.2.6), so
    no reason or approval is needed and the tenure runs on from its first day."""
    return current is not None and current.staff_id == staff_id


def check_replacement(
    current: Chief | None, on: date, reason: str, approved_by: str | None
) -> None:
    """EQ-3.2.6: tenure of at least two years; earlier only with a reason the center approved.
    `on` is the successor's first day, the serving chief's last: never after today
    (`check_start`), so a date ahead cannot make up the two years."""
    if current is None:
        return
    if on < current.starts_on:
        raise RuleViolation(
            f"the serving chief representative took office on {current.starts_on}; a successor "
            f"starts on or after it, not on {on} (EQ-3.2.6)",
            rule="EQ-3.2.6",
            field="starts_on",
        )
    served = months_between(current.starts_on, on)
    if served >= CHIEF_TENURE_YEARS * 12:
        return
    if not reason.strip() or not approved_by:
        raise RuleViolation(
            f"the chief representative has served {served} month(s) of at least "
            f"{CHIEF_TENURE_YEARS * 12}; an earlier replacement needs a reason approved by the "
            "center (EQ-3.2.6)",
            rule="EQ-3.2.6",
            field="reason",
        )
