"""The staff's side of the records, wired: what issue 14 added to the application (records,
figures and quality inspection, complaints, the audit log, accounts, retention) and its
periodic jobs. `create_app` calls `wire_staff_review` in the dialogue context, once the
deliveries and sessions it needs exist, and adds `staff_review_jobs` to the alarm.
"""

from __future__ import annotations

from datetime import timedelta
from random import Random

from aiohttp import web

from bot.app_keys import (
    AUDIT_LOG,
    CENTER,
    CLOCK,
    COMPLAINT_DESK,
    CONSOLE_USERS,
    CONSULTATION_SILENCE,
    DATABASE,
    DELIVERIES,
    PROTECTION,
    QUALITY_SWEEP,
    RECORDS,
    RETENTION,
    SESSIONS,
    SETTINGS,
    STATS,
)
from bot.auth.users import ConsoleUsers
from bot.records import retention
from bot.records.audit_log import AuditLog
from bot.records.complaints import ComplaintDesk, sweep_complaint_deadlines
from bot.records.consultations import ConsultationRecords
from bot.records.export import RecordExport
from bot.records.figures import RecordFigures
from bot.records.quality import QualitySweep
from bot.records.quality_review import QualityReview
from bot.records.retention import RecordRetention
from bot.records.silence import ConsultationSilence
from console.records_api import RecordServices
from console.stats_api import StatsServices
from scheduler.alarm import Sweep

AlarmJob = tuple[Sweep, float]


def wire_staff_review(app: web.Application) -> None:
    """Complaints, the audit log, accounts, retention, records, figures and quality."""
    db, clock, center, settings = app[DATABASE], app[CLOCK], app[CENTER], app[SETTINGS]
    tz = center.service.tz
    app[COMPLAINT_DESK] = ComplaintDesk(
        db, clock, center.service, center.texts, center.complaints, app[DELIVERIES]
    )
    app[AUDIT_LOG] = AuditLog(db, clock, tz)
    app[RETENTION] = RecordRetention(db, clock, settings.retention_days, tz)
    app[CONSOLE_USERS] = ConsoleUsers(
        db, clock, app[SESSIONS], center.specialties.names, center.specialties.default
    )
    _consultation_records(app)
    _figures_and_quality(app)


def staff_review_jobs(app: web.Application, every: float) -> dict[str, AlarmJob]:
    """The periodic jobs of the records: silent consultations closed, closed ones scored,
    overdue complaints marked, old records anonymised (each fires once across workers)."""
    db, clock = app[DATABASE], app[CLOCK]

    async def complaint_deadlines() -> int:
        return len(await sweep_complaint_deadlines(db, clock.now()))

    return {
        "consultation_silence": (app[CONSULTATION_SILENCE].close_silent, every),
        "quality_sweep": (app[QUALITY_SWEEP].run, app[SETTINGS].quality_sweep_seconds),
        "complaint_deadlines": (complaint_deadlines, every),
        "retention": (app[RETENTION].sweep, retention.EVERY_SECONDS),
    }


def _consultation_records(app: web.Application) -> None:
    """The records staff search, read, log and export, and the close of a bot-only consultation
    after a silence (the bot's out-of-scope answer names where it sends the citizen)."""
    db, clock, center, settings = app[DATABASE], app[CLOCK], app[CENTER], app[SETTINGS]
    records = ConsultationRecords(db, clock, center.specialties, center.service.tz, app[PROTECTION].index)
    app[RECORDS] = RecordServices(records, RecordExport(records, center.texts))
    silence = timedelta(minutes=settings.consultation_silence_minutes)
    referral = center.texts.say("records.bot_referral")
    app[CONSULTATION_SILENCE] = ConsultationSilence(db, clock, center.specialties, silence, referral)


def _figures_and_quality(app: web.Application) -> None:
    """The dashboard's figures, the quality sweep and the weekly review (one random source, seeded
    by the system; tests give the use cases their own)."""
    db, clock, center = app[DATABASE], app[CLOCK], app[CENTER]
    tz, rng = center.service.tz, Random()
    app[STATS] = StatsServices(
        RecordFigures(db, clock, tz),
        QualityReview(db, center.quality, clock, tz, rng),
        dict(center.specialties.names),
    )
    app[QUALITY_SWEEP] = QualitySweep(db, center.quality, clock, tz, rng)


async def run_consultation_silence(app: web.Application) -> int:
    """One close of the silent consultations at the service's clock; tests call it after moving it."""
    return await app[CONSULTATION_SILENCE].close_silent()


async def run_quality_sweep(app: web.Application) -> int:
    """One quality sweep at the service's clock; tests call it after moving the clock."""
    return await app[QUALITY_SWEEP].run()
