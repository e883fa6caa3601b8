"""The configured areas (områdeløft areas in their bydeler), read from a TOML file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

PACKAGED_AREAS_FILE = Path(__file__).with_name("areas.toml")
DEFAULT_ANSWER_DAYS = 14  # the programme's promise: an answer within two weeks
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AreasError(ValueError):
    """The areas file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Area:
    slug: str
    name: str
    bydel: str
    answer_days: int = DEFAULT_ANSWER_DAYS


@dataclass(frozen=True)
class Areas:
    """The areas in file order, looked up by slug."""

    items: tuple[Area, ...]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, slug: str | None) -> Area | None:
        return next((a for a in self.items if a.slug == slug), None)

    def require(self, slug: str) -> Area:
        area = self.get(slug)
        if area is None:
            known = ", ".join(a.slug for a in self.items)
            raise AreasError(f"unknown area {slug!r} (known: {known})")
        return area


def load_areas(path: Path | None = None) -> Areas:
    """Areas from `path`, or the packaged example when no file is configured."""
    path = path or PACKAGED_AREAS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AreasError(f"{path}: no such areas file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AreasError(f"{path}: not valid TOML ({exc})") from None

    entries = data.get("area")
    if not isinstance(entries, list) or not entries:
        raise AreasError(f"{path}: no [[area]] entries")
    areas: list[Area] = []
    for number, entry in enumerate(entries, start=1):
        areas.append(_parse_area(path, number, entry))
    slugs = [a.slug for a in areas]
    duplicated = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicated:
        raise AreasError(f"{path}: slug used twice: {', '.join(duplicated)}")
    return Areas(tuple(areas))


def _parse_area(path: Path, number: int, entry: object) -> Area:
    where = f"{path}: area #{number}"
    if not isinstance(entry, dict):
        raise AreasError(f"{where} is not a table")
    for key in ("slug", "name", "bydel"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise AreasError(f"{where}: '{key}' must be a non-empty text")
    if not _SLUG.match(entry["slug"]):
        raise AreasError(f"{where}: slug {entry['slug']!r} must be lowercase letters, digits and dashes")
    answer_days = entry.get("answer_days", DEFAULT_ANSWER_DAYS)
    if not isinstance(answer_days, int) or isinstance(answer_days, bool) or not 1 <= answer_days <= 365:
        raise AreasError(f"{where}: answer_days must be a whole number of days from 1 to 365")
    unknown = set(entry) - {"slug", "name", "bydel", "answer_days"}
    if unknown:
        raise AreasError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return Area(entry["slug"], entry["name"].strip(), entry["bydel"].strip(), answer_days)
