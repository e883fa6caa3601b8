"""The digest laid out for staff: five parts (figures, new ideas, safety, dugnads, ideas
waiting), each list cut at LIST_LIMIT with a count of the rest; as text, Telegram HTML, an
e-mail subject and a spreadsheet (CSV) holding every row."""

from __future__ import annotations

import csv
import io

from ..text.shorten import one_line, shorten
from ..text.staff import StaffText, idea_category_labels, resident_words, safety_category_labels, safety_time_labels
from .digest import LIST_LIMIT, UPCOMING_DAYS, Digest
from .export import spreadsheet_safe
from .layout import BOLD, DETAIL, ITALIC, QUOTE, SEPARATOR, TITLE, Line, as_html, as_text, bullets, heading, line
from .impact_layout import confirmed_lines
from .translated import translation_line

NEW_IDEA_TEXT = 400  # characters of a new idea in the digest; the spreadsheet has it whole
WAITING_TEXT = 80  # characters of an idea in the waiting list


def render_text(digest: Digest, locale: str | None = None) -> str:
    """Plain text, for the terminal and the e-mail's text part."""
    return as_text(_layout(digest, StaffText(locale or digest.locale, digest.timezone)))


def render_html(digest: Digest, locale: str | None = None) -> str:
    """Telegram HTML (also the e-mail's HTML part)."""
    return as_html(_layout(digest, StaffText(locale or digest.locale, digest.timezone)))


def render_subject(digest: Digest, locale: str | None = None) -> str:
    """The e-mail subject line."""
    t = StaffText(locale or digest.locale, digest.timezone)
    return one_line(t._s(
        "Benken digest for {areas}, {start} to {end}",
        areas=", ".join(digest.area_names),
        start=t.short_date(t.local(digest.since).date()),
        end=t.short_date(t.local(digest.until).date()),
    ))


def _layout(digest: Digest, t: StaffText) -> list[Line]:
    lines = [
        line((t._s("Benken digest for {areas}", areas=", ".join(digest.area_names)), BOLD), kind=TITLE),
        line(t._s("Period: {start} to {end}", start=t.moment(digest.since), end=t.moment(digest.until))),
    ]
    for part in (_figures, _new_ideas, _safety, _events, _waiting):
        lines += part(digest, t)
    return lines


def _area_suffix(digest: Digest, area: str) -> str:
    # Only a digest of several areas needs to say which one.
    return SEPARATOR + area if len(digest.area_names) > 1 else ""


def _item_head(digest: Digest, ref: str, category: str, area: str) -> list:
    """A bold reference or place, then its category (and area, where several)."""
    return [(ref, BOLD), SEPARATOR + category + _area_suffix(digest, area)]


def _place(t: StaffText, place: str | None, on_map: bool, seconds: int | None = None) -> str:
    if place or seconds is not None:
        return one_line(resident_words(t, place, seconds))
    return t._s("map location") if on_map else t._s("no place given")


def _more(t: StaffText, total: int, shown: int) -> list[Line]:
    """The line under a cut list: how many more, and where they all are."""
    if total <= shown:
        return []
    return [line((t._sn(
        "…and {n} more. It is in the e-mail digest's spreadsheet and in “benken export”.",
        "…and {n} more. All of them are in the e-mail digest's spreadsheet and in “benken export”.",
        total - shown,
    ), ITALIC), kind=DETAIL)]


def _translated(t: StaffText, item, field: str, limit: int | None = None) -> list[Line]:
    """The machine translation of an item's words into the reader's language, or why
    there is none, under the original."""
    shown = item.translations.get(t.locale, {}).get(field)
    text = translation_line(t, shown)
    if text is None:
        return []
    text = one_line(text)
    return [line((shorten(text, limit) if limit and len(text) > limit else text, ITALIC), kind=QUOTE)]


