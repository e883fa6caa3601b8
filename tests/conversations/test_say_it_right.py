"""Issue 13, "Say it right": what matters most for people in trouble, on basic phones, in
their second or third language. In every language: the emergency numbers first, words
people really type, opt-out that comes back, right-to-left lines and CLDR dates."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from sqlalchemy import select

from bot.channels import sms
from bot.messaging import notices
from bot.text.resident import DATE_LOCALES, FSI, LOCALES, PDI, RTL_LOCALES, Text
from bot.models import ConversationState, Resident, Signup, utcnow
from conversations.engine import IDLE_RESET
from conversations.keywords import CARRIER_STOP_WORDS, keyword_words
from conversations.matching import normalize
from conversations.messages import COMMAND, Inbound

from tests.catalog_check import load
from tests.factories import Chat, make_event
from tests.sms_walk import walk
from tests.support import Phone

ROOT = Path(__file__).resolve().parents[2]
EMERGENCY = ("112", "113", "110")


def words(t: Text, keyword: str) -> list[str]:
    return t.pgettext("keyword", keyword).split("|")


async def at_menu(app, locale: str, channel: str = "telegram") -> Chat:
    """A resident in `locale` who has chosen an area and sees the main menu."""
    chat = Chat(app, channel=channel, locale=locale)
    await chat.script("/start", "1", "1")  # continue in the language, first area
    assert chat.choices[0] == Text(locale)._("Share an idea")
    return chat


async def at_danger(chat: Chat, t: Text) -> None:
    await chat.say("3")
    assert t._("Is someone in danger right now?") in chat.text


def numbers_first(chat: Chat) -> bool:
    first_line = chat.last[0].text.split("\n")[0]
    return all(number in first_line for number in EMERGENCY)


# Safety first -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_anything_but_a_clear_no_at_the_danger_question_gives_the_numbers(app, locale):
    t = Text(locale)
    chat = await at_menu(app, locale)
    unclear = ["there is a man with a knife", "var", "ኣሎ", "ايوه", "1", t._("Yes"), "???", "   "]
    for answer in unclear + words(t, "help") + ["help", "hjelp"]:
        await at_danger(chat, t)
        await chat.say(answer)
        assert numbers_first(chat), (answer, chat.text)
        assert t.ngettext(
            "Sorry, we did not understand. Please answer with the number {n}.",
            "Sorry, we did not understand. Please answer with a number from 1 to {n}.", 2,
        ) not in chat.text
        assert chat.choices[0] == t._("Share an idea")  # and back at the menu, nothing saved
    await at_danger(chat, t)
    await chat.sticker()  # a voice note or a sticker is not a clear no either
    assert numbers_first(chat)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_clear_no_at_the_danger_question_goes_on_to_the_report(app, locale):
    t = Text(locale)
    chat = await at_menu(app, locale)
    for answer in ["2", t._("No"), *words(t, "no"), "no"]:
        await at_danger(chat, t)
        await chat.say(answer)
        assert not any(number in chat.text for number in EMERGENCY), answer
        assert t._(
            "Where do you feel unsafe? Write the place, for example a street, a path or a bus stop, or send a location."
        ) in chat.text
        await chat.say("/menu")


@pytest.mark.parametrize("locale", LOCALES)
async def test_help_gives_the_emergency_numbers_first_everywhere(app, locale):
    t = Text(locale)
    chat = await at_menu(app, locale)
    await chat.script("1", "Flere benker ved skolen")  # the idea flow, at the category question
    for word in [*words(t, "help"), "help", "hjelp", "/help"]:
        await chat.say(word)
        assert numbers_first(chat), word
        assert t._("What is your idea about?") in chat.text  # and the same question again
    await chat.say("/menu")
    await chat.say("8")  # Help in the menu
    assert numbers_first(chat)


# Promise only what is true ----------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_anonymity_promises_what_benken_does(app, locale):
    t = Text(locale)
    chat = await at_menu(app, locale, channel="sms")
    await chat.script("3", "2", "Under brua", "3", "2", t.keyword("skip"))
    promise = chat.last[-1].text
    assert "Benken" in promise  # Benken does not keep name or number, not "nobody can see"
    assert "not even us" not in promise and "nobody" not in promise.lower()


# Stop words that mean "wait" -----------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_stop_word_that_is_not_the_carriers_asks_first(app, locale):
    t = Text(locale)
    asked = t._("Do you want to stop all messages from Benken?")
    chat = await at_menu(app, locale)
    await chat.script("1", "Flere benker ved skolen")
    for word in [w for w in words(t, "stop") if normalize(w) not in CARRIER_STOP_WORDS]:
        await chat.say(word)
        assert asked in chat.text, word
        await chat.say("2")
        assert t._("OK, nothing was changed.") in chat.text and t._("What is your idea about?") in chat.text
        await chat.say(word)
        await chat.say(t.keyword("no"))
        assert t._("What is your idea about?") in chat.text
    async with app.sessions() as session:
        assert (await session.execute(select(Resident.opted_out))).scalar_one() is False
    await chat.say("3")  # the answer to the question is still taken
    assert t._("Where should it be? Write the place, or send a location.") in chat.text


@pytest.mark.parametrize("word", ["dur", "durdur"])
async def test_turkish_dur_opts_out_only_when_confirmed(app, word):
    t = Text("tr")
    chat = await at_menu(app, "tr")
    await chat.say(word)
    assert t._("Do you want to stop all messages from Benken?") in chat.text
    await chat.say("1")
    assert t._("You will get no more messages from Benken. To come back, write “{start}”.", start="başla") in chat.text
    async with app.sessions() as session:
        assert (await session.execute(select(Resident.opted_out))).scalar_one() is True


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("word", ["STOP", "stopp", "Slutt", "/stop"])
async def test_carrier_words_opt_out_at_once_in_chat(app, locale, word):
    t = Text(locale)
    chat = await at_menu(app, locale)
    await chat.say(word)
    assert chat.last[0].text == t._(
        "You will get no more messages from Benken. To come back, write “{start}”.", start=t.keyword("start")
    )
    assert await chat.say("1") == []


async def test_a_stop_question_left_for_a_day_is_not_a_yes(app):
    chat = await at_menu(app, "ar")
    await chat.say("توقف")
    async with app.sessions() as session, session.begin():
        state = (await session.execute(select(ConversationState))).scalar_one()
        state.updated_at = utcnow() - IDLE_RESET - timedelta(minutes=1)
    await chat.say("1")  # a day later, "1" means the menu's first choice, not "yes, stop"
    assert Text("ar")._("Welcome back! It has been a while, so we start again from the menu.") in chat.text
    async with app.sessions() as session:
        assert (await session.execute(select(Resident.opted_out))).scalar_one() is False


# SMS opt-out that actually comes back -----------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_sms_opt_out_reply_names_start_in_capitals(app, locale):
    t = Text(locale)
    chat = await at_menu(app, locale, channel="sms")
    await chat.inbound(Inbound(COMMAND, text="stop"))  # STOP, CANCEL, END, ... as the carrier reads them
    reply = sms.render(chat.last[0])
    said = t._("You will get no more messages from Benken. To get them again, send {start}.", start="START")
    assert "START" in reply and chat.last[0].text == said
    assert await chat.say("hei") == []
    await chat.inbound(Inbound(COMMAND, text="start"))
    assert t._("Welcome back! You will get messages from Benken again.") in chat.text

    localized = [w for w in words(t, "stop") if normalize(w) not in CARRIER_STOP_WORDS]
    for word in localized[:1]:  # confirmed, a translated stop word ends the same way by SMS
        await chat.say(word)
        await chat.say("1")
        assert "START" in chat.text


async def test_twilio_cancel_and_end_opt_out_by_sms_and_say_so(sms_client):
    phone = Phone(sms_client)
    await phone.script("hi", "2", "1")  # English, Furuset
    replies = await phone.text("CANCEL")
    assert len(replies) == 1 and "no more messages" in replies[0] and "send START" in replies[0]


async def test_in_chat_cancel_only_leaves_the_step(app):
    chat = await at_menu(app, "en")
    await chat.script("1", "A bench by the shop")
    await chat.say("cancel")
    assert chat.last[0].text == "Cancelled. We did not save your answers."
    async with app.sessions() as session:
        assert (await session.execute(select(Resident.opted_out))).scalar_one() is False


@pytest.mark.parametrize("locale", LOCALES)
def test_the_cancelled_message_does_not_use_the_stop_word(locale):
    t = Text(locale)
    said = f" {normalize(t._('Cancelled. We did not save your answers.'))} "
    for word in words(t, "stop"):
        assert f" {normalize(word)} " not in said, word


# Words people really type -------------------------------------------------------------------


def _cancel_words(t: Text, label: str) -> list[str]:
    """The resident's cancel keywords that are whole words of the label, else its first word."""
    found = [w for w in [*words(t, "cancel"), "cancel"] if f" {normalize(w)} " in f" {normalize(label)} "]
    return found or [label.split()[0]]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_typed_cancel_word_on_a_button_does_what_the_button_does(app, session, locale):
    t = Text(locale)
    await make_event(session)
    await session.commit()
    chat = await at_menu(app, locale)
    await chat.script("2", "1", "1")  # join a dugnad: the list, the event, sign me up
    assert t.ref("D", 1) in chat.text
    await chat.say("2")  # no monthly news
    label = t._("Cancel my place")
    if locale in ("en", "ar", "so", "uk", "fa", "tr"):  # the six: the keyword is on the button
        assert set(_cancel_words(t, label)) & {*words(t, "cancel"), "cancel"}
    for word in _cancel_words(t, label):
        await chat.script("2", "1")
        assert label in chat.choices
        await chat.say(word)
        assert t._("Do you want to cancel {ref}?", ref=t.ref("D", 1)) in chat.text, word
        await chat.say(t._("No"))
    await chat.say("6")  # My ideas and sign-ups: "Cancel D-1"
    for word in _cancel_words(t, t._("Cancel {ref}", ref=t.ref("D", 1))):
        await chat.say(word)
        assert t._("Do you want to cancel {ref}?", ref=t.ref("D", 1)) in chat.text, word
        await chat.say("1")
        assert t._("Your place {ref} is cancelled. Thank you for telling us!", ref=t.ref("D", 1)) in chat.text
        break
    async with app.sessions() as s:
        assert (await s.get(Signup, 1)).status == "cancelled"


