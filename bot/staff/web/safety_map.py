"""The safety map: where residents of the staff member's areas feel unsafe, clustered on a
map, with the same reports as a list beside it (for screen readers and for printing),
filtered by category, time of day, period and area.

Reports keep only their day, never a moment. An anonymous report shows its day, its place
and what and when it is about (the filters' own values), never its words or language:
those could point to the one who wrote it. No report shows who wrote it. A named report's
place and details come with their machine translation into the staff member's language
(only a translator allowed safety text translates them: "withheld" says so otherwise).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain.queries import SAFETY_REF, ref
from ...domain.translations import SAFETY
from ...models import SAFETY_CATEGORIES, SAFETY_TIMES, SafetyReport, utcnow
from ...text.resident import LOCALES
from ...text.staff import language_labels, safety_category_labels, safety_time_labels
from ...text.times import local_today
from . import forms
from .desk import Desk, page
from .translated import translated
from .voices import players

PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}  # days back, as the filter offers them
DEFAULT_PERIOD = "365"  # a year: the programme reports yearly
MAX_REPORTS = 2000  # on one map; beyond that the page says so, and a filter narrows it

# Only what a page may show: never SafetyReport.resident_id.
SHOWN = (
    SafetyReport.id, SafetyReport.anonymous, SafetyReport.area_slug, SafetyReport.place_text,
    SafetyReport.latitude, SafetyReport.longitude, SafetyReport.time_of_day, SafetyReport.category,
    SafetyReport.details, SafetyReport.locale, SafetyReport.reported_on,
)


@page()
async def safety_map(desk: Desk) -> Response:
    """GET /desk/safety-map?category=…&time=…&period=…&area=…"""
    params, t = desk.params, desk.text
    chosen = {
        "category": forms.one_of(params.get("category"), SAFETY_CATEGORIES, ""),
        "time": forms.one_of(params.get("time"), SAFETY_TIMES, ""),
        "period": forms.one_of(params.get("period"), PERIODS, DEFAULT_PERIOD),
        "area": forms.one_of(params.get("area"), desk.area_slugs, ""),
    }
    where = [desk.in_my_areas(SafetyReport.area_slug)]
    if chosen["category"]:
        where.append(SafetyReport.category == chosen["category"])
    if chosen["time"]:
        where.append(SafetyReport.time_of_day == chosen["time"])
    if chosen["area"]:
        where.append(SafetyReport.area_slug == chosen["area"])
    days = PERIODS[chosen["period"]]
    if days is not None:
        where.append(SafetyReport.reported_on > local_today(utcnow(), desk.app.settings.timezone) - timedelta(days=days))
    total = (await desk.session.execute(select(func.count()).select_from(SafetyReport).where(*where))).scalar_one()
    rows = (await desk.session.execute(
        select(*SHOWN).where(*where).order_by(SafetyReport.reported_on.desc(), SafetyReport.id.desc()).limit(MAX_REPORTS)
    )).all()

    categories, times = safety_category_labels(t), safety_time_labels(t)
    languages = language_labels(t, LOCALES, in_sentence=True)  # "Written in {language}"
    spoken = await players(desk, "safety", [row.id for row in rows])
    # Named reports' words beside their machine translation; an anonymous report's none:
    # "machine translation from Somali" would say its language.
    shown = await translated(desk, SAFETY, [row.id for row in rows if not row.anonymous])
    reports = []
    for row in rows:
        report = {
            "ref": ref(SAFETY_REF, row.id),
            "anonymous": row.anonymous,
            "area": desk.area_name(row.area_slug),
            "day": t.date(row.reported_on),
            "category": categories.get(row.category, row.category),
            "time": times.get(row.time_of_day, row.time_of_day),
            "place": row.place_text or "",
            "details": None if row.anonymous else row.details,
            "words": shown.get(row.id, {}),  # by field: place, details
            "language": None if row.anonymous else languages.get(row.locale, row.locale),
            "lat": row.latitude,
            "lon": row.longitude,
            # Voice messages: played for a named report; for an anonymous one, only said.
            "voices": [dict(v, url=None) if row.anonymous else v for v in spoken.get(row.id, [])],
        }
        reports.append(report)
    points = [
        {
            "lat": r["lat"],
            "lon": r["lon"],
            "label": f"{r['ref']} · {r['category']}",
            "lines": [line for line in (f"{r['category']} · {r['time']}", r["day"], r["place"], r["details"],
                                        translation_of(r["words"].get("details"))) if line],
        }
        for r in reports if r["lat"] is not None and r["lon"] is not None
    ]
    return desk.render(
        "safety_map.html",
        chosen=chosen,
        total=total,
        shown=len(reports),
        on_map=[r for r in reports if r["lat"] is not None and r["lon"] is not None],
        off_map=[r for r in reports if r["lat"] is None or r["lon"] is None],
        points=points,
        categories=categories,
        time_options=[(key, label.capitalize()) for key, label in times.items()],
        period_options=[(key, period_label(t, key)) for key in PERIODS],
    )


def translation_of(words) -> str | None:
    """A map popup's line under the details: "Machine translation from Somali: …"."""
    return f"{words.label}: {words.text}" if words and words.text else None


def period_label(t, key: str) -> str:
    if key == "all":
        return t._s("All time")
    return t._s("The last 12 months") if key == "365" else t._s("The last {n} days", n=key)


routes = [Route("/safety-map", safety_map, methods=["GET"], name="safety_map")]
