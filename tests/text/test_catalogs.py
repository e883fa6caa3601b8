"""Every language: a real, complete, clean catalog, CLDR formatting, right-to-left, and
the idea flow from start to end in that language."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.text.catalogs import locales_dir, translations
from bot.text.resident import FSI, LANGUAGE_NAMES, LOCALES, PDI, RTL_LOCALES, Text
from bot.text.staff import STAFF_LOCALES
from conversations.keywords import keyword_words

from tests.catalog_check import load, problems
from tests.factories import Chat

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("locale", LOCALES)
def test_locale_loads_a_real_catalog(locale):
    catalog = translations(locale)
    assert isinstance(catalog, Translations)  # Babel gives NullTranslations when it finds nothing
    if locale != "en":
        assert catalog.gettext("Share an idea") != "Share an idea"
        assert catalog.gettext("What would you like to do?") != "What would you like to do?"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_consistent(locale):
    assert problems(locale) == []


@pytest.mark.parametrize(
    "locale, domain", [(code, "messages") for code in LOCALES] + [(code, "staff") for code in STAFF_LOCALES]
)
def test_msgfmt_check_is_clean(locale, domain):
    if shutil.which("msgfmt") is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt is missing: .ci/run installs Debian's gettext")
        pytest.skip("msgfmt (Debian's gettext) is not installed")
    po = locales_dir() / locale / "LC_MESSAGES" / f"{domain}.po"
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr


def test_catalogs_hold_every_string_in_the_code(tmp_path):
    """Forgetting `make messages` after adding a string fails here, not in front of a resident."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        in_code = {(m.context, m.id) for m in read_po(f) if m.id}
    for locale in LOCALES:
        in_catalog = {(m.context, m.id) for m in load(locale) if m.id}
        assert in_code - in_catalog == set(), f"{locale}: strings missing, run `make messages`"


@pytest.mark.parametrize("locale", LOCALES)
def test_keywords_do_not_clash(locale):
    t = Text(locale)
    seen: dict[str, str] = {}
    for keyword in ("menu", "back", "cancel", "help", "stop", "start", "skip", "yes", "no"):
        for word in t.pgettext("keyword", keyword).split("|"):
            assert seen.setdefault(word.strip().casefold(), keyword) == keyword, f"{word!r} means two keywords"
    assert keyword_words(t.locale)["stop"] == "stop"  # English works beside the language


def test_plural_forms_follow_cldr():
    polish = Text("pl")
    forms = {polish.ngettext("{n} place free", "{n} places free", n) for n in (1, 2, 5)}
    assert len(forms) == 3
    arabic = Text("ar")
    forms = {arabic.ngettext("{n} place free", "{n} places free", n).replace(arabic.number(n), "#") for n in (0, 1, 2, 3, 11, 100)}
    assert len(forms) == 6


def test_dates_and_numbers_in_the_readers_locale():
    moment = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)  # 10:00 in Oslo
    assert "desember" in Text("nb").datetime(moment) and "10:00" in Text("nb").datetime(moment)
    assert "grudnia" in Text("pl").datetime(moment)
    assert Text("en").number(1000) == "1,000" and Text("nb").number(1000) in ("1\u00a0000", "1 000")
    assert "December" in Text("en").date(date(2026, 12, 10))


@pytest.mark.parametrize("locale", sorted(RTL_LOCALES))
def test_right_to_left_isolates_left_to_right_runs(locale):
    t = Text(locale)
    assert t.rtl and t.ref("I", 12) == f"{FSI}I-12{PDI}"
    assert t.time(datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)).startswith(FSI)
    assert Text("nb").ref("I", 12) == "I-12"  # no invisible characters where not needed (SMS cost)


@pytest.mark.parametrize("locale", LOCALES)
async def test_idea_flow_in_every_language(app, locale):
    t = Text(locale)
    chat = Chat(app, locale=locale)
    await chat.say("/start")
    assert LANGUAGE_NAMES[locale] in chat.text
    await chat.say("1")  # continue in this language
    assert t._("Where do you live? Choose your area:") in chat.text
    await chat.say("1")
    assert chat.choices[0] == t._("Share an idea")
    await chat.say("1")
    await chat.say("Et bedre lys ved gangveien / A better light on the path")
    await chat.say("3")
    await chat.say(t.keyword("skip"))  # place, skipped with the localised word
    await chat.say("1")  # photo: Skip
    await chat.say("1")  # yes, I want to help
    assert t._("Shall we send it?") in chat.text
    await chat.say("1")
    thanks = t._("Thank you! Your idea is saved as {ref}. We will answer you by {date}.", ref=t.ref("I", 1), date="")
    assert thanks.split(" ")[0] in chat.text and t.ref("I", 1) in chat.text
    if locale != "en":
        assert "Thank you!" not in chat.text and "What would you like to do?" not in chat.text
