"""Placeholder: filled by the sanctions work (issue 8)."""

from __future__ import annotations

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
