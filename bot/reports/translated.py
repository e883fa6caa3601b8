"""Machine translations beside residents' words, as staff read them: which language a
text came from, the translation marked as a machine's, and why there is none when there
is none. Used by the digest, exports and the Telegram desk (the web desk calls
`domain.translations.staff_translations` and words it with `translation_line`)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.media import recordings
from ..domain.translations import IDEA, SAFETY, MachineTranslation, staff_translations
from ..models import TRANSLATION_DONE, TRANSLATION_PENDING, TRANSLATION_UNSUPPORTED, TRANSLATION_WITHHELD, TranslationTask
from ..text.staff import STAFF_LOCALES, StaffText, language_labels

Shown = dict[str, MachineTranslation]  # by field: text, place, details


def language_name(t: StaffText, code: str | None) -> str:
    """A language's name for staff, inside a sentence ("fra somali", "from Somali")."""
    return language_labels(t, [code], in_sentence=True)[code] if code else "?"


def translation_line(t: StaffText, shown: MachineTranslation | None) -> str | None:
    """One line under a resident's words: the translation marked as a machine's, or why
    there is none; None where nothing needs saying (same language, no translator)."""
    if shown is None:
        return None
    language = language_name(t, shown.source)
    if shown.state == TRANSLATION_DONE:
        return t._s("Machine translation from {language}: {text}", language=language, text=shown.text)
    if shown.failing:
        return t._sn(
            "Machine translation from {language} failed {n} time; tried again later ({error})",
            "Machine translation from {language} failed {n} times; tried again later ({error})",
            shown.attempts, language=language, error=shown.error or "?",
        )
    if shown.state == TRANSLATION_UNSUPPORTED:
        return t._s("No machine translation: the translator does not know {language}", language=language)
    if shown.state == TRANSLATION_WITHHELD:
        return t._s("Not machine translated: safety reports go only to a translator allowed for them")
    return None


async def translations_for(session: AsyncSession, kind: str, ids: list[int]) -> dict[int, dict[str, Shown]]:
    """For each record id: by staff language (nb, en), its words and their translations."""
    found: dict[int, dict[str, Shown]] = {number: {} for number in ids}
    for target in STAFF_LOCALES:
        for (_kind, number), shown in (await staff_translations(session, [(kind, n) for n in ids], target)).items():
            found[number][target] = shown
    return found


async def with_translations(session: AsyncSession, items: list, kind: str, number) -> list:
    """Digest items (dataclasses with `translations` and `voices` fields) with their
    translations and the length of each voice message given for a field."""
    ids = [number(item) for item in items]
    found = await translations_for(session, kind, ids)
    spoken = await recordings(session, kind, ids)
    return [replace(item, translations=found.get(number(item), {}),
                    voices={f: voice.seconds for f, voice in spoken.get(number(item), {}).items()}) for item in items]


async def failing_count(session: AsyncSession) -> tuple[int, str | None]:
    """(texts whose translation failed and waits for another try, the latest error)."""
    waiting = (TranslationTask.status == TRANSLATION_PENDING, TranslationTask.attempts > 0)
    count = (await session.execute(select(func.count(TranslationTask.id)).where(*waiting))).scalar_one()
    error = (await session.execute(
        select(TranslationTask.last_error).where(*waiting).order_by(TranslationTask.id.desc()).limit(1)
    )).scalar_one_or_none()
    return count, error


__all__ = ["IDEA", "SAFETY", "language_name", "translation_line", "translations_for", "with_translations",
           "failing_count"]
