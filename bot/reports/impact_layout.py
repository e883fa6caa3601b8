"""The impact figures laid out for staff, in Norwegian or English: the headline a programme
report quotes ("90 residents gave 1,000 hours of dugnad"), the period's figures and the
participation ladder; as text or Telegram HTML."""

from __future__ import annotations

from babel.numbers import format_percent

from ..text.staff import StaffText, idea_status_labels, safety_category_labels, safety_time_labels
from .impact import Impact
from .layout import BOLD, TITLE, Line, as_html, as_text, bullets, heading, line


def _form(value: float) -> int:
    """The whole number gettext needs to pick a plural form for `value`. A fraction takes
    the "other" form in both staff languages (CLDR: "1.5 hours", "1,5 timer"), as 2 does."""
    return int(value) if value == int(value) else 2


def _hours(t: StaffText, hours: float) -> str:
    shown = round(hours, 1)
    return t._sn("{hours} hour of dugnad", "{hours} hours of dugnad", _form(shown), hours=t.number(shown))


def headline(impact: Impact, t: StaffText) -> str:
    """The line a programme report quotes: volunteers and their hours."""
    # Translators: the headline of an impact report; {given} is "1,000 hours of dugnad".
    return t._sn(
        "{n} resident gave {given}", "{n} residents gave {given}", impact.volunteers,
        given=_hours(t, impact.volunteer_hours),
    )


def _counted(t: StaffText, labels: dict[str, str], counts: dict[str, int]) -> str:
    return ", ".join(
        # Translators: one count in a list, "planned: 2" or "Poor lighting: 3".
        t._s("{label}: {n}", label=labels.get(key, key), n=t.number(count))
        for key, count in counts.items() if count
    )


def _with_details(t: StaffText, count: str, details: str) -> str:
    # Translators: a count and what it is made of, "6 new ideas (received: 3, done: 1)".
    return t._s("{count} ({details})", count=count, details=details) if details else count


def figure_lines(impact: Impact, t: StaffText) -> list[str]:
    """The period's figures, a sentence each."""
    lines = [
        t._sn(
            "{n} resident reached, {new} for the first time",
            "{n} residents reached, {new} for the first time",
            impact.residents_reached,
            new=t.number(impact.new_residents),
        ),
        *_sources(impact, t),
        _with_details(
            t, t._sn("{n} new idea", "{n} new ideas", impact.ideas),
            _counted(t, idea_status_labels(t), impact.ideas_by_status),
        ),
    ]
    if impact.ideas:
        lines.append(t._sn(
            "{share} answered within the promised time ({answered} of {n} idea)",
            "{share} answered within the promised time ({answered} of {n} ideas)",
            impact.ideas,
            share=format_percent(impact.in_time_share, locale=t.locale),
            answered=t.number(impact.answered_in_time),
        ))
        lines.append(
            t._s("No idea has had an answer yet.") if impact.median_days_to_answer is None
            else _median(t, impact.median_days_to_answer)
        )
    lines += [
        t._sn(
            "{n} volunteer came ({returning} had come before)",
            "{n} volunteers came ({returning} had come before)",
            impact.volunteers,
            returning=t.number(impact.returning_volunteers),
        ),
        _with_details(
            t, t._sn("{n} safety report", "{n} safety reports", impact.safety_reports),
            _counted(t, safety_category_labels(t), impact.safety_by_category),
        ),
    ]
    if impact.safety_reports:
        lines.append(t._s("Time of day: {times}", times=_counted(t, safety_time_labels(t), impact.safety_by_time)))
    return lines


def _sources(impact: Impact, t: StaffText) -> list[str]:
    """Where new residents came from: a poster's or a place's code, a link, a keyword."""
    if not impact.new_residents:
        return []
    named = {"link": t._s("a link"), "keyword": t._s("an SMS keyword"), "": t._s("no poster or link")}
    # Translators: new residents by how they came, "poster code bib1: 3, a link: 1".
    return [t._s("Where new residents came from: {sources}", sources=_counted(t, named, impact.new_by_source))]


def _median(t: StaffText, days: float) -> str:
    shown = round(days, 1)
    return t._sn(
        "Median {days} day to the first answer", "Median {days} days to the first answer", _form(shown),
        days=t.number(shown),
    )


def ladder_lines(impact: Impact, t: StaffText) -> list[str]:
    """The participation ladder's rungs, a sentence each."""
    ladder = impact.ladder
    return [
        t._sn("{n} resident gave an idea", "{n} residents gave an idea", ladder.gave_idea),
        t._sn("{n} resident joined a dugnad", "{n} residents joined a dugnad", ladder.joined_dugnad),
        t._sn("{n} resident organised a dugnad", "{n} residents organised a dugnad", ladder.organised),
        t._sn(
            "{n} resident moved up from an idea to a dugnad",
            "{n} residents moved up from an idea to a dugnad",
            ladder.moved_up,
        ),
    ]


def _layout(impact: Impact, t: StaffText) -> list[Line]:
    return [
        line((headline(impact, t), BOLD), kind=TITLE),
        line(t._s("Benken impact for {areas}", areas=", ".join(impact.area_names))),
        line(t._s("Period: {start} to {end}", start=t.moment(impact.since), end=t.moment(impact.until))),
        heading(t._s("The period in figures")),
        *bullets(figure_lines(impact, t)),
        heading(t._s("The participation ladder")),
        *bullets(ladder_lines(impact, t)),
    ]


def render_text(impact: Impact, locale: str | None) -> str:
    """Plain text, for the terminal and e-mail."""
    return as_text(_layout(impact, StaffText(locale, impact.timezone)))


def render_html(impact: Impact, locale: str | None) -> str:
    """Telegram HTML: only <b> and <i>, every text escaped (area names and translations too)."""
    return as_html(_layout(impact, StaffText(locale, impact.timezone)))
