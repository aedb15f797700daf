"""Delegation agreements (TJ-5.5, TJ-2.1): which matters a window may handle, and until when."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from shared.errors import Invalid, RuleViolation, StateConflict

TERM_YEARS = 3  # TJ-5.5: valid 3 years, renewable for 3 years
RENEWAL_NOTICE_DAYS = (90, 30)
RENEWAL_WINDOW_DAYS = 90  # a renewal is signed at most this long before expiry
START_HORIZON_DAYS = 365  # an agreement starts at most a year after it is signed


class AgreementStatus(StrEnum):
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    RENEWED = "renewed"  # the next term is signed; this one still runs to its own end
    ENDED = "ended"  # the window was revoked or terminated


# Statuses of an agreement that delegates on the days of its term (TJ-5.5).
RUNNING = (AgreementStatus.IN_FORCE, AgreementStatus.RENEWED)


@dataclass(frozen=True)
class Assessment:
    """The comprehensive assessment a renewal needs (TJ-5.5)."""

    assessed_on: date
    passed: bool
    summary: str
    assessed_by: str


@dataclass(frozen=True)
class Agreement:
    id: int | None
    window_id: int
    matters: tuple[str, ...]
    duties: str
    rights: str
    requirements: str
    starts_on: date
    ends_on: date
    status: AgreementStatus = AgreementStatus.IN_FORCE
    assessment: Assessment | None = None
    previous_id: int | None = None
    notices_sent: tuple[int, ...] = ()

    def in_force_on(self, day: date) -> bool:
        """A renewed agreement stays in force to its end; its successor starts the day after."""
        return self.status in RUNNING and self.starts_on <= day <= self.ends_on

    def delegates(self, matter_code: str, day: date) -> bool:
        """TJ-2.1: a window handles only what its agreement, in force that day, delegates."""
        return self.in_force_on(day) and matter_code in self.matters


def term_end(starts_on: date) -> date:
    try:
        anniversary = starts_on.replace(year=starts_on.year + TERM_YEARS)
    except ValueError:  # 29 February
        anniversary = starts_on.replace(year=starts_on.year + TERM_YEARS, day=28)
    return anniversary - timedelta(days=1)


def sign(
    window_id: int,
    matters: list[str],
    *,
    duties: str,
    rights: str,
    requirements: str,
    starts_on: date,
    today: date,
) -> Agreement:
    """Signed today (TJ-5.5): the term may have begun already (an agreement signed on paper and
    recorded late) but not ended, and starts at most START_HORIZON_DAYS ahead."""
    if not matters:
        raise RuleViolation(
            "an agreement delegates at least one matter (TJ-2.1)", rule="TJ-2.1", field="matters"
        )
    if len(set(matters)) != len(matters):
        raise Invalid("a matter is listed twice", field="matters")
    for name, text in (("duties", duties), ("rights", rights), ("requirements", requirements)):
        if not text.strip():
            raise RuleViolation(
                f"the agreement must state its {name} (TJ-5.5)", rule="TJ-5.5", field=name
            )
    ends_on = term_end(starts_on)
    if ends_on < today:
        raise RuleViolation(
            f"an agreement starting {starts_on} ended on {ends_on}, before it is signed today "
            f"({today}) (TJ-5.5)",
            rule="TJ-5.5",
            field="starts_on",
        )
    if starts_on > today + timedelta(days=START_HORIZON_DAYS):
        raise RuleViolation(
            f"an agreement starts at most {START_HORIZON_DAYS} days after it is signed, by "
            f"{today + timedelta(days=START_HORIZON_DAYS)} (TJ-5.5)",
            rule="TJ-5.5",
            field="starts_on",
        )
    return Agreement(
        id=None,
        window_id=window_id,
        matters=tuple(matters),
        duties=duties.strip(),
        rights=rights.strip(),
        requirements=requirements.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def assess(agreement: Agreement, assessment: Assessment, today: date) -> Agreement:
    """The comprehensive assessment is dated within the term, and not after today (TJ-5.5)."""
    if agreement.status not in (AgreementStatus.IN_FORCE, AgreementStatus.EXPIRED):
        raise StateConflict(
            f"an agreement that is {agreement.status} is not assessed", field="status"
        )
    on = assessment.assessed_on
    if on > today:
        raise RuleViolation(
            f"an assessment is dated {on}, after today ({today}) (TJ-5.5)",
            rule="TJ-5.5",
            field="assessed_on",
        )
    if on < agreement.starts_on:
        raise RuleViolation(
            f"an assessment is dated {on}, before the agreement started on {agreement.starts_on}"
            " (TJ-5.5)",
            rule="TJ-5.5",
            field="assessed_on",
        )
    return replace(agreement, assessment=assessment)


def renew(agreement: Agreement, today: date) -> tuple[Agreement, Agreement]:
    """The old agreement marked renewed and the next 3-year term (TJ-5.5).

    Renewed before expiry, the old agreement stays in force to its end and the next term starts
    the day after: no day without an agreement, none with two. Renewed after it lapsed, the
    next term starts today."""
    if agreement.status not in (AgreementStatus.IN_FORCE, AgreementStatus.EXPIRED):
        raise StateConflict(
            f"an agreement that is {agreement.status} cannot be renewed", rule="TJ-5.5"
        )
    if agreement.assessment is None or not agreement.assessment.passed:
        raise RuleViolation(
            "renewal needs a passed comprehensive assessment recorded first (TJ-5.5)",
            rule="TJ-5.5",
            field="assessment",
        )
    if today < agreement.ends_on - timedelta(days=RENEWAL_WINDOW_DAYS):
        raise RuleViolation(
            f"renewal is at expiry: at most {RENEWAL_WINDOW_DAYS} days before {agreement.ends_on}"
            " (TJ-5.5)",
            rule="TJ-5.5",
        )
    starts_on = max(agreement.ends_on + timedelta(days=1), today)
    following = replace(
        agreement,
        id=None,
        starts_on=starts_on,
        ends_on=term_end(starts_on),
        status=AgreementStatus.IN_FORCE,
        assessment=None,
        previous_id=agreement.id,
        notices_sent=(),
    )
    return replace(agreement, status=AgreementStatus.RENEWED), following


def notices_due(agreement: Agreement, today: date) -> list[int]:
    """Renewal reminders (days before expiry) that are due today and not yet sent."""
    if agreement.status is not AgreementStatus.IN_FORCE:
        return []
    left = (agreement.ends_on - today).days
    return [
        days
        for days in RENEWAL_NOTICE_DAYS
        if left <= days and days not in agreement.notices_sent and left >= 0
    ]


def expired(agreement: Agreement, today: date) -> bool:
    return agreement.status is AgreementStatus.IN_FORCE and today > agreement.ends_on
