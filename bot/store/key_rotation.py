"""Re-sealing stored personal data under the newest field key (`legalaid keys rotate`).

After a new key is put first in LEGALAID_FIELD_KEY, old values still open with the old key;
rotation walks every sealed column in batches and re-seals what an older key sealed (or what
was stored before sealing existed, which migration 0007 seals the same way), so the old key can
then be removed. Each row changes by a conditional UPDATE on its old value: a service running
at the same time may change a row, and its newer value is never overwritten.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from bot.privacy.field_cipher import UnreadableField, is_sealed
from bot.store.db import Database
from bot.store.sealed import SealedJSON, SealedText, protection_of
from bot.store.tables import metadata


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A sealed column by name: migrations name the columns of their day, not today's rows."""

    table: str
    key: str  # the single-column primary key batches walk along
    column: str
    purpose: str

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"

    def raw(self) -> tuple[sa.TableClause, sa.ColumnClause[object], sa.ColumnClause[str]]:
        """The table, its key and the column as stored text: ciphertext, read past the sealing type."""
        key: sa.ColumnClause[object] = sa.column(self.key)
        stored: sa.ColumnClause[str] = sa.column(self.column, sa.Text)
        return sa.table(self.table, key, stored), key, stored


@dataclass(slots=True)
class RotationCount:
    checked: int = 0
    resealed: int = 0


def sealed_columns() -> list[SealedColumn]:
    """Every column of today's schema whose type seals it, found from the row classes."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, SealedText | SealedJSON):
                (key,) = table.primary_key.columns
                found.append(SealedColumn(table.name, key.name, column.name, column.type.purpose))
    return found


async def count_sealed_values(database: Database) -> int:
    """How many stored values rotation will look at (the progress bar's total)."""

    def count(conn: Connection) -> int:
        total = 0
        for sealed in sealed_columns():
            table, _key, raw = sealed.raw()
            query = sa.select(sa.func.count()).select_from(table).where(raw.isnot(None))
            total += int(conn.execute(query).scalar_one())
        return total

    return await database.read(count)


async def rotate_keys(
    database: Database, *, batch: int = 500, progress: Callable[[int], object] | None = None
) -> dict[str, RotationCount]:
    """Re-seal every value not sealed by the newest key, one batch per transaction."""
    counts: dict[str, RotationCount] = {}
    for sealed in sealed_columns():
        count = counts.setdefault(sealed.name, RotationCount())
        after: object = None
        while True:
            checked, resealed, after = await database.write(
                functools.partial(reseal_batch, sealed=sealed, after=after, batch=batch)
            )
            count.checked += checked
            count.resealed += resealed
            if progress is not None:
                progress(checked)
            if after is None:
                break
    return counts


def reseal_column(conn: Connection, sealed: SealedColumn, batch: int = 500) -> RotationCount:
    """The whole column in the caller's transaction (what a migration does)."""
    count = RotationCount()
    after: object = None
    while True:
        checked, resealed, after = reseal_batch(conn, sealed, after, batch)
        count.checked += checked
        count.resealed += resealed
        if after is None:
            return count


def reseal_batch(
    conn: Connection, sealed: SealedColumn, after: object, batch: int
) -> tuple[int, int, object]:
    """Re-seal up to `batch` rows after key `after`; returns (checked, resealed, next key or None)."""
    cipher = protection_of(conn).cipher
    table, key, raw = sealed.raw()
    query = sa.select(key, raw).where(raw.isnot(None)).order_by(key).limit(batch)
    if after is not None:
        query = query.where(key > after)
    rows = conn.execute(query).all()
    resealed = 0
    for row_key, stored in rows:
        if not cipher.needs_resealing(stored):
            continue
        plain = cipher.open(stored, sealed.purpose) if is_sealed(stored) else stored
        changed = conn.execute(
            sa.update(table)
            .where(key == row_key, raw == stored)
            .values({sealed.column: cipher.seal(plain, sealed.purpose)})
        )
        resealed += int(changed.rowcount or 0)
    return len(rows), resealed, rows[-1][0] if len(rows) == batch else None


async def check_keys_open(database: Database) -> None:
    """Refuse to start when stored values do not open with the configured keys (a lost or wrong
    key file): otherwise every turn of a returning citizen would fail, and they would hear nothing."""

    def open_newest(conn: Connection) -> None:
        cipher = protection_of(conn).cipher
        for sealed in sealed_columns():
            table, key, raw = sealed.raw()
            query = sa.select(raw).select_from(table).where(raw.isnot(None))
            stored = conn.execute(query.order_by(key.desc()).limit(1)).scalar()
            if stored is None or not is_sealed(stored):
                continue
            try:
                cipher.open(stored, sealed.purpose)
            except UnreadableField as exc:
                raise UnreadableField(
                    f"{exc}: the database was sealed with a field key that is not configured. Restore "
                    "the key (LEGALAID_FIELD_KEY, or the demo's key file), or for a demo delete its database"
                ) from None

    await database.read(open_newest)
