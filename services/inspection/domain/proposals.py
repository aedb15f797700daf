"""The rule engine that proposes sanctions (issue 8 points 3, 4, 8; TJ-8.1, TJ-8.2) and the
accountability of staff for misconduct (point 6, TJ-8.3).

Local rules are data: each has an ID of its own (`LR-…`), a trigger, the trigger's thresholds,
the sanction it proposes and the rule (docs/rules.md) it applies. The triggers are a small
closed set of pure functions below; what crosses a threshold is a *candidate* proposal. Each
fact (an upheld complaint, a finding, a month ranked last, a missed deadline) counts towards at
most one proposal of a rule for a window, so the same facts are never proposed twice, even
after a decline.

The authority decides every proposal: nothing here sanctions anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

RULE_INTERVIEW = "TJ-8.1"


RULE_SUSPENSION = "TJ-8.2"


RULE_ACCOUNTABILITY = "TJ-8.3"


PROPOSABLE = ("interview", "rectification", "suspension", "termination")


BASIS = {
    "interview": RULE_INTERVIEW,
    "rectification": RULE_INTERVIEW,
    "suspension": RULE_SUSPENSION,
    "termination": RULE_SUSPENSION,
}


# What each trigger may propose. TJ-8.2 suspends for serious problems or concentrated complaints
# only, and terminates only when a rectification deadline passed: a low place in the ranking is
# a problem found (TJ-8.1), never grounds to suspend.
ALLOWED: dict[str, tuple[str, ...]] = {
    "concentrated_complaints": ("interview", "rectification", "suspension"),
    "serious_finding": ("interview", "rectification", "suspension"),
    "ranked_last": ("interview", "rectification"),
    "order_overdue": ("termination",),
}


TRIGGERS = tuple(ALLOWED)


# Each trigger's parameters: (least, most, default).
PARAMS: dict[str, dict[str, tuple[int, int, int]]] = {
    "concentrated_complaints": {"complaints": (1, 100, 3), "days": (1, 366, 30)},
    "serious_finding": {"days": (1, 366, 30)},
    # A window nobody rated that month has no place to lose: `min_evaluations` is how many of
    # the public's evaluations a window needs for its place to count as last.
    "ranked_last": {"months": (1, 12, 2), "min_evaluations": (1, 1000, 1)},
    "order_overdue": {},
}


TOP_SEVERITY = "serious"


# A window that can no longer be suspended (or terminated) is not proposed for it.
ENDED = frozenset({"terminated", "revoked"})


NOT_SUSPENDABLE = ENDED | {"suspended"}


_MAX_KEY = 200


@dataclass(frozen=True)
class Rule:
    rule_id: str
    version: int
    trigger: str
    params: Mapping[str, int]
    proposes: str
    basis: str
    active: bool = True
    description: str = ""


@dataclass(frozen=True)
class Complaint:
    """An upheld complaint that stands (not replaced by a correction)."""

    id: int
    window_id: int
    decided_on: date


@dataclass(frozen=True)
class Finding:
    """A finding that stands (not withdrawn)."""

    id: int
    window_id: int
    severity: str
    recorded_on: date


@dataclass(frozen=True)
class Place:
    """A window's place in a published month: its rank and how many evaluations it rests on."""

    window_id: int
    rank: int
    evaluations: int


@dataclass(frozen=True)
class MonthRanking:
    """A published month, every window's place in it."""

    month: str
    places: tuple[Place, ...]

    def last(self, min_evaluations: int) -> frozenset[int]:
        """The windows sharing the worst rank among those evaluated at least `min_evaluations`
        times. The ranking lists unrated windows last, but a window nobody rated was not
        ranked last by anyone; and with fewer than two rated windows, or all of them tied,
        there is no last place."""
        rated = [p for p in self.places if p.evaluations >= min_evaluations]
        ranks = {p.rank for p in rated}
        if len(rated) < 2 or len(ranks) < 2:
            return frozenset()
        return frozenset(p.window_id for p in rated if p.rank == max(ranks))


@dataclass(frozen=True)
class Order:
    """A rectification order whose deadline passed without verified rectification."""

    order_id: int
    window_id: int
    due_on: date
    findings: tuple[int, ...] = ()
    complaints: tuple[int, ...] = ()


@dataclass(frozen=True)
class Facts:
    complaints: Sequence[Complaint] = ()
    findings: Sequence[Finding] = ()
    rankings: Sequence[MonthRanking] = ()
    orders: Sequence[Order] = ()


