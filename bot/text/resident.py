"""What residents read: the ten languages, one gettext catalog per locale (English msgids),
CLDR formatting with Babel, and Unicode isolation of left-to-right runs in right-to-left text.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, tokenize_pattern, untokenize_pattern
from babel.lists import format_list
from babel.numbers import format_decimal

from .catalogs import babel_locale, translations
from .times import clock

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
# CLDR data for dates where it differs from the language code: our Persian readers are
# mostly from Afghanistan, and Dari names the months as fa_AF does (جنوری, دسمبر).
DATE_LOCALES = {"fa": "fa_AF"}
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


def isolate(text: str) -> str:
    """Wrap a left-to-right run (reference, number, time, Latin name) for RTL text."""
    return f"{FSI}{text}{PDI}"


@lru_cache(maxsize=None)
def _without_year(pattern: str) -> str:
    """A CLDR date pattern without its year and what joins it ("EEEE d. MMMM y" ->
    "EEEE d. MMMM"; Ukrainian "EEEE, d MMMM y 'р'." -> "EEEE, d MMMM")."""
    tokens = tokenize_pattern(pattern)
    at = next(i for i, (kind, value) in enumerate(tokens) if kind == "field" and value[0] in "yY")
    end = at + 1
    if all(kind == "chars" for kind, _value in tokens[end:]):  # a suffix of the year ("р.")
        end = len(tokens)
    start = at - 1 if at > 0 and tokens[at - 1][0] == "chars" else at
    if start == 0 and end < len(tokens) and tokens[end][0] == "chars":  # the year came first
        end += 1
    return untokenize_pattern(tokens[:start] + tokens[end:]).strip()


class Text:
    """Everything shown to one reader, in their language and time zone."""

    def __init__(self, locale: str | None, timezone: str = "Europe/Oslo"):
        self.locale = locale if locale in LANGUAGE_NAMES else DEFAULT_LOCALE
        self.rtl = self.locale in RTL_LOCALES
        self.zone = ZoneInfo(timezone)
        self._babel = babel_locale(self.locale)
        self._dates = babel_locale(DATE_LOCALES.get(self.locale, self.locale))
        self._t = translations(self.locale)

    def _(self, message: str, **params: object) -> str:
        return self._format(self._t.gettext(message), params)

    def pgettext(self, context: str, message: str, **params: object) -> str:
        return self._format(self._t.pgettext(context, message), params)

    def keyword(self, name: str) -> str:
        """The first localised word for a keyword ("menu", "stop", …), to name it in a sentence."""
        return self._t.pgettext("keyword", name).split("|")[0]

    def ngettext(self, singular: str, plural: str, n: int | float, **params: object) -> str:
        """The plural form for n; a fraction (2.5 hours) takes the form CLDR gives it."""
        params.setdefault("n", self.number(n))
        return self._format(self._t.ngettext(singular, plural, self._plural_count(n)), params)

    def _plural_count(self, n: int | float) -> int:
        """gettext picks forms by whole numbers: a fraction stands in as the first whole
        number of its CLDR category (2.5 is "other": 2 in English, 100 in Arabic), or as 2
        where no whole number has it (Polish and Ukrainian fractions take the "few" form)."""
        if float(n).is_integer():
            return int(n)
        category = self._babel.plural_form(n)
        return next((k for k in range(2, 1000) if self._babel.plural_form(k) == category), 2)

    def _format(self, template: str, params: dict[str, object]) -> str:
        return template.format(**params) if params else template

    def ltr(self, value: object) -> str:
        """A left-to-right value as it should stand in this locale's sentences."""
        return isolate(str(value)) if self.rtl else str(value)

    def number(self, value: int | float) -> str:
        return self.ltr(format_decimal(value, locale=self._babel))

    def datetime(self, moment: datetime) -> str:
        """Weekday, day, month and 24-hour time in local time: what a volunteer needs.
        The day is CLDR's full date without the year ("lørdag 5. desember"), weekday and
        month written out: an abbreviation is one more thing to decode."""
        local = moment.astimezone(self.zone)
        day = format_date(local.date(), _without_year(self._dates.date_formats["full"].pattern), locale=self._dates)
        return f"{self.ltr(day)} {self.time(moment)}"

    def short_date(self, moment: datetime) -> str:
        """Day and month in local time ("29. november"), where space is dear: CLDR's own
        pattern, the month written out."""
        local = moment.astimezone(self.zone)
        return self.ltr(format_skeleton("MMMMd", local, tzinfo=self.zone, locale=self._dates))

    def listing(self, items: list[str]) -> str:
        """"a, b and c" as this language joins a list (CLDR)."""
        return format_list(items, locale=self._babel)

    def month(self, day: date) -> str:
        """The month's name on its own ("september", "wrzesień"): CLDR's stand-alone form,
        which needs no case ending around it."""
        return format_date(day, "LLLL", locale=self._dates)

    def date(self, day: date) -> str:
        """CLDR's long date ("11. desember 2026")."""
        return self.ltr(format_date(day, "long", locale=self._dates))

    def time(self, moment: datetime) -> str:
        return self.ltr(format_time(moment.astimezone(self.zone), "HH:mm", tzinfo=self.zone, locale=self._babel))

    def duration(self, seconds: int | float) -> str:
        """A voice message's length, "0:42"."""
        return self.ltr(clock(seconds))

    def ref(self, prefix: str, number: int) -> str:
        """A reference residents can quote: I-12, S-3, D-7."""
        return self.ltr(f"{prefix}-{number}")
