"""outbox for staff: digests go through the durable outbox too

Outbox rows name their channel (a resident's own, or Telegram or e-mail for a staff
member), may go to a staff member instead of a resident, carry HTML or plain text and an
e-mail's extra parts, and a key that keeps a job which ran twice from queueing twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('format', sa.String(length=8), nullable=False, server_default='text'))
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
    # Every row so far went to a resident, on the resident's own channel.
    op.execute("UPDATE outbox SET channel = (SELECT channel FROM residents WHERE residents.id = outbox.resident_id)")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('format', existing_type=sa.String(length=8), server_default=None)
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_staff_id_staff'), 'staff', ['staff_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_index(batch_op.f('ix_outbox_staff_id'), ['staff_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_dedupe_key'), ['dedupe_key'])
        batch_op.create_check_constraint(
            batch_op.f('ck_outbox_one_recipient'), '(resident_id IS NULL) <> (staff_id IS NULL)'
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE staff_id IS NOT NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_one_recipient'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_outbox_dedupe_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_outbox_staff_id'))
        batch_op.drop_constraint(batch_op.f('fk_outbox_staff_id_staff'), type_='foreignkey')
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('extra')
        batch_op.drop_column('format')
        batch_op.drop_column('channel')
        batch_op.drop_column('staff_id')
