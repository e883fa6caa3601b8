"""follow-up: ideas joined as duplicates, "Is it fixed?" and its answers, the monthly news

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

STATUSES = "'received', 'reviewing', 'planned', 'in_progress', 'done', 'declined'"


def upgrade() -> None:
    # SQLite rebuilds `ideas` here (a foreign key and a changed check): bot.db.upgrade runs
    # it with foreign keys off, so the rows pointing at ideas stay.
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_ideas_duplicate_of_ideas"), "ideas", ["duplicate_of"], ["id"],
                                 ondelete="SET NULL")
        batch.drop_constraint(op.f("ck_ideas_status"), type_="check")
        batch.create_check_constraint(op.f("ck_ideas_status"), f"status IN ({STATUSES}, 'duplicate')")
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("monthly_news", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("news_sent_for", sa.Date(), nullable=True))
    op.create_table(
        "idea_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("answer IN ('yes', 'partly', 'no')", name=op.f("ck_idea_checks_answer")),
        sa.ForeignKeyConstraint(["change_id"], ["idea_status_changes.id"],
                                name=op.f("fk_idea_checks_change_id_idea_status_changes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_idea_checks_idea_id_ideas"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_idea_checks_resident_id_residents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_checks")),
        sa.UniqueConstraint("change_id", "resident_id", name=op.f("uq_idea_checks_change_id")),
    )
    op.create_index(op.f("ix_idea_checks_idea_id"), "idea_checks", ["idea_id"], unique=False)
    op.create_index(op.f("ix_idea_checks_resident_id"), "idea_checks", ["resident_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_idea_checks_resident_id"), table_name="idea_checks")
    op.drop_index(op.f("ix_idea_checks_idea_id"), table_name="idea_checks")
    op.drop_table("idea_checks")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("news_sent_for")
        batch.drop_column("monthly_news")
    # Duplicates go back to what they were before they were joined: an open idea.
    op.execute("UPDATE ideas SET status = 'reviewing' WHERE status = 'duplicate'")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint(op.f("ck_ideas_status"), type_="check")
        batch.create_check_constraint(op.f("ck_ideas_status"), f"status IN ({STATUSES})")
        batch.drop_constraint(op.f("fk_ideas_duplicate_of_ideas"), type_="foreignkey")
        batch.drop_column("duplicate_of")
