"""The staff's rules for reviewing an application: who decides, what a reason must be, how late it is.

Pure, so the console, the API and the sweep agree: the deadline colour a list shows is the same
rule the sweep marks, and a termination names one of the grounds 002 §7.4.9 c allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.applications.domain.lifecycle import AWAITING_DECISION

# 002 §7.4.9 c 1)–6): the only grounds on which legal aid, once granted, is terminated.
TERMINATION_REASONS: tuple[str, ...] = (
    "income_changed",  # 经济状况变化，不再符合条件
    "other_counsel",  # 自行委托其他代理人
    "citizen_request",  # 受援人要求终止
    "illegal_use",  # 利用法律援助从事违法活动
    "concealed_facts",  # 隐瞒重要事实或提供虚假证据
    "other_by_law",  # 法律法规规定的其他情形
)
# Granting or refusing legal aid, and ending it, is the center's decision: supervisors take it.
# Consultants read applications and ask for materials; admins manage accounts and never act.
DECIDING_ROLES = frozenset({"supervisor"})
REVIEWING_ROLES = frozenset({"consultant", "supervisor"})
MAX_REASON = 500
MAX_ITEM = 100
MAX_ITEMS = 10

Deadline = Literal["none", "ok", "due_soon", "breached"]


def deadline_colour(
    status: str,
    now: datetime,
    due_at: datetime | None,
    warn_at: datetime | None,
    warned_at: datetime | None,
    breached_at: datetime | None,
) -> Deadline:
    """Red once the decision is late, amber from the working day before it is due, green before.

    "none" when no decision clock runs (waiting for materials, or already decided)."""
    if status not in AWAITING_DECISION or due_at is None:
        return "none"
    if breached_at is not None or now >= due_at:
        return "breached"
    if warned_at is not None or (warn_at is not None and now >= warn_at):
        return "due_soon"
    return "ok"


def may_decide(role: str) -> bool:
    return role in DECIDING_ROLES


def may_review(role: str) -> bool:
    return role in REVIEWING_ROLES
