"""desk inbox: ideas of an area in the order of their promised answer date

The web desk's inbox lists an area's ideas soonest promised answer first, a page at a
time; with this index the first page is read in order instead of sorting the area.

Revision ID: 0010
Revises: 0009
"""
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ideas_area_due", "ideas", ["area_slug", "answer_due", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ideas_area_due", table_name="ideas")
