"""Staff and ideas: the list waiting for an answer, one idea's card, and answering it with a
ready-made answer (translated for each resident) and the staff's own words."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from ..domain import ideas
from ..domain.media import MEDIA_REF, recordings
from ..domain.queries import IDEA_REF, ref, supporters, supporters_column
from ..domain.translations import IDEA
from ..models import ANSWER_TEMPLATES, IDEA_DONE, IDEA_OPEN_STATUSES, IDEA_RECEIVED, IDEA_STATUSES, SEASONS, Idea, StaffState, utcnow
from ..reports.translated import language_name, translation_line, translations_for
from ..text.resident import LANGUAGE_NAMES
from ..text.shorten import shorten
from ..text.staff import answer_template_labels, idea_category_labels, idea_status_labels, resident_words, season_labels
from ..text.times import local_today
from . import actions, duplicates, previews
from .desk import LIST_LIMIT, Desk, Reply, button, esc, preview_replies, rows

LIST_TEXT = 90  # characters of each idea in the list
ANSWER = "answer"  # the unfinished work: an answer being put together
NO_TEMPLATE = "none"


async def list_ideas(desk: Desk, args: list[str]) -> None:
    """/ideas [status] [area]: the ideas whose answer is due soonest first."""
    t = desk.t
    status = next((a for a in args if a in IDEA_STATUSES), None)
    area = next((a for a in args if desk.areas.get(a)), None)
    if not desk.own_area(area):
        return
    found = (await desk.session.execute(
        select(Idea, supporters_column())
        .where(Idea.area_slug.in_([area] if area else desk.slugs), Idea.status.in_((status,) if status else IDEA_OPEN_STATUSES))
        .order_by(Idea.answer_due, Idea.id)
        .limit(LIST_LIMIT)
    )).all()
    if not found:
        desk.tell(t._s("No ideas here."))
        return
    today, statuses = local_today(utcnow(), desk.tz), idea_status_labels(t)
    translated = await translations_for(desk.session, IDEA, [idea.id for idea, _count in found])
    spoken = await recordings(desk.session, IDEA, [idea.id for idea, _count in found])
    lines = [f"<b>{esc(t._s('Ideas'))}</b>"]
    for idea, count in found:
        voice = spoken.get(idea.id, {}).get("text")
        words = translation_line(t, translated[idea.id].get(t.locale, {}).get("text"))
        machine = f"\n   <i>{esc(shorten(words, LIST_TEXT + 40))}</i>" if words else ""
        overdue = (" ⚠️ " + t._s("overdue")) if idea.answer_due < today and idea.status == IDEA_RECEIVED else ""
        helper = " ✋" if idea.wants_to_help else ""
        lines.append(
            f"{ref(IDEA_REF, idea.id)} · {esc(desk.area_name(idea.area_slug))} · {esc(statuses[idea.status])} · "
            f"{esc(t._sn('{n} supporter', '{n} supporters', count))}{helper}{esc(overdue)}\n"
            f"   {esc(shorten(resident_words(t, idea.text, voice and voice.seconds), LIST_TEXT))}{machine}"
        )
    desk.say("\n".join(lines), rows([button(ref(IDEA_REF, idea.id), "open", idea.id) for idea, _ in found], 4))


async def idea_command(desk: Desk, args: list[str]) -> None:
    """/idea 12: one idea's card."""
    if not args:
        desk.tell(desk.t._s("Which idea? For example: /idea 12"))
        return
    await open_idea(desk, args[0])


