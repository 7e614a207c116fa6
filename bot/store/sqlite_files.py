"""Backup and restore of the embedded SQLite database (`legalaid backup` / `legalaid restore`),
and the lock that tells a restore a service has the database open.

Both copy through SQLite's online backup API, never as files: a backup taken while the service
writes is one consistent snapshot (the service's WAL included), and a restore writes into the
database under SQLite's own locks, so neither can tear a page or pair a database with a stale
WAL file. A restore is checked first on a staging copy: a SQLite file, intact, with our schema
at a revision this release knows, and sealed with a key we hold.

A running service (and `legalaid serve` in every worker) holds a shared lock on `<db>.lock` for
as long as it runs; the kernel drops it when the process ends, so it is never stale. A restore
takes the lock exclusively and refuses while any service holds it: the service keeps state
outside the database (sessions and duplicate markers in Redis, answers and timers in flight)
that would disagree with the restored data. `--force` restores anyway, for an operator who knows
the service is idle (a demo); restart the service after it. PostgreSQL has its own tools.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.errors import LegalAidError
from bot.store.db import MIGRATIONS_DIR

HEADER = b"SQLite format 3\x00"
# Tables every database of ours has had since its first migration.
OUR_TABLES = frozenset({"alembic_version", "citizen", "consultation", "message", "audit_entry"})
PG_TOOLS = (
    "the database is PostgreSQL: use its own tools, e.g.\n"
    "  pg_dump --format=custom --file=legalaid.dump 'postgresql://USER@HOST/DB'\n"
    "  pg_restore --clean --if-exists --no-owner --dbname='postgresql://USER@HOST/DB' legalaid.dump\n"
    "(README, 'Backup and restore')"
)


class BackupRefused(LegalAidError):
    code = "backup_refused"


class ServiceRunning(BackupRefused):
    code = "service_running"


class NotOurDatabase(BackupRefused):
    code = "not_our_database"


@dataclass(frozen=True, slots=True)
class Copied:
    path: Path
    size: int
    revision: str


def database_file(url: str) -> Path | None:
    """The SQLite file a URL names; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def _lock_path(database: Path) -> Path:
    """Next to the database: the file services hold shared and a restore exclusively."""
    return database.with_name(database.name + ".lock")


@contextmanager
def service_lock(url: str) -> Iterator[None]:
    """Held by a running service: a restore refuses while any worker holds it."""
    database = database_file(url)
    if database is None:
        yield
        return
    fd = os.open(_lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServiceRunning(
                f"a restore is writing {database}: start the service when it is done"
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def backup(url: str, target: Path) -> Copied:
    """A consistent copy of the live database in `target` (replaced whole, never half-written)."""
    source = _file_of(url)
    if not source.exists():
        raise BackupRefused(f"there is no database at {source}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.execute("PRAGMA query_only = 1")
            live.backup(copy)  # one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            revision = _check(copy, source)
    except (sqlite3.DatabaseError, NotOurDatabase):
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return Copied(target, target.stat().st_size, revision)


def known_revisions() -> frozenset[str]:
    """Every schema revision this release's migrations know."""
    from alembic.script import ScriptDirectory

    return frozenset(rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())


def stage(url: str, candidate: Path) -> Path:
    """Copy `candidate` next to the live database and check it is a database of ours; the
    candidate itself is only read. Returns the staging file (the caller checks its keys)."""
    live = _file_of(url)
    if not candidate.is_file():
        raise NotOurDatabase(f"{candidate} is not a file")
    with open(candidate, "rb") as f:
        if f.read(len(HEADER)) != HEADER:
            raise NotOurDatabase(f"{candidate} is not a SQLite database")
    staging = live.with_name(live.name + ".restoring")
    staging.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)) as src:
            with closing(sqlite3.connect(staging)) as copy:
                src.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
                revision = _check(copy, candidate)
    except sqlite3.DatabaseError as exc:
        staging.unlink(missing_ok=True)
        raise NotOurDatabase(f"{candidate} cannot be read as a database ({exc})") from None
    except NotOurDatabase:
        staging.unlink(missing_ok=True)
        raise
    if revision not in known_revisions():
        staging.unlink(missing_ok=True)
        raise NotOurDatabase(
            f"{candidate} is at schema revision {revision}, which this release does not know "
            "(a newer release made it): restore it with that release"
        )
    return staging


def restore(url: str, staging: Path, *, force: bool) -> None:
    """Write the checked staging copy into the live database, then remove it."""
    live = _file_of(url)
    fd = os.open(_lock_path(live), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not force:
                raise ServiceRunning(
                    f"a service has {live} open: stop it first (or, if you know it is idle, "
                    "restore with --force and restart it after)"
                ) from None
        with closing(sqlite3.connect(staging)) as src, closing(sqlite3.connect(live, timeout=30)) as dst:
            src.backup(dst)
    finally:
        os.close(fd)
        staging.unlink(missing_ok=True)


def _file_of(url: str) -> Path:
    """The SQLite file to copy; PostgreSQL and in-memory databases are refused with the way to go."""
    found = database_file(url)
    if found is None:
        raise BackupRefused(PG_TOOLS if url.startswith("postgresql") else "an in-memory database has no file")
    return found


def _check(conn: sqlite3.Connection, named: Path) -> str:
    """Intact, with our tables: returns its schema revision."""
    if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
        raise NotOurDatabase(f"{named} is damaged (PRAGMA quick_check failed)")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not OUR_TABLES <= tables:
        raise NotOurDatabase(f"{named} is a SQLite database, but not one of this service's")
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if row is None:
        raise NotOurDatabase(f"{named} has no schema revision")
    return str(row[0])
