"""The application's typed keys: every resource `create_app` wires, under one name each.

Its own module so that the parts of the wiring (bot/app.py, bot/review_wiring.py) and the tests
that reach into a running service name the same keys without importing each other.
"""

from __future__ import annotations

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.applications.documents import DocumentFetch
from bot.applications.intake import ApplicationRegister
from bot.applications.progress import ApplicationProgress
from bot.applications.review import ApplicationReview
from bot.auth.sessions import ConsoleSessions
from bot.auth.users import ConsoleUsers
from bot.center.center import Center
from bot.clock import Clock
from bot.delivery import Deliveries
from bot.dialogue.conversation import Conversation
from bot.nlu.parse import Classifier
from bot.privacy.protection import Protection
from bot.records.audit_log import AuditLog
from bot.records.quality import QualitySweep
from bot.records.retention import RecordRetention
from bot.records.silence import ConsultationSilence
from bot.settings import Settings
from bot.store.db import Database
from bot.store.deliveries import DeliveryLedger
from bot.store.live_feed import LiveFeed
from bot.store.transcript import Transcript
from bot.wechat.answer_jobs import AnswerJobs
from bot.wechat.customer_service import WeChatApi
from console.auth import ConsoleAuth
from console.complaints_api import COMPLAINT_DESK
from console.records_api import RecordServices
from console.stats_api import StatsServices
from handoff.opening import HandoffOpening
from handoff.queue import HandoffQueue
from scheduler.alarm import DeadlineAlarm

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
CENTER = web.AppKey("center", Center)
DATABASE = web.AppKey("database", Database)
PROTECTION = web.AppKey("protection", Protection)
TRANSCRIPT = web.AppKey("transcript", Transcript)
DELIVERY_LEDGER = web.AppKey("delivery_ledger", DeliveryLedger)
REDIS = web.AppKey("redis", aioredis.Redis)
LIVE = web.AppKey("live", LiveFeed)
HTTP = web.AppKey("http", aiohttp.ClientSession)
WECHAT_API = web.AppKey("wechat_api", WeChatApi)
NLU = web.AppKey("nlu", Classifier)
HANDOFFS = web.AppKey("handoffs", HandoffQueue)
HANDOFF_OPENING = web.AppKey("handoff_opening", HandoffOpening)
SESSIONS = web.AppKey("sessions", ConsoleSessions)
CONSOLE_AUTH = web.AppKey("console_auth", ConsoleAuth)
CONVERSATION = web.AppKey("conversation", Conversation)
DELIVERIES = web.AppKey("deliveries", Deliveries)
ANSWER_JOBS = web.AppKey("answer_jobs", AnswerJobs)
DEADLINE_ALARM = web.AppKey("deadline_alarm", DeadlineAlarm)
ALARM = web.AppKey("alarm", AsyncIOScheduler)
APPLICATION_REGISTER = web.AppKey("application_register", ApplicationRegister)
APPLICATION_PROGRESS = web.AppKey("application_progress", ApplicationProgress)
DOCUMENT_FETCH = web.AppKey("document_fetch", DocumentFetch)
APPLICATION_REVIEW = web.AppKey("application_review", ApplicationReview)
RECORDS = web.AppKey("records", RecordServices)
CONSULTATION_SILENCE = web.AppKey("consultation_silence", ConsultationSilence)
STATS = web.AppKey("stats", StatsServices)
QUALITY_SWEEP = web.AppKey("quality_sweep", QualitySweep)
AUDIT_LOG = web.AppKey("audit_log", AuditLog)
CONSOLE_USERS = web.AppKey("console_users", ConsoleUsers)
RETENTION = web.AppKey("retention", RecordRetention)
__all__ = ["COMPLAINT_DESK"]  # kept with the others; console/complaints_api.py defines it
