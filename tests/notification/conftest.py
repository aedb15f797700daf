"""Notification tests: the embedded system with registry's hall, units and a matter ready."""

from tests.registry.conftest import client, publish  # noqa: F401  (the same fixtures)
