"""Similar ideas before one is saved: offered in the resident's language through the
cached machine translations, supported instead (the resident follows that idea, their
words are not saved), or "mine is different" and the idea is saved as before."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain import ideas
from bot.messaging import translation
from bot.models import Idea, IdeaSupport, OutboxMessage
from bot.staff import actions

from ..conftest import daytime
from ..factories import Chat, make_idea, make_resident

NORWEGIAN = "Flere benker ved lekeplassen i Furuparken, så foreldre kan sitte"
POLISH = "Potrzebne są ławki na placu zabaw w Furuparken, rodzice nie mają gdzie usiąść"


async def count(app, model, *where) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_a_polish_idea_like_a_norwegian_one_is_offered_and_supporting_it_follows_it(
    azure_app, fake_azure, language_id_ready
):
    app = azure_app
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, locale="nb")
        norwegian = await make_idea(session, author, app, text=NORWEGIAN, category="meeting_places",
                                    now=daytime())
    await translation.tick(app, now=daytime())  # Norwegian found, and translated into Polish among others
    polish = Chat(app, locale="pl")  # a Telegram resident whose phone speaks Polish
    await polish.script("/start", "1", "1")  # continue in Polish, Furuset
    await polish.script("1", POLISH, "1", "pomiń", "pomiń")  # idea, category, no place, no photo
    assert "Zanim zapiszemy" in polish.text
    assert f"I-{norwegian.id}" in polish.text
    assert "Więcej ławek przy placu zabaw w Furuparken" in polish.text and "(tłumaczenie maszynowe)" in polish.text
    assert polish.choices[:2] == ["Poprzyj ten zamiast swojego", "Mój jest inny"]
    await polish.tap(f"support:{norwegian.id}")
    assert f"Popierasz teraz I-{norwegian.id}" in polish.text
    assert await count(app, Idea) == 1  # their words were not saved as a new idea
    async with app.sessions() as session:
        followers = await ideas.followers(session, await session.get(Idea, norwegian.id))
    assert len(followers) == 2 and followers[1].locale == "pl"
    # Following it: the district's answer reaches them too, in Polish.
    async with app.sessions() as session, session.begin():
        await actions.answer_idea(session, await session.get(Idea, norwegian.id), "planned", note=None,
                                  timezone="Europe/Oslo")
    async with app.sessions() as session:
        news = (await session.execute(select(OutboxMessage).where(OutboxMessage.resident_id == followers[1].id,
                                                                  OutboxMessage.kind == "idea_status"))).scalar_one()
    assert f"I-{norwegian.id}" in news.text and "Wiadomość o pomyśle, który wspierasz" in news.text


async def test_by_sms_one_at_a_time_and_mine_is_different_saves_it(app):
    async with app.sessions() as session, session.begin():
        author = await make_resident(session, locale="en")
        older = await make_idea(session, author, app, text="A basketball hoop in the park for teenagers")
        newer = await make_idea(session, author, app, text="Basketball hoop in the park please")
        await make_idea(session, author, app, text="More rubbish bins by the lake")
    chat = Chat(app, channel="sms")
    await chat.script("hi", "2", "1", "1", "Basketball hoop in the park for teenagers", "4", "skip")
    assert "Before we save it: an idea like yours:" in chat.text
    assert f"I-{newer.id}" in chat.text and f"I-{older.id}" not in chat.text  # newest first, one at a time
    assert "Received · 0 supporters" in chat.text or "Received - 0 supporters" in chat.text
    assert chat.choices == ["Support this one instead", "Mine is different", "Show another similar idea"]
    await chat.say("3")
    assert f"I-{older.id}" in chat.text and "bins" not in chat.text
    await chat.say("mine is different")
    assert "Would you like to help make it happen?" in chat.text
    await chat.script("no", "send")
    assert await count(app, Idea) == 4 and await count(app, IdeaSupport) == 0
