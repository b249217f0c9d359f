"""the generation of production's fence, recorded with the production pointer

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing projects start at 0, which is what their routes (written without one) read as.
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column(
                "production_generation", sa.Integer(), nullable=False, server_default=sa.text("0")
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("production_generation")
