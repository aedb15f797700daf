"""Real ids from the demo hall for the path parameters of each operation, so that fuzzed
requests reach the handlers and the domain instead of stopping at a 404 for a random id.

For `/a/{x}/b/{y}` the id of `x` is the first item of `GET /a`, the id of `y` the first item of
`GET /a/<x>/b`; an item's id is its member named like the parameter, or its `id`. A parameter
no list reveals takes a value of the same name from another path, or keeps the values
schemathesis generates.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from flask import Flask
from werkzeug.test import Client

from tests.support import bearer

PARAMETER = re.compile(r"\{(\w+)\}")
LISTERS = ("authority", "center", "inspector", "integrator")


def _first_item(client: Client, path: str) -> dict[str, Any] | None:
    for role in LISTERS:
        response = client.get(path, headers=bearer(role))
        if response.status_code != 200 or not response.is_json:
            continue
        body = response.get_json()
        items = body.get("items") if isinstance(body, dict) else body
        if isinstance(items, list) and items and isinstance(items[0], dict):
            first: dict[str, Any] = items[0]
            return first
    return None


def _value_of(values: dict[str, Any], match: re.Match[str]) -> str:
    return str(values.get(match.group(1), ""))


def known_ids(app: Flask, paths: list[str]) -> dict[str, dict[str, Any]]:
    """OpenAPI path → {parameter: a real value} for every parameter a list reveals."""
    client = Client(app)
    found: dict[str, dict[str, Any]] = {}
    cache: dict[str, dict[str, Any] | None] = {}
    for path in paths:
        values: dict[str, Any] = {}
        for match in PARAMETER.finditer(path):
            name = match.group(1)
            collection = path[: match.start()].rstrip("/")
            concrete = PARAMETER.sub(partial(_value_of, values), collection)
            if "//" in concrete or concrete.endswith("/"):
                break  # an earlier parameter stayed unknown
            if concrete not in cache:
                cache[concrete] = _first_item(client, concrete)
            item = cache[concrete]
            value = None if item is None else item.get(name, item.get("id"))
            if value is None:
                break
            values[name] = value
        if values:
            found[path] = values
    # A parameter no list of its own reveals takes a value of the same name from another path.
    by_name = {name: value for values in found.values() for name, value in values.items()}
    for path in paths:
        names = PARAMETER.findall(path)
        if all(name in by_name for name in names):
            found[path] = {name: found.get(path, {}).get(name, by_name[name]) for name in names}
    return found
