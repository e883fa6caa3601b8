"""The desk's pages over HTTP: sign-in by link and by e-mail, sign-out, language, home,
and the admins' staff list and audit log."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from sqlalchemy import select

from bot.models import AuditEntry, Staff, StaffArea

from tests.factories import make_idea, make_resident
from tests.support import csrf, login_link, make_staff, sign_in


async def test_a_link_signs_in_once_and_the_home_page_shows_name_and_areas(app, client):
    staff = await make_staff(app, "Kari Nordmann", areas=("furuset", "toyen"))
    link = await login_link(app, staff)
    response = await client.get(link)
    assert response.status_code == 303 and response.headers["location"] == "/desk/"
    home = await client.get("/desk/")
    assert home.status_code == 200
    assert "Kari Nordmann" in home.text and "Furuset" in home.text and "Tøyen" in home.text
    assert "Haugenstua" not in home.text
    assert '<html lang="nb">' in home.text and "Innboks" in home.text

    client.cookies.clear()
    again = await client.get(link)
    assert again.status_code == 400 and "brukt eller er utløpt" in again.text
    assert (await client.get("/desk/")).status_code == 303


async def test_without_a_session_every_page_goes_to_the_sign_in_page(client):
    for path in ("/desk/", "/desk/audit", "/desk/staff", "/desk/safety-map"):
        response = await client.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/desk/login"), path
    htmx = await client.get("/desk/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/desk/login"


async def test_the_sign_in_page_explains_how_to_get_a_link(client):
    page = await client.get("/desk/login")
    assert page.status_code == 200 and "/desk" in page.text and "Telegram" in page.text
    assert 'action="/desk/login/email"' not in page.text  # no SMTP_URL: no e-mail form
    english = await client.get("/desk/login?lang=en")
    assert '<html lang="en">' in english.text and "Send /desk to the Benken bot" in english.text


async def test_sign_out_ends_the_session_everywhere(app, client):
    staff = await make_staff(app)
    await sign_in(client, app, staff)
    home = await client.get("/desk/")
    cookie = client.cookies.get("benken_desk")
    response = await client.post("/desk/logout", data={"csrf_token": csrf(home)})
    assert response.status_code == 303 and response.headers["location"].startswith("/desk/login?signed_out=1")
    assert "benken_desk=" in response.headers["set-cookie"] and "Max-Age=0" in response.headers["set-cookie"]
    client.cookies.set("benken_desk", cookie, path="/desk")  # a copied cookie is dead too
    assert (await client.get("/desk/")).status_code == 303
    async with app.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
    assert actions == ["sign_in", "sign_out"]


async def test_the_language_switch_is_kept_in_the_session(app, client):
    staff = await make_staff(app)
    await sign_in(client, app, staff)
    home = await client.get("/desk/")
    switched = await client.post("/desk/language", data={"csrf_token": csrf(home), "lang": "en", "next": "/desk/audit"})
    assert switched.headers["location"] == "/desk/audit"
    english = await client.get("/desk/")
    assert '<html lang="en">' in english.text and "Show ideas" in english.text
    away = await client.post("/desk/language", data={"csrf_token": csrf(home), "lang": "nb", "next": "//evil.example/"})
    assert away.headers["location"] == "/desk/"


async def test_the_home_page_is_the_inbox_of_the_staff_members_areas_only(app, client, session):
    resident = await make_resident(session, area="furuset")
    mine = await make_idea(session, resident, app, area="furuset", text="Benk ved Trosterud")
    other = await make_idea(session, resident, app, area="toyen", text="Benk ved Tøyenparken")
    await session.commit()
    staff = await make_staff(app, areas=("furuset",))
    await sign_in(client, app, staff)
    home = await client.get("/desk/")
    assert f'href="/desk/ideas/{mine.id}"' in home.text and "Benk ved Trosterud" in home.text
    assert f'href="/desk/ideas/{other.id}"' not in home.text and "Tøyenparken" not in home.text
    assert str(resident.telegram_id) not in home.text


async def test_admin_pages_are_for_admins(app, client):
    staff = await make_staff(app)
    await sign_in(client, app, staff)
    home = await client.get("/desk/")
    assert 'href="/desk/staff"' not in home.text and 'href="/desk/audit"' not in home.text
    for path in ("/desk/staff", "/desk/audit"):
        assert (await client.get(path)).status_code == 403
    refused = await client.post("/desk/staff", data={"csrf_token": csrf(home), "telegram_id": "5", "name": "X"})
    assert refused.status_code == 403
    async with app.sessions() as session:
        assert (await session.execute(select(Staff).where(Staff.telegram_id == 5))).first() is None


async def test_an_admin_adds_sets_areas_and_removes_staff_and_each_change_is_audited(app, client):
    admin = await make_staff(app, "Admin Adminsen", areas=(), admin=True)
    await sign_in(client, app, admin)
    page = await client.get("/desk/staff")
    token = csrf(page)
    added = await client.post(
        "/desk/staff",
        data={"csrf_token": token, "telegram_id": "4242", "name": " Per  Hansen ", "areas": ["furuset", "romsas"],
              "email": "per@bydel.example"},
    )
    assert added.status_code == 303 and added.headers["location"] == "/desk/staff"
    async with app.sessions() as session:
        per = (await session.execute(select(Staff).where(Staff.telegram_id == 4242))).scalar_one()
        slugs = set((await session.execute(select(StaffArea.area_slug).where(StaffArea.staff_id == per.id))).scalars())
    assert (per.name, per.is_admin, per.email, slugs) == ("Per Hansen", False, "per@bydel.example", {"furuset", "romsas"})

    duplicate = await client.post("/desk/staff", data={"csrf_token": token, "telegram_id": "4242", "name": "Again"})
    assert duplicate.status_code == 400 and "finnes allerede" in duplicate.text and 'value="Again"' in duplicate.text
    bad_area = await client.post("/desk/staff", data={"csrf_token": token, "telegram_id": "4243", "name": "X", "areas": "mars"})
    assert bad_area.status_code == 400

    changed = await client.post(f"/desk/staff/{per.id}/areas", data={"csrf_token": token, "areas": "toyen"})
    assert changed.status_code == 303
    assert "Tøyen" in (await client.get("/desk/staff")).text
    self_removal = await client.post(f"/desk/staff/{admin.id}/remove", data={"csrf_token": token})
    assert self_removal.status_code == 400
    removed = await client.post(f"/desk/staff/{per.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert (await client.post("/desk/staff/99999/remove", data={"csrf_token": token})).status_code == 404

    log = await client.get("/desk/audit")
    assert log.status_code == 200
    async with app.sessions() as session:
        entries = list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
    assert [e.action for e in entries] == ["sign_in", "staff_add", "staff_areas", "staff_remove"]
    assert all(e.staff_name == "Admin Adminsen" for e in entries)
    assert entries[1].target == f"staff-{per.id}" and "furuset, romsas" in entries[1].detail
    for label in ("La til en ansatt", "Endret områdene til en ansatt", "Fjernet en ansatt", "Per Hansen: toyen"):
        assert label in log.text


async def test_the_audit_log_is_paged(app, client):
    from bot.staff.web import auth

    admin = await make_staff(app, areas=(), admin=True)
    async with app.sessions() as session, session.begin():
        for number in range(120):
            await auth.audit(session, admin, "staff_areas", f"staff-{number}", f"entry {number}")
    await sign_in(client, app, admin)
    first = await client.get("/desk/audit")
    assert "entry 119" in first.text and "entry 69" not in first.text and "Side 1 av 3" in first.text
    last = await client.get("/desk/audit?page=3")
    assert "entry 0<" in last.text and "entry 119" not in last.text
    assert (await client.get("/desk/audit?page=x")).status_code == 200


class _Inbox:
    """A real SMTP server's handler (aiosmtpd) that keeps what arrives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox():
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="benken-test")
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


