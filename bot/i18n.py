"""Languages: one gettext catalog per locale (English msgids), CLDR formatting with Babel,
and Unicode isolation of left-to-right runs in right-to-left text.

Catalogs are compiled from the `.po` files when first used (and cached per process), so a
fresh clone or an edited catalog never runs with a stale or missing `.mo` file.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

DOMAIN = "messages"
DEFAULT_LOCALE = "nb"
# The languages most spoken in the programme's districts, in menu order, each in its own name.
LANGUAGE_NAMES = {
    "nb": "Norsk bokmål",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "ur": "اردو",
    "pl": "Polski",
    "ti": "ትግርኛ",
    "tr": "Türkçe",
    "uk": "Українська",
    "fa": "دری / فارسی",
}
LOCALES = tuple(LANGUAGE_NAMES)
RTL_LOCALES = frozenset({"ar", "ur", "fa"})
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def locales_dir() -> Path:
    """`bot/locales` when installed from a wheel, else `locales/` at the repository top."""
    packaged = Path(__file__).with_name("locales")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "locales"


class CatalogMissing(LookupError):
    """A supported locale has no catalog: a packaging fault, never silently English."""


@lru_cache(maxsize=None)
def translations(locale: str, domain: str = DOMAIN) -> Translations:
    """The compiled catalog of a locale in a domain (fuzzy entries left out)."""
    po_path = locales_dir() / locale / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.is_file():
        raise CatalogMissing(f"no {domain} catalog for {locale!r} at {po_path}")
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


def isolate(text: str) -> str:
    """Wrap a left-to-right run (reference, number, time, Latin name) for RTL text."""
    return f"{FSI}{text}{PDI}"


class Text:
    """Everything shown to one reader, in their language and time zone."""

    def __init__(self, locale: str | None, timezone: str = "Europe/Oslo"):
        self.locale = locale if locale in LANGUAGE_NAMES else DEFAULT_LOCALE
        self.rtl = self.locale in RTL_LOCALES
        self.zone = ZoneInfo(timezone)
        self._babel = Locale.parse(self.locale)
        self._t = translations(self.locale)

    def _(self, message: str, **params: object) -> str:
        return self._format(self._t.gettext(message), params)

    def pgettext(self, context: str, message: str, **params: object) -> str:
        return self._format(self._t.pgettext(context, message), params)

    def keyword(self, name: str) -> str:
        """The first localised word for a keyword ("menu", "stop", …), to name it in a sentence."""
        return self._t.pgettext("keyword", name).split("|")[0]

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        params.setdefault("n", self.number(n))
        return self._format(self._t.ngettext(singular, plural, n), params)

    def _format(self, template: str, params: dict[str, object]) -> str:
        return template.format(**params) if params else template

    def ltr(self, value: object) -> str:
        """A left-to-right value as it should stand in this locale's sentences."""
        return isolate(str(value)) if self.rtl else str(value)

    def number(self, value: int | float) -> str:
        return self.ltr(format_decimal(value, locale=self._babel))

    def datetime(self, moment: datetime) -> str:
        """Weekday, day, month and 24-hour time in local time: what a volunteer needs."""
        local = moment.astimezone(self.zone)
        day = format_skeleton("MMMMEEEEd", local, tzinfo=self.zone, locale=self._babel)
        return f"{self.ltr(day)} {self.time(moment)}"

    def short_date(self, moment: datetime) -> str:
        """Day and short month in local time ("29. nov."), where space is dear."""
        return self.ltr(format_skeleton("MMMd", moment.astimezone(self.zone), tzinfo=self.zone, locale=self._babel))

    def date(self, day: date) -> str:
        return self.ltr(format_date(day, "d MMMM y", locale=self._babel))

    def time(self, moment: datetime) -> str:
        return self.ltr(format_time(moment.astimezone(self.zone), "HH:mm", tzinfo=self.zone, locale=self._babel))

    def ref(self, prefix: str, number: int) -> str:
        """A reference residents can quote: I-12, S-3, D-7."""
        return self.ltr(f"{prefix}-{number}")
