"""Delegation agreements (TJ-5.5, TJ-2.1): which matters a window may handle, and until when."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from shared.errors import Invalid, RuleViolation, StateConflict

TERM_YEARS = 3  # TJ-5.5: valid 3 years, renewable for 3 years
RENEWAL_NOTICE_DAYS = (90, 30)
RENEWAL_WINDOW_DAYS = 90  # a renewal is signed at most this long before expiry


class AgreementStatus(StrEnum):
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    RENEWED = "renewed"  # superseded by the next term
    ENDED = "ended"  # the window was revoked or terminated


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
        return self.status is AgreementStatus.IN_FORCE and self.starts_on <= day <= self.ends_on

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
) -> Agreement:
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
    return Agreement(
        id=None,
        window_id=window_id,
        matters=tuple(matters),
        duties=duties.strip(),
        rights=rights.strip(),
        requirements=requirements.strip(),
        starts_on=starts_on,
        ends_on=term_end(starts_on),
    )


def assess(agreement: Agreement, assessment: Assessment) -> Agreement:
    if agreement.status not in (AgreementStatus.IN_FORCE, AgreementStatus.EXPIRED):
        raise StateConflict(
            f"an agreement that is {agreement.status} is not assessed", field="status"
        )
    return replace(agreement, assessment=assessment)


def renew(agreement: Agreement, today: date) -> tuple[Agreement, Agreement]:
    """The old agreement marked renewed and the next 3-year term (TJ-5.5)."""
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
