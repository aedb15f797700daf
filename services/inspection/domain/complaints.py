"""Complaints and reports from the public (issue 7 point 6) and the privacy of the complainant's
personal data (point 8).

The public complains about a window, or a staff member at it, with or without a name (an
anonymous report); where the conduct is buck-passing, soliciting favours or abuse of power the
complaint names it (TJ-8.3: those lead to disciplinary accountability). Complaints are part of
the public's evaluation of its windows (TJ-7.5), so only a window that has served the public can
be complained about. The center or an inspector verifies each one by a deadline in working days
and upholds or dismisses it with reasons; a decision is final, and a correction is a new entry.

The complainant's name and phone are shown in full only to the roles handling complaints, masked
to the authority and left out for the unit; every full showing is logged by the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from enum import StrEnum
from typing import Protocol

from services.inspection.domain.deadlines import configured_workdays
from shared.errors import Invalid, RuleViolation, StateConflict

RULE_SURVEY = "TJ-7.5"
RULE_MISCONDUCT = "TJ-8.3"
MISCONDUCT = (
    "buck_passing",
    "soliciting_favours",
    "abuse_of_power",
)  # 推诿扯皮, 吃拿卡要, 以权谋私
HANDLING_WORKDAYS = 5  # the default; COMPLAINT_DAYS overrides it
MAX_HANDLING_WORKDAYS = 60
# Registry's window states in which the window has been open to the public: a window still in
# its setting-up procedure (or rejected in it) has served nobody yet.
SERVED_STATES = frozenset({"active", "suspended", "terminated", "revoked"})
HANDLERS = ("center", "inspector")
PERSONAL_FIELDS = ("complainant_name", "complainant_phone")
MAX_ACCOUNT = 5000
MAX_NAME = 100
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CODE_LENGTH = 8

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code 0xx or 0xxx, then 7 or 8 digits


class WorkingDays(Protocol):
    def add_workdays(self, start: date, n: int) -> date: ...


class Status(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


OPEN = (Status.RECEIVED, Status.ASSIGNED)
OPEN_STATUSES = [s.value for s in OPEN]
OUTCOMES = (Status.UPHELD.value, Status.DISMISSED.value)


class Disclosure(StrEnum):
    """How much of the complainant's personal data a reader is shown."""

    FULL = "full"  # the handling roles: shown in full, and the read is logged
    MASKED = "masked"  # e.g. 张** / 138****5678
    NONE = "none"  # the unit complained about never learns who complained


def check_misconduct(misconduct: str | None) -> str | None:
    """The misconduct named, if any, is one of the three TJ-8.3 lists."""
    if misconduct is None or not misconduct.strip():
        return None
    if misconduct.strip() not in MISCONDUCT:
        raise Invalid(
            f"misconduct is one of {', '.join(MISCONDUCT)} (TJ-8.3), or left out",
            rule=RULE_MISCONDUCT,
            field="misconduct",
        )
    return misconduct.strip()


def check_window(window_id: int, state: str | None) -> None:
    """A complaint is about a window inspection knows, which has served the public (TJ-7.5)."""
    if state is None:
        raise Invalid(f"no window {window_id} is known", rule=RULE_SURVEY, field="window_id")
    if state not in SERVED_STATES:
        raise RuleViolation(
            f"window {window_id} is {state} and has not served the public yet: the public "
            "complains about the windows that serve it (TJ-7.5)",
            rule=RULE_SURVEY,
            field="window_id",
        )


def check_account(account: str) -> str:
    text = account.strip()
    if not text:
        raise Invalid("say what happened", rule=RULE_SURVEY, field="account")
    if len(text) > MAX_ACCOUNT:
        raise Invalid(f"at most {MAX_ACCOUNT} characters", rule=RULE_SURVEY, field="account")
    return text


def check_happened_on(happened_on: date | None, received_on: date) -> date | None:
    if happened_on is not None and happened_on > received_on:
        raise Invalid(
            "what happened cannot have happened after today", rule=RULE_SURVEY, field="happened_on"
        )
    return happened_on


def normal_name(name: str | None) -> str | None:
    if name is None or not name.strip():
        return None
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise Invalid(f"at most {MAX_NAME} characters", rule=RULE_SURVEY, field="complainant_name")
    return name


