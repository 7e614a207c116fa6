"""Personal data sealed at rest, and the transcripts' blind word index.

Message text and details, interview answers, screenings, handoff summaries, packets, notes and
closing notes, and openids become sealed text (AES-GCM under LEGALAID_FIELD_KEY); existing values
are sealed here, so nothing stays in the clear. Event message keys named the citizen by openid
and now name them by alias. `transcript_term` holds keyed fingerprints of the words citizens and
consultants wrote, so staff can search transcripts that are no longer readable in the database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from bot.store.key_rotation import SealedColumn, reseal_column
from bot.store.word_index import index_words

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (table, primary key, column): the columns sealed by this migration.
SEALED = (
    ("citizen", "id", "openid"),
    ("message", "id", "text"),
    ("message", "id", "extra"),
    ("consultation", "id", "screening"),
    ("conversation_state", "citizen_id", "slots"),
    ("handoff", "id", "summary"),
    ("handoff", "id", "packet"),
    ("handoff", "id", "outcome_note"),
    ("handoff_event", "id", "detail"),
)


def upgrade() -> None:
    op.create_table(
        "transcript_term",
        sa.Column("term", sa.String(16), primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("message.id"), primary_key=True, index=True),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # SQLite keeps whatever a column is given; PostgreSQL's json and varchar(64) would refuse
        # ciphertext.
        for table, _key, column in SEALED:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT USING {column}::text")
    _name_events_by_alias(conn)
    _index_written_words(conn)
    for table, key, column in SEALED:
        reseal_column(conn, SealedColumn(table, key, column, f"{table}.{column}"))


def _name_events_by_alias(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT message.id, message.msg_key, citizen.alias FROM message "
            "JOIN citizen ON citizen.id = message.citizen_id WHERE message.msg_key LIKE 'ev|%'"
        )
    ).all()
    for message_id, msg_key, alias in rows:
        parts = msg_key.split("|")
        parts[1] = alias
        conn.execute(
            sa.text("UPDATE message SET msg_key = :key WHERE id = :id"),
            {"key": "|".join(parts)[:200], "id": message_id},
        )


def _index_written_words(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT id, text FROM message WHERE text IS NOT NULL "
            "AND (author = 'citizen' OR author = 'consultant')"
        )
    ).all()
    for message_id, text in rows:
        index_words(conn, message_id, text)


def downgrade() -> None:
    raise NotImplementedError("sealed data cannot be unsealed by a migration; restore a backup instead")
