"""The routes of the application: the WeChat callback, the public API, health and readiness,
the console's API (looking its use cases up by key when a request comes) and its page."""

from __future__ import annotations

from aiohttp import web
from redis.exceptions import RedisError

from bot.app_keys import (
    ALARM,
    APPLICATION_REVIEW,
    AUDIT_LOG,
    CENTER,
    CLOCK,
    CONSOLE_AUTH,
    CONSOLE_USERS,
    DATABASE,
    DELIVERIES,
    HANDOFFS,
    LIVE,
    NLU,
    RECORDS,
    REDIS,
    SETTINGS,
    STATS,
)
from bot.health import ReadinessCheck, health_routes
from bot.public_api.eligibility import eligibility_routes
from bot.public_api.nlu import nlu_routes
from bot.wechat.callback import WeChatCallback
from console.api import console_api
from console.openapi import openapi_document
from console.pages import console_pages


def add_routes(app: web.Application, callback: WeChatCallback, periodic_jobs: bool) -> None:
    """The WeChat callback, the public API, health, the console's API and its page."""
    settings, center = app[SETTINGS], app[CENTER]
    app.router.add_routes(callback.routes())
    app.router.add_routes(eligibility_routes(lambda: center.rulebook))
    nlu_token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
    app.router.add_routes(nlu_routes(lambda: app[NLU], nlu_token, settings.max_body_bytes))
    app.router.add_routes(health_routes(_readiness_checks(app, periodic_jobs)))

    texts, specialties = center.texts, center.specialties
    knowledge = [
        {"key": f"consult.{intent}", "title": specialties.names[code], "text": texts.say(f"consult.{intent}")}
        for intent, code in specialties.by_intent.items()
        if texts.has(f"consult.{intent}")
    ]
    app.add_subapp(
        "/api/",
        console_api(
            lambda: app[HANDOFFS],
            lambda: app[CONSOLE_AUTH],
            lambda: app[LIVE],
            knowledge,
            openapi_document(),
            lambda: app[APPLICATION_REVIEW],
            lambda: app[DELIVERIES],
            lambda: app[RECORDS],
            lambda: app[STATS],
            lambda: app[AUDIT_LOG],
            lambda: app[CONSOLE_USERS],
        ),
    )
    app.router.add_routes(console_pages())


def _readiness_checks(app: web.Application, periodic_jobs: bool) -> dict[str, ReadinessCheck]:
    async def database() -> str:
        await app[DATABASE].ping()
        return "ok"

    async def redis() -> str:
        """Redis only accelerates: without it messages are still recorded and answered (later)."""
        try:
            await app[REDIS].ping()
        except (RedisError, OSError) as exc:
            return f"degraded: {type(exc).__name__} (messages are recorded; some answers wait)"
        return "ok" if app[SETTINGS].redis_url else "ok (in-process substitute)"

    async def nlu() -> str:
        return await app[NLU].status()

    async def scheduler() -> str:
        if not periodic_jobs:
            return "disabled"
        if ALARM not in app or not app[ALARM].running:
            raise RuntimeError("scheduler not running")
        return "running"

    async def holidays() -> str:
        warning = app[CENTER].service.holidays_warning(app[CLOCK].now())
        return "ok" if warning is None else f"warning: {warning}"

    return {"database": database, "redis": redis, "nlu": nlu, "scheduler": scheduler, "holidays": holidays}
