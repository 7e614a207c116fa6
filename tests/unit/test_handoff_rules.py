"""Who may read, claim and act on a queue item (pure rules, no database)."""

from __future__ import annotations

import pytest

from bot.workdays.duty import Consultant
from handoff.handoff import (
    HandoffAlreadyClaimed,
    HandoffClosed,
    InvalidHandoffInput,
    NotAllowed,
    QueueItemRef,
    check_outcome,
    check_text,
    wants_to_cancel,
)
from handoff.transitions import TRANSITIONS, Action, allow, claim_action, may_read

LABOR = Consultant(1, "zhang", "consultant", frozenset({"labor"}), active=True)
FAMILY = Consultant(2, "li", "consultant", frozenset({"family"}), active=True)
GENERAL = Consultant(3, "wang", "consultant", frozenset({"general"}), active=True)
SUPERVISOR = Consultant(4, "chen", "supervisor", frozenset(), active=True)


def item(status: str = "open", specialty: str = "family", assignee: int | None = None) -> QueueItemRef:
    return QueueItemRef(10, status, specialty, assignee)


def check_claim(viewer: Consultant, ref: QueueItemRef, own_queue_empty: bool) -> None:
    action = claim_action(viewer, ref)
    if action is not None:
        allow(action, viewer, ref, own_queue_empty)


def check_act(viewer: Consultant, ref: QueueItemRef) -> None:
    allow("answer", viewer, ref)


def test_a_consultant_reads_their_queue_and_their_own_items_only():
    assert may_read(FAMILY, item(), own_queue_empty=False)
    assert not may_read(LABOR, item(), own_queue_empty=False)
    assert may_read(LABOR, item(status="claimed", assignee=LABOR.id), own_queue_empty=False)
    assert may_read(GENERAL, item(), own_queue_empty=False)
    assert may_read(SUPERVISOR, item(status="closed"), own_queue_empty=False)


def test_an_idle_consultant_may_take_an_unclaimed_item_of_another_queue():
    assert may_read(LABOR, item(), own_queue_empty=True)
    check_claim(LABOR, item(), own_queue_empty=True)
    assert not may_read(LABOR, item(status="claimed", assignee=FAMILY.id), own_queue_empty=True)
    with pytest.raises(NotAllowed):
        check_claim(LABOR, item(), own_queue_empty=False)


def test_claimed_and_closed_items_refuse_a_second_claim_except_a_supervisor_takeover():
    with pytest.raises(HandoffAlreadyClaimed):
        check_claim(
            LABOR, item(status="claimed", specialty="labor", assignee=FAMILY.id), own_queue_empty=False
        )
    check_claim(SUPERVISOR, item(status="claimed", assignee=FAMILY.id), own_queue_empty=False)
    with pytest.raises(HandoffClosed):
        check_claim(SUPERVISOR, item(status="closed"), own_queue_empty=False)


def test_only_the_assignee_or_a_supervisor_acts_on_a_claimed_item():
    claimed = item(status="claimed", assignee=FAMILY.id)
    check_act(FAMILY, claimed)
    check_act(SUPERVISOR, claimed)
    with pytest.raises(HandoffAlreadyClaimed):  # someone else has it: 409, as for a second claim
        check_act(GENERAL, claimed)
    check_act(GENERAL, item())  # answering an unclaimed item of one's queue claims it
    with pytest.raises(NotAllowed):
        check_act(LABOR, item())


@pytest.mark.parametrize("outcome", ["a", "b", "c"])
def test_outcomes_are_the_standards_three(outcome: str):
    assert check_outcome(outcome) == outcome


@pytest.mark.parametrize("outcome", ["d", "", None, 1, "A"])
def test_other_outcomes_name_the_field(outcome: object):
    with pytest.raises(InvalidHandoffInput) as refused:
        check_outcome(outcome)
    assert refused.value.field == "outcome"


@pytest.mark.parametrize("text", ["", "   ", None, 5, "字" * 2001])
def test_empty_or_huge_text_is_refused(text: object):
    with pytest.raises(InvalidHandoffInput):
        check_text(text)


@pytest.mark.parametrize(
    ("text", "cancels"),
    [("取消", True), ("取消转人工。", True), ("不用了", True), ("取消合同怎么办", False), (None, False)],
)
def test_only_a_plain_cancel_leaves_the_queue(text: str | None, cancels: bool):
    assert wants_to_cancel(text) is cancels


def test_the_general_queue_is_everyones_who_answers_but_not_an_overseer_without_a_queue():
    """A plain 转人工 (no topic) goes to `general`: any consultant on duty can answer it online."""
    assert LABOR.serves("general") and FAMILY.serves("general")
    assert not SUPERVISOR.serves("general")
    assert not LABOR.serves("family") and GENERAL.serves("family")


@pytest.mark.parametrize(
    "action", ["answer", "transfer_to_queue", "appoint", "return_to_bot", "close", "cancel"]
)
def test_nothing_but_a_note_changes_a_closed_item(action: Action):
    with pytest.raises(HandoffClosed):
        allow(action, SUPERVISOR, item(status="closed"))
    assert allow("note", SUPERVISOR, item(status="closed")).to is None


def test_the_table_says_where_each_action_leads():
    assert {a: t.to for a, t in TRANSITIONS.items()} == {
        "claim": "claimed",
        "take_over": "claimed",
        "answer": "claimed",
        "transfer_to_queue": "open",
        "transfer_to_consultant": "claimed",
        "appoint": None,
        "note": None,
        "return_to_bot": "closed",
        "close": "closed",
        "cancel": "closed",
    }
    assert claim_action(FAMILY, item(status="claimed", assignee=FAMILY.id)) is None
    assert claim_action(SUPERVISOR, item(status="claimed", assignee=FAMILY.id)) == "take_over"


def test_the_general_queue_rule_decides_which_queues_an_account_sees_and_is_busy_with():
    assert LABOR.queues_seen() == {"labor", "general"} and LABOR.own_queues() == {"labor"}
    assert GENERAL.queues_seen() is None and GENERAL.own_queues() is None  # a general consultant: all
    assert SUPERVISOR.queues_seen() is None
