"""A message to a whole area from the web desk: write it, see whom it reaches by channel
and by language and what each language reads (machine translated while the staff member
waits, with what an SMS of it costs), confirm, and it is queued to every opted-in resident
of the area; languages that went as written are named after."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from ...domain.residents import reach, reachable_residents
from ...text.resident import LOCALES
from ...text.staff import language_labels
from .. import actions, previews
from ..reach import MAX_BROADCAST
from . import forms
from .desk import Desk, page
from .shares import UNTRANSLATED, share_views, untranslated, untranslated_notice

CHANNELS = ("telegram", "sms")


async def reach_rows(desk: Desk, area: str) -> tuple[list[dict], dict[str, int]]:
    """One row a language (most residents first) with its count on each channel, and the
    totals by channel ("all" too)."""
    counts = await reach(desk.session, area)
    names = language_labels(desk.text, LOCALES)
    rows: dict[str | None, dict] = {}
    for (channel, locale), count in counts.items():
        row = rows.setdefault(locale, {"locale": locale, "language": names.get(locale or "", "-"),
                                       **dict.fromkeys(CHANNELS, 0), "all": 0})
        row[channel] = row.get(channel, 0) + count
        row["all"] += count
    totals = {channel: sum(r[channel] for r in rows.values()) for channel in (*CHANNELS, "all")}
    return sorted(rows.values(), key=lambda r: (-r["all"], r["language"])), totals


def _read(desk: Desk) -> tuple[str, str]:
    area = desk.require_area(str(desk.form.get("area") or ""))
    return area, forms.text(desk.form.get("text"), MAX_BROADCAST)


def _page(desk: Desk, *, status_code: int = 200, **context: object) -> Response:
    values = {"area": "", "text": "", "rows": None, "totals": None, "shares": [], "error": None, "notice": None,
              "max_length": MAX_BROADCAST, "translating": desk.app.translator is not None}
    values.update(context)
    return desk.render("broadcast.html", status_code=status_code, **values)


@page()
async def compose(desk: Desk) -> Response:
    """GET /desk/broadcast: write the message (after sending: how many it was queued for)."""
    notice = None
    if "sent" in desk.params:
        n = forms.whole(desk.params["sent"], 0, low=0, high=10**7)
        notice = " ".join(filter(None, [desk.text._sn("Queued for {n} resident.", "Queued for {n} residents.", n),
                                        untranslated_notice(desk)]))
    return _page(desk, notice=notice)


@page()
async def review(desk: Desk) -> Response:
    """POST /desk/broadcast/review: whom it reaches, by channel and language, before it goes."""
    area, text = _read(desk)
    if not text:
        return _page(desk, status_code=400, area=area, error=desk.text._s("Write the message."))
    rows, totals = await reach_rows(desk, area)
    # Translating waits on the provider: outside any transaction (nothing is written here).
    await desk.session.commit()
    shares = await previews.preview_broadcast(desk.app, area, text, language=desk.text.locale)
    return _page(desk, area=area, text=text, rows=rows, totals=totals, area_name=desk.area_name(area),
                 shares=share_views(desk, shares))


@page()
async def send(desk: Desk) -> Response:
    """POST /desk/broadcast/send: queue it to every opted-in resident of the area."""
    area, text = _read(desk)
    if not text:
        return _page(desk, status_code=400, area=area, error=desk.text._s("Write the message."))
    told = await actions.broadcast(desk.session, area, text, timezone=desk.app.settings.timezone,
                                   language=desk.text.locale)
    await desk.audit("broadcast", area, f"queued for {told}: {text}")
    query: dict = {"sent": told}
    missing = await untranslated(desk, text, await reachable_residents(desk.session, area))
    if missing:
        query[UNTRANSLATED] = missing
    return desk.redirect("broadcast", query=query)


routes = [
    Route("/broadcast", compose, methods=["GET"], name="broadcast"),
    Route("/broadcast/review", review, methods=["POST"], name="broadcast_review"),
    Route("/broadcast/send", send, methods=["POST"], name="broadcast_send"),
]
