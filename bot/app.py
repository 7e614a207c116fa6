"""create_app(settings): the only place where the parts are wired together."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import aiohttp
import aiojobs
import redis.asyncio as aioredis
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.dialogue.center_data import load_center_data
from bot.dialogue.conversation import Conversation
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.flows.eligibility_interview import EligibilityInterview
from bot.dialogue.routing import IntentDialogue
from bot.dialogue.texts import Texts
from bot.eligibility.http import eligibility_routes
from bot.health import ReadinessCheck, health_routes
from bot.nlu.http import nlu_routes
from bot.nlu.parse import Classifier
from bot.nlu.service import RasaNlu, entity_extractor, load_builtin
from bot.settings import Settings
from bot.store.db import Database, open_database, schema_is_current, upgrade_schema
from bot.store.redis_keys import CitizenLocks, LocalCitizenLocks, RedisKeys, connect_redis
from bot.store.transcript import Transcript
from bot.wechat.callback import WeChatCallback
from bot.wechat.customer_service import WeChatApi
from bot.wechat.protocol import SafeMode
from bot.wechat.worker import AnswerJobs
from console.auth import ConsoleAuth
from console.openapi import openapi_document
from handoff.api import handoff_routes
from handoff.delivery import TemplateNotice
from handoff.live import LiveFeed
from handoff.queue import HandoffQueue, load_service_calendar
from scheduler.alarm import start_alarm
from scheduler.deadline_sweep import next_due, sweep_deadlines

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(slots=True)
class Service:
    """The wired parts, reachable from tests and the CLI through the app."""

    settings: Settings
    clock: Clock
    texts: Texts
    database: Database | None = None
    redis: aioredis.Redis | None = None
    http: aiohttp.ClientSession | None = None
    wechat_api: WeChatApi | None = None
    transcript: Transcript | None = None
    nlu: Classifier | None = None
    conversation: Conversation | None = None
    jobs: AnswerJobs | None = None
    alarm: AsyncIOScheduler | None = None
    handoffs: HandoffQueue | None = None
    live: LiveFeed | None = None
    console_auth: ConsoleAuth | None = None


SERVICE = web.AppKey("service", Service)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: DialogueEngine | None = None,
    nlu: Classifier | None = None,
    migrate: bool = True,
    periodic_jobs: bool = True,
) -> web.Application:
    """Build the application; resources open in order and close in reverse (cleanup_ctx)."""
    center = load_center_data(settings.data_dir)  # a broken data file stops the start here
    texts = center.texts
    service_calendar, specialties = load_service_calendar(settings.data_dir, settings.deadline_counting)
    service = Service(settings=settings, clock=clock or SystemClock(), texts=texts)
    app = web.Application(
        client_max_size=settings.max_body_bytes, middlewares=[request_context, unexpected_failure]
    )
    app[SERVICE] = service

    async def database_ctx(_app: web.Application) -> AsyncIterator[None]:
        db = open_database(settings.database_url)
        if migrate:
            await upgrade_schema(db)
        elif not await schema_is_current(db):
            await db.close()
            raise RuntimeError("the database schema is not current: run `legalaid db upgrade`")
        service.database = db
        service.transcript = Transcript(db)
        yield
        await db.close()

    async def redis_ctx(_app: web.Application) -> AsyncIterator[None]:
        service.redis = connect_redis(settings.redis_url)
        await service.redis.ping()
        yield
        await service.redis.aclose()

    async def wechat_api_ctx(_app: web.Application) -> AsyncIterator[None]:
        service.http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.wechat_timeout_seconds)
        )
        assert service.redis is not None
        service.wechat_api = WeChatApi(
            service.http,
            service.redis,
            base_url=settings.wechat_api_base,
            appid=settings.wechat_appid,
            appsecret=settings.wechat_appsecret.get_secret_value(),
            key_prefix=settings.redis_prefix,
            clock=service.clock,
            timeout=settings.wechat_timeout_seconds,
            max_retries=settings.wechat_max_retries,
        )
        yield
        await service.http.close()

    async def nlu_ctx(_app: web.Application) -> AsyncIterator[None]:
        if nlu is not None:  # a model already loaded by the caller (tests share one per run)
            service.nlu = nlu
        elif settings.nlu_backend == "rasa":
            assert service.http is not None and settings.rasa_url is not None
            service.nlu = RasaNlu(
                service.http,
                settings.rasa_url,
                token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
                timeout=settings.nlu_timeout_seconds,
                entities=entity_extractor(settings.nlu_data),
            )
        else:
            model = await load_builtin(settings.nlu_config, settings.nlu_data, settings.model_dir)
            service.nlu = model
        yield

    async def dialogue_ctx(_app: web.Application) -> AsyncIterator[None]:
        assert service.redis is not None and service.transcript is not None and service.wechat_api is not None
        keys = RedisKeys(settings.redis_prefix)
        assert service.nlu is not None and service.database is not None
        service.live = LiveFeed(service.redis, keys.handoff_changes())
        service.handoffs = HandoffQueue(
            service.database, service.clock, specialties, service_calendar, texts, service.live
        )
        service.console_auth = ConsoleAuth(
            service.database,
            service.redis,
            keys,
            service.clock,
            idle_minutes=settings.console_session_minutes,
            max_attempts=settings.console_login_attempts,
        )
        service.conversation = Conversation(
            service.transcript,
            engine
            or IntentDialogue(
                texts, service.nlu, EligibilityInterview(texts, center.menus, center.rulebook), center.offices
            ),
            CitizenLocks(service.redis, keys) if settings.redis_url else LocalCitizenLocks(),
            texts,
            service.clock,
            settings.alias_key.get_secret_value(),
            service.handoffs,
        )
        scheduler = aiojobs.Scheduler(close_timeout=10.0, limit=None, pending_limit=10000)
        service.jobs = AnswerJobs(
            scheduler,
            service.conversation,
            service.transcript,
            service.wechat_api,
            service.clock,
            decision_wait=settings.passive_reply_budget + 2.0,
            notice=None
            if settings.wechat_notice_template_id is None
            else TemplateNotice(
                service.wechat_api.send_template,
                settings.wechat_notice_template_id,
                texts.say("handoff.answer_waiting_notice"),
            ),
        )
        callback.connect(service.conversation, service.transcript, service.jobs, service.redis, keys)
        yield
        service.live.close()
        await scheduler.close()

    async def alarm_ctx(_app: web.Application) -> AsyncIterator[None]:
        assert service.jobs is not None
        if not periodic_jobs:
            yield
            return
        every = settings.delivery_retry_seconds
        alarm = start_alarm(
            {
                "delivery_retry": (service.jobs.send_due, every),
                "answer_forgotten": (service.jobs.answer_forgotten, every),
                "deadline_sweep": (sweep_and_rearm, settings.deadline_sweep_seconds),
            }
        )
        service.alarm = alarm
        yield
        alarm.shutdown(wait=False)

    async def sweep_and_rearm() -> int:
        """Fire due reminders and breaches, then wake exactly when the next one falls due."""
        started = service.clock.now()
        fired = await run_deadline_sweep(service)
        assert service.database is not None
        upcoming = await next_due(service.database)
        # A step that fell due while this sweep ran is swept again at once, not at the next tick;
        # one due before it started is being fired by another worker (its row is locked).
        if upcoming is not None and upcoming > started and service.alarm is not None:
            wait = max((upcoming - service.clock.now()).total_seconds(), 0.0)
            if wait < settings.deadline_sweep_seconds:
                service.alarm.add_job(
                    sweep_and_rearm,
                    "date",
                    run_date=service.clock.now() + timedelta(seconds=wait + 0.05),
                    id="deadline:next",
                    replace_existing=True,
                    misfire_grace_time=60,
                )
        return fired

    async def deliver_now(delivery_ids: list[int]) -> list[str]:
        assert service.jobs is not None and service.transcript is not None
        await service.jobs.deliver(delivery_ids)
        return await service.transcript.delivery_statuses(delivery_ids)

    aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
    token = settings.wechat_token.get_secret_value()
    callback = WeChatCallback(
        token=token,
        safe_mode=SafeMode(token, aes, settings.wechat_appid) if aes else None,
        clock=service.clock,
        replay_window=settings.replay_window_seconds,
        max_body_bytes=settings.max_body_bytes,
        passive_budget=settings.passive_reply_budget,
    )
    app.router.add_routes(callback.routes())
    app.cleanup_ctx.extend([database_ctx, redis_ctx, wechat_api_ctx, nlu_ctx, dialogue_ctx, alarm_ctx])
    app.router.add_routes(eligibility_routes(lambda: center.rulebook))
    nlu_token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
    app.router.add_routes(nlu_routes(lambda: _require(service.nlu), nlu_token, settings.max_body_bytes))
    app.router.add_routes(health_routes(_readiness_checks(service, periodic_jobs)))
    knowledge = [
        {"key": f"consult.{intent}", "title": specialties.names[code], "text": texts.say(f"consult.{intent}")}
        for intent, code in specialties.by_intent.items()
        if texts.has(f"consult.{intent}")
    ]
    app.router.add_routes(
        handoff_routes(
            lambda: _require(service.handoffs),
            lambda: _require(service.console_auth),
            lambda: _require(service.live),
            lambda: deliver_now,
            knowledge,
            openapi_document(),
        )
    )
    return app


async def run_deadline_sweep(service: Service) -> int:
    """One sweep at the service's clock; tests call it after moving the clock."""
    queue = _require(service.handoffs)
    fired = await sweep_deadlines(_require(service.database), service.clock.now(), queue.recipients)
    for step in fired:
        await queue.announce(step.step, step.handoff_id)
    return len(fired)


