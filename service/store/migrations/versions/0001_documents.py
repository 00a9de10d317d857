"""documents table

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("agency_hint", sa.String(255)),
        sa.Column("year_hint", sa.Integer),
        sa.Column("agency", sa.String(255)),
        sa.Column("agency_key", sa.String(255)),
        sa.Column("year", sa.Integer),
        sa.Column("pipeline_version", sa.String(32)),
        sa.Column("errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("warnings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("result_json", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_index("ix_documents_agency_key", "documents", ["agency_key"])
    op.create_index("ix_documents_year", "documents", ["year"])


def downgrade() -> None:
    op.drop_table("documents")
