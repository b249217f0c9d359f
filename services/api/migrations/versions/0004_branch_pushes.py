"""branch pushes: the history that tells a replayed push from a new one

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Starts empty: pushes recorded before it have no history, so none is taken for a replay.
    op.create_table(
        "branch_pushes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_name", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("before", sa.String(length=40), nullable=False),
        sa.Column("after", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_name"], ["projects.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_branch_pushes_project_ref", "branch_pushes", ["project_name", "ref", "id"])


def downgrade() -> None:
    op.drop_index("ix_branch_pushes_project_ref", table_name="branch_pushes")
    op.drop_table("branch_pushes")
