"""Every text Benken sends a resident on its own (not as an answer in the conversation),
written here once, each in the resident's language, and queued in the outbox.

The domain decides who is affected (a cancelled dugnad's volunteers, an idea's
followers); these functions say it to each of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.dugnad import event_title
from ..domain.publishing import results_url
from ..domain.residents import reachable_residents
from ..domain.translations import cached, source_language
from ..models import (
    OUTBOX_PRIORITY_BULK,
    OUTBOX_PRIORITY_REPLY,
    DugnadEvent,
    DugnadProposal,
    Idea,
    IdeaStatusChange,
    Resident,
    Signup,
    utcnow,
)
from ..text.labels import answer_template, idea_statuses
from ..text.resident import Text
from ..text.shorten import shorten
from .outbox import enqueue

YOU_SAID_WE_DID_QUOTE = 80  # characters of the idea quoted to the whole area


async def _tell(
    session: AsyncSession,
    residents: Iterable[Resident],
    kind: str,
    render: Callable[[Text, Resident], str],
    *,
    timezone: str,
    now: datetime,
    priority: int = OUTBOX_PRIORITY_BULK,
) -> int:
    """Queue `render`'s text to each resident in their own language; how many will get it."""
    told = 0
    for resident in residents:
        text = render(Text(resident.locale, timezone), resident)
        told += await enqueue(session, resident, kind, text, priority=priority, not_before=now) is not None
    return told


# Dugnads ----------------------------------------------------------------------------------


