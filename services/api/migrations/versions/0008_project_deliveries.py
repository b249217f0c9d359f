"""recent webhook deliveries per project, as GitHub lists them per webhook

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Starts empty: deliveries received before it were only logged.
    op.create_table(
        "project_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_name", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=True),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("deployments", sa.JSON(), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["project_name"], ["projects.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_project_deliveries_project_id", "project_deliveries", ["project_name", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_project_deliveries_project_id", table_name="project_deliveries")
    op.drop_table("project_deliveries")
