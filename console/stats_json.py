"""The console's JSON for the dashboard (GET /api/stats) and the weekly review sample.

Figures only: counts, rates (0–1), averages and minutes, never a citizen. Every key is always
present (zeros and nulls included), so the dashboard and a test read the same shape every time.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.records.domain.figures import Figures
from bot.records.quality_review import SampledConsultation

CHANNELS = ("wechat", "phone", "walk_in")
KINDS = ("online", "message", "phone", "on_site")
NO_SPECIALTY = "none"  # consultations no topic was found for


def figures_json(f: Figures, specialty_names: dict[str, str]) -> dict[str, Any]:
    """The figures of one period as GET /api/stats answers them."""
    return {
        "from": f.period.first.isoformat(),
        "to": f.period.last.isoformat(),
        "timezone": f.timezone,
        "volumes": {
            "total": f.total,
            "by_day": [{"day": day.isoformat(), "count": n} for day, n in f.by_day],
            "by_specialty": _by_specialty(f.by_specialty, specialty_names),
            "by_channel": _counts(CHANNELS, f.by_channel),
            "by_kind": _counts(KINDS, f.by_kind),
        },
        "deadlines": {kind: asdict(c) for kind, c in f.deadlines.items()},
        "first_response": asdict(f.first_response) | {"unit": "minutes"},
        "now": asdict(f.now) | {"at": _iso(f.now.at)},
        "satisfaction": asdict(f.satisfaction)
        | {"distribution": {str(k): v for k, v in f.satisfaction.distribution.items()}},
        "outcomes": f.outcomes,
        "quality": {
            "scored": f.quality.scored,
            "average": f.quality.average,
            "reviewed": f.quality.reviewed,
            "review_average": f.quality.review_average,
            "by_consultant": [
                {
                    "consultant": p.username,
                    "scored": p.scored,
                    "average": p.average,
                    "reviewed": p.reviewed,
                    "review_average": p.review_average,
                }
                for p in f.quality.by_consultant
            ],
        },
    }


def _counts(known: tuple[str, ...], found: dict[Any, int]) -> dict[str, int]:
    """The known codes in their order (zeros included), then any other code the records hold, then
    "none" for records without one: nothing counted is ever dropped."""
    counts = {code: found.get(code, 0) for code in known}
    counts.update({str(k): n for k, n in sorted(found.items(), key=str) if k is not None and k not in known})
    if None in found:
        counts["none"] = found[None]
    return counts


def _by_specialty(counted: dict[str | None, int], names: dict[str, str]) -> list[dict[str, Any]]:
    """Every queue (zeros included) in the center's order, then codes no longer configured."""
    codes = list(names) + sorted(k for k in counted if k is not None and k not in names)
    items = [
        {"specialty": code, "name": names.get(code, code), "count": counted.get(code, 0)} for code in codes
    ]
    if None in counted:
        items.append({"specialty": NO_SPECIALTY, "name": "未分类", "count": counted[None]})
    return items


def sample_json(row: SampledConsultation) -> dict[str, Any]:
    """One sampled consultation with the automatic checks and the review, if any."""
    return {
        "id": row.id,
        "week": row.week,
        "consultation_id": row.consultation_id,
        "consultant": row.consultant,
        "sampled_at": _iso(row.sampled_at),
        "channel": row.channel,
        "kind": row.kind,
        "outcome": row.outcome,
        "closed_at": _iso(row.closed_at),
        "quality_score": row.quality_score,
        "quality_checks": row.quality_checks,
        "review": None
        if row.reviewed_at is None
        else {
            "reviewer": row.reviewer,
            "reviewed_at": _iso(row.reviewed_at),
            "score": row.score,
            "rubric": row.rubric,
            "note": row.note,
        },
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
