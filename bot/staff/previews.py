"""What staff's words become for each language before they go: the staff member sees the
machine translation each group of residents will read, how many it reaches, and what one
SMS of it costs, then confirms. The translating happens here, while a staff member waits
(with a timeout), outside any transaction; sending then reads the translations from the
cache, so what was previewed is what goes. Where a translation fails, the original goes
and the preview says so. Shared by the CLI (`--preview`), the Telegram desk and the web desk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..domain import ideas
from ..domain.residents import reachable_residents
from ..domain.translations import source_language
from ..messaging import notices
from ..messaging.translation import Rendition, translate_words
from ..models import Idea, IdeaStatusChange, Resident
from ..text.resident import LANGUAGE_NAMES, Text
from ..text.sms_segments import gsm_safe, segments
from ..text.staff import StaffText

if TYPE_CHECKING:
    from ..app import App


@dataclass(frozen=True)
class Share:
    """What the residents who read one language get."""

    language: str
    residents: int
    by_sms: int
    text: str  # exactly what they will read
    segments: int  # what one SMS of it costs
    translated: bool
    problem: str | None  # why it goes as written, where a translation was wanted


def _shares(
    residents: list[Resident], timezone: str, render: Callable[[Text, Rendition | None], str],
    renditions: dict[str, Rendition],
) -> list[Share]:
    readers = Counter(Text(r.locale, timezone).locale for r in residents)
    by_sms = Counter(Text(r.locale, timezone).locale for r in residents if r.channel == "sms")
    shares = []
    for language in sorted(readers, key=lambda code: list(LANGUAGE_NAMES).index(code)):
        rendition = renditions.get(language)
        text = render(Text(language, timezone), rendition)
        shares.append(Share(language, readers[language], by_sms[language], text, segments(gsm_safe(text)),
                            bool(rendition and rendition.text), rendition.problem if rendition else None))
    return shares


async def preview_answer(
    app: App, idea_id: int, status: str, *, note: str | None, template: str | None = None,
    template_param: str | None = None, language: str,
) -> list[Share]:
    """An answer to an idea, for its author and supporters (nothing recorded or sent)."""
    async with app.sessions() as session:
        idea = await session.get(Idea, idea_id)
        # Who opted out gets nothing (notices.enqueue skips them), so is no reader here.
        followers = [r for r in await ideas.followers(session, idea) if not r.opted_out]
    timezone = app.settings.timezone
    wanted = {Text(r.locale, timezone).locale for r in followers}
    renditions = await translate_words(app, note, language, wanted) if note else {}
    change = IdeaStatusChange(idea_id=idea.id, status=status, note=note, template=template,
                              template_param=template_param)
    authors = [r for r in followers if r.id == idea.author_id]
    return _shares(followers, timezone, lambda t, r: notices.idea_news_text(
        t, idea, change, author=bool(authors) and authors[0].locale == t.locale, translated=r.text if r else None,
    ), renditions)


async def preview_broadcast(app: App, area_slug: str, text: str, *, language: str) -> list[Share]:
    """Staff's words to a whole area."""
    async with app.sessions() as session:
        residents = await reachable_residents(session, area_slug)
    timezone = app.settings.timezone
    renditions = await translate_words(app, text, language, {Text(r.locale, timezone).locale for r in residents})
    return _shares(residents, timezone, lambda t, r: notices.staff_words_renderer(
        text, {t.locale: r.text} if r and r.text else {})(t), renditions)


async def preview_you_said_we_did(app: App, idea_id: int) -> list[Share]:
    """"You said, we did" to the idea's whole area, the idea quoted in each language."""
    async with app.sessions() as session:
        idea = await session.get(Idea, idea_id)
        residents = await reachable_residents(session, idea.area_slug)
    timezone = app.settings.timezone
    renditions = await translate_words(app, idea.text, source_language(idea),
                                       {Text(r.locale, timezone).locale for r in residents})
    return _shares(residents, timezone, lambda t, r: notices.you_said_we_did_text(
        t, idea, r.text if r else None), renditions)


def share_heading(t: StaffText, share: Share) -> str:
    """"Soomaali: 4 residents, 1 by SMS (2 SMS segments each), machine translated"."""
    heading = t._sn("{language}: {n} resident, {sms} by SMS ({segments} SMS segments each)",
                    "{language}: {n} residents, {sms} by SMS ({segments} SMS segments each)",
                    share.residents, language=LANGUAGE_NAMES[share.language], sms=t.number(share.by_sms),
                    segments=t.number(share.segments))
    if share.translated:
        return heading + ", " + t._s("machine translated")
    if share.problem:
        return heading + ", " + t._s("goes as written: no translation ({problem})", problem=share.problem)
    return heading


def untranslated(shares: list[Share]) -> list[Share]:
    """The languages that get staff's words as written because translating failed."""
    return [share for share in shares if share.problem and not share.translated]


async def missing_translations(session, text: str, source: str, residents: list[Resident], timezone: str) -> list[str]:
    """The languages among `residents` with no machine translation of `text` in the cache:
    they got (or will get) staff's words as written."""
    wanted = {Text(r.locale, timezone).locale for r in residents} - {source}
    found = await notices.translations_by_language(session, text, source, wanted)
    return [code for code in LANGUAGE_NAMES if code in wanted and code not in found]
