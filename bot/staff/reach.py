"""Staff reaching further: the impact figures, and a message to a whole area."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from ..domain.residents import reachable_residents
from ..models import StaffState, utcnow
from ..reports.impact import measure, name_areas
from ..reports.impact_layout import render_html
from . import actions, previews
from .desk import Desk, Reply, button, preview_replies, rows

BROADCAST = "broadcast"  # the unfinished work: a message to an area, not yet confirmed
IMPACT_DAYS = 365  # /impact without a number of days: the last year
MAX_BROADCAST = 1000  # characters; an SMS resident pays for every 153 of them


async def impact(desk: Desk, args: list[str]) -> None:
    """/impact [area] [days]: the figures for a programme report."""
    area = next((a for a in args if desk.areas.get(a)), None)
    days = next((int(a) for a in args if a.isdigit()), IMPACT_DAYS)
    if not desk.own_area(area):
        return
    now = utcnow()
    figures = await measure(desk.session, area_slugs=[area] if area else desk.slugs,
                            since=now - timedelta(days=days), until=now, timezone=desk.tz)
    desk.say(render_html(name_areas(figures, desk.areas), desk.t.locale))


async def broadcast(desk: Desk, _args) -> None:
    """/broadcast: the area (skipped with one area), then the words, then confirm."""
    data: dict = {"step": "area"}
    if len(desk.slugs) == 1:
        data.update(area=desk.slugs[0], step="text")
    await desk.keep(BROADCAST, data)
    if data["step"] == "area":
        desk.tell(desk.t._s("Which area?"), rows([button(desk.area_name(s), "ba", s) for s in desk.slugs], 2))
    else:
        desk.tell(desk.t._s("Write the message. It goes as you write it."))


async def choose_area(desk: Desk, slug: str) -> None:
    state = await desk.state(BROADCAST)
    if state is None or slug not in desk.slugs:
        return
    await desk.keep(BROADCAST, {"area": slug, "step": "text"})
    desk.tell(desk.t._s("Write the message. It goes as you write it."))


async def take_text(desk: Desk, state: StaffState, text: str) -> None:
    """Keeps the words and says whom they reach, by channel, before it goes."""
    if state.data.get("step") != "text":
        return
    area = state.data["area"]
    if desk.translating:
        # Per language: whom it reaches, the machine translation they read and what an SMS
        # of it costs (translated after this transaction), then confirm.
        await desk.keep(BROADCAST, {"area": area, "step": "confirm", "text": text[:MAX_BROADCAST]})
        desk.after = partial(_preview, desk.t, area, text[:MAX_BROADCAST], desk.staff.locale, desk.area_name(area))
        desk.tell(desk.t._s("Translating your words for each resident…"))
        return
    residents = await reachable_residents(desk.session, area)
    by_channel = {"telegram": 0, "sms": 0}
    for resident in residents:
        by_channel[resident.channel] += 1
    await desk.keep(BROADCAST, {"area": area, "step": "confirm", "text": text[:MAX_BROADCAST]})
    t = desk.t
    desk.tell(t._s("It will reach {n} residents in {area}: {telegram} on Telegram, {sms} by SMS. Send it?",
                   n=len(residents), area=desk.area_name(area), telegram=by_channel["telegram"],
                   sms=by_channel["sms"]),
              rows([button(t._s("Send to all"), "bc")], 1))


async def _preview(t, area: str, text: str, language: str, area_name: str, app) -> list[Reply]:
    shares = await previews.preview_broadcast(app, area, text, language=language)
    intro = t._sn("It will reach {n} resident in {area}. What each will read:",
                  "It will reach {n} residents in {area}. What each will read:",
                  sum(share.residents for share in shares), area=area_name)
    return preview_replies(t, shares, intro, button(t._s("Send to all"), "bc"))


async def send(desk: Desk) -> None:
    state = await desk.state(BROADCAST)
    if state is None or state.data.get("step") != "confirm":
        return
    area, text = state.data["area"], state.data["text"]
    told = await actions.broadcast(desk.session, area, text, timezone=desk.tz, language=desk.t.locale)
    await desk.clear()
    desk.tell(desk.t._sn("Queued for {n} resident.", "Queued for {n} residents.", told))
    if desk.translating:
        from .ideas import tell_untranslated

        await tell_untranslated(desk, text, await reachable_residents(desk.session, area))


COMMANDS = {"impact": impact, "broadcast": broadcast}
BUTTONS = {"ba": choose_area, "bc": send}
TEXT_STEPS = {BROADCAST: take_text}