async def open_idea(desk: Desk, raw: str) -> None:
    """An idea's card, with a button for each status it may move to; its photo after."""
    idea = await desk.idea(raw)
    if idea is None:
        return
    t = desk.t
    voices = (await recordings(desk.session, IDEA, [idea.id])).get(idea.id, {})
    seconds = {field: voice.seconds for field, voice in voices.items()}
    place = resident_words(t, idea.place_text, seconds.get("place")) or (
        t._s("map location") if idea.latitude is not None else "-")
    if idea.latitude is not None:
        place += f" ({idea.latitude:.5f}, {idea.longitude:.5f})"
    statuses = idea_status_labels(t)
    category = idea_category_labels(t).get(idea.category, idea.category)
    shown = (await translations_for(desk.session, IDEA, [idea.id]))[idea.id].get(t.locale, {})
    machine = [f"<i>{esc(text)}</i>" for text in (translation_line(t, shown.get(f)) for f in ("text", "place")) if text]
    written = language_name(t, idea.written_in) if idea.written_in not in (None, "und") else None
    lines = [
        f"<b>{ref(IDEA_REF, idea.id)}</b> · {esc(desk.area_name(idea.area_slug))} · {esc(statuses[idea.status])}",
        f"“{esc(resident_words(t, idea.text, seconds.get('text')))}”",
        *machine,
        esc(t._s("Category: {category}", category=category)),
        esc(t._s("Place: {place}", place=place)),
        esc(t._s("Written in {language}, {days} days ago", language=written or LANGUAGE_NAMES.get(idea.locale, idea.locale),
                 days=t.number((utcnow() - idea.created_at).days))),
        esc(t._s("Wants to help: {answer}", answer=t._s("yes") if idea.wants_to_help else t._s("no"))),
        esc(t._sn("{n} supporter", "{n} supporters", await supporters(desk.session, idea.id))),
        esc(t._s("Answer promised by {date}", date=t.date(idea.answer_due))),
        *map(esc, duplicates.card_line(desk, idea)),
    ]
    moves = [s for s in ideas.IDEA_TRANSITIONS[idea.status] if s != idea.status]
    buttons = [button(statuses[s], "st", idea.id, s) for s in IDEA_STATUSES if s in moves]
    if idea.status in IDEA_OPEN_STATUSES:
        buttons.append(button(t._s("Duplicate of…"), "dup", idea.id))
    # The public results page (bot/staff/outreach.py asks the summary).
    buttons.append(button(t._s("Take off the results page"), "unpub", idea.id) if idea.published_at
                   else button(t._s("Publish on the results page"), "pub", idea.id))
    desk.say("\n".join(lines), rows(buttons, 3))
    for voice in voices.values():  # to listen to, in the chat
        desk.say(esc(resident_words(t, None, voice.seconds)), voice=voice)
    # A Telegram file id can be sent again, a file in the media folder uploaded; a photo
    # kept elsewhere is named in the export.
    if idea.photo_ref and (idea.photo_ref.startswith(MEDIA_REF) or not idea.photo_ref.startswith(("file:", "http"))):
        desk.say(esc(t._s("The photo:")), photo=idea.photo_ref)


async def choose_status(desk: Desk, idea_id: str, status: str) -> None:
    """A status was chosen: offer the ready-made answers next."""
    idea = await desk.idea(idea_id)
    if idea is None or status not in IDEA_STATUSES:
        return
    await desk.keep(ANSWER, {"idea": idea.id, "status": status})
    t = desk.t
    labels = answer_template_labels(t)
    desk.tell(
        t._s("I-{id} becomes {status}. Choose a ready-made answer; residents get it in their own language:",
             id=idea.id, status=idea_status_labels(t)[status]),
        rows([button(labels[key], "tp", key) for key in (*ANSWER_TEMPLATES, NO_TEMPLATE)], 1),
    )


async def choose_template(desk: Desk, key: str, param: str | None = None) -> None:
    """A ready-made answer was chosen: ask its season or agency, or the staff's own words."""
    state = await desk.state(ANSWER)
    if state is None:
        desk.tell(desk.t._s("That button has expired. Open the idea again."))
        return
    t = desk.t
    data = {**state.data, "template": None if key == NO_TEMPLATE else key}
    if key == "season" and param is None:
        await desk.keep(ANSWER, data)
        names = season_labels(t)
        desk.tell(t._s("Which season?"), rows([button(names[s], "tp", "season", s) for s in SEASONS], 4))
        return
    data["param"] = param
    data["awaiting"] = "agency" if key == "passed_on" else "note"
    await desk.keep(ANSWER, data)
    if key == "passed_on":
        desk.tell(t._s("Write the agency's name, for example Bymiljøetaten:"))
    else:
        ask_note(desk)


def ask_note(desk: Desk) -> None:
    desk.tell(desk.t._s("Write your own words to add (sent as you write them), or send it as it is:"),
              rows([button(desk.t._s("Send"), "go")], 1))


async def take_answer_text(desk: Desk, state: StaffState, text: str) -> None:
    """The agency's name, then the staff's own words (which send the answer)."""
    data = dict(state.data)
    if data.get("awaiting") == "agency":
        data["param"], data["awaiting"] = text[:120], "note"
        await desk.keep(ANSWER, data)
        ask_note(desk)
        return
    await send_answer(desk, data, note=text)


async def send_without_note(desk: Desk) -> None:
    state = await desk.state(ANSWER)
    if state is None or state.data.get("awaiting") != "note":
        desk.tell(desk.t._s("That button has expired. Open the idea again."))
        return
    await send_answer(desk, dict(state.data), note=None)


