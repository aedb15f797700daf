"""The hall's deadline settings read from the environment, where a wrong one is nobody's 500."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

log = logging.getLogger(__name__)


def from_environment(name: str, parse: Callable[[str | None], int], default: int) -> int:
    """`parse(os.environ[name])`; a wrong setting is logged and `default` used: it never fails
    the public's complaint, the inspector's record or the authority's order."""
    try:
        return parse(os.environ.get(name))
    except ValueError as exc:
        log.error("%s; using %d working days", exc, default)
        return default