async def test_urdu_cancel_word_at_the_end_of_the_button_is_the_button(app, session):
    await make_event(session)
    await session.commit()
    t = Text("ur")
    chat = await at_menu(app, "ur")
    await chat.script("2", "1", "1", "2", "2", "1")  # sign up, no monthly news, to the dugnad again
    await chat.say("منسوخ کریں")  # the keyword, and the last words of "میری جگہ منسوخ کریں"
    assert t._("Do you want to cancel {ref}?", ref=t.ref("D", 1)) in chat.text


NEW_WORDS = [
    ("ti", "ewe", "yes"), ("ti", "hray", "yes"), ("ti", "ayfal", "no"), ("ti", "aykonen", "no"),
    ("ti", "hagez", "help"), ("ti", "ኣሎ", "yes"), ("ti", "የለን", "no"),
    ("ar", "ايوه", "yes"), ("ar", "ايوا", "yes"), ("ar", "لأ", "no"), ("ar", "قائمه", "menu"),
    ("ar", "مساعده", "help"), ("ar", "تخطى", "skip"),
    ("pl", "wróć", "back"), ("pl", "Wroc", "back"), ("tr", "var", "yes"), ("fa", "نی", "no"),
    ("fa", "كمك", "help"),  # Arabic kaf on a Persian word
    ("uk", "да", "yes"), ("uk", "ага", "yes"),
    *[(locale, "hjelp", "help") for locale in LOCALES],
]


