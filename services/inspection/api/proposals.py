"""Placeholder: filled by the proposals work (issue 8)."""

from __future__ import annotations

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
