"""How a resident arrives from a poster or a place: the Telegram deep link's payload
(`/start <area-slug>` or `/start <area-slug>_<source>`), the short source codes, and what
is recorded as a resident's source (see Resident.source)."""

from __future__ import annotations

import re

# Telegram allows 64 characters of A-Z a-z 0-9 _ - in a start payload; a slug is at most
# 63 (bot/areas.py), so the source gets what a poster needs: short, typed by nobody.
MAX_SOURCE = 16
SOURCE_CODE = re.compile(rf"^[a-z0-9]{{1,{MAX_SOURCE}}}$")
SOURCE_SEPARATOR = "_"  # slugs never contain it
# Recorded when the arrival named an area but no source; not accepted as a poster's code.
FROM_LINK = "link"
FROM_KEYWORD = "keyword"
RESERVED_SOURCES = frozenset({FROM_LINK, FROM_KEYWORD})
TELEGRAM_LINK = "https://t.me/{username}?start={payload}"


class BadSource(ValueError):
    """A source code that is not 1-16 lowercase letters and digits, or is reserved."""


def check_source(code: str) -> str:
    """The code, lowercased, when a poster may use it; else BadSource."""
    code = code.strip().lower()
    if not SOURCE_CODE.match(code) or code in RESERVED_SOURCES:
        raise BadSource(
            f"a source is 1-{MAX_SOURCE} letters a-z and digits, and not {' or '.join(sorted(RESERVED_SOURCES))}"
        )
    return code


def start_payload(area_slug: str, source: str | None = None) -> str:
    """What follows `?start=` in a deep link: the area, and the source when there is one."""
    return f"{area_slug}{SOURCE_SEPARATOR}{check_source(source)}" if source else area_slug


def telegram_link(username: str, area_slug: str, source: str | None = None) -> str:
    """The deep link a poster's QR code holds: the bot opens with the area (and source)
    chosen. BadSource when the source breaks the rule."""
    return TELEGRAM_LINK.format(username=username, payload=start_payload(area_slug, source))


def parse_payload(payload: str) -> tuple[str, str | None]:
    """(area slug, source or None) as written in a start payload; the caller checks the
    area. A source that breaks the rule is dropped, the area kept."""
    slug, _, source = payload.strip().lower().partition(SOURCE_SEPARATOR)
    try:
        return slug, check_source(source) if source else None
    except BadSource:
        return slug, None