@dataclass(frozen=True)
class Candidate:
    """A proposal a rule makes: what it rests on, and the key that makes it once only."""

    rule: Rule
    window_id: int
    reason: str
    complaints: tuple[int, ...] = ()
    findings: tuple[int, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> frozenset[str]:
        return tokens_of(self.window_id, self.complaints, self.findings, self.facts)

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(self.rule.rule_id, self.window_id, self.tokens)


def tokens_of(
    window_id: int, complaints: Iterable[int], findings: Iterable[int], facts: Mapping[str, Any]
) -> frozenset[str]:
    """The facts a proposal rests on, each once: complaints, findings, months, orders."""
    tokens = {f"complaint:{c}" for c in complaints} | {f"finding:{f}" for f in findings}
    tokens |= {f"month:{window_id}:{m}" for m in facts.get("months", ())}
    if facts.get("order_id") is not None:
        tokens.add(f"order:{facts['order_id']}")
    return frozenset(tokens)


def dedupe_key(rule_id: str, window_id: int, tokens: Iterable[str]) -> str:
    return compact_key(f"{rule_id}:window-{window_id}:{','.join(sorted(tokens))}")


def compact_key(key: str) -> str:
    """A key that fits its column: a long one is kept as its digest, its start kept readable."""
    if len(key) <= _MAX_KEY:
        return key
    return f"{key[:100]}…sha256-{hashlib.sha256(key.encode()).hexdigest()}"


def concentrated_complaints(
    rule: Rule, facts: Facts, today: date, used: frozenset[str]
) -> list[Candidate]:
    """N upheld complaints about one window decided within the last M days (today counts, the
    day M days ago does not), none of them counted by an earlier proposal of this rule."""
    n, days = rule.params["complaints"], rule.params["days"]
    since = today - timedelta(days=days)
    per_window: dict[int, list[int]] = {}
    for c in facts.complaints:
        if since < c.decided_on <= today and f"complaint:{c.id}" not in used:
            per_window.setdefault(c.window_id, []).append(c.id)
    return [
        Candidate(
            rule,
            window_id,
            f"集中投诉 · {len(ids)} upheld complaints about the window within {days} days "
            f"(threshold {n}; {rule.rule_id} v{rule.version}, {rule.basis})",
            complaints=tuple(sorted(ids)),
        )
        for window_id, ids in sorted(per_window.items())
        if len(ids) >= n
    ]


def serious_finding(rule: Rule, facts: Facts, today: date, used: frozenset[str]) -> list[Candidate]:
    """Findings of top severity recorded within the last `days` days: one proposal per window
    resting on all of them not counted before."""
    since = today - timedelta(days=rule.params["days"])
    per_window: dict[int, list[int]] = {}
    for f in facts.findings:
        fresh = f"finding:{f.id}" not in used
        if f.severity == TOP_SEVERITY and since < f.recorded_on <= today and fresh:
            per_window.setdefault(f.window_id, []).append(f.id)
    return [
        Candidate(
            rule,
            window_id,
            f"严重问题 · {len(ids)} serious finding(s) "
            f"({rule.rule_id} v{rule.version}, {rule.basis})",
            findings=tuple(sorted(ids)),
        )
        for window_id, ids in sorted(per_window.items())
    ]


def ranked_last(rule: Rule, facts: Facts, today: date, used: frozenset[str]) -> list[Candidate]:
    """Windows ranked last in the latest published month and in the K-1 calendar months before
    it, running; last among the windows the public rated at least `min_evaluations` times (see
    `MonthRanking.last`). Months counted by an earlier proposal of this rule for the window do
    not count again."""
    params = with_defaults(rule.trigger, rule.params)
    k = params["months"]
    last = {r.month: r.last(params["min_evaluations"]) for r in facts.rankings}
    if not last:
        return []
    latest = max(last)
    candidates = []
    for window_id in sorted(last[latest]):
        streak: list[str] = []
        month: str | None = latest
        while month in last and window_id in last[month]:
            if f"month:{window_id}:{month}" in used:
                break
            streak.append(month)
            month = month_before(month)
        if len(streak) >= k:
            months = sorted(streak)
            candidates.append(
                Candidate(
                    rule,
                    window_id,
                    f"排名末位 · ranked last {len(months)} months running: {', '.join(months)} "
                    f"({rule.rule_id} v{rule.version}, {rule.basis})",
                    facts={"months": months},
                )
            )
    return candidates


def order_overdue(rule: Rule, facts: Facts, today: date, used: frozenset[str]) -> list[Candidate]:
    """Each rectification order past its deadline without verified rectification (TJ-8.2)."""
    return [
        Candidate(
            rule,
            order.window_id,
            f"逾期未整改 · rectification order {order.order_id} was due on {order.due_on} and "
            f"is not verified as rectified ({rule.rule_id} v{rule.version}, {rule.basis})",
            complaints=tuple(order.complaints),
            findings=tuple(order.findings),
            facts={"order_id": order.order_id, "due_on": order.due_on.isoformat()},
        )
        for order in sorted(facts.orders, key=lambda o: o.order_id)
        if order.due_on < today and f"order:{order.order_id}" not in used
    ]


TRIGGER_FUNCTIONS: dict[str, Callable[[Rule, Facts, date, frozenset[str]], list[Candidate]]] = {
    "concentrated_complaints": concentrated_complaints,
    "serious_finding": serious_finding,
    "ranked_last": ranked_last,
    "order_overdue": order_overdue,
}


def evaluate(rule: Rule, facts: Facts, today: date, used: frozenset[str]) -> list[Candidate]:
    """What an active rule proposes over the facts; `used` are the facts of its earlier
    proposals (any outcome)."""
    if not rule.active:
        return []
    return TRIGGER_FUNCTIONS[rule.trigger](rule, facts, today, used)


def fits_window(proposes: str, state: str) -> bool:
    """A window already suspended is not proposed for suspension, nor an ended one for any."""
    if state in ENDED:
        return False
    return not (proposes == "suspension" and state in NOT_SUSPENDABLE)


def month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def with_defaults(trigger: str, params: Mapping[str, Any]) -> dict[str, int]:
    """A stored version's parameters, each one it predates at its default (a parameter added
    to a trigger later applies to earlier versions as its default says)."""
    return {
        name: int(params.get(name, default)) for name, (_, _, default) in PARAMS[trigger].items()
    }
