"""The audit log says from where, and the service itself can be an actor.

`address` is the client address of the console request that wrote the entry (002 §10: who,
what, when and from where); entries written outside a request (the command line, scheduled
jobs) have none. `consultant_id` becomes nullable: the retention job anonymises records on its
own, and that is written on the log with no consultant. Both only widen the table: no entry
changes. The append-only triggers (0006) stay; SQLite rebuilds the table to relax NOT NULL,
so its triggers are dropped before and made again after, in the same transaction.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

REFUSAL = "audit_entry is append-only"


def _sqlite_triggers(create: bool) -> None:
    for verb in ("update", "delete"):
        if create:
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{verb} BEFORE {verb.upper()} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
        else:
            op.execute(f"DROP TRIGGER audit_entry_no_{verb}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_triggers(create=False)
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("address", sa.String(64), nullable=True))
        batch.alter_column("consultant_id", existing_type=sa.Integer, nullable=True)
    if sqlite:
        _sqlite_triggers(create=True)
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_consultant_id", "audit_entry", ["consultant_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_consultant_id", "audit_entry")
    op.drop_index("ix_audit_entry_at", "audit_entry")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_triggers(create=False)
    with op.batch_alter_table("audit_entry") as batch:
        # Entries by the service itself have no consultant; they cannot go back to NOT NULL.
        batch.alter_column("consultant_id", existing_type=sa.Integer, nullable=False)
        batch.drop_column("address")
    if sqlite:
        _sqlite_triggers(create=True)
