"""Answer jobs: the dialogue runs outside the request, so a slow answer never blocks the callback
and a client disconnect never cancels a half-done write."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import aiojobs
import structlog

from bot.applications.documents import DocumentFetch
from bot.clock import Clock
from bot.consultations.turns import Inbound
from bot.delivery import Deliveries
from bot.dialogue.conversation import Answer, Conversation
from bot.store.transcript import RecordedInbound, Transcript

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class AnswerJob:
    """The meeting point of a waiting callback request and the job answering it."""

    answered: asyncio.Future[Answer]
    decided: asyncio.Event = field(default_factory=asyncio.Event)  # the request has answered WeChat
    passive_taken: bool = False  # the job is committing its first reply as the passive reply
    passive_returned: bool = False  # the request did return that passive reply

    def take_passive(self) -> bool:
        """Called by the job just before its commit; atomic on the event loop."""
        if self.decided.is_set():
            return False
        self.passive_taken = True
        return True


class AnswerJobs:
    """Runs each turn's answer as a tracked job; what the passive reply did not carry goes to the
    deliveries."""

    def __init__(
        self,
        scheduler: aiojobs.Scheduler,
        conversation: Conversation,
        transcript: Transcript,
        deliveries: Deliveries,
        clock: Clock,
        decision_wait: float,
        documents: DocumentFetch | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._conversation = conversation
        self._transcript = transcript
        self._deliveries = deliveries
        self._clock = clock
        self._decision_wait = decision_wait
        self._documents = documents

    async def answer(self, inbound: Inbound, recorded: RecordedInbound) -> AnswerJob:
        job = AnswerJob(answered=asyncio.get_running_loop().create_future())
        await self._scheduler.spawn(self._run(job, inbound, recorded))
        return job

    async def _run(self, job: AnswerJob, inbound: Inbound, recorded: RecordedInbound) -> None:
        try:
            answer = await self._conversation.answer(
                inbound, recorded, take_passive=job.take_passive, check_replied=False
            )
        except Exception as exc:  # a background-job boundary: the recovery sweep answers it later
            log.exception("answer_failed", message_id=recorded.message_id, error=type(exc).__name__)
            job.answered.set_exception(exc)
            job.answered.exception()  # mark retrieved: the edge may have stopped waiting
            return
        job.answered.set_result(answer)
        to_send = [i for i in answer.delivery_ids if i != answer.passive_delivery_id]
        if answer.passive_delivery_id is not None:
            try:
                await asyncio.wait_for(job.decided.wait(), self._decision_wait)
            except TimeoutError:
                log.warning("passive_decision_missing", message_id=recorded.message_id)
            if not job.passive_returned:
                await self._deliveries.take_back_passive(answer.passive_delivery_id)
                to_send.insert(0, answer.passive_delivery_id)
        if to_send:
            await self._deliveries.send(to_send)
        if answer.document_ids and self._documents is not None:
            await self._documents.fetch(list(answer.document_ids))  # the sweep retries a failure

    async def answer_forgotten(self, older_than: float = 30.0) -> int:
        """Periodic: answer inbound turns recorded but never answered (a worker died mid-turn)."""
        count = 0
        now = self._clock.now()
        for message_id in await self._transcript.unanswered(now, timedelta(seconds=older_than)):
            loaded = await self._transcript.load_inbound(message_id)
            if loaded is None:
                continue
            inbound, recorded = loaded
            answer = await self._conversation.answer(inbound, recorded, check_replied=True)
            await self._deliveries.send(answer.delivery_ids)
            if answer.document_ids and self._documents is not None:
                await self._documents.fetch(list(answer.document_ids))
            count += 1
        if count:
            log.warning("forgotten_turns_answered", count=count)
        return count
