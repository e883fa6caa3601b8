"""Staff-facing language: the `staff` gettext domain (Norwegian Bokmål and English) and
CLDR formatting for what district workers read (digests, staff commands).

Kept apart from the resident catalogs (`messages`, ten languages, all complete) so that a
string for staff never lands in front of ten translators. Staff strings are marked with
`_s` and `_sn`, names the resident extraction does not know; extract them with

    pybabel extract -F babel.cfg --no-default-keywords -k _s -k _sn:1,2 -o locales/staff.pot .

Catalogs are compiled from the `.po` files when first used (bot/text/catalogs.py).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal
from babel.support import Translations

from .catalogs import STAFF_DOMAIN, babel_locale, translations
from .times import clock

STAFF_DEFAULT_LOCALE = "nb"
STAFF_LOCALES = ("nb", "en")


def staff_translations(locale: str) -> Translations:
    """The compiled staff catalog of a staff locale (fuzzy entries left out)."""
    return translations(locale, STAFF_DOMAIN)


class StaffText:
    """Everything shown to one staff member, in their language and the deployment's zone.

    Unknown locales (a staff row saying "so", say) fall back to Norwegian: the district
    works in Norwegian, and a staff member is never shown a half-translated page.
    """

    def __init__(self, locale: str | None, timezone: str = "Europe/Oslo"):
        self.locale = locale if locale in STAFF_LOCALES else STAFF_DEFAULT_LOCALE
        self.zone = ZoneInfo(timezone)
        self._babel = babel_locale(self.locale)
        self._t = staff_translations(self.locale)

    def _s(self, message: str, **params: object) -> str:
        return self._format(self._t.gettext(message), params)

    def _sn(self, singular: str, plural: str, n: int, **params: object) -> str:
        params.setdefault("n", self.number(n))
        return self._format(self._t.ngettext(singular, plural, n), params)

    @staticmethod
    def _format(template: str, params: dict[str, object]) -> str:
        return template.format(**params) if params else template

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self._babel)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def date(self, day: date) -> str:
        """Day, month and year ("24. november 2026"), for answer dates."""
        return format_date(day, "long", locale=self._babel)

    def month(self, day: date) -> str:
        """A month and its year, short ("jan. 2026", "Jan 2026"), for a chart's axis."""
        return format_skeleton("yMMM", day, locale=self._babel)

    def month_name(self, day: date) -> str:
        """A month's short name alone ("jan.", "Jan"), under a chart's bar."""
        return format_skeleton("MMM", day, locale=self._babel)

    def short_date(self, day: date) -> str:
        """Day and short month ("24. nov."), where a line is already long."""
        return format_skeleton("MMMd", day, locale=self._babel)

    def time(self, moment: datetime) -> str:
        return format_time(self.local(moment), "HH:mm", tzinfo=self.zone, locale=self._babel)

    def moment(self, moment: datetime) -> str:
        """Date with year and 24-hour time in local time, for the edges of a period."""
        local = self.local(moment)
        day = format_skeleton("yMMMd", local, tzinfo=self.zone, locale=self._babel)
        return f"{day} {self.time(moment)}"

    def datetime(self, moment: datetime) -> str:
        """Short weekday, day, month and time in local time, for an event's start."""
        local = self.local(moment)
        day = format_skeleton("MMMEd", local, tzinfo=self.zone, locale=self._babel)
        return f"{day} {self.time(moment)}"


def resident_words(t: StaffText, words: str | None, seconds: int | None) -> str:
    """A resident's answer as staff read it: their words; or, where it was a voice
    message (`seconds` long), "voice message, 0:42" and what a machine wrote down from
    it when there is that."""
    if seconds is None:
        return words or ""
    label = t._s("voice message, {duration}", duration=clock(seconds))
    return t._s("{voice}; written down by a machine: {words}", voice=label, words=words) if words else label


# Labels for the fixed values staff read (the resident wording is in labels.py) ------------


def idea_status_labels(t: StaffText) -> dict[str, str]:
    return {
        "received": t._s("received"),
        "reviewing": t._s("under review"),
        "planned": t._s("planned"),
        "in_progress": t._s("in progress"),
        "done": t._s("done"),
        "declined": t._s("declined"),
        # An idea joined with another that asks for the same (its followers moved there).
        "duplicate": t._s("duplicate"),
    }


def idea_category_labels(t: StaffText) -> dict[str, str]:
    return {
        "meeting_places": t._s("Meeting places"),
        "parks_outdoors": t._s("Parks and outdoor areas"),
        "lighting_paths": t._s("Lighting and paths"),
        "children_youth": t._s("Children and youth"),
        "culture_events": t._s("Culture and events"),
        "clean_tidy": t._s("Clean and tidy"),
        "other": t._s("Something else"),
    }


def answer_template_labels(t: StaffText) -> dict[str, str]:
    """The ready-made answers as staff choose them ("none": their own words only)."""
    return {
        "meeting": t._s("We take it to the next planning meeting"),
        "season": t._s("It is planned for a season"),
        "passed_on": t._s("Not ours: passed to an agency"),
        "done_thanks": t._s("Done, thank you!"),
        "none": t._s("No ready-made answer"),
    }


def season_labels(t: StaffText) -> dict[str, str]:
    return {"spring": t._s("spring"), "summer": t._s("summer"), "autumn": t._s("autumn"), "winter": t._s("winter")}


def signup_status_labels(t: StaffText) -> dict[str, str]:
    return {
        "confirmed": t._s("has a place"),
        "waitlisted": t._s("on the waiting list"),
        "offered": t._s("offered a freed place"),
        "cancelled": t._s("cancelled"),
        "attended": t._s("came"),
    }


def safety_category_labels(t: StaffText) -> dict[str, str]:
    return {
        "lighting": t._s("Poor lighting"),
        "harassment": t._s("Harassment or threats"),
        "drugs": t._s("Drugs"),
        "traffic": t._s("Traffic"),
        "groups": t._s("Groups hanging around"),
        "other": t._s("Something else"),
    }


def language_labels(t: StaffText, codes, *, in_sentence: bool = False) -> dict[str, str]:
    """Residents' languages named in the staff member's language ("Somali", "somali"),
    from CLDR: staff know the language by their own word for it. Capitalised to stand
    alone; `in_sentence` keeps CLDR's own case (Norwegian writes "fra somali"). Our
    Persian readers mostly write Dari, so "fa" is named both ways."""
    names = {
        code: t._s("Dari/Persian") if code == "fa" else babel_locale(code).get_display_name(t.locale) or code
        for code in codes
    }
    if in_sentence:
        return names
    return {code: name[:1].upper() + name[1:] for code, name in names.items()}


def channel_labels(t: StaffText) -> dict[str, str]:
    return {"telegram": "Telegram", "sms": t._s("SMS")}


def safety_time_labels(t: StaffText) -> dict[str, str]:
    return {
        "daytime": t._s("daytime"),
        "evening": t._s("evening"),
        "night": t._s("night"),
        "always": t._s("all the time"),
    }
