"""Broadcast and exports over HTTP. A broadcast shows whom it reaches, by channel and by
language, before it goes, and is audited. Exports are the CLI's, of the staff member's
areas only, whatever the link asks for, without a phone number or Telegram id."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from bot.models import AuditEntry, OutboxMessage

from tests.factories import make_idea, make_resident
from tests.support import benken, csrf, make_staff, sign_in


async def test_a_broadcast_shows_its_reach_then_goes(app, client, session):
    for channel, locale in (("sms", "so"), ("sms", "so"), ("telegram", "so"), ("telegram", "ar"), ("sms", "nb")):
        await make_resident(session, channel=channel, locale=locale)
    await make_resident(session, channel="sms", locale="so", opted_out=True)
    await make_resident(session, area="toyen")
    await session.commit()
    await sign_in(client, app, await make_staff(app))
    token = csrf(await client.get("/desk/broadcast"))
    empty = await client.post("/desk/broadcast/review", data={"csrf_token": token, "area": "furuset", "text": "  "})
    assert empty.status_code == 400 and "Skriv meldingen." in empty.text
    review = await client.post("/desk/broadcast/review", data={
        "csrf_token": token, "area": "furuset", "text": "Dugnad lørdag <kl. 10>!"})
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>', review.text)
    assert rows == [("Somali", "1", "2", "3"), ("Arabisk", "1", "0", "1"), ("Norsk bokmål", "0", "1", "1"),
                    ("Alle", "2", "3", "5")]
    assert "Dugnad lørdag &lt;kl. 10&gt;!" in review.text and "Send til 5 beboere" in review.text
    elsewhere = await client.post("/desk/broadcast/review", data={"csrf_token": token, "area": "toyen", "text": "x"})
    assert elsewhere.status_code == 404
    sent = await client.post("/desk/broadcast/send", data={"csrf_token": token, "area": "furuset",
                                                           "text": "Dugnad lørdag <kl. 10>!"})
    assert sent.headers["location"] == "/desk/broadcast?sent=5"
    assert "Lagt i kø for 5 beboere." in (await client.get(sent.headers["location"])).text
    async with app.sessions() as s:
        texts = list((await s.execute(select(OutboxMessage.text))).scalars())
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "broadcast"))).scalar_one()
    assert texts == ["Dugnad lørdag <kl. 10>!"] * 5
    assert (audit.target, audit.detail) == ("furuset", "queued for 5: Dugnad lørdag <kl. 10>!")


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_exports_are_the_clis_for_her_areas_only(app, client, session, database_url):
    texter = await make_resident(session, channel="sms")
    chatter = await make_resident(session, channel="telegram")
    await make_idea(session, texter, app, area="furuset", text="=HYPERLINK(\"x\")")
    await make_idea(session, chatter, app, area="romsas", text="Romsås")
    await make_idea(session, chatter, app, area="toyen", text="Tøyen")
    await session.commit()
    await sign_in(client, app, await make_staff(app, areas=("furuset", "romsas")))
    download = await client.get("/desk/exports/download?kind=ideas&format=csv")
    assert download.status_code == 200 and download.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="benken-ideas-areas-\d{4}-\d\d-\d\d\.csv"',
                        download.headers["content-disposition"])
    rows = _csv(download.text)
    assert [row[1] for row in rows[1:]] == ["furuset", "romsas"]  # never Tøyen
    cli = benken(database_url, "export", "ideas", "--area", "furuset").stdout
    assert _csv((await client.get("/desk/exports/download?kind=ideas&format=csv&area=furuset")).text) == _csv(cli)
    lines = (await client.get("/desk/exports/download?kind=ideas&format=json&area=romsas")).text.splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["Romsås"]
    for kind in ("ideas", "safety", "signups", "events"):
        for fmt in ("csv", "json"):
            body = (await client.get(f"/desk/exports/download?kind={kind}&format={fmt}")).text
            assert texter.phone not in body and str(chatter.telegram_id) not in body
    # The area filter is the server's: a link naming another area gets nothing.
    assert (await client.get("/desk/exports/download?kind=ideas&format=csv&area=toyen")).status_code == 404
    assert (await client.get("/desk/exports/download?kind=residents&format=csv")).status_code == 400
    async with app.sessions() as s:
        details = list((await s.execute(select(AuditEntry.detail).where(AuditEntry.action == "export")
                                        .order_by(AuditEntry.id))).scalars())
    assert details[:2] == ["csv; all my areas", "csv; furuset"]
