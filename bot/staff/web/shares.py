"""Staff's words on the web desk before they go, one section a language: whom they reach,
what an SMS of them costs, and exactly what that language's readers get, machine
translated (previews.py translates while the staff member waits). After sending, which
languages went as written because no translation was there. An answer to an idea shows
each language's readers in groups (the author, supporters by channel, who opted out)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from ...text.resident import LANGUAGE_NAMES, LOCALES, RTL_LOCALES
from ...text.staff import language_labels
from .. import actions
from ..previews import Share, missing_translations, share_heading
from . import forms
from .desk import Desk, config

UNTRANSLATED = "untranslated"  # the query parameter naming them after a redirect: ar,so


@dataclass(frozen=True)
class ShareView:
    """One language's share as a page shows it."""

    language: str
    rtl: bool
    residents: int
    heading: str  # "Soomaali: 4 residents, 1 by SMS (2 SMS segments each), machine translated"
    text: str  # exactly what they read
    segments: int  # what one SMS of it costs
    translated: bool
    problem: str | None


def heading(desk: Desk, share: Share) -> str:
    """The share's heading, its language's own name isolated (U+2068 … U+2069) so that
    "العربية: 1 resident" keeps its order in a left-to-right line."""
    name = LANGUAGE_NAMES[share.language]
    return share_heading(desk.text, share).replace(name, f"\u2068{name}\u2069", 1)


def share_views(desk: Desk, shares: list[Share]) -> list[ShareView]:
    return [ShareView(s.language, s.language in RTL_LOCALES, s.residents, heading(desk, s), s.text, s.segments,
                      s.translated, s.problem) for s in shares]


async def untranslated(desk: Desk, text: str | None, residents) -> str | None:
    """The languages among `residents` (those told) that got `text` as written although a
    translator is configured, for the redirect's query: "ar,so", or None."""
    if not text or desk.app.translator is None:
        return None
    missing = await missing_translations(desk.session, text, desk.text.locale,
                                         [r for r in residents if not r.opted_out], desk.app.settings.timezone)
    return ",".join(missing) or None


def untranslated_notice(desk: Desk) -> str | None:
    """After a redirect with ?untranslated=ar,so: says those languages got the words as written."""
    codes = [code for code in forms.text(desk.params.get(UNTRANSLATED), 100).split(",") if code in LANGUAGE_NAMES]
    if not codes:
        return None
    return desk.text._s("No machine translation into {languages}: they got your words as written.",
                        languages=", ".join(LANGUAGE_NAMES[code] for code in codes))


@dataclass(frozen=True)
class PreviewGroup:
    """Residents who will read the same text: the author, or supporters of one language
    on one channel."""

    to_author: bool
    locale: str
    rtl: bool
    channel: str
    opted_out: bool
    count: int
    text: str


def group_previews(desk: Desk, previews: list[actions.Addressee]) -> list[PreviewGroup]:
    as_sent = config(desk.request).as_sent

    def key(a: actions.Addressee):
        return (not a.to_author, a.opted_out, a.locale, a.channel, as_sent.get(a.channel, str)(a.text))

    return [
        PreviewGroup(not k[0], k[2], k[2] in RTL_LOCALES, k[3], k[1], len(list(members)), k[4])
        for k, members in groupby(sorted(previews, key=key), key=key)
    ]


@dataclass(frozen=True)
class LanguagePreview:
    """One language's readers of an answer: its share's heading (how many, by SMS, what
    an SMS costs, machine translated or why not) and each group's exact text."""

    locale: str
    heading: str
    groups: list[PreviewGroup]


def language_previews(desk: Desk, shares: list[Share], addressees: list[actions.Addressee]) -> list[LanguagePreview]:
    """The groups by language, in the order residents' languages are listed; a language
    whose readers all opted out has no share, so only its name for a heading."""
    groups = group_previews(desk, addressees)
    headings = {share.language: heading(desk, share) for share in shares}
    names = language_labels(desk.text, LOCALES)
    return [
        LanguagePreview(locale, headings.get(locale) or names.get(locale, locale),
                        [g for g in groups if g.locale == locale])
        for locale in sorted({g.locale for g in groups}, key=LOCALES.index)
    ]
