"""The dashboard's and the quality review's routes of the console API (supervisors and admins):
GET /api/stats, GET /api/stats/charts/{name}.svg, GET /api/quality/sample, POST
/api/quality/reviews/{id}.

Only translates HTTP: the query's dates and week into the use cases' values (422 naming the field),
their results into JSON (console/stats_json.py) or SVG (console/stats_charts.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from aiohttp import web

from bot.errors import InvalidInput, NotFound
from bot.records.domain.figures import Period, default_period, period_problem
from bot.records.figures import RecordFigures
from bot.records.quality_review import QualityReview
from bot.workdays.duty import Consultant
from console.auth import SUPERVISORS, Guard
from console.bodies import json_body, path_id
from console.stats_charts import CHARTS, chart_svg
from console.stats_json import figures_json, sample_json

# An SVG opened on its own runs nothing and loads nothing; its own inline <style> is all it needs.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True, slots=True)
class StatsServices:
    """What the routes need: the figures, the review sample, and the queues' names."""

    figures: RecordFigures
    review: QualityReview
    specialty_names: dict[str, str]


class ChartNotFound(NotFound):
    code = "chart_not_found"


def stats_routes(services: Callable[[], StatsServices], guarded: Guard) -> list[web.RouteDef]:
    """The routes, each for SUPERVISORS only (consultants get a 403)."""

    async def stats(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response(await _stats_of(request))

    async def chart(request: web.Request, viewer: Consultant) -> web.Response:
        name = request.match_info["name"]
        if name not in CHARTS:
            raise ChartNotFound(f"no chart {name[:40]!r}; charts: {', '.join(CHARTS)}")
        svg = chart_svg(name, await _stats_of(request))
        return web.Response(body=svg, content_type="image/svg+xml", headers=SVG_HEADERS)

    async def sample(request: web.Request, viewer: Consultant) -> web.Response:
        review = services().review
        week = review.week_of(request.query.get("week"))
        rows = await review.sample(week, viewer)
        rubric = [{"key": r.key, "name": r.name, "max": r.max} for r in review.rubric.rubric]
        return web.json_response(
            {
                "week": week,
                "per_consultant": review.rubric.sample_per_consultant,
                "rubric": rubric,
                "checks": review.rubric.names,
                "items": [sample_json(row) for row in rows],
            }
        )

    async def record_review(request: web.Request, viewer: Consultant) -> web.Response:
        review_id = path_id(request, NotFound, "sampled consultation")
        body = await json_body(request)
        row = await services().review.review(
            review_id, body.get("score"), body.get("rubric"), body.get("note"), viewer
        )
        return web.json_response(sample_json(row))

    async def _stats_of(request: web.Request) -> dict[str, object]:
        s = services()
        period = _period(request, s.figures)
        return figures_json(await s.figures.figures(period), s.specialty_names)

    return [
        web.get("/stats", guarded(stats, SUPERVISORS)),
        web.get("/stats/charts/{name}.svg", guarded(chart, SUPERVISORS)),
        web.get("/quality/sample", guarded(sample, SUPERVISORS)),
        web.post("/quality/reviews/{id}", guarded(record_review, SUPERVISORS)),
    ]


def _period(request: web.Request, figures: RecordFigures) -> Period:
    """from/to as YYYY-MM-DD (center time, `to` inclusive); `to` defaults to today and `from` to
    29 days before `to`, so no query at all means the last 30 days."""
    given_to = request.query.get("to") or None
    last = _day(given_to, "to") or figures.today()
    first = _day(request.query.get("from") or None, "from") or default_period(last).first
    problem = period_problem(first, last)
    if problem is not None:
        raise InvalidInput("to" if last < first and given_to else "from", problem)
    return Period(first, last)


def _day(raw: str | None, field: str) -> date | None:
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, f"{field} must be a date written YYYY-MM-DD") from None