async def event_cancelled(
    session: AsyncSession, event: DugnadEvent, affected: list[tuple[Signup, Resident]], *, timezone: str,
    now: datetime | None = None,
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "Sorry! The dugnad “{title}” on {when} is cancelled. Thank you for wanting to help.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
        )

    residents = [resident for _signup, resident in affected]
    return await _tell(session, residents, "event_cancelled", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


async def event_changed(
    session: AsyncSession, event: DugnadEvent, affected: list[tuple[Signup, Resident]], *, timezone: str,
    now: datetime | None = None,
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "Change: the dugnad “{title}” is now {when}, at {place}.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
            place=t.ltr(event.place),
        )

    residents = [resident for _signup, resident in affected]
    return await _tell(session, residents, "event_changed", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


def day_before(t: Text, event: DugnadEvent) -> str:
    return t._(
        "Reminder: the dugnad “{title}” is {when}, at {place}. See you there!",
        title=t.ltr(event_title(event, t.locale)), when=t.datetime(event.start_at), place=t.ltr(event.place),
    )


def starting_soon(t: Text, event: DugnadEvent) -> str:
    return t._(
        "Soon! The dugnad “{title}” starts at {time}, at {place}.",
        title=t.ltr(event_title(event, t.locale)), time=t.time(event.start_at), place=t.ltr(event.place),
    )


def place_offered(t: Text, event: DugnadEvent, expires: datetime) -> str:
    return t._(
        "Good news! A place is free at “{title}”, {when}. "
        "It is yours if you take it by {deadline}: write “{menu}”, then “{mine}”.",
        title=t.ltr(event_title(event, t.locale)),
        menu=t.keyword("menu"),
        mine=t._("My ideas and sign-ups"),
        when=t.datetime(event.start_at),
        deadline=f"{t.short_date(expires)} {t.time(expires)}",
    )


def thanks(t: Text, event: DugnadEvent, own_hours: float, neighbours: int, hours: float, area_name: str) -> str:
    text = t.ngettext(
        "Thank you for coming to “{title}”! You gave {n} hour.",
        "Thank you for coming to “{title}”! You gave {n} hours.",
        round(own_hours, 1), title=t.ltr(event_title(event, t.locale)),
    )
    # Two numbers, two plurals: the sentence agrees with the neighbours, and the hours
    # come as a phrase of their own.
    # Translators: {hours} is the phrase "{n} hours", translated on its own.
    return text + "\n" + t.ngettext(
        "This year, {n} neighbour gave {hours} in {area}.",
        "This year, {n} neighbours gave {hours} in {area}.",
        neighbours, hours=hours_phrase(t, round(hours)), area=t.ltr(area_name),
    )


def hours_phrase(t: Text, hours: float) -> str:
    # Translators: what neighbours gave, in "This year, {n} neighbours gave
    # {hours} in {area}.": the object of "gave".
    return t.ngettext("{n} hour", "{n} hours", hours)


async def invite_helpers(
    session: AsyncSession, event: DugnadEvent, helpers: list[Resident], *, timezone: str, now: datetime | None = None
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "You said you want to help. Come to the dugnad “{title}”, {when}, at {place}! "
            "To sign up, write “{menu}”, then “{join}”.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
            place=t.ltr(event.place),
            menu=t.keyword("menu"), join=t._("Join a dugnad"),
        )

    return await _tell(session, helpers, "invitation", render, timezone=timezone, now=now or utcnow())


# Ideas ------------------------------------------------------------------------------------


def machine_translated(t: Text, translated: str, original: str) -> str:
    """Words a machine translated for this reader, with the original below them."""
    return "\n".join([translated, _original_below(t), original])


def _original_below(t: Text) -> str:
    # Translators: under a machine translation of the district's words (or of
    # another resident's idea); the original words follow on the next line.
    return t._("(Translated by a machine. The original:)")


async def translations_by_language(
    session: AsyncSession, text: str | None, source: str, languages: Iterable[str | None]
) -> dict[str, str]:
    """The cached machine translations of `text` into each language (the staff desk's
    preview, or the job, made them): sending never waits for a provider."""
    found: dict[str, str] = {}
    for language in set(languages) - {source, None}:
        translated = await cached(session, text, source, language) if text else None
        if translated is not None:
            found[language] = translated
    return found


def idea_news_text(t: Text, idea: Idea, change: IdeaStatusChange, *, author: bool, translated: str | None) -> str:
    """What an idea's author (or a supporter) reads when staff answer: the status, the
    chosen ready-made answer in their language, and the staff's own words, machine
    translated with the original below when a translation is there, else as written."""
    status = idea_statuses(t)[change.status]
    if author:
        text = t._("News about your idea {ref}: {status}.", ref=t.ref("I", idea.id), status=status)
    else:
        text = t._("News about an idea you support, {ref}: {status}.", ref=t.ref("I", idea.id), status=status)
    if change.template:
        text += "\n" + answer_template(t, change.template, change.template_param)
    if change.note:
        # Staff's own words, marked as theirs.
        words = machine_translated(t, translated, change.note) if translated else change.note
        text += "\n" + t._("The district writes: {note}", note=words)
    return text


async def idea_news(
    session: AsyncSession, idea: Idea, change: IdeaStatusChange, followers: list[Resident], *, timezone: str,
    now: datetime | None = None, note_language: str = "nb",
) -> int:
    """A staff answer to the idea's author and supporters, each in their own language."""
    translations = await translations_by_language(session, change.note, note_language, (r.locale for r in followers))

    def render(t: Text, resident: Resident) -> str:
        return idea_news_text(t, idea, change, author=resident.id == idea.author_id,
                              translated=translations.get(resident.locale))

    return await _tell(session, followers, "idea_status", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


async def joined_as_duplicate(
    session: AsyncSession, idea: Idea, target: Idea, followers: list[Resident], *, timezone: str,
    now: datetime | None = None,
) -> int:
    """Tell an idea's author and supporters that staff joined it with `target`, which they
    follow now: its words in each one's language where a translation is cached."""
    translations = await translations_by_language(session, target.text, source_language(target),
                                                  (r.locale for r in followers))

    def render(t: Text, resident: Resident) -> str:
        words = shorten(translations.get(t.locale) or target.text, YOU_SAID_WE_DID_QUOTE)
        if resident.id == idea.author_id:
            text = t._("Your idea {ref} asks for the same as {other}, so the district joined them.",
                       ref=t.ref("I", idea.id), other=t.ref("I", target.id))
        else:
            text = t._("The idea you support, {ref}, asks for the same as {other}, so the district joined them.",
                       ref=t.ref("I", idea.id), other=t.ref("I", target.id))
        return text + "\n" + t._("You follow {other} now: “{text}”", other=t.ref("I", target.id), text=words)

    return await _tell(session, followers, "idea_joined", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


def monthly_news(t: Text, area_name: str, month: date, done: int, planned: int, coming: int, hours: float) -> str:
    """What happened in an area in a month, in one SMS segment in GSM-7 languages: what
    there was to tell (no "0 planned"), each figure a phrase with its own plural."""
    figures = [
        # Translators: the figures of the monthly news, joined into a list ("3 ideas
        # done, 2 ideas planned and 1 dugnad coming"). "Done": the district finished them.
        t.ngettext("{n} idea done", "{n} ideas done", done) if done else None,
        t.ngettext("{n} idea planned", "{n} ideas planned", planned) if planned else None,
        # Translators: dugnads starting in the coming weeks.
        t.ngettext("{n} dugnad coming", "{n} dugnads coming", coming) if coming else None,
        # Translators: hours neighbours worked at dugnads in the month.
        t.ngettext("{n} hour of dugnad given", "{n} hours of dugnad given", round(hours)) if round(hours) else None,
    ]
    # Translators: {month} is the month's name on its own ("September"); {figures} the list.
    return t._("News from {area}, {month}: {figures}.", area=t.ltr(area_name), month=t.month(month),
               figures=t.listing([figure for figure in figures if figure]))


def idea_follow_up(t: Text, idea: Idea) -> str:
    return t._(
        "We have not forgotten your idea {ref}. The district is still looking at it. Thank you for waiting.",
        ref=t.ref("I", idea.id),
    )


# The whole area ----------------------------------------------------------------------------


async def broadcast(
    session: AsyncSession, area_slug: str, render: Callable[[Text], str], *, kind: str, timezone: str,
    now: datetime | None = None,
) -> int:
    """One message to every opted-in resident of an area, each in their own language;
    sent as bulk, after answers. Returns how many."""
    residents = await reachable_residents(session, area_slug)
    return await _tell(session, residents, kind, lambda t, _r: render(t), timezone=timezone, now=now or utcnow())


def staff_words_renderer(text: str, translations: dict[str, str]) -> Callable[[Text], str]:
    """Staff's words for each reader: machine translated with the original below where a
    translation into their language is there, else as written."""

    def render(t: Text) -> str:
        translated = translations.get(t.locale)
        return machine_translated(t, translated, text) if translated else text

    return render


async def broadcast_words(
    session: AsyncSession, area_slug: str, text: str, *, language: str, timezone: str, now: datetime | None = None
) -> int:
    """Staff's own words to a whole area, translated for each reader where a translation is
    cached (the broadcast preview made them)."""
    residents = await reachable_residents(session, area_slug)
    translations = await translations_by_language(session, text, language, (r.locale for r in residents))
    render = staff_words_renderer(text, translations)
    return await _tell(session, residents, "broadcast", lambda t, _r: render(t), timezone=timezone, now=now or utcnow())


def you_said_we_did_text(t: Text, idea: Idea, translated: str | None) -> str:
    """"You said, we did": the idea quoted in the reader's language (a machine's translation,
    the original below) where there is one, else as its author wrote it."""
    quote = shorten(translated or idea.text, YOU_SAID_WE_DID_QUOTE)
    text = t._(
        "You said, we did! The idea {ref} is done: “{text}”. Thank you to everyone who took part.",
        ref=t.ref("I", idea.id), text=quote,
    )
    if translated:
        text += "\n" + _original_below(t) + "\n“" + shorten(idea.text, YOU_SAID_WE_DID_QUOTE) + "”"
    return text


async def you_said_we_did(session: AsyncSession, idea: Idea, *, timezone: str, now: datetime | None = None) -> int:
    """Tell the whole area that an idea is done: the programme's quick, visible result."""
    residents = await reachable_residents(session, idea.area_slug)
    translations = await translations_by_language(session, idea.text, source_language(idea),
                                                  (r.locale for r in residents))
    return await _tell(session, residents, "you_said_we_did",
                       lambda t, _r: you_said_we_did_text(t, idea, translations.get(t.locale)),
                       timezone=timezone, now=now or utcnow())


# The results page and residents who organise -----------------------------------------------


async def idea_on_results_page(
    session: AsyncSession, idea: Idea, followers: list[Resident], base_url: str, *, timezone: str,
    now: datetime | None = None,
) -> int:
    """A done idea is on its area's public results page: its link, in each follower's
    language, to those who follow it."""

    def render(t: Text, resident: Resident) -> str:
        return t._(
            "You can see {ref} and what the district did on the results page: {link}",
            ref=t.ref("I", idea.id), link=results_url(base_url, idea.area_slug, resident.locale),
        )

    return await _tell(session, followers, "idea_published", render, timezone=timezone, now=now or utcnow())


async def proposal_approved(
    session: AsyncSession, event: DugnadEvent, organiser: Resident, *, timezone: str, now: datetime | None = None
) -> int:
    def render(t: Text, resident: Resident) -> str:
        return t._(
            "Good news! Your dugnad “{title}” is on: {when}, at {place}. Neighbours can sign up now, "
            "and under “{organise}” you see how many come.",
            title=t.ltr(event_title(event, resident.locale)), when=t.datetime(event.start_at),
            place=t.ltr(event.place), organise=t._("Organise a dugnad"),
        )

    return await _tell(session, [organiser], "proposal_approved", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


async def proposal_declined(
    session: AsyncSession, proposal: DugnadProposal, organiser: Resident, *, timezone: str,
    now: datetime | None = None,
) -> int:
    def render(t: Text, _resident: Resident) -> str:
        text = t._(
            "Thank you for wanting to organise a dugnad! The district cannot make {ref} happen this time.",
            ref=t.ref("P", proposal.id),
        )
        if proposal.note:
            text += "\n" + t._("The district writes: {note}", note=proposal.note)
        return text

    return await _tell(session, [organiser], "proposal_declined", render, timezone=timezone, now=now or utcnow(),
                       priority=OUTBOX_PRIORITY_REPLY)


async def organiser_message(
    session: AsyncSession, event: DugnadEvent, text: str, volunteers: list[Resident], *, timezone: str,
    now: datetime | None = None,
) -> int:
    """The organiser's words to their volunteers, as written, under one line in each
    volunteer's language naming the organiser by the name they chose."""

    def render(t: Text, _resident: Resident) -> str:
        # Translators: {name} is the first name or nickname a resident organiser chose;
        # {day} is the dugnad's date. Their own words follow on the next line.
        intro = t._("Message from {name}, who organises the dugnad on {day}:",
                    name=t.ltr(event.organiser_name or ""), day=t.short_date(event.start_at))
        return f"{intro}\n{text}"

    return await _tell(session, volunteers, "organiser_message", render, timezone=timezone, now=now or utcnow())
