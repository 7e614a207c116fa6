"""Indexes the records search needs on 100 000 consultations (benchmarks/records_search.py).

- message (id, consultation_id): the words of a search are found as message ids in the blind
  index, and each must become its consultation; this index answers that from the index alone,
  without reading the message rows, which are wide with sealed text (PostgreSQL: the word
  searches took twice as long without it).
- consultation (logged_by): a consultant's list is the records they answered or logged
  (`consultant_id = me OR logged_by = me`); with both columns indexed it is two index lookups,
  not a scan of every record.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_message_id_consultation", "message", ["id", "consultation_id"])
    op.create_index("ix_consultation_logged_by", "consultation", ["logged_by"])


def downgrade() -> None:
    op.drop_index("ix_consultation_logged_by", "consultation")
    op.drop_index("ix_message_id_consultation", "message")
