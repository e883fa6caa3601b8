"""The dugnad form of the web desk, for a new dugnad and for moving one in time or place.
Each field is read by the same reader as the Telegram desk's /newevent step of that name,
so both desks accept and refuse the same things, with the same words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...domain.dugnad import EventChange
from ...models import DugnadEvent, utcnow
from ...text.times import parse_local_moment
from ..dugnads import NEW_EVENT_STEPS
from . import forms
from .desk import Desk

NEW_FIELDS = ("title", "date", "start", "end", "place", "capacity")
CHANGE_FIELDS = ("date", "start", "end", "place")
MAX_FIELD = 200  # characters read from any one field; each reader cuts to its own limit
MAX_TITLE_EN = 120  # as the Norwegian title (bot/staff/dugnads.MAX_TITLE)


@dataclass
class EventForm:
    """A dugnad form as sent: the values as typed (to show again), what was read, and
    what to correct, field by field."""

    typed: dict[str, str] = field(default_factory=dict)
    read: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def moments(self, timezone: str) -> tuple[datetime, datetime]:
        start = parse_local_moment(f"{self.read['date']} {self.read['start']}", timezone)
        end = parse_local_moment(f"{self.read['date']} {self.read['end']}", timezone)
        return start, end


def read_event_form(desk: Desk, keys: tuple[str, ...]) -> EventForm:
    """Read `keys` of the posted form with the /newevent readers; a start in the past is
    refused too (the bot's steps ask for a coming day, the form cannot)."""
    t, result = desk.text, EventForm()
    for ask in NEW_EVENT_STEPS:
        if ask.key not in keys:
            continue
        raw = forms.text(desk.form.get(ask.key), MAX_FIELD)
        result.typed[ask.key] = raw
        if not raw:
            result.errors[ask.key] = t._s("Fill this in.")
            continue
        try:
            result.read[ask.key] = ask.read(t, raw, result.read)
        except KeyError:  # the end, when the start could not be read: that error is said
            continue
        except ValueError as problem:
            result.errors[ask.key] = str(problem)
    if "date" in result.read and "start" in result.read:
        # The start alone: the end may be the field refused (before the start).
        start = parse_local_moment(f"{result.read['date']} {result.read['start']}", desk.app.settings.timezone)
        if start <= utcnow():
            result.errors["date"] = t._s("The dugnad must start in the future.")
    return result


def typed_from(event: DugnadEvent, desk: Desk) -> dict[str, str]:
    """An event's date, times and place as the edit form shows them (local time)."""
    zone = desk.text.zone
    start, end = event.start_at.astimezone(zone), event.end_at.astimezone(zone)
    return {"date": start.date().isoformat(), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"),
            "place": event.place}


def change_of(event: DugnadEvent, form: EventForm, timezone: str) -> EventChange | None:
    """What the edit form changes, or None when it changes nothing."""
    start, end = form.moments(timezone)
    change = EventChange(
        start_at=start if start != event.start_at else None,
        end_at=end if end != event.end_at else None,
        place=form.read["place"] if form.read["place"] != event.place else None,
    )
    return change if change != EventChange() else None


def english_title(desk: Desk) -> str:
    return forms.text(desk.form.get("title_en"), MAX_TITLE_EN)
