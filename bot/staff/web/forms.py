"""Reading what a page was sent (query parameters, form fields): each value checked
against what it may be, anything else taken as not given."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from ...text.times import parse_day


def one_of(value: object, allowed: Collection[str], default: str | None = None) -> str | None:
    return value if isinstance(value, str) and value in allowed else default


def whole(value: object, default: int, *, low: int, high: int) -> int:
    """A whole number within [low, high]; `default` for anything else."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if low <= number <= high else default


def text(value: object, limit: int) -> str:
    """A text field, trimmed and cut to `limit` characters (the form's maxlength says so
    too), its line breaks as "\n" (browsers send a textarea's as "\r\n")."""
    return value.replace("\r\n", "\n").strip()[:limit] if isinstance(value, str) else ""


def day(value: object) -> date | None:
    return parse_day(value) if isinstance(value, str) and value.strip() else None


def flag(value: object) -> bool:
    """A checkbox: ticked or not."""
    return value in ("1", "on", "true")
