"""The population a spot check commits to before its seed is known (TJ-7.4), and what changed
in it by the time of the draw."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from services.inspection.domain.draws import RULE, Inspector, digest
from shared.errors import RuleViolation


def spot_check_population(
    windows: Iterable[tuple[int, Sequence[str]]], inspectors: Iterable[Inspector]
) -> dict[str, Any]:
    return {
        "windows": sorted(
            ({"window_id": wid, "units": sorted(set(units))} for wid, units in windows),
            key=lambda w: w["window_id"],
        ),
        "inspectors": sorted(
            (
                {"inspector_id": i.id, "home_unit": i.home_unit, "conflicts": sorted(i.conflicts)}
                for i in inspectors
            ),
            key=lambda i: i["inspector_id"],
        ),
    }


# What a spot check commits when it is planned: the population its draw is made from.
SPOT_CHECK_POPULATION = (
    "windows open to the public (state active), each with its unit and co-units; and the "
    "active inspectors, each with home unit and declared conflicts"
)


def population_changes(committed: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between a spot check's committed population and today's, one line each."""
    changes = []
    for part, key in (("window", "window_id"), ("inspector", "inspector_id")):
        before = {m[key]: m for m in committed[f"{part}s"]}
        after = {m[key]: m for m in now[f"{part}s"]}
        changes += [f"{part} {i} is no longer in it" for i in sorted(set(before) - set(after))]
        changes += [f"{part} {i} joined it" for i in sorted(set(after) - set(before))]
        changes += [
            f"{part} {i} changed" for i in sorted(set(before) & set(after)) if before[i] != after[i]
        ]
    return changes


def check_committed(committed: dict[str, Any] | None, now: dict[str, Any]) -> None:
    """A spot check is drawn from the population it committed when planned, before its seed's
    value could be known: a pool changed since (an inspector deactivated, a conflict declared,
    a window suspended) could steer the draw, so the draw is refused and a new check is planned
    with a new seed (TJ-7.4)."""
    if committed is None or digest(committed) == digest(now):
        return
    changed = population_changes(committed, now)
    shown = "; ".join(changed[:5]) + (f"; and {len(changed) - 5} more" if len(changed) > 5 else "")
    raise RuleViolation(
        "the windows or inspectors changed since the spot check was planned and its population "
        f"committed ({shown}): a draw from another population than the one committed before "
        "the seed is not verifiably random; plan a new spot check with a seed yet to be "
        "published (TJ-7.4)",
        rule=RULE,
        field="population",
    )
