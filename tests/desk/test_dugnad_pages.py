"""Dugnads over HTTP: making one (with the Telegram desk's own checks), moving and
cancelling it (everyone signed up is told), sign-ups and the waiting list without an
address, attendance with hours, and inviting helpers; each change audited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.domain import dugnad
from bot.models import AuditEntry, DugnadEvent, OutboxMessage, Signup, utcnow

from tests.conftest import in_days
from tests.factories import make_event, make_idea, make_resident
from tests.support import count, csrf, make_staff, sign_in


async def test_make_a_dugnad_and_mistakes_are_shown_field_by_field(app, client):
    await sign_in(client, app, await make_staff(app, areas=("furuset", "romsas")))
    token = csrf(await client.get("/desk/dugnads/new"))
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    wrong = await client.post("/desk/dugnads", data={
        "csrf_token": token, "area": "romsas", "title": "Vårrydding", "date": "5.13.2026", "start": "10:00",
        "end": "09:00", "place": "", "capacity": "0"})
    assert wrong.status_code == 400
    for said in ("Jeg klarte ikke å lese datoen", "Fyll ut dette.", "Skriv et tall"):
        assert said in wrong.text, said
    assert 'value="Vårrydding"' in wrong.text and await count(app, DugnadEvent) == 0
    past = await client.post("/desk/dugnads", data={
        "csrf_token": token, "area": "romsas", "title": "X", "date": "2020-01-01", "start": "10:00", "end": "12:00",
        "place": "Her", "capacity": "5"})
    assert past.status_code == 400 and "Dugnaden må starte fram i tid." in past.text

    made = await client.post("/desk/dugnads", data={
        "csrf_token": token, "area": "romsas", "title": "Vårrydding", "title_en": "Spring clean", "date": day,
        "start": "10:00", "end": "13:30", "place": "Ved senteret", "capacity": "12"})
    assert made.status_code == 303
    async with app.sessions() as session:
        event = (await session.execute(select(DugnadEvent))).scalar_one()
    assert (event.area_slug, event.titles, event.capacity, dugnad.event_hours(event)) == (
        "romsas", {"nb": "Vårrydding", "en": "Spring clean"}, 12, 3.5)
    assert made.headers["location"] == f"/desk/dugnads/{event.id}?made=1"
    assert "Dugnaden er laget." in (await client.get(made.headers["location"])).text
    async with app.sessions() as session:
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.action == "event_create"))).scalar_one()
    assert (audit.target, audit.detail) == (f"#{event.id}", "romsas: Vårrydding")
    elsewhere = await client.post("/desk/dugnads", data={"csrf_token": token, "area": "toyen", "title": "X"})
    assert elsewhere.status_code == 404


async def test_sign_ups_waiting_list_and_attendance(app, client, session):
    event = await make_event(session, capacity=2, start=in_days(2))
    texter = await make_resident(session, channel="sms", locale="so")
    chatter = await make_resident(session, channel="telegram", locale="ar")
    waiting = await make_resident(session, channel="telegram", locale="uk")
    for resident in (texter, chatter, waiting):
        await dugnad.sign_up(session, resident, event.id)
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    page = await client.get(f"/desk/dugnads/{event.id}")
    assert "Somali" in page.text and "SMS" in page.text and "nummer 1 i køen" in page.text
    assert texter.phone not in page.text and str(chatter.telegram_id) not in page.text
    ids = [int(i) for i in re.findall(r'name="came" value="(\d+)"', page.text)]
    assert len(ids) == 2  # the two with a place; the waiting one cannot have come
    token = csrf(page)
    too_long = await client.post(f"/desk/dugnads/{event.id}/attendance",
                                 data={"csrf_token": token, "came": [str(ids[0])], f"hours-{ids[0]}": "25"})
    assert too_long.status_code == 400 and "Antall timer må være" in too_long.text
    saved = await client.post(f"/desk/dugnads/{event.id}/attendance", data={
        "csrf_token": token, "came": [str(ids[0]), "99999"], f"hours-{ids[0]}": "2,5", f"hours-{ids[1]}": "3"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?marked=1")
    async with app.sessions() as s:
        signups = {row.id: (row.status, row.hours) for row in (await s.execute(select(Signup))).scalars()}
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "attendance"))).scalar_one()
    assert signups[ids[0]] == ("attended", 2.5) and signups[ids[1]] == ("confirmed", None)
    assert audit.target == f"#{event.id}" and audit.detail == f"D-{ids[0]} 2.5 h"


async def test_move_cancel_and_invite_tell_the_residents(app, client, session):
    event = await make_event(session, capacity=5, start=in_days(4))
    volunteer = await make_resident(session, channel="sms", locale="pl")
    await dugnad.sign_up(session, volunteer, event.id)
    helper = await make_resident(session, locale="tr")
    await make_idea(session, helper, app, wants_to_help=True)
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    form = await client.get(f"/desk/dugnads/{event.id}/edit")
    token = csrf(form)
    typed = dict(re.findall(r'name="(date|start|end|place)" type="\w+" value="([^"]*)"', form.text))
    unchanged = await client.post(f"/desk/dugnads/{event.id}/edit", data={"csrf_token": token, **typed})
    assert unchanged.headers["location"] == f"/desk/dugnads/{event.id}"  # nothing changed, nobody told
    moved = await client.post(f"/desk/dugnads/{event.id}/edit", data={"csrf_token": token, **typed, "place": "Ved skolen"})
    assert moved.headers["location"].endswith("?changed=1")
    invited = await client.post(f"/desk/dugnads/{event.id}/invite", data={"csrf_token": token})
    assert invited.headers["location"].endswith("?invited=1")
    cancelled = await client.post(f"/desk/dugnads/{event.id}/cancel", data={"csrf_token": token})
    assert cancelled.headers["location"].endswith("?cancelled=1")
    assert (await client.post(f"/desk/dugnads/{event.id}/cancel", data={"csrf_token": token})).status_code == 400
    assert (await client.get(f"/desk/dugnads/{event.id}/edit")).status_code == 404  # a cancelled one stays put
    async with app.sessions() as s:
        kinds = list((await s.execute(select(OutboxMessage.kind).order_by(OutboxMessage.id))).scalars())
        actions = list((await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
    assert kinds == ["event_changed", "invitation", "event_cancelled"]
    assert actions == ["sign_in", "event_change", "invite_helpers", "event_cancel"]
    listing = await client.get("/desk/dugnads")
    assert "Tidligere og avlyste" in listing.text and "avlyst" in listing.text


async def test_another_areas_dugnad_is_not_found(app, client, session):
    event = await make_event(session, area="toyen")
    await session.commit()
    await sign_in(client, app, await make_staff(app, areas=("furuset",)))
    token = csrf(await client.get("/desk/dugnads"))
    assert f"/desk/dugnads/{event.id}" not in (await client.get("/desk/dugnads")).text
    for path in ("", "/edit"):
        assert (await client.get(f"/desk/dugnads/{event.id}{path}")).status_code == 404
    for path in ("/edit", "/cancel", "/invite", "/attendance"):
        assert (await client.post(f"/desk/dugnads/{event.id}{path}", data={"csrf_token": token})).status_code == 404
    async with app.sessions() as s:
        assert (await s.get(DugnadEvent, event.id)).status == "scheduled"
