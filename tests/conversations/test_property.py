"""Whatever a resident sends, the bot answers and never breaks (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from bot.models import Resident
from conversations.messages import CHOICE, LOCATION, PHOTO, TEXT, UNSUPPORTED, Inbound, Location

from tests.factories import Chat

WORDS = [
    "1", "2", "3", "8", "10", "0", "-1", "٣", "۲", "menu", "back", "cancel", "help", "stop", "start", "skip",
    "yes", "no", "STOPP", "/start", "/menu", "/help", "ja", "nei", "meny", "tilbake", "English", "norsk",
    "send", "support", "delete", "see", "keep my ideas", "other language", "العربية", "Українська",
]
NASTY = [
    "", "   ", "\n", "😀🏳️‍🌈👍🏽", "مرحبا، أريد مقعدًا قرب المدرسة", "שלום", "<script>alert(1)</script>",
    "'; DROP TABLE residents; --", "{name} {0} %s %(x)s", "\u202eevil\u202c", "\x00\x01", "x" * 10_000,
    "ትግርኛ ሰላም", "Привіт", "😀" * 2000,
]

inbounds = st.one_of(
    st.sampled_from(WORDS).map(lambda w: Inbound(TEXT, text=w)),
    st.sampled_from(NASTY).map(lambda w: Inbound(TEXT, text=w)),
    st.text(max_size=60).map(lambda w: Inbound(TEXT, text=w)),
    st.tuples(st.floats(-200, 200, allow_nan=False), st.floats(-400, 400, allow_nan=False)).map(
        lambda p: Inbound(LOCATION, location=Location(*p))
    ),
    st.just(Inbound(PHOTO, photo_ref="AgAC-photo")),
    st.just(Inbound(UNSUPPORTED)),
    st.sampled_from(["idea:", "dugnad:", "1", "yes", "skip", "send", "en", "furuset", "accept:1"]).map(
        lambda k: Inbound(CHOICE, choice=k)
    ),
)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(inbounds, min_size=1, max_size=14), st.sampled_from(["telegram", "sms"]))
async def test_any_input_gets_an_answer_unless_opted_out(app, messages, channel):
    chat = Chat(app, channel=channel)
    for inbound in messages:
        async with app.sessions() as session:
            column = Resident.telegram_id if channel == "telegram" else Resident.phone
            address = chat.address.get("telegram_id") or chat.address.get("phone")
            resident = (await session.execute(select(Resident).where(column == address))).scalar_one_or_none()
            opted_out_before = resident is not None and resident.opted_out
        replies = await chat.inbound(inbound)
        if not opted_out_before:
            assert replies, f"no answer to {inbound!r}"
        for reply in replies:
            assert reply.text.strip()
            assert "x" * 100 not in reply.text  # a refused long text is not echoed back


@given(st.lists(st.text(alphabet="ab ł\n", max_size=120).map(lambda s: s.replace("\n", " ")), max_size=12))
def test_lines_packed_into_messages_fit_and_keep_every_word(lines):
    from conversations.messages import Capabilities

    can = Capabilities(fits=lambda text: len(text) <= 40)
    messages = can.in_messages(lines)
    # Every message fits unless it is one word longer than a message can hold, and the
    # words come out in order, none lost (a long line is split between words).
    assert all(can.fits(m) or " " not in m.strip(" ") and "\n" not in m for m in messages)
    assert " ".join(" ".join(messages).split()) == " ".join(" ".join(lines).split())