@pytest.mark.parametrize("locale, typed, keyword", NEW_WORDS)
def test_words_people_really_type(locale, typed, keyword):
    assert keyword_words(locale).get(normalize(typed)) == keyword


YES_NO = [("ti", "ewe", "Yes"), ("ti", "aykonen", "No"), ("tr", "var", "Yes"), ("uk", "ага", "Yes"),
          ("fa", "نی", "No"), ("ar", "لأ", "No"), ("ar", "ايوا", "Yes")]


@pytest.mark.parametrize("locale, typed, answer", YES_NO)
async def test_new_yes_and_no_words_answer_a_yes_no_question(app, locale, typed, answer):
    t = Text(locale)
    chat = await at_menu(app, locale)
    await chat.script("1", "Flere benker ved skolen", "1", t.keyword("skip"), "1")  # to "help make it happen?"
    await chat.say(typed)
    assert t._("Shall we send it?") in chat.text
    assert t._("You want to help: {answer}", answer=t._(answer)) in chat.text


def test_arabic_letter_variants_match_as_one():
    assert normalize("قائمه") == normalize("قائمة")
    assert normalize("تخطی") == normalize("تخطى") == normalize("تخطي")
    assert normalize("كمك") == normalize("کمک")
    assert normalize("لأ") == normalize("لا")


@pytest.mark.parametrize("locale", LOCALES)
def test_keywords_stay_apart_once_normalized(locale):
    t = Text(locale)
    known = keyword_words(t.locale)
    for keyword in ("menu", "back", "cancel", "help", "stop", "start", "skip", "yes", "no"):
        for word in words(t, keyword):
            assert known[normalize(word)] == keyword, f"{word!r} is read as {known[normalize(word)]!r}"


# Grammar and form -------------------------------------------------------------------------


