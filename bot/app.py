"""create_app(settings): the only place where the parts are wired together.

Each resource sits under its own typed key and opens in its own cleanup context, in order
(database, Redis, WeChat API, NLU, dialogue, alarm), closing in reverse; routes look the
resources up when a request comes, so they exist before the app starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import aiojobs
import structlog
from aiohttp import web

from bot.app_keys import (
    ALARM,
    ANSWER_JOBS,
    APPLICATION_PROGRESS,
    APPLICATION_REGISTER,
    APPLICATION_REVIEW,
    CENTER,
    CLOCK,
    CONSOLE_AUTH,
    CONVERSATION,
    DATABASE,
    DEADLINE_ALARM,
    DELIVERIES,
    DELIVERY_LEDGER,
    DOCUMENT_FETCH,
    HANDOFF_OPENING,
    HANDOFFS,
    HTTP,
    LIVE,
    NLU,
    PROTECTION,
    REDIS,
    SESSIONS,
    SETTINGS,
    TRANSCRIPT,
    WECHAT_API,
)
from bot.app_routes import add_routes
from bot.applications.deadlines import sweep_decision_deadlines
from bot.applications.documents import DocumentFetch
from bot.applications.intake import ApplicationRegister
from bot.applications.progress import ApplicationProgress, ApplicationSummary
from bot.applications.review import ApplicationReview
from bot.auth.sessions import ConsoleSessions
from bot.center.center import load_center
from bot.clock import Clock, SystemClock
from bot.delivery import Deliveries, TemplateNotice
from bot.dialogue.applying import Applying
from bot.dialogue.conversation import Conversation
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.flows.application_intake import ApplicationIntake
from bot.dialogue.flows.eligibility_interview import EligibilityInterview
from bot.dialogue.flows.rating import SatisfactionRating
from bot.dialogue.routing import IntentDialogue
from bot.nlu.parse import Classifier
from bot.nlu_service import RasaNlu, entity_extractor, load_builtin
from bot.privacy.field_cipher import UnreadableField
from bot.request_middlewares import request_context, unexpected_failure
from bot.review_wiring import staff_review_jobs, wire_staff_review
from bot.settings import Settings
from bot.store.callback_markers import LocalMarkers, RedisMarkers
from bot.store.db import open_database, schema_is_current, upgrade_schema
from bot.store.deliveries import DeliveryLedger
from bot.store.field_keys import protection_for
from bot.store.key_rotation import check_keys_open
from bot.store.live_feed import LiveFeed
from bot.store.redis_keys import CitizenLocks, LocalCitizenLocks, RedisKeys, connect_redis
from bot.store.sqlite_files import service_lock
from bot.store.transcript import Transcript
from bot.wechat.answer_jobs import AnswerJobs
from bot.wechat.callback import WeChatCallback
from bot.wechat.customer_service import WeChatApi
from bot.wechat.protocol import SafeMode
from console.auth import ConsoleAuth
from console.pages import page_headers
from handoff.opening import HandoffOpening
from handoff.queue import HandoffQueue
from scheduler.alarm import DeadlineAlarm, start_alarm

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: DialogueEngine | None = None,
    nlu: Classifier | None = None,
    migrate: bool = True,
    periodic_jobs: bool = True,
) -> web.Application:
    """Build the application; a broken data file stops the start here, before anything opens."""
    center = load_center(settings.data_dir)
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[request_context, unexpected_failure, page_headers],
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[CENTER] = center
    callback = _wechat_callback(settings, app[CLOCK])
    app.cleanup_ctx.extend(
        [
            _database_lock_ctx,
            _database_ctx(migrate),
            _redis_ctx,
            _wechat_api_ctx,
            _nlu_ctx(nlu),
            _dialogue_ctx(engine, callback),
            _alarm_ctx(periodic_jobs),
        ]
    )
    app.on_shutdown.append(_end_live_streams)
    add_routes(app, callback, periodic_jobs)
    return app


async def _end_live_streams(app: web.Application) -> None:
    """On shutdown, before aiohttp waits for open requests: a console's live stream ends within a
    second (its browser reconnects to another worker) instead of holding the stop for a minute."""
    if LIVE in app:
        app[LIVE].close()


# ---- resources, each in its own cleanup context ---------------------------------------------
def _database_ctx(migrate: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        app[PROTECTION] = protection_for(app[SETTINGS])
        db = open_database(app[SETTINGS].database_url, app[PROTECTION])
        if migrate:
            await upgrade_schema(db)
        elif not await schema_is_current(db):
            await db.close()
            raise RuntimeError("the database schema is not current: run `legalaid db upgrade`")
        try:
            await check_keys_open(db)
        except UnreadableField:
            await db.close()
            raise
        app[DATABASE] = db
        app[TRANSCRIPT] = Transcript(db)
        app[DELIVERY_LEDGER] = DeliveryLedger(db)
        yield
        await db.close()

    return database_ctx


async def _database_lock_ctx(app: web.Application) -> AsyncIterator[None]:
    """While the service runs, `legalaid restore` refuses to write its SQLite database."""
    with service_lock(app[SETTINGS].database_url):
        yield


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    redis = connect_redis(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    await redis.ping()
    app[REDIS] = redis
    app[LIVE] = LiveFeed(redis, RedisKeys(settings.redis_prefix).handoff_changes())
    yield
    app[LIVE].close()
    await redis.aclose()


async def _wechat_api_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.wechat_timeout_seconds))
    app[HTTP] = http
    app[WECHAT_API] = WeChatApi(
        http,
        app[REDIS],
        base_url=settings.wechat_api_base,
        appid=settings.wechat_appid,
        appsecret=settings.wechat_appsecret.get_secret_value(),
        key_prefix=settings.redis_prefix,
        clock=app[CLOCK],
        timeout=settings.wechat_timeout_seconds,
        max_retries=settings.wechat_max_retries,
    )
    yield
    await http.close()


def _nlu_ctx(preloaded: Classifier | None) -> Callable[[web.Application], AsyncIterator[None]]:
    async def nlu_ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        if preloaded is not None:  # a model already loaded by the caller (tests share one per run)
            app[NLU] = preloaded
        elif settings.nlu_backend == "rasa" and settings.rasa_url is not None:
            app[NLU] = RasaNlu(
                app[HTTP],
                settings.rasa_url,
                token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
                timeout=settings.nlu_timeout_seconds,
                entities=entity_extractor(settings.nlu_data),
            )
        else:
            app[NLU] = await load_builtin(settings.nlu_config, settings.nlu_data, settings.model_dir)
        yield

    return nlu_ctx


def _dialogue_ctx(
    engine: DialogueEngine | None, callback: WeChatCallback
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def dialogue_ctx(app: web.Application) -> AsyncIterator[None]:
        settings, clock, center = app[SETTINGS], app[CLOCK], app[CENTER]
        keys = RedisKeys(settings.redis_prefix)
        notice = (
            None
            if settings.wechat_notice_template_id is None
            else TemplateNotice(
                app[WECHAT_API].send_template,
                settings.wechat_notice_template_id,
                center.texts.say("handoff.answer_waiting_notice"),
            )
        )
        app[DELIVERIES] = Deliveries(
            app[DELIVERY_LEDGER],
            app[WECHAT_API],
            clock,
            notice,
            labels={"consultant": center.texts.say("handoff.answer_prefix")},
        )
        app[HANDOFFS] = HandoffQueue(
            app[DATABASE], clock, center.specialties, center.service, center.texts, app[LIVE], app[DELIVERIES]
        )
        app[APPLICATION_REVIEW] = ApplicationReview(
            app[DATABASE], center.service, center.texts, clock, center.rulebook
        )
        app[HANDOFF_OPENING] = HandoffOpening(
            app[DATABASE],
            center.specialties,
            center.service,
            center.texts,
            app[LIVE],
            matter_names={code: m.name for code, m in center.rulebook.matters.items()},
            complaint_terms=center.complaints,
        )
        app[SESSIONS] = ConsoleSessions(
            app[DATABASE],
            app[REDIS],
            keys,
            clock,
            idle_minutes=settings.console_session_minutes,
            max_attempts=settings.console_login_attempts,
        )
        app[CONSOLE_AUTH] = ConsoleAuth(
            app[SESSIONS],
            secure_cookies=settings.environment == "production",
            trusted_proxies=frozenset(settings.trusted_proxies),
        )
        index = app[PROTECTION].index
        app[APPLICATION_REGISTER] = ApplicationRegister(
            app[DATABASE], center.service, center.texts, index, settings.intake_reminder_at
        )
        app[APPLICATION_PROGRESS] = ApplicationProgress(app[DATABASE], center.texts, center.service)
        app[DOCUMENT_FETCH] = DocumentFetch(app[DATABASE], clock, app[WECHAT_API].get_media)
        progress = app[APPLICATION_PROGRESS]

        async def applications_of(openid: str) -> list[ApplicationSummary]:
            return await progress.of_citizen(index.citizen_alias(openid))

        intake = ApplicationIntake(center.texts, center.rulebook, clock.now, center.intents.digressions)
        dialogue = engine or IntentDialogue(
            center.texts,
            app[NLU],
            center.intents,
            EligibilityInterview(center.texts, center.menus, center.rulebook, center.intents.digressions),
            center.offices,
            center.answers,
            Applying(center.texts, intake, progress, applications_of),
            rating=SatisfactionRating(center.texts, center.satisfaction, center.intents),
        )
        app[CONVERSATION] = Conversation(
            app[TRANSCRIPT],
            dialogue,
            CitizenLocks(app[REDIS], keys) if settings.redis_url else LocalCitizenLocks(),
            center.texts,
            clock,
            index,
            app[HANDOFF_OPENING],
            app[APPLICATION_REGISTER],
        )
        jobs = aiojobs.Scheduler(close_timeout=10.0, limit=None, pending_limit=10000)
        app[ANSWER_JOBS] = AnswerJobs(
            jobs,
            app[CONVERSATION],
            app[TRANSCRIPT],
            app[DELIVERIES],
            clock,
            decision_wait=settings.passive_reply_budget + 2.0,
            documents=app[DOCUMENT_FETCH],
        )
        app[DEADLINE_ALARM] = DeadlineAlarm(
            app[DATABASE], clock, center.service, app[LIVE], every=settings.deadline_sweep_seconds
        )
        wire_staff_review(app)
        markers = RedisMarkers(app[REDIS], keys) if settings.redis_url else LocalMarkers(clock)
        callback.connect(app[CONVERSATION], app[DELIVERY_LEDGER], app[ANSWER_JOBS], markers)
        yield
        await jobs.close()

    return dialogue_ctx


def _alarm_ctx(periodic_jobs: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def alarm_ctx(app: web.Application) -> AsyncIterator[None]:
        if not periodic_jobs:
            yield
            return
        every = app[SETTINGS].delivery_retry_seconds
        jobs, deadlines, db, clock = app[ANSWER_JOBS], app[DEADLINE_ALARM], app[DATABASE], app[CLOCK]

        async def intake_reminders() -> int:
            return await remind_unfinished_intakes(app)

        async def decision_deadlines() -> int:
            return len(await sweep_decision_deadlines(db, clock.now()))

        alarm = start_alarm(
            {
                "delivery_retry": (app[DELIVERIES].send_due, every),
                "answer_forgotten": (jobs.answer_forgotten, every),
                "deadline_sweep": (deadlines.sweep_and_rearm, deadlines.every),
                "document_fetch": (app[DOCUMENT_FETCH].fetch, every),
                "intake_reminder": (intake_reminders, every),
                "decision_deadlines": (decision_deadlines, deadlines.every),
                **staff_review_jobs(app, deadlines.every),
            }
        )
        deadlines.attach(alarm)
        app[ALARM] = alarm
        yield
        alarm.shutdown(wait=False)

    return alarm_ctx


async def remind_unfinished_intakes(app: web.Application) -> int:
    """One reminder for each intake left unfinished, at its due time (next working day 10:00)."""
    ids = await app[APPLICATION_REGISTER].remind_due(app[CLOCK].now())
    if ids:
        await app[DELIVERIES].send(ids)
    return len(ids)


async def run_deadline_sweep(app: web.Application) -> int:
    """One sweep at the service's clock; tests call it after moving the clock."""
    return await app[DEADLINE_ALARM].sweep()


# ---- routes --------------------------------------------------------------------------------
def _wechat_callback(settings: Settings, clock: Clock) -> WeChatCallback:
    aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
    token = settings.wechat_token.get_secret_value()
    return WeChatCallback(
        token=token,
        safe_mode=SafeMode(token, aes, settings.wechat_appid) if aes else None,
        clock=clock,
        replay_window=settings.replay_window_seconds,
        max_body_bytes=settings.max_body_bytes,
        passive_budget=settings.passive_reply_budget,
        accept_plaintext=settings.wechat_accept_plaintext,
    )
