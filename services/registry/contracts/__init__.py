"""The events registry publishes: the public, versioned contract other services rely on, a module
per topic. Importing this package registers them all (the catalog, the app)."""

from __future__ import annotations

from services.registry.contracts import (  # noqa: F401  (registers)
    agreements,
    appointments,
    cases,
    halls,
    matters,
    units,
    windows,
)
