"""Local dates and times as staff type them, and "today" in the deployment's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_MOMENT_FORMAT = "%Y-%m-%d %H:%M"  # what the CLI and the staff desk ask staff to type
_DAY_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (0, 1, 2)),  # 2026-12-05
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (2, 1, 0)),  # 5.12.2026, as Norwegians write it
)
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")


def parse_local_moment(text: str, timezone: str) -> datetime | None:
    """"2026-12-05 10:00" as an aware moment in `timezone`; None when it is not one."""
    try:
        return datetime.strptime(text.strip(), LOCAL_MOMENT_FORMAT).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None


def parse_day(text: str) -> date | None:
    """A day written 2026-12-05 or 5.12.2026; None when it is not a real day."""
    for pattern, (year, month, day) in _DAY_PATTERNS:
        found = pattern.fullmatch(text.strip())
        if found:
            parts = [int(p) for p in found.groups()]
            try:
                return date(parts[year], parts[month], parts[day])
            except ValueError:
                return None
    return None


def parse_clock(text: str) -> str | None:
    """A time of day written 10:00 or 10.00, as "10:00"; None when it is not one."""
    found = _TIME.fullmatch(text.strip())
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    return f"{int(found[1]):02d}:{found[2]}"


def clock(seconds: int | float) -> str:
    """A recording's length as phones show it: "0:42", "4:05"."""
    minutes, rest = divmod(max(0, round(seconds)), 60)
    return f"{minutes}:{rest:02d}"


def local_today(moment: datetime, timezone: str) -> date:
    """The local calendar day `moment` falls on."""
    return moment.astimezone(ZoneInfo(timezone)).date()
