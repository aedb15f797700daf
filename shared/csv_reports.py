"""Reports that answer CSV too: `?format=csv` (or an Accept header preferring text/csv) and the
download itself, safe to open in a spreadsheet."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from marshmallow import fields, validate

from shared.schemas import Schema


class CsvQuery(Schema):
    """`?format=csv` on an operation that answers CSV too (wants_csv)."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


# `@blp.doc(**CSV_TOO)` on an operation taking CsvQuery: its 200 comes as text/csv too.
CSV_TOO: dict[str, Any] = {
    "responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
}


def wants_csv() -> bool:
    """`?format=csv`, or an Accept header preferring text/csv over JSON."""
    if request.args.get("format") == "csv":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv" and request.accept_mimetypes["text/csv"] > 0


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell that a spreadsheet would run as a formula is written as text (CSV injection).
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _numeric(text)):
        return "'" + text
    return text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_download(rows: list[dict[str, Any]], columns: list[str], filename: str) -> Response:
    """A report as a CSV download: UTF-8 with a BOM, so a spreadsheet opens Chinese names right."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
