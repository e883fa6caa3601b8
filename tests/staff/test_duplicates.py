"""Staff join an idea with one that asks for the same, on the Telegram desk, the command
line and the web desk: its author and supporters support (so follow) that one, and each is
told in their language which idea they follow now; nobody's support moves silently."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain import ideas
from bot.models import AuditEntry, Idea, IdeaSupport, OutboxMessage, Resident, Staff, StaffArea
from bot.staff import actions
from bot.text.resident import Text

from ..factories import make_resident
from ..support import benken, csrf, desk_client, make_staff, sign_in, texts

STAFF_ID = 9002


async def world(app) -> dict:
    async with app.sessions() as session, session.begin():
        first = await make_resident(session, locale="nb")
        author = await make_resident(session, locale="ar")
        somali = await make_resident(session, channel="sms", locale="so")
        polish = await make_resident(session, locale="pl", opted_out=True)
        other = await make_resident(session, locale="nb", area="romsas")
        furuset, romsas = app.areas.require("furuset"), app.areas.require("romsas")
        original = await ideas.submit_idea(session, first, furuset, ideas.IdeaDraft("Flere benker ved lekeplassen", "meeting_places"),
                                           timezone="Europe/Oslo")
        repeat = await ideas.submit_idea(session, author, furuset, ideas.IdeaDraft("Benker ved lekeplassen, takk", "meeting_places"),
                                         timezone="Europe/Oslo")
        elsewhere = await ideas.submit_idea(session, other, romsas, ideas.IdeaDraft("Benker", "other"), timezone="Europe/Oslo")
        original.written_in = repeat.written_in = "nb"  # as the translation job finds it
        await ideas.support_idea(session, somali, original.id)
        await ideas.support_idea(session, somali, repeat.id)
        await ideas.support_idea(session, polish, repeat.id)
    return {"original": original.id, "repeat": repeat.id, "elsewhere": elsewhere.id, "author": author.id,
            "somali": somali.id, "polish": polish.id, "first": first.id}


async def joined(app, ids) -> tuple[Idea, set[int], list[OutboxMessage]]:
    async with app.sessions() as session:
        repeat = await session.get(Idea, ids["repeat"])
        backers = set((await session.execute(
            select(IdeaSupport.resident_id).where(IdeaSupport.idea_id == ids["original"]))).scalars())
        told = list((await session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == "idea_joined").order_by(OutboxMessage.id))).scalars())
    return repeat, backers, told


async def test_marking_a_duplicate_tells_its_followers_in_their_language(app):
    ids = await world(app)
    async with app.sessions() as session, session.begin():
        told = await actions.mark_duplicate(session, await session.get(Idea, ids["repeat"]),
                                            await session.get(Idea, ids["original"]), timezone="Europe/Oslo")
    assert told == 2  # the Arabic author and the Somali supporter; the Polish one opted out
    repeat, backers, messages = await joined(app, ids)
    assert (repeat.status, repeat.duplicate_of) == ("duplicate", ids["original"])
    assert backers == {ids["somali"], ids["author"], ids["polish"]}  # everyone follows I-1 now
    by_resident = {m.resident_id: m.text for m in messages}
    arabic, somali = Text("ar"), Text("so")
    assert arabic._("Your idea {ref} asks for the same as {other}, so the district joined them.",
                    ref=arabic.ref("I", ids["repeat"]), other=arabic.ref("I", ids["original"])) in by_resident[ids["author"]]
    assert "Flere benker ved lekeplassen" in by_resident[ids["author"]]
    assert somali.ref("I", ids["original"]) in by_resident[ids["somali"]] and "degmadu" in by_resident[ids["somali"]]
    # The resident reads it under "My ideas" too, and an idea can join only once.
    async with app.sessions() as session:
        [(mine, answer)] = await ideas.resident_ideas(session, await session.get(Resident, ids["author"]))
    assert mine.status == "duplicate" and answer.template == "duplicate"
    async with app.sessions() as session, session.begin():
        try:
            await actions.mark_duplicate(session, await session.get(Idea, ids["repeat"]),
                                         await session.get(Idea, ids["original"]), timezone="Europe/Oslo")
        except ideas.TransitionRefused as refused:
            assert "only an open idea" in str(refused)
        else:
            raise AssertionError("joined twice")


async def test_on_the_telegram_desk_the_similar_idea_is_offered(telegram):
    app = telegram.app
    ids = await world(app)
    async with app.sessions() as session, session.begin():
        staff = Staff(telegram_id=STAFF_ID, name="Kari", locale="en")
        session.add(staff)
        await session.flush()
        session.add(StaffArea(staff_id=staff.id, area_slug="furuset"))
    await telegram.send(telegram.fake.text, STAFF_ID, f"/idea {ids['repeat']}")
    sent = await telegram.send(telegram.fake.tap_label, STAFF_ID, "Duplicate of…")
    assert f"Which idea does I-{ids['repeat']} ask for the same as?" in texts(sent)
    label = next(b["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"] for b in row)
    assert label.startswith(f"I-{ids['original']}:")  # the similar idea, offered by the matcher
    sent = await telegram.send(telegram.fake.tap_label, STAFF_ID, label)
    assert f"I-{ids['repeat']} is joined with I-{ids['original']}; 2 residents are told" in texts(sent)
    repeat, _backers, messages = await joined(app, ids)
    assert repeat.status == "duplicate" and len(messages) == 2
    sent = await telegram.send(telegram.fake.text, STAFF_ID, f"/idea {ids['repeat']}")
    assert f"Joined with I-{ids['original']}" in texts(sent)


async def test_by_the_command_line(app, database_url):
    ids = await world(app)
    wrong = benken(database_url, "idea", "duplicate", f"I-{ids['repeat']}", "--of", f"I-{ids['elsewhere']}")
    assert wrong.returncode == 1 and "its own area" in wrong.stderr and "Traceback" not in wrong.stderr
    done = benken(database_url, "idea", "duplicate", f"I-{ids['repeat']}", "--of", f"I-{ids['original']}")
    assert done.returncode == 0 and "2 resident(s) will be told" in done.stdout
    repeat, backers, messages = await joined(app, ids)
    assert repeat.status == "duplicate" and len(messages) == 2


async def test_on_the_web_desk(app):
    ids = await world(app)
    async with desk_client(app) as client:
        await sign_in(client, app, await make_staff(app, "Kari", locale="en"))
        page = await client.get(f"/desk/ideas/{ids['repeat']}")
        assert "Does it ask for the same as another idea?" in page.text
        assert f'value="I-{ids["original"]}"' in page.text  # the similar idea, suggested
        wrong = await client.post(f"/desk/ideas/{ids['repeat']}/duplicate",
                                  data={"csrf_token": csrf(page), "of": f"I-{ids['elsewhere']}"})
        assert wrong.status_code == 400 and "Write the number of an open idea of Furuset" in wrong.text
        response = await client.post(f"/desk/ideas/{ids['repeat']}/duplicate",
                                     data={"csrf_token": csrf(page), "of": f"I-{ids['original']}"})
        assert response.status_code == 303
        shown = await client.get(response.headers["location"])
    assert f"is joined with I-{ids['original']}; 2 residents are told" in shown.text
    repeat, _backers, messages = await joined(app, ids)
    assert repeat.status == "duplicate" and len(messages) == 2
    async with app.sessions() as session:
        audit = (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()
    assert audit[-1] == "idea_duplicate"
