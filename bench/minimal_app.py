"""The baseline of `bench.http_ratio`: the least a Flask JSON endpoint can do.

One GET that answers a small JSON object, and one POST that parses a JSON body and answers 201
with a small JSON object: no database, no auth, no metrics, no logging. `bench.http_ratio`
serves it with the services' own gunicorn configuration and worker count:

    python -m gunicorn --config python:shared.gunicorn_conf --bind 127.0.0.1:PORT \
        --workers N bench.minimal_app:app
"""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask, request

app = Flask(__name__)
_ids = itertools.count(1)


@app.get("/item")
def item() -> dict[str, Any]:
    return {"id": 1, "code": "minimal", "name": "A minimal JSON object", "active": True}


@app.post("/items")
def create() -> tuple[dict[str, Any], int]:
    body = request.get_json()
    if not isinstance(body, dict):
        return {"title": "a JSON object is expected"}, 400
    return {"id": next(_ids), "code": body.get("code"), "created": True}, 201