async def test_a_link_by_e_mail_to_staff_and_the_same_answer_for_anyone(app_with, smtp_inbox):
    from tests.support import desk_client

    inbox, port = smtp_inbox
    settings = {"smtp_url": f"smtp://127.0.0.1:{port}?from=desk@bydel.example", "public_base_url": "https://benken.example.org"}
    async with app_with(**settings) as app, desk_client(app, "https://benken.example.org") as client:
        await make_staff(app, "Kari", email="Kari@Bydel.example", locale="en")
        page = await client.get("/desk/login")
        assert 'action="/desk/login/email"' in page.text
        known = await client.post("/desk/login/email", data={"csrf_token": csrf(page), "email": "kari@bydel.example"})
        unknown = await client.post("/desk/login/email", data={"csrf_token": csrf(page), "email": "nobody@bydel.example"})
        assert known.status_code == unknown.status_code == 200
        strip = lambda text: re.sub(r'value="[^"]*"', "", text)  # noqa: E731
        assert strip(known.text) == strip(unknown.text)

        (envelope,) = inbox.envelopes
        assert envelope.rcpt_tos == ["Kari@Bydel.example"]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(("plain",)).get_content()
        link = re.search(r"https://benken\.example\.org(/desk/login\?token=\S+)", body).group(1)
        assert "within 10 minutes" in body
        assert (await client.get(link)).status_code == 303
        assert "Kari" in (await client.get("/desk/")).text

        forged = await client.post("/desk/login/email", data={"csrf_token": "forged", "email": "kari@bydel.example"})
        assert forged.status_code == 403 and len(inbox.envelopes) == 1
