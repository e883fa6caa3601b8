"""The desk's security, one test a promise: cookies, CSRF, headers and CSP, single-use
links, the sign-in rate limit, body limits, the audit trail, resident privacy and area
scoping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import AuditEntry, utcnow
from bot.settings import SettingsError, load_settings
from bot.domain.staff import staff_area_slugs
from bot.staff.web import auth
from bot.staff.web.security import AttemptLimiter, content_security_policy, tile_source

from tests.factories import make_idea, make_resident
from tests.support import csrf, desk_client, login_link, make_staff, sign_in

PAGES = ("/desk/", "/desk/safety-map", "/desk/dugnads", "/desk/impact", "/desk/broadcast", "/desk/exports",
         "/desk/staff", "/desk/audit")


async def test_the_session_cookie_is_httponly_lax_scoped_and_expires_after_a_working_day(app, client):
    staff = await make_staff(app)
    cookie = (await sign_in(client, app, staff)).headers["set-cookie"]
    assert cookie.startswith("benken_desk=")
    for part in ("HttpOnly", "SameSite=lax", "Path=/desk", "Max-Age=36000"):
        assert part.lower() in cookie.lower(), part
    assert "secure" not in cookie.lower()  # plain http in development


async def test_the_cookie_is_secure_behind_https(app_with):
    async with app_with(public_base_url="https://benken.example.org") as app, desk_client(app, "https://benken.example.org") as client:
        cookie = (await sign_in(client, app, await make_staff(app))).headers["set-cookie"]
        assert "; secure" in cookie.lower()
        assert "max-age=31536000" in (await client.get("/desk/login")).headers["strict-transport-security"]


async def test_a_session_older_than_a_working_day_is_refused(app, client):
    staff = await make_staff(app)
    async with app.sessions() as session, session.begin():
        stale = await auth.open_session(session, staff, utcnow() - timedelta(hours=10, minutes=1))
    client.cookies.set("benken_desk", stale, path="/desk")
    assert (await client.get("/desk/")).status_code == 303


@pytest.mark.parametrize("path", ["/desk/logout", "/desk/language", "/desk/staff"])
async def test_every_post_needs_the_csrf_token(app, client, path):
    admin = await make_staff(app, areas=(), admin=True)
    await sign_in(client, app, admin)
    token = csrf(await client.get("/desk/"))
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": auth.csrf_token_for("another-session")}):
        refused = await client.post(path, data={**data, "lang": "en", "telegram_id": "9", "name": "X"})
        assert refused.status_code == 403, data
    # htmx sends it as a header
    accepted = await client.post("/desk/language", data={"lang": "en"}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 303
    async with app.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert "staff_add" not in actions and "sign_out" not in actions


async def test_headers_and_a_policy_without_inline_code(app, client):
    staff = await make_staff(app, admin=True)
    await sign_in(client, app, staff)
    for path in (*PAGES, "/desk/login", "/desk/static/desk.css"):
        response = await client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
        assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        if path.startswith("/desk/static"):
            continue
        assert response.headers["cache-control"] == "no-store"
        page = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), f"inline script on {path}"
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page), f"inline style or handler on {path}"


def test_the_tile_host_is_in_the_policy():
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_source("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png") == "http://127.0.0.1:8080"
    assert "img-src 'self' data: https://maps.example.org;" in content_security_policy("https://maps.example.org/{z}/{x}/{y}")
    settings = load_settings({"BENKEN_MAP_TILES": "https://maps.example.org/{z}/{x}/{y}.png", "BENKEN_MAP_ATTRIBUTION": "© X"}, None)
    assert (settings.map_tiles, settings.map_attribution) == ("https://maps.example.org/{z}/{x}/{y}.png", "© X")
    with pytest.raises(SettingsError, match="BENKEN_MAP_TILES"):
        load_settings({"BENKEN_MAP_TILES": "javascript:alert(1)"}, None)


async def test_sign_in_attempts_are_limited_per_client_address(app, client):
    for _ in range(10):
        assert (await client.get("/desk/login?token=guess")).status_code == 400
    limited = await client.get("/desk/login?token=guess")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert (await client.post("/desk/login/email", data={"email": "x@y.z"})).status_code == 429
    assert (await client.get("/desk/login")).status_code == 200  # reading the page is no attempt
    # another address is not held back
    other = desk_client(app)
    other._transport.client = ("127.0.0.2", 50000)  # type: ignore[attr-defined]
    async with other:
        assert (await other.get("/desk/login?token=guess")).status_code == 400


def test_the_limiter_forgets_after_a_minute():
    now = [0.0]
    limiter = AttemptLimiter(limit=2, window=60, clock=lambda: now[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a") and limiter.allow("b")
    now[0] = 60.5
    assert limiter.allow("a")


async def test_refused_links_are_audited_and_say_why(app, client):
    staff = await make_staff(app, "Kari")
    expired = await login_link(app, staff, now=utcnow() - timedelta(minutes=11))
    assert (await client.get(expired)).status_code == 400
    used = await login_link(app, staff)
    await client.get(used)
    client.cookies.clear()
    assert (await client.get(used)).status_code == 400
    async with app.sessions() as session:
        entries = [(e.action, e.staff_name, e.detail) for e in (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()]
    assert entries == [("sign_in_refused", "Kari", "expired link"), ("sign_in", "Kari", None), ("sign_in_refused", "Kari", "used link")]


async def test_large_bodies_are_refused_before_they_are_parsed(app, client):
    staff = await make_staff(app)
    await sign_in(client, app, staff)
    token = csrf(await client.get("/desk/"))
    big = "x" * (65 * 1024)
    declared = await client.post("/desk/language", data={"csrf_token": token, "lang": "en", "pad": big})
    assert declared.status_code == 413

    async def chunks():
        yield f"csrf_token={token}&lang=en&pad=".encode()
        for _ in range(70):
            yield b"x" * 1024

    streamed = await client.post("/desk/language", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413

    async def small():
        yield f"csrf_token={token}&lang=en".encode()

    fine = await client.post("/desk/language", content=small(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert fine.status_code == 303


async def test_no_residents_phone_number_or_telegram_id_on_any_page(app, client, session):
    texter = await make_resident(session, channel="sms", area="furuset")
    chatter = await make_resident(session, channel="telegram", area="furuset")
    for author in (texter, chatter):
        idea = await make_idea(session, author, app, area="furuset")
        idea.latitude, idea.longitude = 59.95, 10.89
    await session.commit()
    admin = await make_staff(app, areas=(), admin=True)
    await sign_in(client, app, admin)
    secrets = (texter.phone, texter.phone.removeprefix("+47"), str(chatter.telegram_id))
    for path in PAGES:
        page = (await client.get(path)).text
        for secret in secrets:
            assert secret not in page, (path, secret)


async def test_area_scoping_is_the_staff_members_own_areas(app, client):
    from starlette.exceptions import HTTPException

    from bot.staff.web.desk import Desk

    staff = await make_staff(app, areas=("romsas",))
    async with app.sessions() as session:
        slugs = await staff_area_slugs(session, staff, app.areas)
    desk = Desk(request=None, app=app, session=None, staff=staff, desk_session=None, session_id="x",  # type: ignore[arg-type]
                area_slugs=slugs, text=None)  # type: ignore[arg-type]
    assert desk.require_area("romsas") == "romsas" and [a.name for a in desk.areas] == ["Romsås"]
    with pytest.raises(HTTPException):
        desk.require_area("furuset")
    from bot.models import Idea

    assert "IN" in str(desk.in_my_areas(Idea.area_slug).compile(compile_kwargs={"literal_binds": True}))
