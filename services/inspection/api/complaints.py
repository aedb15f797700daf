"""Placeholder: filled by the complaints work (issue 7)."""

from __future__ import annotations

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
