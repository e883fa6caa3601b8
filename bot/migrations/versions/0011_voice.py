"""voice messages and MMS photos: the files residents send, and their transcripts

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=16), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('voice', 'photo')", name=op.f("ck_media_files_kind")),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed', 'withheld')", name=op.f("ck_media_files_status")),
        sa.CheckConstraint("idea_id IS NULL OR report_id IS NULL", name=op.f("ck_media_files_one_subject")),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_media_files_idea_id_ideas"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["safety_reports.id"],
                                name=op.f("fk_media_files_report_id_safety_reports"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
        sa.UniqueConstraint("file_name", name=op.f("uq_media_files_file_name")),
    )
    op.create_index(op.f("ix_media_files_idea_id"), "media_files", ["idea_id"], unique=False)
    op.create_index(op.f("ix_media_files_report_id"), "media_files", ["report_id"], unique=False)
    op.create_index("ix_media_files_status_next_try_at", "media_files", ["status", "next_try_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_media_files_status_next_try_at", table_name="media_files")
    op.drop_index(op.f("ix_media_files_report_id"), table_name="media_files")
    op.drop_index(op.f("ix_media_files_idea_id"), table_name="media_files")
    op.drop_table("media_files")