async def send_answer(desk: Desk, data: dict, note: str | None) -> None:
    if note and desk.translating:
        # Staff see each language's machine translation before it goes (translated after
        # this transaction), then confirm.
        data = {**data, "note": note, "awaiting": "confirm"}
        await desk.keep(ANSWER, data)
        desk.after = partial(_answer_preview, desk.t, data, desk.staff.locale)
        desk.tell(desk.t._s("Translating your words for each resident…"))
        return
    await _record_answer(desk, data, note)


async def _answer_preview(t, data: dict, language: str, app) -> list[Reply]:
    shares = await previews.preview_answer(app, data["idea"], data["status"], note=data["note"],
                                           template=data.get("template"), template_param=data.get("param"),
                                           language=language)
    intro = t._s("What each resident will read (I-{id}):", id=data["idea"])
    return preview_replies(t, shares, intro, button(t._s("Send"), "ok"))


async def confirm_answer(desk: Desk) -> None:
    """The previewed answer goes: each resident reads the translation the preview showed."""
    state = await desk.state(ANSWER)
    if state is None or state.data.get("awaiting") != "confirm":
        desk.tell(desk.t._s("That button has expired. Open the idea again."))
        return
    await _record_answer(desk, dict(state.data), state.data["note"])


async def _record_answer(desk: Desk, data: dict, note: str | None) -> None:
    idea = await desk.idea(str(data["idea"]))
    if idea is None:
        return
    t = desk.t
    try:
        told = await actions.answer_idea(
            desk.session, idea, data["status"], note=note, timezone=desk.tz, staff_id=desk.staff.id,
            template=data.get("template"), template_param=data.get("param"), note_language=t.locale,
            base_url=desk.public_base_url,
        )
    except ideas.TransitionRefused as refused:
        desk.tell(str(refused))
        return
    await desk.clear()
    buttons = rows([button(t._s("Tell the whole area"), "ysd", idea.id)], 1) if idea.status == IDEA_DONE else None
    desk.tell(t._sn("Sent. I-{id} is now {status}; {n} resident will be told in their language.",
                    "Sent. I-{id} is now {status}; {n} residents will be told in their language.",
                    told, id=idea.id, status=idea_status_labels(t)[idea.status]), buttons)
    if note and desk.translating:
        await tell_untranslated(desk, note, await ideas.followers(desk.session, idea))


async def tell_untranslated(desk: Desk, text: str, residents) -> None:
    """Says which languages got staff's words as written, because no translation was there."""
    missing = await previews.missing_translations(desk.session, text, desk.t.locale, residents, desk.tz)
    if missing:
        desk.tell(desk.t._s("No machine translation into {languages}: they got your words as written.",
                            languages=", ".join(LANGUAGE_NAMES[code] for code in missing)))


async def tell_the_area(desk: Desk, idea_id: str, confirmed: bool = False) -> None:
    """"You said, we did" to the whole area of a done idea (previewed first where a
    translator quotes the idea in each language)."""
    idea = await desk.idea(idea_id)
    if idea is None:
        return
    if desk.translating and not confirmed and idea.status == IDEA_DONE:
        desk.after = partial(_area_preview, desk.t, idea.id)
        desk.tell(desk.t._s("Translating the idea for each resident…"))
        return
    try:
        told = await actions.you_said_we_did(desk.session, idea, timezone=desk.tz)
    except ideas.TransitionRefused as refused:
        desk.tell(str(refused))
        return
    desk.tell(desk.t._sn("“You said, we did” goes to {n} resident.", "“You said, we did” goes to {n} residents.", told))


async def _area_preview(t, idea_id: int, app) -> list[Reply]:
    shares = await previews.preview_you_said_we_did(app, idea_id)
    intro = t._s("“You said, we did” for I-{id}, as each resident will read it:", id=idea_id)
    return preview_replies(t, shares, intro, button(t._s("Send to all"), "ysdok", idea_id))


async def confirm_the_area(desk: Desk, idea_id: str) -> None:
    await tell_the_area(desk, idea_id, confirmed=True)


COMMANDS = {"ideas": list_ideas, "idea": idea_command}
BUTTONS = {"open": open_idea, "st": choose_status, "tp": choose_template, "go": send_without_note, "ysd": tell_the_area,
           "ok": confirm_answer, "ysdok": confirm_the_area}
TEXT_STEPS = {ANSWER: take_answer_text}
