"""The transcript store on SQLite and PostgreSQL: exactly-once records, claims and recovery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.store.db import Database, open_database, schema_is_current, upgrade_schema
from bot.store.deliveries import DeliveryLedger
from bot.store.transcript import Transcript
from tests.conftest import TEST_PROTECTION

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str):
    db = open_database(database_url, TEST_PROTECTION)
    await upgrade_schema(db)
    yield db
    await db.close()


@pytest.fixture
def transcript(db: Database) -> Transcript:
    return Transcript(db)


@pytest.fixture
def deliveries(db: Database) -> DeliveryLedger:
    return DeliveryLedger(db)


def inbound(msg_key: str = "msg|1", openid: str = "o_citizen_1", text_: str = "你好") -> Inbound:
    return Inbound(
        citizen_openid=openid, msg_key=msg_key, kind="text", received_at=NOW, sent_at=NOW, text=text_
    )


async def test_migrations_reach_head_and_are_idempotent(database_url: str):
    db = open_database(database_url, TEST_PROTECTION)
    await upgrade_schema(db)
    await upgrade_schema(db)
    assert await schema_is_current(db)
    tables = {"citizen", "consultation", "message", "delivery", "conversation_state"}
    for table in tables:
        count = await db.read(
            lambda conn, table=table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
        )
        assert count == 0
    await db.close()


async def test_the_same_message_is_recorded_once_even_when_raced(transcript: Transcript):
    results = await asyncio.gather(*(transcript.record_inbound(inbound(), "c_alias") for _ in range(8)))
    assert len({r.message_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1


async def test_two_citizens_first_messages_at_once_get_their_own_records(transcript: Transcript):
    results = await asyncio.gather(
        *(transcript.record_inbound(inbound(f"msg|{i}", f"o_{i}"), f"c_{i}") for i in range(6))
    )
    assert len({r.citizen_id for r in results}) == 6


async def test_a_passive_reply_is_recorded_with_the_answer_and_can_be_given_back(
    transcript: Transcript, deliveries: DeliveryLedger
):
    rec = await transcript.record_inbound(inbound(), "c_alias")
    ids = await transcript.save_response(
        rec, [Outbound("甲"), Outbound("乙")], ConversationState(flow="f"), NOW, passive_first=True
    )
    assert len(ids) == 2
    # Only the second reply waits for a customer-service send.
    assert [d.delivery_id for d in await deliveries.claim_for_sending(None, NOW)] == [ids[1]]
    # The request could not return the passive reply after all: it goes out the other way, once.
    await asyncio.gather(*(deliveries.unclaim_passive(ids[0], NOW) for _ in range(3)))
    assert await deliveries.passive_reply_for(rec.message_id) == (None, False)
    assert [d.text for d in await deliveries.claim_for_sending(None, NOW)] == ["甲"]
    state, version, live = await transcript.load_state(rec.citizen_id)
    assert state.flow == "f" and version == 1 and live is None


async def test_a_passive_reply_a_retry_carried_is_not_taken_back_and_sent_again(
    transcript: Transcript, deliveries: DeliveryLedger
):
    """WeChat's retry got the passive text while the first request was still undecided: when the
    first request then gives up on it, the citizen already has it, so it is not sent again."""
    rec = await transcript.record_inbound(inbound(), "c_alias")
    ids = await transcript.save_response(
        rec, [Outbound("甲"), Outbound("乙")], ConversationState(), NOW, passive_first=True
    )
    text_, settled = await deliveries.passive_reply_for(rec.message_id)
    assert text_ == "甲" and settled
    await deliveries.unclaim_passive(ids[0], NOW)
    assert [d.text for d in await deliveries.claim_for_sending(None, NOW)] == ["乙"]
    assert await deliveries.passive_reply_for(rec.message_id) == ("甲", True)  # a later retry: same text


async def test_a_turn_is_never_answered_twice(transcript: Transcript):
    rec = await transcript.record_inbound(inbound(), "c_alias")
    first = await transcript.save_response(rec, [Outbound("甲")], ConversationState(), NOW)
    second = await transcript.save_response(rec, [Outbound("甲")], ConversationState(), NOW)
    assert len(first) == 1 and second == []
    assert await transcript.replied(rec.message_id)


async def test_sending_claims_each_delivery_once_across_concurrent_senders(
    transcript: Transcript, deliveries: DeliveryLedger
):
    rec = await transcript.record_inbound(inbound(), "c_alias")
    ids = await transcript.save_response(rec, [Outbound(str(i)) for i in range(10)], ConversationState(), NOW)
    batches = await asyncio.gather(*(deliveries.claim_for_sending(None, NOW) for _ in range(4)))
    claimed = [item.delivery_id for batch in batches for item in batch]
    assert sorted(claimed) == sorted(ids)


async def test_stuck_and_retried_deliveries_come_back(transcript: Transcript, deliveries: DeliveryLedger):
    rec = await transcript.record_inbound(inbound(), "c_alias")
    [delivery_id] = await transcript.save_response(rec, [Outbound("甲")], ConversationState(), NOW)
    [item] = await deliveries.claim_for_sending(None, NOW)
    assert await deliveries.claim_for_sending(None, NOW) == []
    assert await deliveries.release_stuck(NOW + timedelta(minutes=5), timedelta(minutes=2)) == 1
    [again] = await deliveries.claim_for_sending(None, NOW + timedelta(minutes=5))
    assert again.delivery_id == item.delivery_id == delivery_id and again.attempts == 2
    await deliveries.mark_retry(delivery_id, None, "network", NOW + timedelta(minutes=10))
    assert await deliveries.claim_for_sending(None, NOW + timedelta(minutes=6)) == []
    assert len(await deliveries.claim_for_sending(None, NOW + timedelta(minutes=10))) == 1


async def test_unanswered_turns_are_found_for_recovery(transcript: Transcript):
    answered = await transcript.record_inbound(inbound("msg|a"), "c_alias")
    await transcript.save_response(answered, [Outbound("甲")], ConversationState(), NOW)
    forgotten = await transcript.record_inbound(inbound("msg|b", text_="还在吗"), "c_alias")
    assert await transcript.unanswered(NOW + timedelta(minutes=1), timedelta(seconds=30)) == [
        forgotten.message_id
    ]
    loaded = await transcript.load_inbound(forgotten.message_id)
    assert loaded is not None and loaded[0].text == "还在吗" and loaded[0].citizen_openid == "o_citizen_1"