def _require(part: T | None) -> T:
    if part is None:
        raise RuntimeError("used before startup")
    return part


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every log line of a request carries its id (and nothing personal)."""
    structlog.contextvars.clear_contextvars()
    request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    structlog.contextvars.bind_contextvars(request_id=request_id)
    response = await handler(request)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def unexpected_failure(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bug or a dead dependency is a 503 that WeChat retries, never a stack trace to the caller."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:  # the web-handler boundary
        log.exception("request_failed", path=request.path, error=type(exc).__name__)
        return web.json_response({"error": "service_unavailable"}, status=503)


def _readiness_checks(service: Service, periodic_jobs: bool) -> dict[str, ReadinessCheck]:
    async def database() -> str:
        assert service.database is not None
        await service.database.ping()
        return "ok"

    async def redis() -> str:
        assert service.redis is not None
        await service.redis.ping()
        return "ok" if service.settings.redis_url else "ok (in-process substitute)"

    async def nlu() -> str:
        return await _require(service.nlu).status()

    async def scheduler() -> str:
        if not periodic_jobs:
            return "disabled"
        if service.alarm is None or not service.alarm.running:
            raise RuntimeError("scheduler not running")
        return "running"

    async def holidays() -> str:
        """Online/message depends on the official holidays: say when next year's are missing."""
        calendar = _require(service.handoffs).service.calendar
        today = service.clock.now()
        missing = [y for y in (today.year, today.year + 1) if not calendar.covers(y)]
        if today.year in missing:
            return f"warning: data/holidays.yml has no dates for {today.year}; weekends only"
        if missing and today.month == 12:
            return f"warning: add {missing[0]} to data/holidays.yml when the State Council publishes it"
        return "ok"

    return {
        "database": database,
        "redis": redis,
        "nlu": nlu,
        "scheduler": scheduler,
        "holidays": holidays,
    }
