"""Sign-in links, sessions and the audit log as plain functions (bot/staff/web/auth.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.models import AuditEntry, DeskLoginToken, DeskSession, utcnow
from bot.domain.staff import staff_area_slugs
from bot.staff.web import auth

from tests.support import make_staff


async def test_a_login_token_works_once_and_only_its_hash_is_stored(app):
    staff = await make_staff(app)
    now = utcnow()
    async with app.sessions() as session, session.begin():
        token = await auth.issue_login_token(session, staff, now)
    assert len(token) >= 40
    async with app.sessions() as session, session.begin():
        stored = (await session.execute(select(DeskLoginToken))).scalar_one()
        assert token not in (stored.token_hash,) and stored.expires_at == now + timedelta(minutes=10)
        assert (await auth.consume_login_token(session, token, now)).id == staff.id
    async with app.sessions() as session, session.begin():
        assert await auth.consume_login_token(session, token, now) is None  # used


async def test_a_login_token_expires_after_ten_minutes(app):
    staff = await make_staff(app)
    issued = utcnow()
    async with app.sessions() as session, session.begin():
        token = await auth.issue_login_token(session, staff, issued)
    async with app.sessions() as session, session.begin():
        assert await auth.consume_login_token(session, token, issued + timedelta(minutes=10, seconds=1)) is None
        assert await auth.consume_login_token(session, "not-a-token", issued) is None
    async with app.sessions() as session, session.begin():
        assert (await auth.consume_login_token(session, token, issued + timedelta(minutes=9))).id == staff.id


async def test_two_browsers_racing_with_one_link_sign_in_once(app):
    staff = await make_staff(app)
    now = utcnow()
    async with app.sessions() as session, session.begin():
        token = await auth.issue_login_token(session, staff, now)

    async def attempt():
        async with app.sessions() as session, session.begin():
            return await auth.consume_login_token(session, token, now)

    results = await asyncio.gather(*(attempt() for _ in range(4)))
    assert sum(r is not None for r in results) == 1


async def test_sessions_last_a_working_day_and_end_at_sign_out(app):
    staff = await make_staff(app)
    now = utcnow()
    async with app.sessions() as session, session.begin():
        session_id = await auth.open_session(session, staff, now)
        stored = (await session.execute(select(DeskSession))).scalar_one()
        assert session_id not in stored.session_hash and stored.locale == "nb"
    async with app.sessions() as session, session.begin():
        assert (await auth.session_staff(session, session_id, now + timedelta(hours=9, minutes=59))).id == staff.id
        assert await auth.session_staff(session, session_id, now + timedelta(hours=10, seconds=1)) is None
        await auth.close_session(session, session_id)
    async with app.sessions() as session:
        assert await auth.session_staff(session, session_id, now) is None
    assert auth.csrf_token_for("a") != auth.csrf_token_for("b")


async def test_audit_keeps_the_name_when_the_staff_member_is_removed(app):
    staff = await make_staff(app, "Ola")
    async with app.sessions() as session, session.begin():
        await auth.audit(session, staff, "staff_add", "staff-9", "x" * 500)
    async with app.sessions() as session, session.begin():
        await session.delete(await session.get(type(staff), staff.id))
    async with app.sessions() as session:
        entry = (await session.execute(select(AuditEntry))).scalar_one()
    assert (entry.staff_id, entry.staff_name, entry.action, len(entry.detail)) == (None, "Ola", "staff_add", 300)


async def test_admins_see_every_area_and_others_their_own(app):
    admin = await make_staff(app, areas=(), admin=True)
    worker = await make_staff(app, areas=("toyen", "furuset", "no-such-area"))
    async with app.sessions() as session:
        assert await staff_area_slugs(session, admin, app.areas) == [a.slug for a in app.areas]
        assert await staff_area_slugs(session, worker, app.areas) == ["furuset", "toyen"]
