"""Keep the latest eligibility screening on the consultation (for consultants and review).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation") as batch:
        batch.add_column(sa.Column("screening", sa.JSON(none_as_null=True)))


def downgrade() -> None:
    with op.batch_alter_table("consultation") as batch:
        batch.drop_column("screening")
