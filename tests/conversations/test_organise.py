"""Issue 19 in chat: arriving from a poster (a deep link or an SMS area keyword), and a
resident who proposes a dugnad, has it approved, sees its sign-ups and writes to its
volunteers through Benken."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messaging import reminders
from bot.models import DugnadEvent, DugnadProposal, OrganiserMessage, OutboxMessage, Resident
from bot.staff import actions
from tests.conftest import daytime, in_days
from tests.factories import Chat
from tests.support import Phone


async def resident_of(app, chat: Chat) -> Resident:
    async with app.sessions() as session:
        column = Resident.telegram_id if chat.channel == "telegram" else Resident.phone
        value = chat.address.get("telegram_id") or chat.address.get("phone")
        return (await session.execute(select(Resident).where(column == value))).scalar_one()


async def test_a_deep_link_skips_the_area_question_and_records_the_source(app):
    chat = Chat(app, locale="so")
    await chat.say("/start tøyen_bib1")  # an unknown area: asked as usual
    other = Chat(app, locale="so")
    await other.say("/start toyen_BIB1")
    assert "Continue" not in other.text and other.choices[0] == "Sii wad"  # Somali preselected, one tap
    await other.tap("so")
    assert "Menu" not in other.text and "Where do you live" not in other.text
    resident = await resident_of(app, other)
    assert (resident.area_slug, resident.source, resident.locale) == ("toyen", "bib1", "so")
    await chat.tap("so")
    assert (await resident_of(app, chat)).source is None
    plain = Chat(app, locale="en")
    await plain.script("/start furuset", "Continue")
    assert (await resident_of(app, plain)).source == "link"


async def test_an_sms_area_keyword_skips_the_area_question(sms_client, sms_app):
    phone = Phone(sms_client, "+4790055501")
    await phone.text("TØYEN")
    replies = await phone.text("2")  # English
    assert "Where do you live" not in "\n".join(replies) and "Privacy" in "\n".join(replies)
    async with sms_app.sessions() as session:
        resident = (await session.execute(select(Resident).where(Resident.phone == "+4790055501"))).scalar_one()
    assert (resident.area_slug, resident.source) == ("toyen", "keyword")
    stranger = Phone(sms_client, "+4790055502")
    await stranger.text("hei")
    assert "Where do you live" in "\n".join(await stranger.text("2"))


async def test_a_proposed_dugnad_once_approved_takes_sign_ups_and_the_organisers_message_reaches_them(app):
    organiser = Chat(app, locale="en")
    await organiser.script("/start furuset", "Continue", "organise a dugnad", "propose")
    await organiser.script("Paint the benches by the playground", "By the school", "Saturday morning", "About 10",
                           "Amina")
    assert "Amina" in organiser.text and "+47" not in organiser.text
    await organiser.say("send it")
    assert "P-1" in organiser.text
    await organiser.say("no, thank you")  # the monthly news, offered once
    async with app.sessions() as session, session.begin():
        proposal = await session.get(DugnadProposal, 1)
        event = await actions.approve_proposal(session, proposal, timezone="Europe/Oslo", start_at=in_days(5),
                                               end_at=in_days(5) + timedelta(hours=3))
        assert event.organiser_id == proposal.resident_id and proposal.event_id == event.id
    async with app.sessions() as session:
        told = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "proposal_approved"))).scalar_one()
    assert "Paint the benches" in told.text and "Good news" in told.text

    volunteer = Chat(app, channel="sms", locale="en")
    await volunteer.script("hi", "1", "1", "2", "1")  # English (continue), Furuset; join a dugnad; the event
    assert "Organised by Amina, a neighbour." in volunteer.text
    await volunteer.say("1")
    assert "You are signed up" in volunteer.text

    await organiser.say("organise a dugnad")
    assert "1 signed up, 9 places free" in organiser.text and "+47" not in organiser.text
    await organiser.say("write to your volunteers")
    assert "1 volunteer" in organiser.text
    await organiser.say("x" * 101)
    assert "under 100" in organiser.text  # length-limited
    await organiser.script("Bring gloves, we meet at the blue door.", "yes")
    await reminders.tick(app, now=daytime())
    async with app.sessions() as session:
        sent = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "organiser_message"))).scalars().all()
        kept = (await session.execute(select(OrganiserMessage))).scalar_one()
    assert len(sent) == 1 and sent[0].resident_id == (await resident_of(app, volunteer)).id
    assert sent[0].text == f"Message from Amina, who organises the dugnad on {sent[0].text.split('on ')[1].split(':')[0]}:\nBring gloves, we meet at the blue door."
    assert "+47" not in sent[0].text and kept.sent_to == 1 and kept.queued_at is not None
    await organiser.script("organise a dugnad", "write to your volunteers")
    assert "one message a day" in organiser.text  # one at a time


async def test_staff_decline_tells_the_resident_with_their_words(app):
    organiser = Chat(app, locale="en")
    await organiser.script("/start furuset", "Continue", "organise a dugnad", "propose", "A barbecue", "The park",
                           "Sunday", "About 30", "Sam", "send it")
    async with app.sessions() as session, session.begin():
        proposal = await session.get(DugnadProposal, 1)
        await actions.decline_proposal(session, proposal, note="No money for a barbecue this year.",
                                       timezone="Europe/Oslo")
    async with app.sessions() as session:
        told = (await session.execute(select(OutboxMessage))).scalar_one()
        assert (await session.execute(select(DugnadEvent))).first() is None
    assert "cannot make P-1 happen" in told.text and "No money for a barbecue" in told.text
