"""The staff catalogs (Norwegian and English): complete, consistent, holding every staff
string in the code, and kept apart from the residents' ten catalogs."""

from __future__ import annotations

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.text.catalogs import locales_dir
from bot.text.staff import STAFF_LOCALES, StaffText, staff_translations
from tests.catalog_check import placeholders
from tests.support import ROOT, extract


def staff_catalog(locale: str):
    with (locales_dir() / locale / "LC_MESSAGES" / "staff.po").open("rb") as po:
        return read_po(po, locale=locale)


def staff_problems(locale: str) -> list[str]:
    """As tests/catalog_check.py, for the staff domain."""
    catalog, found = staff_catalog(locale), []
    if catalog.num_plurals != get_plural(locale).num_plurals:
        found.append(f"Plural-Forms has {catalog.num_plurals} forms")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {ids[0]!r}")
        if not all(s and s.strip() for s in strings):
            found.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set().union(*(placeholders(i) for i in ids))
        for translated in strings:
            if placeholders(translated) != wanted:
                found.append(f"placeholders {sorted(placeholders(translated))} != {sorted(wanted)}: {ids[0]!r}")
    return found


@pytest.mark.parametrize("locale", STAFF_LOCALES)
def test_staff_catalog_is_complete_and_consistent(locale):
    assert staff_problems(locale) == []
    assert StaffText(locale)._s("New ideas") == {"nb": "Nye ideer", "en": "New ideas"}[locale]


def test_staff_catalogs_hold_every_staff_string_in_the_code(tmp_path):
    in_code = {(m.context, m.id) for m in extract(tmp_path, "--no-default-keywords", "-k", "_s", "-k", "_sn:1,2")}
    assert ("", "New ideas") in {(c or "", i) for c, i in in_code}
    for locale in STAFF_LOCALES:
        in_catalog = {(m.context, m.id) for m in staff_catalog(locale) if m.id}
        assert in_code - in_catalog == set(), f"{locale}: staff strings missing from staff.po"
    with (ROOT / "locales" / "staff.pot").open("rb") as f:
        assert in_code <= {(m.context, m.id) for m in read_po(f) if m.id}, "locales/staff.pot is stale"


def test_staff_strings_stay_out_of_the_resident_catalogs(tmp_path):
    resident = extract(tmp_path)  # the resident extraction: default keywords
    staff_files = ("bot/text/staff.py", "bot/reports/digest_layout.py", "bot/reports/impact_layout.py")
    assert not [m.id for m in resident if any(path in staff_files for path, _line in m.locations)]
    assert not [m.id for m in resident if any(path.startswith("bot/staff/") for path, _line in m.locations)]


def test_staff_catalog_loads_and_unknown_locales_fall_back_to_norwegian():
    assert staff_translations("nb").gettext("OVERDUE") == "FORSINKET"
    assert StaffText("ar").locale == "nb" and StaffText(None).locale == "nb"
    t = StaffText("en")
    assert t._sn("{n} new idea", "{n} new ideas", 1) == "1 new idea"
    assert t._sn("{n} new idea", "{n} new ideas", 1000) == "1,000 new ideas"
