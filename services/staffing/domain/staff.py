"""Staff sent to the hall (EQ-3.1a) and who may see their personal data."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from shared.errors import Invalid, RuleViolation, member_of

MAX_AGE = 45  # EQ-3.1a: in principle; older only with an approved exception
MIN_EXPERIENCE_YEARS = 1
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
PHONE = re.compile(r"^1[3-9]\d{9}$")


class Employment(StrEnum):
    CIVIL_SERVANT = "civil_servant"
    FORMAL_STAFF = "formal_staff"


@dataclass(frozen=True)
class StaffMember:
    id: str
    unit_code: str
    name: str
    id_number: str
    phone: str
    birth_date: date
    employment: Employment
    law_enforcement_cert: str
    work_started_on: date
    knows_approval_work: bool
    age_exception_reason: str = ""
    age_exception_approved_by: str | None = None
    status: str = "active"
    version: int = 1


def employment(value: str) -> Employment:
    """EQ-3.1a: window staff are civil servants or formal staff, nobody else."""
    detail = f"{value!r}: window staff are civil servants or formal staff (EQ-3.1a)"
    return member_of(
        Employment, value, field="employment", detail=detail, rule="EQ-3.1a", error=RuleViolation
    )


def years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end`: 2024-03-15 → 2026-03-14 is 23, → 2026-03-15 is 24."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def register(member: StaffMember) -> StaffMember:
    """The unit's record of a staff member, checked for what never changes with the post."""
    if not ID_NUMBER.match(member.id_number):
        raise Invalid("an ID number is 17 digits and a digit or X", field="id_number")
    if not PHONE.match(member.phone):
        raise Invalid("a mobile phone number is 11 digits starting 13–19", field="phone")
    if not member.name.strip():
        raise Invalid("name the staff member", field="name")
    if not member.law_enforcement_cert.strip():
        raise RuleViolation(
            "window staff hold an administrative law-enforcement qualification (EQ-3.1a)",
            rule="EQ-3.1a",
            field="law_enforcement_cert",
        )
    if not member.knows_approval_work:
        raise RuleViolation(
            "window staff know approval work (EQ-3.1a)", rule="EQ-3.1a", field="knows_approval_work"
        )
    return member


def check_eligible(member: StaffMember, posted_on: date) -> None:
    """EQ-3.1a at the date of posting: employment, experience and age (or an exception)."""
    if member.status != "active":
        raise RuleViolation(f"{member.name} is {member.status}", rule="EQ-3.2.4", field="staff_id")
    if member.employment not in (Employment.CIVIL_SERVANT, Employment.FORMAL_STAFF):
        raise RuleViolation(
            "window staff are civil servants or formal staff (EQ-3.1a)",
            rule="EQ-3.1a",
            field="employment",
        )
    if years_between(member.work_started_on, posted_on) < MIN_EXPERIENCE_YEARS:
        raise RuleViolation(
            "window staff have at least one year of work experience (EQ-3.1a)",
            rule="EQ-3.1a",
            field="work_started_on",
        )
    age = years_between(member.birth_date, posted_on)
    if age > MAX_AGE and member.age_exception_approved_by is None:
        raise RuleViolation(
            f"{member.name} is {age} on {posted_on}; over {MAX_AGE} needs an exception with a "
            "recorded reason approved by the center (EQ-3.1a)",
            rule="EQ-3.1a",
            field="birth_date",
        )


def request_age_exception(member: StaffMember, reason: str) -> StaffMember:
    if not reason.strip():
        raise RuleViolation(
            "an age exception records its reason (EQ-3.1a)", rule="EQ-3.1a", field="reason"
        )
    return replace(
        member,
        age_exception_reason=reason.strip(),
        age_exception_approved_by=None,
        version=member.version + 1,
    )


def approve_age_exception(member: StaffMember, approver: str) -> StaffMember:
    if not member.age_exception_reason:
        raise RuleViolation(
            "the unit records the reason for the exception first (EQ-3.1a)",
            rule="EQ-3.1a",
            field="reason",
        )
    return replace(member, age_exception_approved_by=approver, version=member.version + 1)


def mask_id_number(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "****"


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"


def sees_personal_data(role: str, unit: str | None, member_unit: str) -> bool:
    """The staff member's own unit and the center see ID number and phone in full."""
    return role == "center" or (role == "unit" and unit == member_unit)
