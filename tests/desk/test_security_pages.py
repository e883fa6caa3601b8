"""The security promises on every page beyond the foundation, over every route the desk
has: a valid CSRF token on every POST; another area's records are not found (404); text
from residents and staff stays text; no inline script or style; no phone number or
Telegram id on any page or download; oversize forms refused (413) before they are read;
and every staff action in the audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.routing import Route

from bot.models import AuditEntry, DugnadEvent, OutboxMessage, Signup
from bot.staff.web import PAGES

from tests.factories import HOSTILE, make_hostile_world
from tests.support import count, csrf, desk_pages, make_staff, sign_in

POSTS = [route for route in PAGES if isinstance(route, Route) and "POST" in route.methods]
WITH_IDS = [route for route in PAGES if isinstance(route, Route)
            and {"idea_id", "event_id", "proposal_id"} & set(route.param_convertors)]


def path_of(route: Route, ids: dict, staff_id: int = 1) -> str:
    """The route's path with the record ids of one area (`ids` from make_hostile_world)."""
    values = {"idea_id": ids["idea"], "event_id": ids["event"], "proposal_id": ids["proposal"], "staff_id": staff_id}
    return "/desk" + route.url_path_for(route.name, **{k: values[k] for k in route.param_convertors})


async def state(app) -> tuple:
    """What a refused request must not have changed."""
    async with app.sessions() as session:
        actions = tuple((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
        statuses = tuple((await session.execute(select(Signup.status).order_by(Signup.id))).scalars())
        events = (await session.execute(select(func.count(), func.max(DugnadEvent.place)).select_from(DugnadEvent))).one()
    return actions, statuses, tuple(events), await count(app, OutboxMessage)


def test_the_routes_are_all_here():
    # A new route is checked below without a change here; this says the lists are found.
    assert {route.name for route in POSTS} >= {
        "idea_preview", "idea_answer", "idea_you_said_we_did", "idea_invite", "dugnad_create", "dugnad_change",
        "dugnad_cancel", "dugnad_invite", "dugnad_attendance", "broadcast_review", "broadcast_send", "logout",
        "language", "staff_add", "staff_remove", "staff_areas", "login_email", "idea_publish", "idea_unpublish",
        "proposal_approve", "proposal_decline"}
    assert {route.name for route in WITH_IDS} == {
        "idea", "idea_preview", "idea_answer", "idea_you_said_we_did", "idea_you_said_we_did_preview", "idea_invite",
        "idea_duplicate", "idea_photo", "dugnad", "dugnad_edit", "dugnad_change", "dugnad_cancel", "dugnad_invite",
        "dugnad_attendance", "idea_publish", "idea_unpublish", "proposal_approve", "proposal_decline"}


async def test_every_post_needs_a_valid_csrf_token(app, client):
    world = await make_hostile_world(app)
    admin = await make_staff(app, "Admin", areas=(), admin=True)
    await sign_in(client, app, admin)
    before = await state(app)
    for route in POSTS:
        path = path_of(route, world["furuset"], admin.id)
        for token in ({}, {"csrf_token": "forged"}):
            form = {**token, "status": "done", "area": "furuset", "text": "x", "event": str(world["furuset"]["event"])}
            assert (await client.post(path, data=form)).status_code == 403, path
    assert await state(app) == before


async def test_every_post_refuses_an_oversize_form(app, client):
    world = await make_hostile_world(app)
    staff = await make_staff(app)
    await sign_in(client, app, staff)
    token = csrf(await client.get("/desk/"))
    for route in POSTS:
        response = await client.post(path_of(route, world["furuset"], staff.id),
                                     data={"csrf_token": token, "note": "x" * (65 * 1024)})
        assert response.status_code == 413, route.path


async def test_another_areas_records_are_not_found_on_any_route(app, client):
    world = await make_hostile_world(app)
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    token = csrf(await client.get("/desk/"))
    before = await state(app)
    toyen = world["toyen"]
    for route in WITH_IDS:
        path = path_of(route, toyen)
        if "GET" in route.methods:
            assert (await client.get(path)).status_code == 404, path
        else:
            form = {"csrf_token": token, "status": "reviewing", "event": str(toyen["event"]), "came": "1",
                    "date": "2030-01-01", "start": "10:00", "end": "12:00", "place": "Her", "capacity": "5",
                    "summary": "Ferdig", "note": "Nei"}
            assert (await client.post(path, data=form)).status_code == 404, path
    for path, form in (("/desk/dugnads", {"area": "toyen", "title": "X"}),
                       ("/desk/broadcast/review", {"area": "toyen", "text": "Hei"}),
                       ("/desk/broadcast/send", {"area": "toyen", "text": "Hei"})):
        assert (await client.post(path, data={"csrf_token": token, **form})).status_code == 404, path
    assert (await client.get("/desk/exports/download?kind=ideas&format=csv&area=toyen")).status_code == 404
    assert (await client.get("/desk/outreach/poster?area=toyen&langs=nb")).status_code == 404
    assert await state(app) == before
    # The lists never show them either.
    for path in desk_pages(world):
        page = (await client.get(path)).text
        assert f"/ideas/{toyen['idea']}\"" not in page and f"/dugnads/{toyen['event']}\"" not in page, path


async def test_text_stays_text_and_no_page_runs_inline_code(app, client):
    world = await make_hostile_world(app)
    await sign_in(client, app, await make_staff(app))
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    for path in desk_pages(world):
        response = await client.get(path)
        assert response.status_code == 200, path
        body = response.text
        if "download" in path:
            continue  # files, not pages; the browser saves them (Content-Disposition)
        assert "<script>alert" not in body, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), f"inline script on {path}"
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", body), f"inline style or handler on {path}"
        if path in (f"/desk/ideas/{world['furuset']['idea']}", f"/desk/dugnads/{world['furuset']['event']}",
                    "/desk/", "/desk/dugnads"):
            assert escaped in body, path
    review = await client.post("/desk/broadcast/review", data={
        "csrf_token": csrf(await client.get("/desk/broadcast")), "area": "furuset", "text": HOSTILE})
    assert "<script>alert" not in review.text and escaped in review.text


async def test_no_phone_number_or_telegram_id_on_any_page_or_download(app, client):
    world = await make_hostile_world(app)
    await sign_in(client, app, await make_staff(app, "Admin", areas=(), admin=True))
    secrets = [str(v) for area in world.values() for v in (area["phone"], area["phone"].removeprefix("+47"),
                                                          area["telegram_id"])]
    for path in [*desk_pages(world), "/desk/staff", "/desk/audit", *(
            f"/desk/exports/download?kind={kind}&format=csv&area={area}"
            for kind in ("ideas", "safety", "signups", "events") for area in ("furuset", "toyen"))]:
        body = (await client.get(path)).text
        for secret in secrets:
            assert secret not in body, (path, secret)


@pytest.mark.parametrize("path_name", ["idea", "dugnad"])
async def test_pages_carry_the_security_headers(app, client, path_name):
    world = await make_hostile_world(app)
    await sign_in(client, app, await make_staff(app))
    ids = world["furuset"]
    path = f"/desk/ideas/{ids['idea']}" if path_name == "idea" else f"/desk/dugnads/{ids['event']}"
    for target in (path, "/desk/exports/download?kind=ideas&format=csv"):
        response = await client.get(target)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store" and response.headers["x-frame-options"] == "DENY"


async def test_every_staff_action_is_in_the_audit_log(app, client):
    world = await make_hostile_world(app)
    ids = world["furuset"]
    await sign_in(client, app, await make_staff(app, "Kari"))
    token = csrf(await client.get("/desk/"))
    idea, event = f"/desk/ideas/{ids['idea']}", f"/desk/dugnads/{ids['event']}"
    day = "2031-06-07"
    async with app.sessions() as session:
        signup = (await session.execute(select(Signup.id).where(Signup.event_id == ids["event"]).limit(1))).scalar_one()
    steps = [
        (idea + "/answer", {"status": "done", "template": "done_thanks"}),
        (idea + "/you-said-we-did", {}),
        (idea + "/invite", {"event": str(ids["event"])}),
        ("/desk/dugnads", {"area": "furuset", "title": "Ny", "date": day, "start": "10:00", "end": "12:00",
                           "place": "Her", "capacity": "5"}),
        (event + "/edit", {"date": day, "start": "11:00", "end": "13:00", "place": "Der"}),
        (event + "/attendance", {"came": str(signup), f"hours-{signup}": "2"}),
        (event + "/invite", {}),
        (event + "/cancel", {}),
        ("/desk/broadcast/send", {"area": "furuset", "text": "Hei"}),
        (idea + "/publish", {"summary": "Nye benker"}),
        (idea + "/unpublish", {}),
        (f"/desk/outreach/proposals/{ids['proposal']}/approve", {"date": day, "start": "10:00", "end": "12:00",
                                                                 "place": "Her", "capacity": "5"}),
    ]
    for path, form in steps:
        assert (await client.post(path, data={"csrf_token": token, **form})).status_code == 303, path
    assert (await client.get("/desk/exports/download?kind=events&format=json")).status_code == 200
    async with app.sessions() as session:
        entries = list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
    assert [e.action for e in entries] == [
        "sign_in", "idea_answer", "you_said_we_did", "invite_helpers", "event_create", "event_change", "attendance",
        "invite_helpers", "event_cancel", "broadcast", "idea_publish", "idea_unpublish", "proposal_approve", "export"]
    assert all(e.staff_name == "Kari" and e.at is not None for e in entries)
    log = await client.get("/desk/audit")
    assert log.status_code == 403  # Kari is no admin; an admin reads it (tests/desk/test_pages.py)
