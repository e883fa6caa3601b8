"""sources and organisers: where a resident first came from, ideas published on the
results page, dugnads residents propose and organise, and organisers' messages

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=True))
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("public_summary", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("public_photo", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("published_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_ideas_published_by_staff"), "staff", ["published_by"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("dugnad_events") as batch:
        batch.add_column(sa.Column("organiser_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("organiser_name", sa.String(length=20), nullable=True))
        batch.create_foreign_key(
            op.f("fk_dugnad_events_organiser_id_residents"), "residents", ["organiser_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index(op.f("ix_dugnad_events_organiser_id"), ["organiser_id"], unique=False)
    op.create_table(
        "dugnad_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("area_slug", sa.String(length=64), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("when_text", sa.String(length=120), nullable=False),
        sa.Column("hands", sa.Integer(), nullable=False),
        sa.Column("organiser_name", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('proposed', 'approved', 'declined')", name=op.f("ck_dugnad_proposals_status")),
        sa.CheckConstraint("hands > 0", name=op.f("ck_dugnad_proposals_hands_positive")),
        sa.ForeignKeyConstraint(["event_id"], ["dugnad_events.id"], name=op.f("fk_dugnad_proposals_event_id_dugnad_events"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_dugnad_proposals_resident_id_residents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_dugnad_proposals_staff_id_staff"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dugnad_proposals")),
    )
    op.create_index(op.f("ix_dugnad_proposals_area_slug"), "dugnad_proposals", ["area_slug"], unique=False)
    op.create_index(op.f("ix_dugnad_proposals_resident_id"), "dugnad_proposals", ["resident_id"], unique=False)
    op.create_table(
        "organiser_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_to", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["dugnad_events.id"], name=op.f("fk_organiser_messages_event_id_dugnad_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_organiser_messages_resident_id_residents"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organiser_messages")),
    )
    op.create_index(op.f("ix_organiser_messages_event_id"), "organiser_messages", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_organiser_messages_event_id"), table_name="organiser_messages")
    op.drop_table("organiser_messages")
    op.drop_index(op.f("ix_dugnad_proposals_resident_id"), table_name="dugnad_proposals")
    op.drop_index(op.f("ix_dugnad_proposals_area_slug"), table_name="dugnad_proposals")
    op.drop_table("dugnad_proposals")
    with op.batch_alter_table("dugnad_events") as batch:
        batch.drop_index(op.f("ix_dugnad_events_organiser_id"))
        batch.drop_constraint(op.f("fk_dugnad_events_organiser_id_residents"), type_="foreignkey")
        batch.drop_column("organiser_name")
        batch.drop_column("organiser_id")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint(op.f("fk_ideas_published_by_staff"), type_="foreignkey")
        batch.drop_column("published_by")
        batch.drop_column("public_photo")
        batch.drop_column("public_summary")
        batch.drop_column("published_at")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("source")
