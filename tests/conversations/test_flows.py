"""The three flows and the rest of the conversation, end to end through the inbox and engine."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.models import (
    ConversationState,
    Idea,
    IdeaSupport,
    InboundMessage,
    OutboxMessage,
    Resident,
    SafetyReport,
    Signup,
    utcnow,
)
from conversations.engine import IDLE_RESET

from tests.conftest import in_days
from tests.factories import Chat, make_event


async def onboard(app, **kwargs) -> Chat:
    """A new resident who picks English and Furuset, and now sees the main menu."""
    chat = Chat(app, **kwargs)
    await chat.say("hello")
    assert "Norsk bokmål" in chat.text and "English" in chat.text and "Soomaali" in chat.text
    await chat.say("2")
    assert "Choose your area" in chat.text
    await chat.say("1")
    assert "To see or delete your data" in chat.text
    assert chat.choices[:3] == ["Share an idea", "Join a dugnad", "Tell us where you feel unsafe"]
    return chat


async def count(app, model, *where) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def only(app, model):
    async with app.sessions() as session:
        return (await session.execute(select(model))).scalar_one()


async def test_first_contact_greets_and_lists_every_language_in_its_own_name(app):
    chat = Chat(app)
    await chat.say("/start")
    for name in ("Norsk bokmål", "English", "العربية", "Soomaali", "اردو", "Polski", "ትግርኛ", "Türkçe", "Українська", "دری / فارسی"):
        assert name in chat.text
    assert "Benken" in chat.text


async def test_main_menu_order(app):
    chat = await onboard(app)
    assert chat.choices == [
        "Share an idea",
        "Join a dugnad",
        "Tell us where you feel unsafe",
        "Organise a dugnad",
        "Ideas from your area",
        "My ideas and sign-ups",
        "Language",
        "Help",
        "Privacy",
    ]


async def test_idea_flow_by_numbers(app):
    chat = await onboard(app, channel="sms")
    await chat.script("1", "Benker ved lekeplassen, så foreldre kan sitte ❤️", "1", "Ved Furuset senter", "1")
    assert "Benker ved lekeplassen" in chat.text and "Meeting places" in chat.text
    await chat.say("1")
    assert "Your idea is saved as I-1" in chat.text
    idea = await only(app, Idea)
    assert idea.text == "Benker ved lekeplassen, så foreldre kan sitte ❤️"  # verbatim
    assert (idea.category, idea.place_text, idea.wants_to_help, idea.locale, idea.area_slug) == (
        "meeting_places", "Ved Furuset senter", True, "en", "furuset"
    )
    oslo_today = utcnow().astimezone(ZoneInfo("Europe/Oslo")).date()
    assert idea.answer_due == oslo_today + timedelta(days=14)
    # The first time a resident took part: the monthly news is offered, once.
    assert "one short message a month about Furuset" in chat.text
    await chat.say("2")
    assert chat.choices[0] == "Share an idea"  # back at the menu


async def test_idea_flow_by_labels_with_location_photo_and_skip(app):
    chat = await onboard(app)
    await chat.say("share an IDEA")
    await chat.say("<b>More light</b> on the path; DROP TABLE ideas;--")
    await chat.say("lighting")  # a word of "Lighting and paths"
    await chat.location(59.9458, 10.8917)
    assert "photo" in chat.text
    await chat.photo("AgACAgQAAxkBAAI")
    await chat.say("no")
    assert "You want to help: No" in chat.text
    await chat.say("send")
    assert "I-1" in chat.text
    idea = await only(app, Idea)
    assert idea.text == "<b>More light</b> on the path; DROP TABLE ideas;--"
    assert (idea.latitude, idea.longitude, idea.photo_ref, idea.wants_to_help) == (59.9458, 10.8917, "AgACAgQAAxkBAAI", False)


async def test_optional_steps_skip_by_word_and_number(app):
    chat = await onboard(app)
    await chat.script("1", "A football field for the kids", "4")
    await chat.say("skip")  # place
    await chat.say("1")  # photo: Skip is its only option
    await chat.script("yes", "send it")
    idea = await only(app, Idea)
    assert (idea.place_text, idea.latitude, idea.photo_ref) == (None, None, None)


async def test_sms_residents_are_not_asked_for_a_photo(app):
    chat = await onboard(app, channel="sms")
    await chat.script("1", "A football field for the kids", "4", "skip")
    assert "Would you like to help" in chat.text


async def test_bad_input_is_explained_and_nothing_is_lost(app):
    chat = await onboard(app)
    await chat.script("1", "Bigger bins by the blocks")
    await chat.say("")
    assert "did not get any text" in chat.text and "What is your idea about?" in chat.text
    await chat.say("42")
    assert "number from 1 to 7" in chat.text
    await chat.sticker()
    assert "only read text" in chat.text
    await chat.say("x" * 10_000)
    assert "did not understand" in chat.text and "What is your idea about?" in chat.text
    await chat.script("6", "skip", "skip", "no", "send")
    idea = await only(app, Idea)
    assert (idea.text, idea.category) == ("Bigger bins by the blocks", "clean_tidy")


async def test_too_long_idea_is_refused_kindly_and_asked_again(app):
    chat = await onboard(app)
    await chat.say("1")
    await chat.say("word " * 400)
    assert "under 1,000 characters" in chat.text and "What is your idea" in chat.text
    assert await count(app, Idea) == 0


async def test_back_menu_cancel_and_help_at_any_step(app):
    chat = await onboard(app)
    await chat.script("1", "A community garden", "2")
    await chat.say("back")
    assert "What is your idea about?" in chat.text
    await chat.say("help")
    assert "Benken is your district" in chat.text and "What is your idea about?" in chat.text
    await chat.say("cancel")
    assert "We did not save your answers" in chat.text and chat.choices[0] == "Share an idea"
    await chat.script("1", "A community garden")
    await chat.say("/menu")
    assert chat.choices[0] == "Share an idea"
    assert await count(app, Idea) == 0


async def test_stop_and_start(app):
    chat = await onboard(app, channel="sms")
    await chat.say("STOP")
    assert "no more messages" in chat.text
    assert await chat.say("hello?") == []  # opted out: silence
    await chat.say("start")
    assert "Welcome back" in chat.text and chat.choices[0] == "Share an idea"
    resident = await only(app, Resident)
    assert resident.opted_out is False


async def test_returning_resident_goes_straight_to_the_menu_in_their_language(app):
    chat = await onboard(app)
    await chat.say("hi again")
    assert "did not understand" in chat.text and chat.choices[0] == "Share an idea"


async def test_idle_for_a_day_restarts_at_the_menu(app):
    chat = await onboard(app)
    await chat.script("1", "A bench")
    async with app.sessions() as session, session.begin():
        state = (await session.execute(select(ConversationState))).scalar_one()
        state.updated_at = utcnow() - IDLE_RESET - timedelta(minutes=1)
    await chat.say("1")
    assert "been a while" in chat.text and chat.choices[0] == "Share an idea"


async def test_stale_button_is_refused(app):
    chat = await onboard(app)
    await chat.say("1")
    await chat.tap("dugnad:")  # a main-menu button tapped while a text is asked
    assert "earlier question" in chat.text


async def test_dugnad_sign_up_waiting_list_cancel_and_offer(app, session):
    await make_event(session, capacity=1, title="Vårrydding", title_en="Spring clean-up")
    await session.commit()
    first, second = await onboard(app), await onboard(app, channel="sms")

    await first.say("2")
    assert "Spring clean-up" in first.text and "1 place free" in first.text
    await first.script("1", "sign me up")
    assert "You are signed up! Your reference is D-1" in first.text
    await first.say("no, thank you")  # the monthly news

    await second.script("2", "1")
    assert "waiting list" in second.text
    await second.say("1")
    assert "number 1 on the waiting list (D-2)" in second.text
    await second.say("no")

    await first.say("6")  # My ideas and sign-ups
    assert "D-1" in first.text and "You have a place" in first.text
    await first.script("cancel d-1", "yes")
    assert "D-1 is cancelled" in first.text

    from bot.messaging import reminders

    await reminders.tick(app)  # the offer is told by the scheduler, within half a minute
    async with app.sessions() as s:
        signups = {x.id: x.status for x in (await s.execute(select(Signup))).scalars()}
        offer = (await s.execute(select(OutboxMessage))).scalar_one()
    assert signups == {1: "cancelled", 2: "offered"}
    assert offer.kind == "waitlist_offer" and "Spring clean-up" in offer.text

    await second.say("5")  # by SMS the menu has no "Organise a dugnad": the same numbers
    assert "Take the place D-2" in second.text
    await second.say("take")
    assert "The place is yours" in second.text
    async with app.sessions() as s:
        assert (await s.get(Signup, 2)).status == "confirmed"


async def test_no_dugnad_planned(app):
    chat = await onboard(app)
    await chat.say("join a dugnad")
    assert "No dugnad is planned in Furuset" in chat.text
    assert chat.choices == ["Back to the menu", "Organise a dugnad"]
    await chat.say("1")
    assert chat.choices[0] == "Share an idea"


async def test_emergency_ends_the_safety_flow_with_the_numbers(app):
    chat = await onboard(app)
    await chat.script("3", "yes")
    assert "112" in chat.text and "113" in chat.text and "110" in chat.text
    assert await count(app, SafetyReport) == 0


async def test_anonymous_safety_report_is_not_linked(app):
    chat = await onboard(app)
    await chat.script("3", "2", "Stien bak skolen", "3", "1", "skip", "2")
    assert "S-1" in chat.text
    report = await only(app, SafetyReport)
    assert report.resident_id is None and report.anonymous is True
    assert (report.place_text, report.time_of_day, report.category, report.details) == ("Stien bak skolen", "night", "lighting", None)
    async with app.sessions() as s:
        state = (await s.execute(select(ConversationState))).scalar_one()
    assert "Stien" not in str(state.data)  # nothing of it stays beside the resident


async def test_named_safety_report_by_labels_with_location(app):
    chat = await onboard(app)
    await chat.script("tell us where", "no")
    await chat.location(59.91, 10.76)
    await chat.script("evening", "groups", "Young men shout at us", "with my name")
    report = await only(app, SafetyReport)
    resident = await only(app, Resident)
    assert report.resident_id == resident.id and report.anonymous is False
    assert (report.latitude, report.details, report.category) == (59.91, "Young men shout at us", "groups")


async def test_unreadable_location_asks_again(app):
    chat = await onboard(app)
    await chat.script("3", "no")
    await chat.location(123.0, 500.0)
    assert "could not read that location" in chat.text and "Where do you feel unsafe" in chat.text


async def test_support_an_idea_once_and_see_it_in_my_things(app):
    author, neighbour = await onboard(app), await onboard(app)
    await author.script("1", "Outdoor gym by the lake", "2", "skip", "skip", "yes", "send")
    await neighbour.say("5")
    assert "Outdoor gym by the lake" in neighbour.text and "0 supporters" in neighbour.text
    await neighbour.say("support")
    assert "You now support I-1" in neighbour.text
    assert "You support this idea" in neighbour.text and "1 supporter" in neighbour.text
    assert "Support this idea" not in neighbour.choices
    assert await count(app, IdeaSupport) == 1

    await author.script("menu", "my ideas")
    assert "I-1" in author.text and "Received" in author.text


async def test_see_and_delete_my_data_keeping_ideas(app, session):
    await make_event(session, capacity=5)
    await session.commit()
    chat = await onboard(app, channel="sms")
    await chat.script("1", "Flowers along the main road", "6", "skip", "no", "send", "no")  # no monthly news
    await chat.script("2", "1", "1")
    await chat.script("privacy", "see")
    assert "Flowers along the main road" in chat.text and chat.address["phone"] in chat.text and "D-1" in chat.text

    await chat.script("8", "delete", "keep my ideas")
    assert "Your data is deleted" in chat.text
    assert await count(app, Resident) == 0
    assert await count(app, Signup, Signup.status != "cancelled") == 0
    # Nothing points to them; the deleting message's own log row stays, unlinked, so that a
    # re-delivery of it is not taken for a new resident's first message.
    assert await count(app, InboundMessage, InboundMessage.resident_id.is_not(None)) == 0
    assert await count(app, InboundMessage) == 1
    idea = await only(app, Idea)
    assert idea.author_id is None and idea.text == "Flowers along the main road"

    await chat.say("hello")  # a new start
    assert "Norsk bokmål" in chat.text


async def test_see_my_data_shows_past_and_cancelled_sign_ups_too(app, session):
    """"See everything stored" once used the upcoming-only query: what a resident did last
    month, or cancelled, was kept but never shown."""
    past = await make_event(session, start=in_days(-30), title="Høstrydding", title_en="Autumn clean-up")
    coming = await make_event(session, title="Vårrydding", title_en="Spring clean-up")
    await session.commit()
    chat = await onboard(app)
    resident = await only(app, Resident)
    async with app.sessions() as s, s.begin():
        went = Signup(event_id=past.id, resident_id=resident.id, status="attended", hours=3.0)
        gave_up = Signup(event_id=coming.id, resident_id=resident.id, status="cancelled")
        s.add_all([went, gave_up])
    await chat.script("privacy", "see")
    assert "Autumn clean-up" in chat.text and "You took part" in chat.text
    assert "Spring clean-up" in chat.text and "Cancelled" in chat.text


async def test_delete_everything(app):
    chat = await onboard(app)
    await chat.script("1", "Flowers along the main road", "6", "skip", "skip", "no", "send", "no")
    await chat.script("9", "2", "1")
    assert await count(app, Idea) == 0 and await count(app, Resident) == 0


async def test_change_language(app):
    chat = await onboard(app)
    await chat.script("language", "العربية")
    resident = await only(app, Resident)
    assert resident.locale == "ar"
    assert chat.last[-1].rtl


async def test_preselected_language_is_one_tap_from_the_menu(app):
    chat = Chat(app, locale="en")
    await chat.say("/start")
    assert "We will write to you in English" in chat.text
    await chat.say("other language")
    assert "Українська" in chat.text
    await chat.say("polski")
    resident = await only(app, Resident)
    assert resident.locale == "pl"


async def test_duplicate_delivery_is_handled_once(app):
    from bot.channels.sms import CAPABILITIES as SMS
    from bot.messaging.inbox import receive
    from conversations.messages import TEXT, Inbound

    first = await receive(app, "sms", "SM123", Inbound(TEXT, text="hi"), phone="+4790000001", capabilities=SMS, keep_reply=lambda m: [x.text for x in m])
    again = await receive(app, "sms", "SM123", Inbound(TEXT, text="hi"), phone="+4790000001", capabilities=SMS)
    assert first.messages and not first.duplicate
    assert again.duplicate and again.messages == [] and again.stored_reply == [m.text for m in first.messages]
    assert await count(app, InboundMessage) == 1


async def test_all_three_flows_in_norwegian_by_labels(app, session):
    await make_event(session, capacity=4, title="Vårrydding")
    await session.commit()
    chat = Chat(app)
    await chat.script("hei", "norsk", "furuset")
    assert chat.choices[0] == "Del en idé"
    await chat.script("del en idé", "Gatelys langs stien til skolen", "lys", "hopp over", "hopp over", "ja", "send")
    assert "I-1" in chat.text
    await chat.say("ja, en gang i måneden")  # the monthly news, by its label
    await chat.script("bli med på dugnad", "vårrydding", "meld meg på")
    assert "D-1" in chat.text
    await chat.script("si fra", "nei", "Undergangen ved stasjonen", "om natten", "dårlig lys", "hopp over", "anonymt")
    assert "S-1" in chat.text
    report = await only(app, SafetyReport)
    assert (report.time_of_day, report.category, report.anonymous) == ("night", "lighting", True)
