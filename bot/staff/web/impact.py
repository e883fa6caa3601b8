"""Impact on the web desk: the figures of `benken impact` for a chosen period and area, with
charts (ideas by status over time, days to the first answer, volunteers and hours by
month, the participation ladder), each with its numbers as a table, and a page that
prints as the programme report's appendix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from starlette.responses import Response
from starlette.routing import Route

from ...models import IDEA_STATUSES, utcnow
from ...reports.impact import measure, name_areas
from ...reports.impact_layout import figure_lines, headline, ladder_lines
from ...reports.impact_months import MAX_MONTHS, Month, by_month
from ...text.staff import StaffText, idea_status_labels
from . import forms
from .charts import Axis, Chart, Series, bars, columns
from .desk import Desk, page

PERIODS = ("12m", "3m", "year", "lastyear", "custom")
DEFAULT_PERIOD = "12m"  # a programme reports on a year
LADDER_WIDTH = 440  # four labelled bars: narrower than the month charts, so its text stays readable on a phone


@dataclass(frozen=True)
class Period:
    key: str
    since: datetime
    until: datetime
    first_day: date
    last_day: date  # the last day in it (until is the midnight after it, or now)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def period_label(t: StaffText, key: str) -> str:
    return {
        "12m": t._s("The last 12 months"),
        "3m": t._s("The last 3 months"),
        "year": t._s("This year"),
        "lastyear": t._s("Last year"),
        "custom": t._s("From and to the days below"),
    }[key]


def month_count(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def read_period(desk: Desk) -> tuple[Period, str | None]:
    """The period asked for, in local days (the presets are whole months, up to now), and
    what is wrong with a custom one, for which the default is shown instead."""
    t, params, now = desk.text, desk.params, utcnow()
    today = now.astimezone(t.zone).date()
    key = forms.one_of(params.get("period"), PERIODS, DEFAULT_PERIOD)
    first, last = {
        "12m": (months_back(today, 11), today),
        "3m": (months_back(today, 2), today),
        "year": (today.replace(month=1, day=1), today),
        "lastyear": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "custom": (forms.day(params.get("from")), forms.day(params.get("to"))),
    }[key]
    problem = None
    if first is None or last is None:
        problem = t._s("Write both days of the period, like 2026-01-31.")
    elif last < first:
        problem = t._s("The period must end after it starts.")
    elif first > today:
        problem = t._s("The period must start today or earlier.")
    elif month_count(first, last) > MAX_MONTHS:
        problem = t._s("Choose a period of at most five years.")
    if problem:
        key, first, last = DEFAULT_PERIOD, months_back(today, 11), today
    since = datetime.combine(first, time(0), t.zone)
    until = min(datetime.combine(last + timedelta(days=1), time(0), t.zone), now)
    return Period(key, since, until, first, last), problem


def month_axis(months: list[Month], t: StaffText) -> Axis:
    """Months along the bottom: "jan.", "feb." …, the year under the first and each January."""
    return Axis(
        names=[t.month(m.first_day) for m in months],
        short=[t.month_name(m.first_day) for m in months],
        under=[str(m.first_day.year) if i == 0 or m.first_day.month == 1 else None for i, m in enumerate(months)],
    )


def status_chart(months: list[Month], t: StaffText) -> Chart:
    labels = idea_status_labels(t)
    chart = Chart("chart-ideas", t._s("New ideas by month, by their status now"),
                  t._s("Stacked bars: each month's new ideas, coloured by the status they have now."))
    series = [Series(f"status-{s}", labels[s], [m.ideas_by_status.get(s, 0) for m in months]) for s in IDEA_STATUSES]
    return columns(chart, month_axis(months, t), series, number=t.number)


def answer_chart(months: list[Month], t: StaffText, promise: int | None) -> Chart:
    chart = Chart("chart-answers", t._s("Days to the first answer, by month"),
                  t._s("Bars: the median number of days from a new idea to its first answer, for each month's ideas."))
    values = [round(m.median_days_to_answer or 0, 1) for m in months]
    reference = (promise, t._s("promise: {n} days", n=t.number(promise))) if promise else None
    return columns(chart, month_axis(months, t), [Series("answer-days", "", values)],
                   number=t.number, reference=reference)


def volunteer_charts(months: list[Month], t: StaffText) -> list[Chart]:
    names = month_axis(months, t)
    people = Chart("chart-volunteers", t._s("Volunteers by month"), t._s("Bars: residents who came to a dugnad each month."))
    hours = Chart("chart-hours", t._s("Hours of dugnad by month"), t._s("Bars: the hours volunteers gave each month."))
    return [
        columns(people, names, [Series("volunteers", "", [m.volunteers for m in months])], number=t.number),
        columns(hours, names, [Series("hours", "", [round(m.hours, 1) for m in months])], number=t.number),
    ]


def ladder_chart(rungs: list[tuple[str, int]], t: StaffText) -> Chart:
    chart = Chart("chart-ladder", t._s("The participation ladder"),
                  t._s("Bars: residents on each rung, from giving an idea to helping organise."),
                  width=LADDER_WIDTH, css="narrow")
    return bars(chart, rungs, number=t.number)


@page()
async def impact(desk: Desk) -> Response:
    """GET /desk/impact?period=12m|3m|year|lastyear|custom&from=…&to=…&area=…"""
    t = desk.text
    period, problem = read_period(desk)
    area = forms.one_of(desk.params.get("area"), desk.area_slugs, "")
    slugs = [area] if area else list(desk.area_slugs)
    tz = desk.app.settings.timezone
    figures = name_areas(
        await measure(desk.session, area_slugs=slugs, since=period.since, until=period.until, timezone=tz),
        desk.app.areas,
    )
    months = await by_month(desk.session, area_slugs=slugs, since=period.since, until=period.until, timezone=tz)
    promises = {a.answer_days for a in desk.app.areas if a.slug in slugs}
    ladder = figures.ladder
    rungs = [
        (t._s("Gave an idea"), ladder.gave_idea),
        (t._s("Joined a dugnad"), ladder.joined_dugnad),
        (t._s("Organised a dugnad"), ladder.organised),
        (t._s("Moved up from an idea to a dugnad"), ladder.moved_up),
    ]  # in the order of the ladder's sentences (impact_layout.ladder_lines)
    return desk.render(
        "impact.html",
        period=period,
        period_options=[(key, period_label(t, key)) for key in PERIODS],
        problem=problem,
        chosen_area=area,
        figures=figures,
        headline=headline(figures, t),
        figure_lines=figure_lines(figures, t) if slugs else [],
        ladder_lines=ladder_lines(figures, t),
        months=months,
        statuses=idea_status_labels(t),
        status_keys=IDEA_STATUSES,
        status_chart=status_chart(months, t),
        answer_chart=answer_chart(months, t, promises.pop() if len(promises) == 1 else None),
        volunteer_charts=volunteer_charts(months, t),
        ladder_chart=ladder_chart(rungs, t),
        rungs=rungs,
    )


routes = [Route("/impact", impact, methods=["GET"], name="impact")]
