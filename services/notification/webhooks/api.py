"""Placeholder: the webhooks endpoints (issue 9)."""

from __future__ import annotations

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
