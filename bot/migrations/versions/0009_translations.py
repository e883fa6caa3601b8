"""machine translation: the cache, the work still to do, and the detected language

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
        sa.UniqueConstraint("text_hash", "source", "target", "provider", name=op.f("uq_translations_text_hash")),
    )
    op.create_table(
        "translation_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint("(idea_id IS NULL) <> (report_id IS NULL)", name=op.f("ck_translation_tasks_one_subject")),
        sa.CheckConstraint("status IN ('pending', 'done', 'unsupported', 'withheld')",
                           name=op.f("ck_translation_tasks_status")),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_translation_tasks_idea_id_ideas"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["safety_reports.id"],
                                name=op.f("fk_translation_tasks_report_id_safety_reports"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_tasks")),
    )
    op.create_index(op.f("ix_translation_tasks_idea_id"), "translation_tasks", ["idea_id"], unique=False)
    op.create_index(op.f("ix_translation_tasks_report_id"), "translation_tasks", ["report_id"], unique=False)
    op.create_index("ix_translation_tasks_status_next_try_at", "translation_tasks", ["status", "next_try_at"],
                    unique=False)
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_in", sa.String(length=8), nullable=True))
    with op.batch_alter_table("safety_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_in", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("safety_reports", schema=None) as batch_op:
        batch_op.drop_column("written_in")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_column("written_in")
    op.drop_index("ix_translation_tasks_status_next_try_at", table_name="translation_tasks")
    op.drop_index(op.f("ix_translation_tasks_report_id"), table_name="translation_tasks")
    op.drop_index(op.f("ix_translation_tasks_idea_id"), table_name="translation_tasks")
    op.drop_table("translation_tasks")
    op.drop_table("translations")
