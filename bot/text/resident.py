"""What residents read: the ten languages, one gettext catalog per locale (English msgids),
CLDR formatting with Babel, and Unicode isolation of left-to-right runs in right-to-left text.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal

from .catalogs import translations

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
