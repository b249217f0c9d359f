"""build variables for production builds and for previews

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Existing projects get empty groups, so their builds see exactly what they saw before.
EMPTY = sa.text("'{}'")


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("production_env", sa.JSON(), server_default=EMPTY, nullable=False)
        )
        batch_op.add_column(
            sa.Column("preview_env", sa.JSON(), server_default=EMPTY, nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("preview_env")
        batch_op.drop_column("production_env")
