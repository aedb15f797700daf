"""First-inquiry responsibility (EQ-4.4a): the first staff member asked owns the enquiry until
they hand it on, and every handover is kept."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from shared.errors import Invalid, RuleViolation, StateConflict


@dataclass(frozen=True)
class Handover:
    from_staff: str
    to_staff: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class Enquiry:
    id: int | None
    window_id: int
    unit_code: str
    question: str
    owner: str
    opened_at: datetime
    handovers: tuple[Handover, ...] = ()
    answer: str = ""
    closed_at: datetime | None = None


def open_enquiry(
    window_id: int, unit_code: str, question: str, first_staff: str, now: datetime
) -> Enquiry:
    if not question.strip():
        raise Invalid("record what was asked", field="question")
    if not first_staff.strip():
        raise RuleViolation(
            "the first staff member asked owns the enquiry: name them (EQ-4.4a)",
            rule="EQ-4.4a",
            field="staff_id",
        )
    return Enquiry(None, window_id, unit_code, question.strip(), first_staff.strip(), now)


def hand_over(enquiry: Enquiry, by: str, to: str, reason: str, now: datetime) -> Enquiry:
    _must_own(enquiry, by, "hand it over")
    if not to.strip() or to == enquiry.owner:
        raise Invalid("hand over to another staff member", field="to_staff_id")
    if not reason.strip():
        raise RuleViolation("a handover says why (EQ-4.4a)", rule="EQ-4.4a", field="reason")
    handover = Handover(enquiry.owner, to.strip(), now, reason.strip())
    return replace(enquiry, owner=to.strip(), handovers=(*enquiry.handovers, handover))


def answer(enquiry: Enquiry, by: str, text: str, now: datetime) -> Enquiry:
    _must_own(enquiry, by, "answer it")
    if not text.strip():
        raise Invalid("record the answer", field="answer")
    return replace(enquiry, answer=text.strip(), closed_at=now)


def _must_own(enquiry: Enquiry, staff: str, action: str) -> None:
    if enquiry.closed_at is not None:
        raise StateConflict("the enquiry is answered and closed", field="state")
    if staff != enquiry.owner:
        raise RuleViolation(
            f"{enquiry.owner} owns this enquiry; only they may {action} (EQ-4.4a)",
            rule="EQ-4.4a",
            field="staff_id",
        )
