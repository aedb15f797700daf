"""The events staffing publishes (none yet: staff and assessment events come with their issues)."""

from __future__ import annotations
