"""Record the NLU's intent on each inbound turn, and mark consultations waiting for a human.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from bot.store.rows import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("intent", sa.String(48)))
        batch.add_column(sa.Column("intent_confidence", sa.Float))
    with op.batch_alter_table("consultation") as batch:
        batch.add_column(sa.Column("waiting_since", UtcDateTime()))
        batch.add_column(sa.Column("waiting_reason", sa.String(32)))
    op.create_index("ix_consultation_waiting", "consultation", ["status", "waiting_since"])


def downgrade() -> None:
    op.drop_index("ix_consultation_waiting", "consultation")
    with op.batch_alter_table("consultation") as batch:
        batch.drop_column("waiting_reason")
        batch.drop_column("waiting_since")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("intent_confidence")
        batch.drop_column("intent")
