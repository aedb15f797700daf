"""The events notification publishes (none yet: delivery events come with their issue)."""

from __future__ import annotations
