"""Sampling plans and spot checks as the rules want them before anything is drawn (TJ-7.4): the
seed source committed to, the checklist, the dates, and when a draw may be made or re-made."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from services.inspection.domain.draws import MIN_INSPECTORS, RULE, parse_rate
from shared.errors import Invalid, RuleViolation, StateConflict


def check_commitment(seed_source: str, draw_on: date, today: date) -> None:
    """The seed's source is named, and fixed, before its value can be known."""
    if not seed_source.strip():
        raise Invalid(
            "name the value the seed will come from, published after today "
            "(e.g. 福利彩票3D 第2026330期开奖号码)",
            rule=RULE,
            field="seed_source",
        )
    if draw_on < today:
        raise RuleViolation(
            "the draw day is fixed before the seed's value is published: it cannot be in the "
            f"past (TJ-7.4: the draw must be random, not chosen after the fact); today is {today}",
            rule=RULE,
            field="draw_on",
        )


def clean_checklist(items: Sequence[str]) -> list[str]:
    cleaned = [item.strip() for item in items]
    if not cleaned or not all(cleaned):
        raise Invalid("a checklist has at least one item, none blank", rule=RULE, field="checklist")
    return cleaned


def check_sampling_plan(period_from: date, period_to: date, minimum: int, draw_on: date) -> None:
    if period_from > period_to:
        raise Invalid("the period ends on or after it starts", rule=RULE, field="period_to")
    if minimum < 1:
        raise Invalid(
            "at least one case per window is drawn", rule=RULE, field="minimum_per_window"
        )
    if draw_on <= period_to:
        raise Invalid(
            "the draw is made after the period has ended, when its cases are all known",
            rule=RULE,
            field="draw_on",
        )


def check_spot_check_plan(
    days: Sequence[date],
    windows: int | None,
    rate: Decimal | None,
    inspectors_per_window: int,
    draw_on: date,
) -> None:
    if inspectors_per_window < MIN_INSPECTORS:
        raise RuleViolation(
            f"a spot check is made by at least {MIN_INSPECTORS} inspectors (TJ-7.4)",
            rule=RULE,
            field="inspectors_per_window",
        )
    if (windows is None) == (rate is None):
        raise Invalid(
            "give either how many windows or the rate of windows", rule=RULE, field="windows"
        )
    if windows is not None and windows < 1:
        raise Invalid("draw at least one window", rule=RULE, field="windows")
    if not days or len(set(days)) != len(days):
        raise Invalid("name the day(s) of the check, each once", rule=RULE, field="days")
    if min(days) < draw_on:
        raise Invalid(
            "the check comes after its draw: no day before draw_on", rule=RULE, field="days"
        )


def check_draw_day(draw_on: date, today: date, last_day: date | None = None) -> None:
    if today < draw_on:
        raise RuleViolation(
            f"the draw is made on or after {draw_on}, once the seed's value is published (TJ-7.4)",
            rule=RULE,
            field="seed_value",
        )
    if last_day is not None and today > last_day:
        raise RuleViolation(
            f"the spot check's last day, {last_day}, has passed: plan a new check (TJ-7.4)",
            rule=RULE,
            field="days",
        )


def seed_value_of(value: str) -> str:
    """The value published for the seed's source, as published (outer spaces aside)."""
    cleaned = value.strip()
    if not cleaned:
        raise Invalid(
            "give the value published for the seed's source (TJ-7.4)", rule=RULE, field="seed_value"
        )
    return cleaned


def check_redraw(current_draw_id: int | None, reason: str) -> None:
    """A draw is never redone silently: a plan's next draw gives its reason, and the earlier
    one is kept, marked superseded."""
    if current_draw_id is not None and not reason.strip():
        raise StateConflict(
            f"this plan was drawn already (draw {current_draw_id}); drawing again needs a "
            "reason, and the earlier draw is kept (TJ-7.4)",
            rule=RULE,
            field="reason",
        )


def _common(body: Mapping[str, Any], today: date) -> dict[str, Any]:
    title = body["title"].strip()
    if not title:
        raise Invalid("give the plan a title", rule=RULE, field="title")
    check_commitment(body["seed_source"], body["draw_on"], today)
    checklist = clean_checklist(body["checklist"])
    return {
        "title": title,
        "checklist": checklist,
        "seed_source": body["seed_source"].strip(),
        "draw_on": body["draw_on"],
    }


def sampling_plan(body: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The plan as recorded, or the first reason it could not be drawn fairly."""
    rate = parse_rate(body["rate"])
    common = _common(body, today)
    check_sampling_plan(
        body["period_from"], body["period_to"], body["minimum_per_window"], body["draw_on"]
    )
    return {
        **common,
        "rate": rate,
        "minimum_per_window": body["minimum_per_window"],
        "period_from": body["period_from"],
        "period_to": body["period_to"],
    }


def spot_check_plan(body: Mapping[str, Any], today: date) -> dict[str, Any]:
    rate = parse_rate(body["rate"]) if body["rate"] is not None else None
    common = _common(body, today)
    check_spot_check_plan(
        body["days"], body["windows"], rate, body["inspectors_per_window"], body["draw_on"]
    )
    days = [day.isoformat() for day in sorted(body["days"])]
    return {
        **common,
        "days": days,
        "windows": body["windows"],
        "rate": rate,
        "inspectors_per_window": body["inspectors_per_window"],
    }
