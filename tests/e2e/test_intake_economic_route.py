"""The economic route chosen in the intake: the signed integrity commitment (告知承诺) or a proof.

The case: unpaid wages, none of the exempt persons, 3 people on 3000 yuan a month, so the
income test passes and the citizen chooses how to show it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import yaml

from bot.clock import MovableClock
from bot.settings import REPO_ROOT
from tests.conftest import FakeWeChatServer, RunningService, ServiceFactory
from tests.e2e.intake_steps import (
    START,
    answer_case,
    answer_personal,
    conversation,
    reach_intake_by_income,
    say,
    submit,
    wait_for_sent,
)

TEXTS = yaml.safe_load((REPO_ROOT / "data" / "texts.yml").read_text(encoding="utf-8"))
VERSION = TEXTS["intake.commitment.version"]
COMMITMENT_REFUSAL = TEXTS["intake.invalid.commitment"]
ASK_ID_CARD = "请拍照发送：身份证照片"
ASK_PROOF = "请拍照发送：经济困难证明"
ASK_CASE = "请拍照发送：和案子有关的材料"


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(clock=MovableClock(START))


def moved(svc: RunningService) -> MovableClock:
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    return clock


async def at_economic_question(svc: RunningService) -> Any:
    citizen = svc.citizen()
    notice = await reach_intake_by_income(citizen)
    assert "可以申请法律援助" in notice and "申请须知" in notice
    await answer_personal(citizen)
    economic = await answer_case(citizen)
    assert "经济困难怎么说明" in economic and "1. 发一张" in economic and "2. 签一份" in economic
    assert (await conversation(svc))[1] == "economic"
    return citizen


async def stored(svc: RunningService, number: str) -> tuple[Any, dict[str, Any], list[str]]:
    row = (
        await svc.rows(
            "SELECT status, economic_route, particulars, missing FROM application WHERE number = :n", n=number
        )
    )[0]
    missing = json.loads(row.missing) if isinstance(row.missing, str) else row.missing
    return row, svc.unseal(row.particulars, "application.particulars"), missing


async def test_the_commitment_is_signed_only_by_the_exact_words_with_its_version_and_time(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = await at_economic_question(svc)
    commitment = await say(citizen, "2")
    assert TEXTS["intake.commitment.text"] in commitment and "我承诺" in commitment
    for almost in ("承诺", "好的", "我同意", "我承诺会如实说", "我不承诺", "我承偌"):
        refused = await say(citizen, almost)
        assert refused.split("\n")[0] == COMMITMENT_REFUSAL, almost
        _, step, slots = await conversation(svc)
        assert step == "commitment" and "commitment" not in slots, almost

    signed = moved(svc).advance(minutes=7)  # the signature keeps the moment of 我承诺, not of the offer
    assert ASK_ID_CARD in await say(citizen, "我承诺")
    promise = (await conversation(svc))[2]["commitment"]
    assert promise["version"] == VERSION
    assert datetime.fromisoformat(promise["signed_at"]) == signed

    assert ASK_CASE in await say(citizen, "跳过")  # no economic proof asked for
    review = await say(citizen, "跳过")
    assert "8. 经济状况：已签承诺书" in review
    assert "经济困难证明" not in review and "身份证照片（正反面）（待补）" in review

    moved(svc).advance(minutes=3)
    number = await submit(citizen, fake_wechat)
    row, particulars, missing = await stored(svc, number)
    assert row.economic_route == "commitment" and row.status == "materials_incomplete"
    assert particulars["commitment"] == promise  # signed_at stays the time of the signature
    assert missing == ["id_card", "case_materials"]
    (told,) = await wait_for_sent(fake_wechat, citizen.openid, "申请号")
    assert "还差这些材料" in told and "经济困难证明" not in told


async def test_choosing_proof_asks_for_the_economic_proof_among_the_documents(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = await at_economic_question(svc)
    assert ASK_ID_CARD in await say(citizen, "1")
    assert ASK_PROOF in await say(citizen, "跳过")
    assert ASK_CASE in await say(citizen, "跳过")
    review = await say(citizen, "跳过")
    assert "8. 经济状况：提供经济困难证明" in review and "经济困难证明（待补）" in review
    number = await submit(citizen, fake_wechat)
    row, particulars, missing = await stored(svc, number)
    assert row.economic_route == "proof" and particulars["commitment"] is None
    assert missing == ["id_card", "economic_proof", "case_materials"]


async def test_a_signed_commitment_changed_to_proof_at_the_review_is_not_kept(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = await at_economic_question(svc)
    await say(citizen, "2")
    await say(citizen, "我承诺")
    await say(citizen, "跳过")
    assert "已签承诺书" in await say(citizen, "跳过")
    assert "经济困难怎么说明" in await say(citizen, "改经济")
    assert ASK_PROOF in await say(citizen, "1")  # the photos already answered are not asked again
    assert "commitment" not in (await conversation(svc))[2]
    review = await say(citizen, "跳过")
    assert "8. 经济状况：提供经济困难证明" in review and "已签承诺书" not in review
    number = await submit(citizen, fake_wechat)
    row, particulars, _missing = await stored(svc, number)
    assert row.economic_route == "proof" and particulars["commitment"] is None


async def test_use_proof_instead_at_the_commitment(svc: RunningService):
    citizen = await at_economic_question(svc)
    await say(citizen, "2")
    assert ASK_ID_CARD in await say(citizen, "改用证明")
    _, step, slots = await conversation(svc)
    assert step == "doc_id_card" and slots["route"] == "proof" and not slots.get("commitment")
    assert ASK_PROOF in await say(citizen, "跳过")
