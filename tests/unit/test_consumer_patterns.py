"""A subscriber's handler for an event type: its own, else a topic pattern's."""

from __future__ import annotations

from typing import Any

from shared.consumer import handler_for


def _own(uow: Any, event: Any) -> None: ...


def _every(uow: Any, event: Any) -> None: ...


def test_an_exact_handler_wins_and_a_pattern_takes_the_rest() -> None:
    subscriptions = {"govhall.registry.unit.registered.v1": _own, "govhall.#": _every}
    assert handler_for(subscriptions, "govhall.registry.unit.registered.v1") is _own
    assert handler_for(subscriptions, "govhall.staffing.seal.used.v1") is _every
    assert handler_for(subscriptions, "other.thing.v1") is None
    assert handler_for({"govhall.registry.unit.registered.v1": _own}, "govhall.x.v1") is None