def normal_phone(phone: str | None) -> str | None:
    """A mainland mobile (11 digits from 13…19) or landline with its area code, without the
    spaces, hyphens, parentheses or +86 people write; None when not given."""
    if phone is None or not phone.strip():
        return None
    digits = re.sub(r"[\s\-()]", "", phone.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise Invalid(
            "a phone is a mobile (11 digits, e.g. 138 1234 5678) or a landline with its area "
            "code (e.g. 022-2345 6789)",
            rule=RULE_SURVEY,
            field="complainant_phone",
        )
    return digits


def mask_name(name: str) -> str:
    """The first character and a star for each of the others: 张三丰 → 张**."""
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """The first three and the last four digits: 13812345678 → 138****5678."""
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def is_anonymous(name: str | None, phone: str | None) -> bool:
    return name is None and phone is None


def check_handler(handler: str) -> str:
    if not handler.strip():
        raise Invalid("name who verifies the complaint", rule=RULE_SURVEY, field="handler")
    return handler.strip()


def disclosure(role: str, masked_requested: bool = False) -> Disclosure:
    if role == "unit":
        return Disclosure.NONE
    if role in HANDLERS and not masked_requested:
        return Disclosure.FULL
    return Disclosure.MASKED


def shown(
    name: str | None, phone: str | None, how: Disclosure
) -> tuple[dict[str, str | None], list[str]]:
    """The complainant's data as this reader sees it, and the fields shown in full (to log)."""
    values = {"complainant_name": name, "complainant_phone": phone}
    present = [field for field, value in values.items() if value is not None]
    if how is Disclosure.FULL:
        return values, present
    if how is Disclosure.NONE:
        return dict.fromkeys(values), []
    return {
        "complainant_name": mask_name(name) if name else None,
        "complainant_phone": mask_phone(phone) if phone else None,
    }, []


def handling_days(configured: str | None) -> int:
    """The hall's deadline to decide, in working days, or the default when it is not set."""
    return configured_workdays(
        "COMPLAINT_DAYS", configured, HANDLING_WORKDAYS, MAX_HANDLING_WORKDAYS
    )


def deadline(calendar: WorkingDays, received_on: date, days: int = HANDLING_WORKDAYS) -> date:
    """The last working day to verify and decide: the received day itself never counts."""
    return calendar.add_workdays(received_on, days)


def check_open(status: str, number: str) -> None:
    """A decision is final: a second one would count the same complaint twice."""
    if status not in OPEN:
        raise StateConflict(
            f"complaint {number} is {status} already; a correction is a new entry "
            f"(POST …/corrections)",
            rule=RULE_SURVEY,
            field="outcome",
        )


def outcome_of(outcome: str) -> Status:
    """A complaint is verified and upheld, or dismissed: nothing else decides it."""
    if outcome not in OUTCOMES:
        raise Invalid(
            f"a complaint is decided {' or '.join(OUTCOMES)}", rule=RULE_SURVEY, field="outcome"
        )
    return Status(outcome)


def check_reasons(reasons: str) -> str:
    text = reasons.strip()
    if not text:
        raise Invalid(
            "give the reasons for the decision: the complainant sees them",
            rule=RULE_SURVEY,
            field="reasons",
        )
    return text


def check_correctable(status: str, number: str, corrected_by: str | None) -> None:
    if status in OPEN:
        raise StateConflict(
            f"complaint {number} is not decided yet: decide it instead",
            rule=RULE_SURVEY,
            field="id",
        )
    if corrected_by is not None:
        raise StateConflict(
            f"complaint {number} was corrected already by {corrected_by}: correct that one",
            rule=RULE_SURVEY,
            field="id",
        )


def is_overdue(status: str, due_on: date, today: date, decided_on: date | None) -> bool:
    """Open past its last day, or decided after it."""
    if status in OPEN:
        return today > due_on
    return decided_on is not None and decided_on > due_on


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_hash(number: str, code: str) -> str:
    """What is kept of the tracking code: the code is shown once and never stored."""
    return hashlib.sha256(f"{number}:{code.strip().upper()}".encode()).hexdigest()


def code_matches(stored: str, number: str, code: str) -> bool:
    return bool(stored) and hmac.compare_digest(stored, code_hash(number, code))


def complaint_number(received_on: date, complaint_id: int) -> str:
    return f"TS{received_on:%Y%m%d}{complaint_id:06d}"  # TS: 投诉
