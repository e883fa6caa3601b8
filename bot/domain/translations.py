"""Machine translations in the database: the cache (by a hash of the text, the languages
and the provider), which texts of residents there are to translate and in what language
they are written, and what staff are shown beside each original. Session first, rows out;
the provider itself is called by messaging/translation.py, never from here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    TRANSLATION_DONE,
    TRANSLATION_PENDING,
    UNDETERMINED,
    Idea,
    SafetyReport,
    Translation,
    TranslationTask,
)
from .queries import upsert

IDEA, SAFETY = "idea", "safety"  # the kinds of resident text staff read
# The words of each kind that are translated, by field name.
FIELDS = {IDEA: {"text": "text", "place": "place_text"}, SAFETY: {"place": "place_text", "details": "details"}}
MODELS = {IDEA: Idea, SAFETY: SafetyReport}

IN_CHUNK = 900  # ids or hashes in one IN (...): well under SQLite's limit on bound parameters
# What staff see beside an original.
SAME = "same"  # written in the staff member's language: nothing to translate
NONE = "none"  # no translator configured, or the text came before one was


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_language(record: Idea | SafetyReport) -> str:
    """The language a record's words are in: as detected, else the one its author chose."""
    return record.written_in if record.written_in and record.written_in != UNDETERMINED else record.locale


def words(record: Idea | SafetyReport, kind: str) -> dict[str, str]:
    """The record's translatable words by field, leaving out the empty ones."""
    found = {name: getattr(record, column) for name, column in FIELDS[kind].items()}
    return {name: value for name, value in found.items() if value and value.strip()}


async def cached(
    session: AsyncSession, text: str, source: str, target: str, provider: str | None = None
) -> str | None:
    """A translation already made (by `provider`, or by any: the newest)."""
    query = select(Translation.text).where(
        Translation.text_hash == text_hash(text), Translation.source == source, Translation.target == target
    )
    if provider is not None:
        query = query.where(Translation.provider == provider)
    return (await session.execute(query.order_by(Translation.id.desc()).limit(1))).scalar_one_or_none()


async def cached_many(
    session: AsyncSession, texts: list[tuple[str, str]], targets: tuple[str, ...]
) -> dict[tuple[str, str, str], str]:
    """Translations of many (text, source) pairs in one query, keyed by (text hash, source,
    target): for exports, a batch of rows at a time."""
    hashes = sorted({text_hash(text) for text, _source in texts if text})
    found: dict[tuple[str, str, str], str] = {}
    for start in range(0, len(hashes), IN_CHUNK):
        rows = await session.execute(
            select(Translation.text_hash, Translation.source, Translation.target, Translation.text)
            .where(Translation.text_hash.in_(hashes[start:start + IN_CHUNK]), Translation.target.in_(targets))
            .order_by(Translation.id)
        )
        found.update({(h, source, target): text for h, source, target, text in rows.all()})  # the newest wins
    return found


async def store(session: AsyncSession, text: str, source: str, target: str, provider: str, translated: str) -> None:
    """Keep a translation; the same one stored twice (two workers) is kept once."""
    await session.execute(
        upsert(session)(Translation)
        .values(text_hash=text_hash(text), source=source, target=target, provider=provider, text=translated)
        .on_conflict_do_nothing(index_elements=["text_hash", "source", "target", "provider"])
    )


async def forget(session: AsyncSession, texts: list[str]) -> None:
    """Delete the translations of these texts (a resident erasing their data)."""
    hashes = sorted({text_hash(text) for text in texts if text})
    if hashes:
        await session.execute(delete(Translation).where(Translation.text_hash.in_(hashes)))


@dataclass(frozen=True)
class MachineTranslation:
    """One resident text as staff see it: the original, and its translation into the
    staff member's language when there is one (`state` says why not otherwise)."""

    field: str  # text, place or details
    original: str
    source: str  # the language it is written in (a code: so, ar, …)
    target: str  # the staff member's language
    text: str | None  # the machine translation, when done
    state: str  # done, same, pending, unsupported, withheld or none
    attempts: int = 0  # failed tries so far, while pending
    error: str | None = None  # the provider's last error, while pending or unsupported

    @property
    def failing(self) -> bool:
        return self.state == TRANSLATION_PENDING and self.attempts > 0


async def staff_translations(
    session: AsyncSession, texts: list[tuple[str, int]], target: str
) -> dict[tuple[str, int], dict[str, MachineTranslation]]:
    """For each (kind, id) of `texts` ("idea" or "safety", and the record's id): its words by
    field, each with its machine translation into `target` (nb or en) or why there is none.
    What the digest, the Telegram desk, exports and the web desk show side by side."""
    found: dict[tuple[str, int], dict[str, MachineTranslation]] = {}
    for kind in (IDEA, SAFETY):
        every = sorted({number for k, number in texts if k == kind})
        for start in range(0, len(every), IN_CHUNK):
            found.update(await _staff_translations(session, kind, every[start:start + IN_CHUNK], target))
    return found


async def _staff_translations(
    session: AsyncSession, kind: str, ids: list[int], target: str
) -> dict[tuple[str, int], dict[str, MachineTranslation]]:
    """staff_translations for up to IN_CHUNK records of one kind: three queries."""
    model = MODELS[kind]
    records = (await session.execute(select(model).where(model.id.in_(ids)))).scalars().all()
    column = TranslationTask.idea_id if kind == IDEA else TranslationTask.report_id
    tasks: dict[tuple[int, str], TranslationTask] = {}
    for task in (await session.execute(
        select(TranslationTask).where(column.in_(ids), TranslationTask.target == target).order_by(TranslationTask.id)
    )).scalars():
        tasks[(getattr(task, column.key), task.field)] = task  # the newest provider's task wins
    texts = await cached_many(
        session, [(text, source_language(r)) for r in records for text in words(r, kind).values()], (target,)
    )
    found: dict[tuple[str, int], dict[str, MachineTranslation]] = {}
    for record in records:
        source = source_language(record)
        found[(kind, record.id)] = {
            field: _shown(field, original, source, target, texts.get((text_hash(original), source, target)),
                          tasks.get((record.id, field)))
            for field, original in words(record, kind).items()
        }
    return found


def _shown(
    field: str, original: str, source: str, target: str, text: str | None, task: TranslationTask | None
) -> MachineTranslation:
    if source == target:
        return MachineTranslation(field, original, source, target, None, SAME)
    if text is not None:
        return MachineTranslation(field, original, source, target, text, TRANSLATION_DONE)
    if task is None:
        return MachineTranslation(field, original, source, target, None, NONE)
    state = TRANSLATION_PENDING if task.status == TRANSLATION_DONE else task.status
    return MachineTranslation(field, original, source, target, None, state, task.attempts, task.last_error)