def _trouble(digest: Digest, t: StaffText) -> list[Line]:
    count, error = digest.translation_trouble
    if not count:
        return []
    return [line(("⚠ " + t._sn(
        "{n} text waits for its machine translation: the translator failed ({error}). Benken tries again.",
        "{n} texts wait for their machine translation: the translator failed ({error}). Benken tries again.",
        count, error=error or "?"), BOLD), kind=DETAIL)]


def _figures(digest: Digest, t: StaffText) -> list[Line]:
    f = digest.figures
    return [heading(t._s("The period in figures"))] + _trouble(digest, t) + bullets([
        t._sn("{n} resident wrote to Benken", "{n} residents wrote to Benken", f.residents),
        t._sn("{n} new idea", "{n} new ideas", f.new_ideas),
        t._sn("{n} safety report", "{n} safety reports", f.safety_reports),
        t._sn("{n} sign-up for a dugnad", "{n} sign-ups for a dugnad", f.signups),
        t._sn("{n} idea answered", "{n} ideas answered", f.answered),
        t._sn("{n} idea past its answer date", "{n} ideas past their answer date", f.overdue),
    ] + confirmed_lines(t, f.fixed))


def _new_ideas(digest: Digest, t: StaffText) -> list[Line]:
    lines = [heading(t._s("New ideas"))]
    if not digest.new_ideas:
        return lines + [line(t._s("No new ideas in this period."), kind=DETAIL)]
    categories = idea_category_labels(t)
    shown = digest.new_ideas[:LIST_LIMIT]
    for idea in shown:
        details = [
            t._s("Place: {place}", place=_place(t, idea.place, idea.latitude is not None, idea.voices.get("place"))),
            t._s("Written in {language}", language=idea.language),
            t._s("Wants to help") if idea.wants_to_help else t._s("Has not offered to help"),
            t._sn("supported by {n} resident", "supported by {n} residents", idea.supporters)
            if idea.supporters else t._s("no supporters yet"),
        ]
        lines.append(line(*_item_head(digest, idea.ref, categories.get(idea.category, idea.category), idea.area)))
        text = resident_words(t, idea.text, idea.voices.get("text"))
        text = text if len(text) <= NEW_IDEA_TEXT else shorten(text, NEW_IDEA_TEXT)
        lines += [line((words, ITALIC), kind=QUOTE) for words in text.splitlines() if words.strip()]
        lines += _translated(t, idea, "text", NEW_IDEA_TEXT)
        lines.append(line(SEPARATOR.join(details), kind=DETAIL))
        lines += _translated(t, idea, "place")
    return lines + _more(t, digest.figures.new_ideas, len(shown))


def _safety(digest: Digest, t: StaffText) -> list[Line]:
    lines = [heading(t._s("Safety reports"))]
    if not digest.safety:
        return lines + [line(t._s("No safety reports in this period."), kind=DETAIL)]
    categories, times = safety_category_labels(t), safety_time_labels(t)
    shown = digest.safety[:LIST_LIMIT]
    for group in shown:
        when = ", ".join(
            # Translators: when a place feels unsafe and how many reports say so, "evening: 2".
            t._s("{when}: {n}", n=t.number(count), when=times.get(time, time))
            for time, count in group.counts.items() if count
        )
        place = _place(t, group.place, group.on_map, group.voices.get("place"))
        category = categories.get(group.category, group.category)
        reports = t._sn("{n} report", "{n} reports", group.total)
        lines += [line(*_item_head(digest, place, category, group.area))] + _translated(t, group, "place") + [
            line(t._s("{reports} ({times})", reports=reports, times=when), kind=DETAIL),
            line(t._s("References: {refs}", refs=", ".join(group.refs)), kind=DETAIL),
        ]
    return lines + _more(t, len(digest.safety), len(shown))


