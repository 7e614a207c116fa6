"""The `legalaid` commands for the records: `records retention`, `backup` and `restore`."""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.errors import ConfigurationError
from bot.settings import Settings

SettingsFactory = Callable[..., Settings]  # the command line's settings, logging configured


def add_record_commands(sub: Any, configure: SettingsFactory) -> None:
    """Add `records retention`, `backup` and `restore` to the `legalaid` parser's commands."""
    records = sub.add_parser("records", help="consultation records")
    records_sub = records.add_subparsers(title="records commands")
    retention = records_sub.add_parser(
        "retention", help="anonymise records closed more than LEGALAID_RETENTION_DAYS ago"
    )
    retention.add_argument("--dry-run", action="store_true", help="only say how many, and the cut-off")
    retention.add_argument("--batch", type=int, default=200, help="consultations per transaction")
    retention.set_defaults(run=functools.partial(_records_retention, configure))

    backup = sub.add_parser("backup", help="copy the embedded SQLite database to FILE (safe while serving)")
    backup.add_argument("file", type=Path)
    backup.set_defaults(run=functools.partial(_backup, configure))
    restore = sub.add_parser("restore", help="put a backup FILE back into the embedded SQLite database")
    restore.add_argument("file", type=Path)
    restore.add_argument(
        "--force", action="store_true", help="restore although a service has the database open"
    )
    restore.set_defaults(run=functools.partial(_restore, configure))


def _records_retention(configure: SettingsFactory, args: argparse.Namespace) -> int:
    from bot.center.calendar_files import load_service_calendar
    from bot.clock import SystemClock
    from bot.records.retention import RecordRetention, RetentionReport
    from bot.store.db import open_database, schema_is_current
    from bot.store.field_keys import protection_for

    settings = configure()
    tz = load_service_calendar(settings.data_dir).tz

    async def run() -> RetentionReport:
        db = open_database(settings.database_url, protection_for(settings))
        try:
            if not await schema_is_current(db):
                raise ConfigurationError(
                    "the database schema is not current: run `legalaid db upgrade` first"
                )
            retention = RecordRetention(db, SystemClock(), settings.retention_days, tz)
            return await (retention.report() if args.dry_run else retention.run(args.batch))
        finally:
            await db.close()

    report = asyncio.run(run())
    cutoff = report.cutoff.astimezone(tz)
    print(
        f"cut-off: consultations closed before {cutoff:%Y-%m-%d} ({tz.key}), "
        f"{settings.retention_days} days ago (LEGALAID_RETENTION_DAYS)"
    )
    done = "would anonymise" if args.dry_run else "anonymised"
    print(f"{done} {report.consultations} consultations ({report.messages} messages)")
    print("applications are not touched: they follow their own archive rules")
    return 0


def _backup(configure: SettingsFactory, args: argparse.Namespace) -> int:
    from bot.store.sqlite_files import backup

    settings = configure(log_level="WARNING")
    copied = backup(settings.database_url, args.file)
    print(f"backup written to {copied.path} ({copied.size} bytes, schema revision {copied.revision})")
    print(
        "Keep LEGALAID_FIELD_KEY (or the demo's key file) safe and apart from it: "
        "the personal data in it opens only with that key.",
        file=sys.stderr,
    )
    return 0


def _restore(configure: SettingsFactory, args: argparse.Namespace) -> int:
    from bot.store.db import open_database
    from bot.store.field_keys import protection_for
    from bot.store.key_rotation import check_keys_open
    from bot.store.sqlite_files import NotOurDatabase, restore, stage

    settings = configure(log_level="WARNING")
    staging = stage(settings.database_url, args.file)

    async def keys_open() -> None:
        db = open_database(f"sqlite+aiosqlite:///{staging}", protection_for(settings))
        try:
            await check_keys_open(db)
        finally:
            await db.close()

    try:
        asyncio.run(keys_open())
    except ConfigurationError as exc:
        staging.unlink(missing_ok=True)
        raise NotOurDatabase(f"{args.file} does not open with the configured field keys: {exc}") from None
    restore(settings.database_url, staging, force=args.force)
    print(f"restored {args.file}; start the service (it applies any pending migrations)")
    return 0