def test_hours_take_their_own_plural():
    english, norwegian, polish = Text("en"), Text("nb"), Text("pl")
    thanks = ("Thank you for coming to “{title}”! You gave {n} hour.",
              "Thank you for coming to “{title}”! You gave {n} hours.")
    assert english.ngettext(*thanks, 1, title="Vårrydding").endswith("You gave 1 hour.")
    assert english.ngettext(*thanks, 2.5, title="Vårrydding").endswith("You gave 2.5 hours.")
    assert norwegian.ngettext(*thanks, 1, title="Vårrydding").endswith("Du ga 1 time.")
    year = ("This year, {n} neighbour gave {hours} in {area}.", "This year, {n} neighbours gave {hours} in {area}.")
    assert english.ngettext(*year, 1, hours=notices.hours_phrase(english, 40), area="Furuset") == (
        "This year, 1 neighbour gave 40 hours in Furuset."
    )
    assert english.ngettext(*year, 40, hours=notices.hours_phrase(english, 1), area="Furuset") == (
        "This year, 40 neighbours gave 1 hour in Furuset."
    )
    # A fraction takes CLDR's form: Polish and Ukrainian "few", Arabic "other".
    polish_hours = [notices.hours_phrase(polish, n) for n in (1, 2, 5, 2.5)]
    assert polish_hours == ["1 godzinę", "2 godziny", "5 godzin", "2,5 godziny"]
    ukrainian_hours = [notices.hours_phrase(Text("uk"), n) for n in (1, 3, 11, 1.5)]
    assert ukrainian_hours == ["1 годину", "3 години", "11 годин", "1,5 години"]
    arabic = Text("ar")
    other = notices.hours_phrase(arabic, 100).replace(arabic.number(100), arabic.number(2.5))
    assert notices.hours_phrase(arabic, 2.5) == other


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_are_cldrs_long_format(locale):
    t = Text(locale)
    cldr = Locale.parse(DATE_LOCALES.get(locale, locale))
    day = date(2026, 12, 11)
    assert t.date(day) == t.ltr(format_date(day, "long", locale=cldr))
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)  # 10:00 in Oslo
    weekday = cldr.days["format"]["wide"][5]
    assert weekday in t.datetime(saturday) and "10:00" in t.datetime(saturday)
    assert "2026" not in t.datetime(saturday)


def test_dates_read_as_people_write_them():
    assert Text("nb").date(date(2026, 12, 11)) == "11. desember 2026"
    assert Text("nb").datetime(datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)) == "lørdag 5. desember 10:00"
    assert "دسمبر" in Text("fa").date(date(2026, 12, 11))  # Dari, as in Afghanistan
    assert "Sbti" not in Text("so").datetime(datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc))


def _first_strong_outside_isolates(line: str) -> str | None:
    depth = 0
    for char in line:
        if char in (FSI, "\u2066", "\u2067"):
            depth += 1
        elif char == PDI:
            depth = max(depth - 1, 0)
        elif not depth and unicodedata.bidirectional(char) in ("L", "R", "AL"):
            return unicodedata.bidirectional(char)
    return None


def _has_rtl_outside_isolates(line: str) -> bool:
    depth = 0
    for char in line:
        if char in (FSI, "\u2066", "\u2067"):
            depth += 1
        elif char == PDI:
            depth = max(depth - 1, 0)
        elif not depth and unicodedata.bidirectional(char) in ("R", "AL"):
            return True
    return False


@pytest.mark.parametrize("locale", sorted(RTL_LOCALES))
def test_no_right_to_left_line_in_a_catalog_starts_with_a_latin_letter(locale):
    for message in load(locale):
        if not message.id:
            continue
        for translated in message.string if isinstance(message.string, tuple) else (message.string,):
            for line in translated.split("\n"):
                first = line.lstrip()[:1]
                assert not (first.isascii() and first.isalpha()), f"{locale}: {line!r}"


@pytest.mark.parametrize("locale", sorted(RTL_LOCALES))
async def test_no_right_to_left_paragraph_starts_left_to_right(app, locale):
    """Every message of a walk through every flow: a line with Arabic letters starts with
    them, with Latin names, titles, places, numbers and times isolated."""
    for text in await walk(app, locale):
        for line in text.split("\n"):
            if _has_rtl_outside_isolates(line):
                assert _first_strong_outside_isolates(line) in ("R", "AL"), f"{locale}: {line!r}"


def test_translators_are_told_what_the_ambiguous_words_mean():
    with (ROOT / "locales" / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    told = {
        ("Join a dugnad", None): "volunteer",
        ("Cancelled", None): "district",
        ("Cancel my place", None): "not a location",
        ("{n} place free", None): "not a location",
        ("Take the place {ref}", None): "dugnad",
        ("Thank you for telling us. It is saved as {ref}. The district reads every report.", None): "bydel",
        ("the spring (March to May)", "season"): "months",
    }
    for (msgid, context), needle in told.items():
        comments = " ".join(template.get(msgid, context=context).auto_comments)
        assert needle in comments, msgid