def _events(digest: Digest, t: StaffText) -> list[Line]:
    days = t.number(UPCOMING_DAYS)
    lines = [heading(t._s("Dugnads in the next {days} days", days=days))]
    if not digest.events:
        return lines + [line(t._s("No dugnads planned in the next {days} days.", days=days), kind=DETAIL)]
    for event in digest.events:
        places = t._sn(
            "{taken} of {n} place taken", "{taken} of {n} places taken", event.capacity, taken=t.number(event.taken)
        )
        waiting = (
            t._sn("{n} on the waiting list", "{n} on the waiting list", event.waiting)
            if event.waiting else t._s("nobody on the waiting list")
        )
        lines += [
            line((one_line(event.title), BOLD), _area_suffix(digest, event.area)),
            line(t.datetime(event.start_at) + SEPARATOR + one_line(event.place), kind=DETAIL),
            line(places + SEPARATOR + waiting, kind=DETAIL),
        ]
    return lines


def _waiting(digest: Digest, t: StaffText) -> list[Line]:
    lines = [heading(t._s("Ideas waiting for an answer"))]
    if not digest.waiting:
        return lines + [line(t._s("Every idea has had an answer. Thank you!"), kind=DETAIL)]
    categories = idea_category_labels(t)
    shown = digest.waiting[:LIST_LIMIT]
    for idea in shown:
        age = t._sn("{n} day old", "{n} days old", idea.age_days) if idea.age_days else t._s("came in today")
        head = _item_head(digest, idea.ref, categories.get(idea.category, idea.category), idea.area)
        if idea.overdue:
            head += [SEPARATOR, (t._s("OVERDUE"), BOLD)]
        lines += [
            line(*head),
            line((shorten(resident_words(t, idea.text, idea.voices.get("text")), WAITING_TEXT), ITALIC), kind=QUOTE),
            *_translated(t, idea, "text", WAITING_TEXT + 40),
            line(age + SEPARATOR + t._s("answer promised by {date}", date=t.date(idea.answer_due)), kind=DETAIL),
        ]
    return lines + _more(t, digest.figures.waiting, len(shown))


CSV_COLUMNS = [
    "kind", "ref", "area", "date", "category", "time_of_day", "place", "latitude", "longitude", "text",
    "language", "wants_to_help", "supporters", "answer_due", "written_in", "machine_translation", "voice",
]


def _csv_translation(item, field: str, locale: str) -> tuple[str, str]:
    """(the language the words are in, their machine translation into `locale`)."""
    shown = item.translations.get(locale, {}).get(field)
    if shown is None:
        return "", ""
    return shown.source, shown.text or ""


def _csv_voices(t: StaffText, item) -> str:
    """The voice messages given for an item's fields: "text: voice message, 0:42"."""
    return "; ".join(f"{field}: {resident_words(t, None, seconds)}" for field, seconds in item.voices.items())


def render_csv(digest: Digest) -> str:
    """One row per new idea, safety report and idea waiting for an answer, with a header
    row (the e-mail attachment); build the digest with list_limit=None to hold them all."""
    locale = digest.locale
    t = StaffText(locale, digest.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = [
        ("idea", i.ref, i.area, i.created_at.isoformat(), i.category, "", i.place, i.latitude, i.longitude,
         i.text, i.locale, i.wants_to_help, i.supporters, "", *_csv_translation(i, "text", locale), _csv_voices(t, i))
        for i in digest.new_ideas
    ] + [
        ("safety", s.ref, s.area, s.reported_on.isoformat(), s.category, s.time_of_day, s.place, s.latitude,
         s.longitude, s.details, s.locale, "", "", "", *_csv_translation(s, "details", locale), _csv_voices(t, s))
        for s in digest.safety_reports
    ] + [
        ("waiting", w.ref, w.area, w.created_at.isoformat(), w.category, "", "", "", "", w.text, "", "", "",
         w.answer_due.isoformat(), *_csv_translation(w, "text", locale), _csv_voices(t, w))
        for w in digest.waiting
    ]
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return buffer.getvalue()
