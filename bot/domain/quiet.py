"""Quiet hours: nothing proactive reaches a resident between 21:00 and 08:00 local time,
except what cannot wait (the 2-hour dugnad reminder). Such messages wait until morning."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_FROM = time(21, 0)  # the programme's rule: no messages late in the evening …
QUIET_UNTIL = time(8, 0)  # … or before people start their day


def is_quiet(moment: datetime, timezone: str) -> bool:
    local = moment.astimezone(ZoneInfo(timezone)).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def next_morning(moment: datetime, timezone: str) -> datetime:
    """The first moment at or after `moment` outside quiet hours."""
    if not is_quiet(moment, timezone):
        return moment
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    day = local.date() + (timedelta(days=1) if local.time() >= QUIET_FROM else timedelta())
    return datetime.combine(day, QUIET_UNTIL, zone).astimezone(moment.tzinfo)
