"""The filtered records as a file for the monthly report: CSV (UTF-8 with a BOM, so Excel reads the
Chinese) or XLSX (openpyxl). Supervisors only; audited with the filters and the count.

The columns are the list's and nothing more: codes become the center's words (data/texts.yml
`records.*`), times the center's wall clock; no name, phone or transcript leaves this way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from openpyxl import Workbook
from sqlalchemy import Connection

from bot.center.texts import Texts
from bot.errors import InvalidInput
from bot.records.consultations import ConsultationRecords
from bot.records.domain.filters import RecordFilter
from bot.store import audit
from bot.store import records as rows
from bot.workdays.duty import Consultant

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
MOST = 50_000  # records in one file; more is a sign the filters were forgotten
COLUMNS = (
    "id",
    "received_at",
    "citizen",
    "channel",
    "kind",
    "intents",
    "specialty",
    "outcome",
    "referral",
    "application_number",
    "consultant",
    "first_reply_at",
    "closed_at",
    "breached",
    "satisfaction",
    "quality_score",
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell Excel would run as a formula (CSV injection): written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    count: int


class RecordExport:
    def __init__(self, records: ConsultationRecords, texts: Texts) -> None:
        self._records = records
        self._texts = texts

    async def export(self, viewer: Consultant, filters: RecordFilter, fmt: str) -> ExportFile:
        """The file and, in the same transaction as the read, the audit entry saying what was taken."""
        if fmt not in FORMATS:
            raise InvalidInput("format", "format must be csv or xlsx")
        self._records.check_specialty(filters)
        now = self._records.clock.now()

        def read(conn: Connection) -> list[rows.RecordLine]:
            matching = self._records.matching(conn, viewer, filters)
            count = rows.count_records(conn, matching)
            if count > MOST:
                raise InvalidInput(
                    "from", f"{count} records match, at most {MOST} in one file: narrow the filters"
                )
            lines = rows.list_records(conn, matching, MOST)
            detail = {"format": fmt, "filters": filters.described(), "count": len(lines)}
            audit.add_entry(conn, viewer.id, "export_consultations", "consultation", "export", now, detail)
            return lines

        lines = await self._records.db.write(read)
        table: list[list[str | int | None]] = [list(self._header()), *(self._row(line) for line in lines)]
        day = now.astimezone(self._records.tz).strftime("%Y%m%d-%H%M")
        content = _csv(table) if fmt == "csv" else _xlsx(table)
        return ExportFile(content, CONTENT_TYPES[fmt], f"consultations-{day}.{fmt}", len(lines))

    def _header(self) -> list[str | int | None]:
        return [self._texts.say(f"records.export.{column}") for column in COLUMNS]

    def _row(self, line: rows.RecordLine) -> list[str | int | None]:
        say, names = self._word, self._records.routing.names
        return [
            line.id,
            self._local(line.received_at),
            line.citizen,
            say("channel", line.channel),
            say("kind", line.kind),
            "、".join(dict.fromkeys(n for i in line.intents if (n := say("intent", i)))),
            names.get(line.specialty or "", line.specialty or ""),
            say("outcome", line.outcome or "none"),
            _cell(line.referral),
            line.application_number,
            line.consultant,
            self._local(line.first_reply_at),
            self._local(line.closed_at),
            say("breached", "none" if line.breached is None else str(line.breached).lower()),
            line.satisfaction,
            line.quality_score,
        ]

    def _word(self, group: str, code: str | None) -> str:
        """The center's word for a code; an intent without one (small talk) is left out."""
        if code is None:
            return ""
        key = f"records.{group}.{code}"
        if self._texts.has(key):
            return self._texts.say(key)
        return "" if group == "intent" else code

    def _local(self, at: datetime | None) -> str:
        return "" if at is None else at.astimezone(self._records.tz).strftime("%Y-%m-%d %H:%M")


def _cell(text: str | None) -> str:
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(table: list[list[str | int | None]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["" if v is None else v for v in row] for row in table])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(table: list[list[str | int | None]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("咨询记录")
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
