"""After the whole test run: PostgreSQL's files hold no plain phone, ID number or openid.

Every test that writes on PostgreSQL writes into the `test` database; its tables are emptied
between tests, but the write-ahead log keeps every row ever written. At the end of the session
the relation files and every WAL segment written since the session began are read as bytes
(`pg_read_binary_file`, superuser) and searched for the shapes the tests' personal data has.
Sealed values are base64, so a match needs a boundary that base64 never has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import asyncpg

# Digits or openids standing alone: not inside base64 ciphertext, not inside a longer number.
_EDGE_BEFORE = rb"(?<![A-Za-z0-9+/=_|])"
_EDGE_AFTER = rb"(?![A-Za-z0-9+/=_])"
PATTERNS = {
    "phone": re.compile(_EDGE_BEFORE + rb"1[3-9][0-9]{9}" + _EDGE_AFTER),
    "id number": re.compile(_EDGE_BEFORE + rb"[1-9][0-9]{16}[0-9X]" + _EDGE_AFTER),
    # A digit may precede an openid: PostgreSQL's length byte for a 27-character text is "9".
    "openid": re.compile(rb"(?<![A-Za-z+/=_|])o(?:[0-9a-f]{26}|_[a-z0-9_]{6,40})" + _EDGE_AFTER),
}
# Written in the clear on purpose: the migration test's rows as a 0006 database held them.
PLANTED_LEGACY = {b"13812345678", b"o_legacy_citizen_000000001"}
_CHUNK = 16 * 1024 * 1024
_OVERLAP = 64
RETAIN_WAL = "4GB"


@dataclass
class ScanReport:
    bytes_read: int = 0
    files: int = 0
    found: dict[str, set[bytes]] = field(default_factory=dict)


# Tails of PostgreSQL's own catalog names (pg_statio_user_indexes, query_to_xml_and_xmlschema)
# that its compressed catalog pages can leave standing alone in the WAL: never an openid of ours.
CATALOG_NAMES = (b"o_user_", b"o_xml_")


async def start_watching(dsn: str) -> tuple[str, int]:
    """Keep the session's WAL (raise retention if needed); returns where it starts (file, offset)."""
    conn = await asyncpg.connect(dsn)
    try:
        keep = await conn.fetchval("SELECT pg_size_bytes(current_setting('wal_keep_size'))")
        if keep < await conn.fetchval("SELECT pg_size_bytes($1)", RETAIN_WAL):
            await conn.execute(f"ALTER SYSTEM SET wal_keep_size = '{RETAIN_WAL}'")
            await conn.execute("SELECT pg_reload_conf()")
        row = await conn.fetchrow(
            "SELECT file_name, file_offset FROM pg_walfile_name_offset(pg_current_wal_lsn())"
        )
        return str(row["file_name"]), int(row["file_offset"])
    finally:
        await conn.close()


async def scan(dsn: str, start: tuple[str, int]) -> ScanReport:
    """The relation files whole; the WAL from where this session's writes began."""
    first_wal, first_offset = start
    conn = await asyncpg.connect(dsn)
    report = ScanReport()
    try:
        await conn.execute("CHECKPOINT")
        # Our tables and indexes, and the TOAST tables (with their indexes) holding their long values.
        relations = await conn.fetch(
            "WITH ours AS (SELECT c.oid, c.reltoastrelid FROM pg_class c "
            "  JOIN pg_namespace n ON n.oid = c.relnamespace "
            "  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')), "
            "toast AS (SELECT reltoastrelid AS oid FROM ours WHERE reltoastrelid <> 0), "
            "toast_indexes AS (SELECT indexrelid AS oid FROM pg_index WHERE indrelid IN (SELECT oid FROM toast)) "
            "SELECT pg_relation_filepath(oid) AS path FROM "
            "(SELECT oid FROM ours UNION SELECT oid FROM toast UNION SELECT oid FROM toast_indexes) AS r "
            "WHERE pg_relation_filepath(oid) IS NOT NULL"
        )
        # Up to where the WAL ends now: segments past it are recycled files holding older WAL.
        end = await conn.fetchrow(
            "SELECT file_name, file_offset FROM pg_walfile_name_offset(pg_current_wal_lsn())"
        )
        segments = await conn.fetch(
            "SELECT name FROM pg_ls_waldir() WHERE length(name) = 24 AND name >= $1 AND name <= $2 ORDER BY name",
            first_wal,
            end["file_name"],
        )
        if not segments or segments[0]["name"] != first_wal:
            raise AssertionError(f"the WAL from {first_wal} on was not kept; raise wal_keep_size")
        for row in relations:
            await _scan_file(conn, row["path"], report)
        for row in segments:
            name = row["name"]
            start = first_offset if name == first_wal else 0
            stop = int(end["file_offset"]) if name == end["file_name"] else None
            await _scan_file(conn, f"pg_wal/{name}", report, start, stop)
    finally:
        await conn.close()
    return report


async def _scan_file(
    conn: asyncpg.Connection, path: str, report: ScanReport, offset: int = 0, stop: int | None = None
) -> None:
    report.files += 1
    tail = b""
    while stop is None or offset < stop:
        length = _CHUNK if stop is None else min(_CHUNK, stop - offset)
        chunk = await conn.fetchval("SELECT pg_read_binary_file($1, $2, $3, true)", path, offset, length)
        if not chunk:
            return
        data = tail + bytes(chunk)
        report.bytes_read += len(chunk)
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(data):
                if match.group() not in PLANTED_LEGACY and not match.group().startswith(CATALOG_NAMES):
                    report.found.setdefault(kind, set()).add(match.group())
        if len(chunk) < length:
            return
        offset += len(chunk)
        tail = data[-_OVERLAP:]
