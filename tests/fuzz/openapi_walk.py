"""What a request may carry, read from a service's OpenAPI document: every string and array
schema a client can send (bodies and query parameters), with where it sits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

OPERATIONS = ("get", "put", "post", "patch", "delete")
# Formats whose syntax already bounds the length; `binary` is an upload, bounded by its size check.
SELF_BOUNDED_FORMATS = frozenset({"date", "date-time", "uuid", "binary"})


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def request_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) for each query parameter and request body of every operation."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in OPERATIONS:
                continue
            where = f"{method.upper()} {path}"
            for parameter in (*item.get("parameters", ()), *operation.get("parameters", ())):
                parameter = resolve(document, parameter)
                if parameter.get("in") in ("query", "header"):
                    yield f"{where} {parameter['in']} {parameter['name']}", parameter["schema"]
            body = operation.get("requestBody")
            if body:
                for media_type, content in resolve(document, body).get("content", {}).items():
                    if "schema" in content:
                        yield f"{where} body ({media_type})", content["schema"]


def unbounded(document: dict[str, Any], schema: dict[str, Any], where: str) -> Iterator[str]:
    """Each place under `schema` that takes a string without maxLength or an array without
    maxItems (or an open object without maxProperties)."""
    seen: set[int] = set()

    def walk(node: dict[str, Any], at: str) -> Iterator[str]:
        node = resolve(document, node)
        if id(node) in seen:
            return
        seen.add(id(node))
        kind = node.get("type")
        bounded_by_syntax = "enum" in node or node.get("format") in SELF_BOUNDED_FORMATS
        if kind == "string" and "maxLength" not in node and not bounded_by_syntax:
            yield f"{at}: string without maxLength"
        if kind == "array":
            if "maxItems" not in node:
                yield f"{at}: array without maxItems"
            if isinstance(node.get("items"), dict):
                yield from walk(node["items"], f"{at}[]")
        for name, inner in node.get("properties", {}).items():
            if not resolve(document, inner).get("readOnly"):  # never sent by a client
                yield from walk(inner, f"{at}.{name}")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in node:
                yield f"{at}: object without maxProperties"
            yield from walk(extra, f"{at}.*")
        for combinator in ("allOf", "anyOf", "oneOf"):
            for index, inner in enumerate(node.get(combinator, ())):
                yield from walk(inner, f"{at}<{combinator}{index}>")

    yield from walk(schema, where)
