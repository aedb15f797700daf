"""Accountability cases (TJ-8.3): the three misconducts, what a case rests on, the district's
opinion heard, and the outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.inspection.domain.proposals import RULE_ACCOUNTABILITY
from shared.errors import Invalid, RuleViolation

MISCONDUCT = (
    "buck_passing",
    "soliciting_favours",
    "abuse_of_power",
)  # 推诿扯皮, 吃拿卡要, 以权谋私


# 无责 · 批评教育 · 警告 · 记过 · 建议撤职/辞退: the district's disciplinary scale, mildest first.
OUTCOMES = ("no_fault", "criticism", "warning", "demerit", "dismissal_recommended")


@dataclass(frozen=True)
class Basis:
    """A complaint or finding an accountability case rests on, as inspection knows it."""

    kind: str  # complaint | finding
    id: int
    window_id: int
    staff_id: str | None
    standing: bool  # upheld and not corrected / not withdrawn
    misconduct: str | None = None


def check_misconduct(kind: str) -> str:
    if kind not in MISCONDUCT:
        raise RuleViolation(
            f"accountability is for {', '.join(MISCONDUCT)} (TJ-8.3), not {kind!r}",
            rule=RULE_ACCOUNTABILITY,
            field="kind",
        )
    return kind


def check_basis(staff_id: str, basis: Sequence[Basis]) -> int:
    """Each complaint and finding stands and concerns the staff member, at one window; upheld
    complaints name a misconduct (TJ-8.3). Returns the window."""
    if not basis:
        raise Invalid(
            "an accountability case rests on upheld complaints or findings: name at least one",
            field="complaints",
        )
    for item in basis:
        where = f"{item.kind}s"
        if not item.standing:
            state = "upheld" if item.kind == "complaint" else "standing (not withdrawn)"
            raise RuleViolation(
                f"{item.kind} {item.id} is not {state}: accountability rests on verified "
                "facts (TJ-8.3)",
                rule=RULE_ACCOUNTABILITY,
                field=where,
            )
        if item.staff_id != staff_id:
            raise RuleViolation(
                f"{item.kind} {item.id} does not concern staff member {staff_id} (TJ-8.3)",
                rule=RULE_ACCOUNTABILITY,
                field=where,
            )
        if item.kind == "complaint" and item.misconduct is None:
            raise RuleViolation(
                f"complaint {item.id} was not upheld as buck-passing, soliciting favours or "
                "abuse of power (TJ-8.3)",
                rule=RULE_ACCOUNTABILITY,
                field=where,
            )
    windows = {item.window_id for item in basis}
    if len(windows) > 1:
        raise Invalid(
            "the complaints and findings concern different windows: open one case per window",
            field="complaints",
        )
    return windows.pop()


def check_outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise Invalid(f"outcome is one of {', '.join(OUTCOMES)}", field="outcome")
    return outcome


def check_heard(opinion: str | None, case_id: int) -> None:
    """The district takes part in every decision (TJ-8.3): its opinion comes first."""
    if not opinion:
        raise RuleViolation(
            f"accountability case {case_id} is decided with the district: record the district's "
            "opinion first (TJ-8.3)",
            rule=RULE_ACCOUNTABILITY,
            field="outcome",
        )


def sanctions(outcome: str) -> bool:
    """Every outcome but no fault is a disciplinary sanction against the staff member."""
    return outcome != "no_fault"


def text(value: str | None, name: str, most: int = 5000) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise Invalid(f"{name} is required", field=name)
    if len(cleaned) > most:
        raise Invalid(f"at most {most} characters", field=name)
    return cleaned


def check_answers(proposed: tuple[str, int], decided: tuple[str, int]) -> None:
    """A decision settles a proposal only for the sanction and window the rules proposed: a
    suspension does not answer a proposal to terminate, nor one window's proposal another's."""
    (kind, window), (decided_kind, decided_window) = proposed, decided
    if window != decided_window:
        raise Invalid(
            f"the proposal is for window {window}, not {decided_window}", field="proposal_id"
        )
    if kind != decided_kind:
        raise Invalid(f"the proposal is for a {kind}, not a {decided_kind}", field="proposal_id")
