"""The dashboard's charts as SVG, drawn on the server by pygal from the same JSON as GET /api/stats.

Why server-side SVG: nothing is loaded from a CDN and no chart script runs in the console (pygal is
a Python package; `js=[]` links no script); the console's CSP forbids inline styles, so the page
shows each chart as an <img> from our own guarded route, where the SVG's own <style> is allowed and
any script in it never runs. The numbers come from `figures_json`, so a chart cannot disagree with
the tables or the API. Labels are for staff; no citizen ever sees these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygal
from pygal.style import Style

OUTCOME_NAMES = {"a": "a 引导申请", "b": "b 法律建议", "c": "c 告知部门", "none": "未记录"}
CHANNEL_NAMES = {"wechat": "微信", "phone": "电话", "walk_in": "来访", "none": "未知"}
KIND_NAMES = {"online": "在线咨询（5小时）", "message": "留言咨询（24小时）"}
# The page's fonts first, then the CJK fonts a server or a test browser may have.
FONTS = (
    '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", sans-serif'
)
STYLE = Style(
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#888888",
    colors=("#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#6e7781"),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
)


def _options(**extra: Any) -> dict[str, Any]:
    """No script, fixed size (the <img> scales it), and no dependence on the wall clock."""
    return {
        "js": [],
        "style": STYLE,
        "width": 640,
        "height": 320,
        "disable_xml_declaration": False,
        "print_values": False,
        "legend_at_bottom": True,
        "no_data_text": "暂无数据",
        **extra,
    }


def _counts_axis(top: int) -> dict[str, Any]:
    """Whole numbers on the value axis: a count of consultations is never 0.2."""
    step = max(1, -(-top // 8))
    return {"y_labels": list(range(0, max(top, 1) + step, step)), "truncate_label": -1}


def _daily(s: dict[str, Any]) -> Any:
    days = s["volumes"]["by_day"]
    chart = pygal.Bar(
        **_options(
            title="每日咨询量",
            show_legend=False,
            x_label_rotation=45,
            show_minor_x_labels=False,
            x_labels_major_every=max(1, len(days) // 10),
            **_counts_axis(max((d["count"] for d in days), default=0)),
        )
    )
    chart.x_labels = [d["day"][5:] for d in days]
    chart.add("咨询量", [d["count"] for d in days])
    return chart


def _specialty(s: dict[str, Any]) -> Any:
    items = s["volumes"]["by_specialty"]
    top = max((item["count"] for item in items), default=0)
    # pygal measures labels as Latin text; CJK characters are twice as wide, so give them room.
    chart = pygal.HorizontalBar(
        **_options(title="按专业", show_legend=False, margin_left=70, **_counts_axis(top))
    )
    chart.x_labels = [item["name"] or item["specialty"] for item in items]
    chart.add("咨询量", [item["count"] for item in items])
    return chart


def _channel(s: dict[str, Any]) -> Any:
    chart = pygal.Pie(**_options(title="按渠道", inner_radius=0.4))
    for code, n in s["volumes"]["by_channel"].items():
        chart.add(CHANNEL_NAMES.get(code, code), n)
    return chart


def _deadlines(s: dict[str, Any]) -> Any:
    kinds = list(s["deadlines"])
    top = max((sum(v for k, v in c.items() if k != "rate") for c in s["deadlines"].values()), default=0)
    chart = pygal.StackedBar(**_options(title="答复时限", **_counts_axis(top)))
    chart.x_labels = [KIND_NAMES.get(kind, kind) for kind in kinds]
    chart.add("按时", [s["deadlines"][k]["met"] for k in kinds])
    chart.add("超时", [s["deadlines"][k]["breached"] for k in kinds])
    chart.add("未定", [s["deadlines"][k]["pending"] for k in kinds])
    return chart


def _response(s: dict[str, Any]) -> Any:
    chart = pygal.Bar(**_options(title="首次人工答复用时（分钟）", show_legend=False))
    r = s["first_response"]
    chart.x_labels = ["中位数 p50", "p90", "p95"]
    chart.add("分钟", [r["p50"], r["p90"], r["p95"]])
    return chart


def _satisfaction(s: dict[str, Any]) -> Any:
    dist = s["satisfaction"]["distribution"]
    chart = pygal.Bar(
        **_options(title="满意度评分分布", show_legend=False, **_counts_axis(max(dist.values())))
    )
    chart.x_labels = [f"{grade}分" for grade in dist]
    chart.add("评价数", list(dist.values()))
    return chart


def _outcomes(s: dict[str, Any]) -> Any:
    chart = pygal.Pie(**_options(title="处理结果"))
    for code, n in s["outcomes"].items():
        chart.add(OUTCOME_NAMES.get(code, code), n)
    return chart


def _quality(s: dict[str, Any]) -> Any:
    chart = pygal.Bar(**_options(title="质量评分（按咨询员）", range=(0, 100)))
    people = s["quality"]["by_consultant"]
    chart.x_labels = [p["consultant"] for p in people]
    chart.add("自动检查", [p["average"] for p in people])
    chart.add("抽查评分", [p["review_average"] for p in people])
    return chart


CHARTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "daily": _daily,
    "specialty": _specialty,
    "channel": _channel,
    "deadlines": _deadlines,
    "response": _response,
    "satisfaction": _satisfaction,
    "outcomes": _outcomes,
    "quality": _quality,
}


def chart_svg(name: str, stats: dict[str, Any]) -> bytes:
    """One chart of `stats` (figures_json's output) as an SVG document; KeyError for no such chart."""
    return bytes(CHARTS[name](stats).render())
