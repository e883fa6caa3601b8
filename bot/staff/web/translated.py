"""Residents' words on the web desk beside their machine translation into the staff
member's language (issue 14): one batched lookup a page (domain.translations), worded as
the digest and the Telegram desk word it (reports/translated.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.translations import MachineTranslation, staff_translations
from ...models import TRANSLATION_DONE
from ...reports.translated import language_name, translation_line
from ...text.resident import RTL_LOCALES
from ...text.shorten import shorten
from ...text.staff import StaffText
from .desk import Desk


@dataclass(frozen=True)
class Words:
    """One text of a resident as a page shows it: the original in its language and
    direction, then either the translation under a "machine translation from …" label, or
    a line saying why there is none (failing, unsupported, withheld)."""

    original: str
    lang: str  # the language the original is written in, for `lang=`
    dir: str  # rtl for Arabic, Urdu and Dari; else auto
    label: str | None  # "Machine translation from Somali", with a translation
    text: str | None  # the translation
    state: str | None  # why there is no translation, where that needs saying


def direction(code: str | None) -> str:
    return "rtl" if code in RTL_LOCALES else "auto"


def words(t: StaffText, shown: MachineTranslation, limit: int | None = None) -> Words:
    cut = (lambda text: shorten(text, limit)) if limit else (lambda text: text)
    if shown.state == TRANSLATION_DONE:
        label = t._s("Machine translation from {language}", language=language_name(t, shown.source))
        return Words(cut(shown.original), shown.source, direction(shown.source), label, cut(shown.text), None)
    return Words(cut(shown.original), shown.source, direction(shown.source), None, None, translation_line(t, shown))


async def translated(desk: Desk, kind: str, ids: list[int], limit: int | None = None) -> dict[int, dict[str, Words]]:
    """For each record of `kind` ("idea" or "safety"): its words by field (text, place,
    details), each with its translation into the desk's language; `limit` shortens both."""
    found = await staff_translations(desk.session, [(kind, number) for number in ids], desk.text.locale)
    return {number: {field: words(desk.text, shown, limit) for field, shown in fields.items()}
            for (_kind, number), fields in found.items()}
