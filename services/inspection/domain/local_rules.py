"""Local rules as data (issue 8 point 3): an ID, a trigger with its parameters, and the step it
proposes, each checked before a version is saved."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from services.inspection.domain.proposals import ALLOWED, BASIS, PARAMS, PROPOSABLE, TRIGGERS
from shared.errors import Invalid, RuleViolation

_RULE_ID = re.compile(r"^LR-[A-Z0-9][A-Z0-9-]{1,36}$")


def check_rule_id(rule_id: str) -> str:
    rule_id = rule_id.strip().upper()
    if not _RULE_ID.match(rule_id):
        raise Invalid(
            "a local rule's ID is LR- then capital letters, digits and hyphens, e.g. "
            "LR-COMPLAINTS-30D",
            field="rule_id",
        )
    return rule_id


def check_trigger(trigger: str) -> str:
    if trigger not in ALLOWED:
        raise Invalid(f"trigger is one of {', '.join(TRIGGERS)}", field="trigger")
    return trigger


def check_params(trigger: str, params: Mapping[str, Any] | None) -> dict[str, int]:
    """The trigger's thresholds, each a whole number in its range; the default where left out."""
    given = dict(params or {})
    spec = PARAMS[trigger]
    unknown = sorted(set(given) - set(spec))
    if unknown:
        known = ", ".join(spec) or "none"
        raise Invalid(
            f"{trigger} takes no parameter {', '.join(unknown)} (it takes: {known})",
            field="params",
        )
    checked = {}
    for name, (least, most, default) in spec.items():
        value = given.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            raise Invalid(f"params.{name} is a whole number from {least} to {most}", field="params")
        checked[name] = value
    return checked


def check_proposes(trigger: str, proposes: str, basis: str | None) -> str:
    """What the rule proposes fits its trigger and the rule it applies; returns the basis."""
    if proposes not in BASIS:
        raise Invalid(f"proposes is one of {', '.join(PROPOSABLE)}", field="proposes")
    rule = BASIS[proposes]
    if proposes not in ALLOWED[trigger]:
        raise RuleViolation(_misfit(trigger, proposes), rule=rule, field="proposes")
    if basis is not None and basis.strip() and basis.strip() != rule:
        raise RuleViolation(
            f"{proposes} is proposed under {rule}, not {basis.strip()}", rule=rule, field="basis"
        )
    return rule


def _misfit(trigger: str, proposes: str) -> str:
    if proposes == "termination":
        return (
            "termination is proposed only when a rectification deadline passed without "
            "verified rectification (trigger order_overdue) (TJ-8.2)"
        )
    if proposes == "suspension":
        return (
            "suspension rests on serious problems or concentrated public complaints "
            "(triggers serious_finding, concentrated_complaints) (TJ-8.2)"
        )
    return f"{trigger} proposes {', '.join(ALLOWED[trigger])} ({BASIS[proposes]})"
