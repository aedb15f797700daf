"""The monthly ranking of windows by their evaluations (TJ-7.5), published to the center."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from services.inspection.api.evaluations import MONTH, READERS
from services.inspection.handlers import rankings
from shared import auth
from shared.csv_reports import CSV_TOO, CsvQuery, csv_download, wants_csv
from shared.schemas import Schema
from shared.web import require_principal, unit_of_work, unit_scope

rankings_blp = Blueprint(
    "rankings",
    __name__,
    url_prefix="/api/v1/rankings",
    description="The monthly ranking of windows, published to the center",
)


class RankingIn(Schema):
    month = fields.String(required=True, metadata=MONTH)


class RankingEntryOut(Schema):
    rank = fields.Integer(metadata={"description": "shared by windows tied on every criterion"})
    position = fields.Integer()
    window_id = fields.Integer()
    unit_code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    mean_score = fields.Decimal(as_string=True, allow_none=True)
    evaluations = fields.Integer()
    bad_reviews = fields.Integer()
    upheld_complaints = fields.Integer()


class RankingMonthOut(Schema):
    month = fields.String()
    published_at = fields.DateTime()
    published_by = fields.String()
    windows = fields.Integer()


class RankingOut(RankingMonthOut):
    entries = fields.List(fields.Nested(RankingEntryOut))


@rankings_blp.route("")
class Rankings(MethodView):
    @auth.roles("center", "authority")
    @rankings_blp.arguments(RankingIn)
    @rankings_blp.response(201, RankingOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Rank the windows for a month that is over, once: by the mean score of the public's
        evaluations that stand (higher first), then bad reviews, then upheld complaints (fewer
        first), then the number of evaluations (more first); windows with none come last.
        Windows equal on all of these share a rank (1, 2, 2, 4), listed by window id. The
        `monthly-ranking` sweep publishes last month's by itself."""
        actor = require_principal().actor
        return rankings.publish(unit_of_work(), body["month"], actor)

    @auth.roles(*READERS)
    @rankings_blp.response(200, RankingMonthOut(many=True))
    def get(self) -> Any:
        """The months published, newest first."""
        return rankings.list_months(unit_of_work())


RANKING_CSV = ["month", *(f for f in RankingEntryOut().fields)]


@rankings_blp.route("/<month>")
class RankingByMonth(MethodView):
    @auth.roles(*READERS)
    @rankings_blp.arguments(CsvQuery, location="query")
    @rankings_blp.doc(**CSV_TOO)
    @rankings_blp.response(200, RankingOut)
    def get(self, _query: dict[str, Any], month: str) -> Any:
        """A month's ranking (`?format=csv` to download); a unit sees its own windows' places."""
        ranking = rankings.get(unit_of_work(), month, unit_scope())
        if wants_csv():
            rows = [{**entry, "month": month} for entry in ranking["entries"]]
            return csv_download(rows, RANKING_CSV, f"ranking-{month}.csv")
        return ranking


blueprints: list[Blueprint] = [rankings_blp]
