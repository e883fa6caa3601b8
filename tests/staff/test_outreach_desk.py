"""The Telegram desk's outreach: an idea published on its area's results page (and taken
off again), and dugnads residents propose, approved with a day and times or declined with
a word, each resident told in their language."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlalchemy import select

from bot.domain import ideas, organisers
from bot.models import DugnadEvent, DugnadProposal, Idea, OutboxMessage

from tests.factories import make_resident
from tests.support import PUBLIC, make_staff, running_telegram, texts


async def told(app, kind: str) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list((await session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind))).scalars())


async def test_publish_a_done_idea_and_take_it_off_again(settings):
    async with running_telegram(dataclasses.replace(settings, public_base_url=PUBLIC)) as telegram:
        app, fake = telegram.app, telegram.fake
        staff = await make_staff(app, locale="en")
        async with app.sessions() as session, session.begin():
            author = await make_resident(session, locale="so")
            idea = await ideas.submit_idea(session, author, app.areas.require("furuset"),
                                           ideas.IdeaDraft(text="Kursi dugsiga agtiisa", category="other"),
                                           timezone="Europe/Oslo")
            await ideas.answer_idea(session, idea, "done", note=None)
        await telegram.send(fake.text, staff.telegram_id, f"/idea {idea.id}")
        asked = texts(await telegram.send(fake.tap_label, staff.telegram_id, "Publish on the results page"))
        assert "no names, no addresses" in asked

        done = texts(await telegram.send(fake.text, staff.telegram_id, "New benches by the school, made in May."))
        assert f"{PUBLIC}/results/furuset" in done and "1 resident gets the link" in done
        async with app.sessions() as session:
            published = await session.get(Idea, idea.id)
            assert published.published_at is not None
            assert published.public_summary == {"en": "New benches by the school, made in May."}  # staff wrote English
        link = await told(app, "idea_published")
        assert [m.resident_id for m in link] == [author.id] and f"{PUBLIC}/results/furuset?lang=so" in link[0].text

        await telegram.send(fake.text, staff.telegram_id, f"/idea {idea.id}")
        off = texts(await telegram.send(fake.tap_label, staff.telegram_id, "Take off the results page"))
        assert f"I-{idea.id} is no longer on the results page." in off
        async with app.sessions() as session:
            assert (await session.get(Idea, idea.id)).published_at is None


async def propose(app, locale: str = "pl") -> tuple[int, int]:
    async with app.sessions() as session, session.begin():
        organiser = await make_resident(session, locale=locale)
        proposal = await organisers.propose_dugnad(session, organiser, organisers.ProposalDraft(
            what="Posprzątajmy plac zabaw", place="Plac przy szkole", when_text="sobota rano", hands=10,
            organiser_name="Ola"))
    return proposal.id, organiser.id


async def test_approve_a_proposed_dugnad_with_its_day_and_times(telegram):
    app, fake = telegram.app, telegram.fake
    staff = await make_staff(app, locale="en")
    number, organiser = await propose(app)
    listed = texts(await telegram.send(fake.text, staff.telegram_id, "/proposals"))
    assert f"P-{number}" in listed and "Posprzątajmy plac zabaw" in listed

    shown = texts(await telegram.send(fake.tap_label, staff.telegram_id, f"P-{number}"))
    assert "sobota rano" in shown and "Ola" in shown
    await telegram.send(fake.tap_label, staff.telegram_id, "Approve")
    day = (date.today() + timedelta(days=10)).isoformat()
    await telegram.send(fake.text, staff.telegram_id, day)
    await telegram.send(fake.text, staff.telegram_id, "10:00")
    made = texts(await telegram.send(fake.text, staff.telegram_id, "13:00"))
    assert "with Ola as organiser" in made

    async with app.sessions() as session:
        event = (await session.execute(select(DugnadEvent))).scalar_one()
        proposal = await session.get(DugnadProposal, number)
    assert event.organiser_id == organiser and event.organiser_name == "Ola" and event.capacity == 10
    assert proposal.status == organisers.PROPOSAL_APPROVED and proposal.event_id == event.id
    news = await told(app, "proposal_approved")
    assert [m.resident_id for m in news] == [organiser] and "Posprzątajmy plac zabaw" in news[0].text


async def test_decline_a_proposal_with_a_word_and_another_areas_staff_cannot_see_it(telegram):
    app, fake = telegram.app, telegram.fake
    elsewhere = await make_staff(app, "Per", areas=("toyen",), locale="en")
    staff = await make_staff(app, locale="en")
    number, organiser = await propose(app)
    assert "No proposed dugnads." in texts(await telegram.send(fake.text, elsewhere.telegram_id, "/proposals"))

    await telegram.send(fake.text, staff.telegram_id, "/proposals")
    await telegram.send(fake.tap_label, staff.telegram_id, f"P-{number}")
    await telegram.send(fake.tap_label, staff.telegram_id, "Decline")
    declined = texts(await telegram.send(fake.text, staff.telegram_id, "We have no money for it this year."))
    assert f"P-{number} is declined" in declined
    async with app.sessions() as session:
        assert (await session.get(DugnadProposal, number)).status == organisers.PROPOSAL_DECLINED
    news = await told(app, "proposal_declined")
    assert [m.resident_id for m in news] == [organiser] and "We have no money for it this year." in news[0].text
