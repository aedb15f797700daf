"""The events inspection publishes (none yet: findings and sanctions come with their issues)."""

from __future__ import annotations
