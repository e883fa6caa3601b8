"""The SMS channel end to end: signed Twilio webhooks in, TwiML out, the outbox to a fake
Twilio REST API, opt-out, delivery reports, and the segment budget of every prompt."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.domain import residents
from bot.messaging import outbox, sending
from bot.staff import actions
from bot.app import open_app
from bot.channels import sms
from bot.channels import twilio as webhooks
from bot.channels.sms import gsm_safe, render, segments
from bot.channels.twilio import TwilioSender
from bot.text.resident import LOCALES, Text
from bot.metrics import Metrics
from bot.models import Idea, InboundMessage, OutboxMessage, Resident, SafetyReport, Signup
from bot.web import create_web
from conversations.messages import PHOTO, Outbound

from tests.conftest import daytime
from tests.factories import make_event
from tests.doubles.fake_twilio import FakeTwilio
from tests.sms_walk import walk
from tests.support import TWILIO_SID, TWILIO_TOKEN, Phone, signed

async def count(app, model, *where) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_first_contact_by_sms_is_cheap_and_numbered(sms_client):
    phone = Phone(sms_client)
    replies = await phone.text("Hei")
    assert len(replies) == 2 and "Benken" in replies[0]
    assert "1. Norsk bokmål" in replies[1] and "2. English" in replies[1]
    assert all(segments(r) <= 3 for r in replies)
    assert sms.is_gsm7(replies[0])  # the greeting stays in the 160-character alphabet


@pytest.mark.parametrize("locale", ["en", "nb", "ar"])
async def test_all_three_flows_by_sms(sms_client, sms_app, locale):
    async with sms_app.sessions() as session, session.begin():
        await make_event(session, capacity=5, title="Vårrydding", title_en="Spring clean-up")
    t = Text(locale)
    phone = Phone(sms_client)
    language = str(LOCALES.index(locale) + 1)
    await phone.script("hi", language, "1")
    assert t._("What would you like to do?") in phone.said
    await phone.script("1", "Flere benker ved lekeplassen", "1", "skip", "1", "1")
    assert t.ref("I", 1) in phone.said
    await phone.text("2")  # no monthly news, thank you
    await phone.script("2", "1", "1")
    assert t.ref("D", 1) in phone.said
    await phone.script("3", "2", "Under brua ved T-banen", "3", "1", "skip", "2")
    assert t.ref("S", 1) in phone.said
    async with sms_app.sessions() as session:
        resident = (await session.execute(select(Resident))).scalar_one()
        idea = (await session.execute(select(Idea))).scalar_one()
        signup = (await session.execute(select(Signup))).scalar_one()
        report = (await session.execute(select(SafetyReport))).scalar_one()
    assert resident.phone == "+4790012345" and resident.locale == locale
    assert idea.text == "Flere benker ved lekeplassen" and idea.photo_ref is None
    assert signup.status == "confirmed" and report.resident_id is None


async def test_norwegian_by_labels_with_plain_punctuation(sms_client):
    phone = Phone(sms_client, "90012345")  # written without +47: still a Norwegian number
    await phone.script("hei", "norsk", "furuset", "del en idé")
    assert "«" not in phone.said and "“" not in phone.said
    await phone.script("Gatelys på stien", "lys", "hopp over", "nei", "send")
    assert "I-1" in phone.said and sms.is_gsm7(phone.said)


async def test_bad_or_missing_signature_is_refused_and_nothing_stored(sms_client, sms_app):
    form = {"MessageSid": "SM1", "From": "+4790012345", "Body": "hei"}
    for headers in ({}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, signed(webhooks.INBOUND_PATH, form, token="wrong")):
        response = await sms_client.post(webhooks.INBOUND_PATH, data=form, headers=headers)
        assert response.status_code == 403
    elsewhere = {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature("https://other.example" + webhooks.INBOUND_PATH, form)}
    assert (await sms_client.post(webhooks.INBOUND_PATH, data=form, headers=elsewhere)).status_code == 403
    tampered = signed(webhooks.INBOUND_PATH, form)
    assert (await sms_client.post(webhooks.INBOUND_PATH, data={**form, "Body": "STOP"}, headers=tampered)).status_code == 403
    assert await count(sms_app, Resident) == 0 and await count(sms_app, InboundMessage) == 0


async def test_replayed_message_sid_is_handled_once_with_the_same_answer(sms_client, sms_app):
    phone = Phone(sms_client)
    await phone.script("hi", "2")
    first = await phone.text("1", sid="SMreplayed")
    again = await phone.text("1", sid="SMreplayed")
    assert again == first and "What would you like to do?" in first[-1]
    assert await count(sms_app, InboundMessage, InboundMessage.provider_message_id == "SMreplayed") == 1
    async with sms_app.sessions() as session:
        resident = (await session.execute(select(Resident))).scalar_one()
    assert resident.area_slug == "furuset"


async def test_invalid_sender_number_is_answered_politely_and_not_kept(sms_client, sms_app):
    phone = Phone(sms_client, "12")
    replies = await phone.text("hei")
    assert replies == [webhooks.UNREADABLE_SENDER]
    assert await count(sms_app, Resident) == 0


@pytest.mark.parametrize("word", ["STOP", "stopp", "Slutt", "UNSUBSCRIBE", "cancel", "END", "quit"])
async def test_carrier_stop_words_opt_out_at_any_step(sms_client, sms_app, word):
    phone = Phone(sms_client)
    await phone.script("hi", "2", "1", "1")  # in the middle of the idea flow
    replies = await phone.text(word)
    assert len(replies) == 1 and "no more messages" in replies[0]
    assert await phone.text("hello?") == []
    assert await phone.text(word) == []  # confirmed once only


async def test_help_and_yes_to_opt_back_in(sms_client):
    phone = Phone(sms_client)
    await phone.script("hi", "2", "1")
    helped = " ".join(await phone.text("HJELP"))
    # By SMS: the emergency numbers and the words that steer, not what Benken is again.
    assert "ambulance 113" in helped and 'Write "menu"' in helped and "Benken is your district" not in helped
    await phone.script("1", "A bench by the shop", "1", "skip")
    await phone.text("YES")  # an answer in the yes/no step, not an opt-in
    assert "Shall we send it?" in phone.said
    await phone.text("STOP")
    await phone.text("YES")
    assert "Welcome back" in phone.said


async def test_mms_photo_is_read_as_a_photo():
    form = {"Body": "", "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1", "MediaContentType0": "image/jpeg"}
    inbound = webhooks.parse_inbound(form)
    assert inbound.kind == PHOTO and inbound.photo_ref.endswith("/ME1")


def test_rendering_is_gsm_safe_and_segments_are_counted():
    message = Outbound("Skriv «meny» – eller “hjelp”…", ())
    assert render(message) == 'Skriv "meny" - eller "hjelp"...'
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # the extension table counts twice
    assert segments("ا" * 70) == 1 and segments("ا" * 71) == 2 and segments("ا" * 134) == 2
    assert gsm_safe("\u2068I-1\u2069") == "I-1"  # isolates only where they earn their cost
    assert gsm_safe("فكرة \u2068I-1\u2069").count("\u2068") == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_sms_prompt_is_within_three_segments(app, locale):
    texts = await walk(app, locale)
    assert len(texts) > 60
    over = [(segments(t), t) for t in texts if segments(t) > 3]
    assert over == []


async def staff_answer(app, idea_id: int, status: str, note: str | None = None) -> int:
    async with app.sessions() as session, session.begin():
        idea = await session.get(Idea, idea_id)
        return await actions.answer_idea(session, idea, status, note=note, timezone="Europe/Oslo", now=daytime())


async def test_staff_answers_reach_sms_residents_unless_they_stopped(sms_client, sms_app):
    author = Phone(sms_client, "+4790000001")
    await author.script("hi", "3", "1", "1", "Et tak over sykkelstativet", "1", "skip", "2", "1")  # Arabic
    supporter = Phone(sms_client, "+4790000002")
    await supporter.script("hi", "1", "1", "4", "1")  # Norwegian, supports I-1
    await supporter.text("STOP")

    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        sender = TwilioSender(dataclasses.replace(sms_app.settings, twilio_api_base_url=fake.base_url), per_second=50)
        try:
            assert await staff_answer(sms_app, 1, "planned", note="Vi tar det med i planen for våren.") == 1
            assert await sending.drain_once(sms_app, {"sms": sender}, now=daytime()) == 1
            assert len(fake.messages) == 1
            sent = fake.messages[0]
            arabic = Text("ar")
            assert sent["to"] == "+4790000001" and sent["from_"] == "+4759440000" and sent["smart_encoded"] is True
            assert arabic._("Planned") in sent["body"] and "Vi tar det med i planen for våren." in sent["body"]

            await supporter.text("START")
            await staff_answer(sms_app, 1, "in_progress")
            await sending.drain_once(sms_app, {"sms": sender}, now=daytime())
            assert [m["to"] for m in fake.messages] == ["+4790000001", "+4790000001", "+4790000002"]
            assert Text("nb")._("In progress") in fake.messages[-1]["body"]
        finally:
            await sender.close()
    async with sms_app.sessions() as session:
        sids = (await session.execute(select(OutboxMessage.provider_message_id).where(OutboxMessage.status == "sent"))).scalars().all()
    assert sorted(sids) == sorted(m["sid"] for m in fake.messages)


async def queue_one(app, number="+4790000003", text="Hei fra bydelen") -> int:
    async with app.sessions() as session, session.begin():
        resident, _state, _new = await residents.find_or_create_resident(session, "sms", phone=number, locale="nb")
        message = await outbox.enqueue(session, resident, "test", text)
        await session.flush()
        return message.id


async def outbox_row(app, message_id: int) -> OutboxMessage:
    async with app.sessions() as session:
        return await session.get(OutboxMessage, message_id)


async def test_rate_limited_and_failing_sends_are_retried_later(sms_app):
    message_id = await queue_one(sms_app)
    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        sender = TwilioSender(dataclasses.replace(sms_app.settings, twilio_api_base_url=fake.base_url), per_second=50)
        try:
            fake.fail_next(429, 20429)
            await sending.drain_once(sms_app, {"sms": sender}, now=daytime())
            row = await outbox_row(sms_app, message_id)
            assert row.status == "pending" and row.attempts == 1 and row.not_before > daytime()
            assert await sending.drain_once(sms_app, {"sms": sender}, now=daytime()) == 0  # not before its time

            fake.fail_next(503, 20500)
            await sending.drain_once(sms_app, {"sms": sender}, now=row.not_before + timedelta(seconds=1))
            row = await outbox_row(sms_app, message_id)
            assert row.status == "pending" and row.attempts == 2

            await sending.drain_once(sms_app, {"sms": sender}, now=row.not_before + timedelta(seconds=1))
            row = await outbox_row(sms_app, message_id)
            assert row.status == "sent" and row.provider_message_id == fake.messages[0]["sid"]
            assert len(fake.messages) == 1
        finally:
            await sender.close()


async def test_twilio_opt_out_error_marks_the_resident(sms_app):
    message_id = await queue_one(sms_app)
    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        sender = TwilioSender(dataclasses.replace(sms_app.settings, twilio_api_base_url=fake.base_url), per_second=50)
        try:
            fake.fail_next(400, 21610, message="Attempt to send to unsubscribed recipient")
            await sending.drain_once(sms_app, {"sms": sender}, now=daytime())
        finally:
            await sender.close()
    assert (await outbox_row(sms_app, message_id)).status == "cancelled"
    async with sms_app.sessions() as session:
        assert (await session.execute(select(Resident.opted_out))).scalar_one() is True


async def test_a_timeout_is_not_blindly_sent_again(sms_app, monkeypatch):
    message_id = await queue_one(sms_app)
    monkeypatch.setattr(TwilioSender, "TIMEOUT", 0.3)
    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        sender = TwilioSender(dataclasses.replace(sms_app.settings, twilio_api_base_url=fake.base_url), per_second=50)
        try:
            fake.delay_next(1.0)
            await sending.drain_once(sms_app, {"sms": sender}, now=daytime())
            row = await outbox_row(sms_app, message_id)
            assert row.status == "failed" and "not repeated" in row.last_error
            await sending.drain_once(sms_app, {"sms": sender}, now=daytime() + timedelta(hours=1))
            row = await outbox_row(sms_app, message_id)
            assert row.status == "failed" and row.attempts == 1  # one try, never a second
        finally:
            await sender.close()


async def test_sends_are_paced_to_the_configured_rate(sms_app):
    for n in range(6):
        await queue_one(sms_app, number=f"+479000010{n}")
    async with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        sender = TwilioSender(dataclasses.replace(sms_app.settings, twilio_api_base_url=fake.base_url), per_second=10)
        try:
            await sending.drain_once(sms_app, {"sms": sender}, now=daytime())
        finally:
            await sender.close()
    times = [m["time"] for m in fake.messages]
    assert len(times) == 6
    # Paced at departure, 0.1 s apart; arrival times jitter on a busy machine, so the
    # check is on the whole run: six sends at 10 a second take at least half a second.
    assert times[-1] - times[0] >= 0.45


async def test_delivery_reports_are_recorded(sms_client, sms_app):
    message_id = await queue_one(sms_app)
    async with sms_app.sessions() as session, session.begin():
        (await session.get(OutboxMessage, message_id)).provider_message_id = "SMdelivered"
    form = {"MessageSid": "SMdelivered", "MessageStatus": "undelivered", "ErrorCode": "21610"}
    assert (await sms_client.post(webhooks.STATUS_PATH, data=form)).status_code == 403
    response = await sms_client.post(webhooks.STATUS_PATH, data=form, headers=signed(webhooks.STATUS_PATH, form))
    assert response.status_code == 204
    row = await outbox_row(sms_app, message_id)
    assert row.delivery_status == "undelivered"
    async with sms_app.sessions() as session:
        assert (await session.execute(select(Resident.opted_out))).scalar_one() is True


async def test_healthz_and_metrics(sms_client):
    await Phone(sms_client).text("hi")
    health = await sms_client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
    metrics = await sms_client.get("/metrics")
    assert 'benken_inbound_messages_total{channel="sms"} 1.0' in metrics.text


async def test_healthz_says_503_when_the_database_is_gone():
    from bot.settings import Settings

    # Nothing listens on port 1: every connection is refused at once.
    unreachable = Settings(database_url="postgresql+asyncpg://benken@127.0.0.1:1/benken")
    async with open_app(unreachable, migrate=False) as opened:
        web = create_web(opened, Metrics())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://internal") as c:
            response = await c.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


async def test_a_first_sms_clearly_in_one_of_our_languages_is_answered_in_it(sms_client, sms_app, language_id_ready):
    somali = Text("so")
    phone = Phone(sms_client)
    replies = await phone.text("Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta")
    said = "\n".join(replies)
    assert somali._("We will write to you in {language}.", language="Soomaali") in said
    assert "Norsk bokmål" not in said and "Українська" not in said  # no ten-language menu
    assert sum(segments(reply) for reply in replies) < 4  # the menu alone cost 3
    await phone.text("2")  # "Other language": the whole menu, one number away
    assert "Українська" in phone.said
    other = Phone(sms_client, "+4790012399")
    await other.text("Мы хотим больше фонарей в парке, здесь темно")  # Russian: not ours, so the menu
    assert "Українська" in other.said
