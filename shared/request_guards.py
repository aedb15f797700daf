"""What a request is refused before its view reads it: a query parameter the operation does not
declare (a 422 naming it, never ignored), and JSON nested too deep for the parsers (a 400)."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

from flask import request

from shared.errors import DomainError, Invalid
from shared.schemas import MAX_DEPTH


@functools.cache
def declared_query(handler: Any) -> frozenset[str] | None:
    """The query parameters an API operation declares (its `location="query"` schemas and its
    documented parameters), or None for what is no API operation (pages, health)."""
    apidoc = getattr(handler, "_apidoc", None)
    if apidoc is None:
        return None
    names: set[str] = set()
    for argument in apidoc.get("arguments", {}).get("parameters", ()):
        if argument.get("in") != "query":
            continue
        schema = argument["schema"]
        schema = schema() if isinstance(schema, type) else schema
        names.update(
            field.data_key or name for name, field in schema.fields.items() if not field.dump_only
        )
    for parameter in apidoc.get("manual_doc", {}).get("parameters", ()):
        if isinstance(parameter, dict) and parameter.get("in") == "query":
            names.add(parameter["name"])
    return frozenset(names)


def refuse_unknown_parameters(declared: frozenset[str] | None) -> None:
    """A query parameter the operation does not declare (`declared_query`) is a 422 naming it,
    never ignored: `?unit=nope` on a list that has no such filter would otherwise answer every
    row."""
    if declared is None or not request.args:
        return
    unknown = sorted(set(request.args) - declared)
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise Invalid(
            f"unknown query parameters: {', '.join(unknown)} (this operation takes {known})",
            errors={_printable(name): ["Unknown query parameter."] for name in unknown},
        )


def _printable(name: str) -> str:
    return name.encode("utf-8", "backslashreplace").decode()


def refuse_deep_json() -> None:
    """JSON nested past MAX_DEPTH is a 400 naming the body, before a schema reads it: 10,000
    levels would exhaust the parsers' recursion (a RecursionError, a 500). Not-JSON is left to
    the parser that reads the body, which says so."""
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        depth = json_depth(json.loads(data))
    except RecursionError:
        depth = sys.getrecursionlimit()
    except ValueError:
        return
    if depth > MAX_DEPTH:
        raise DomainError(f"the JSON body nests deeper than {MAX_DEPTH} levels", field="body")


def json_depth(value: Any) -> int:
    """How deep `value`, parsed JSON, nests arrays and objects, without recursing."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((inner, depth + 1) for inner in node)
    return deepest
