"""The translation job, and translating staff's words while they compose.

Every TICK the job (1) finds the language each new resident text is written in, (2) makes
a task for each text staff will want in Norwegian and English, and for each idea's words
in every other language Benken speaks (residents are shown similar ideas in their own
language, and their words are compared in it: bot/domain/similar.py), and (3) works
through the tasks that are due, staff's first: from the cache when the words were translated before, else from the
provider. The provider is never called inside a transaction and never on a resident's
reply path. A provider that fails leaves its task pending with the error and a later try
(backing off from a minute to six hours); one failure ends the round, so a service that
is down is asked once a round, not once a text. Nothing is lost: the original is always
there, and the digest and the desk say what is still waiting and why.

Anonymous safety reports keep only their day, so their tasks keep only whole hours: a task
made (or retried) within seconds of a report would say when it came.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.translations import FIELDS, IDEA, MODELS, SAFETY, cached, source_language, store, words
from ..models import (
    TRANSLATION_DONE,
    TRANSLATION_PENDING,
    TRANSLATION_UNSUPPORTED,
    TRANSLATION_WITHHELD,
    UNDETERMINED,
    Idea,
    MediaFile,
    SafetyReport,
    TranslationTask,
    utcnow,
)
from ..providers.translation import TranslationError, UnsupportedLanguage, short
from ..text.language_id import detect
from ..text.resident import LOCALES
from ..text.staff import STAFF_LOCALES

if TYPE_CHECKING:
    from ..app import App
    from ..providers.translation import Translator

log = logging.getLogger(__name__)

DETECT_BATCH = 200  # texts whose language is found in one go (lingua: well under a second)
TASK_BATCH = 50  # translations asked for in one round
DISCOVER_DAYS = 90  # a translator configured later translates what came in this long before
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=6)  # the longest wait between tries: a provider down all day is still retried
COMPOSE_TIMEOUT = 8.0  # seconds a staff member waits for a preview before the original goes as written
# The words residents read in each other's language too (an idea's text, not its place or a
# safety report): into every language of ours, so a resident who comes later has them.
FOR_RESIDENTS = {(IDEA, "text")}


async def tick(app: App, *, now: datetime | None = None) -> int:
    """One round of the job; returns how many texts were translated."""
    now = now or utcnow()
    await detect_languages(app)
    translator = app.translator
    if translator is None:
        return 0
    async with app.sessions() as session, session.begin():
        await make_tasks(session, translator, now=now)
    return await translate_due(app, translator, now=now)


# 1. The language each text is written in ---------------------------------------------------


async def detect_languages(app: App) -> int:
    """Store the detected language of ideas and safety reports that have none yet."""
    found = 0
    for kind in (IDEA, SAFETY):
        model = MODELS[kind]
        async with app.sessions() as session, session.begin():
            records = (await session.execute(
                select(model).where(model.written_in.is_(None)).order_by(model.id).limit(DETECT_BATCH)
            )).scalars().all()
            if not records:
                continue
            samples = [_sample(record, kind) for record in records]
            # Lingua is CPU work (and loads its models the first time): off the event loop.
            languages = await asyncio.to_thread(lambda: [detect(sample) for sample in samples])
            for record, language in zip(records, languages):
                record.written_in = language or UNDETERMINED
            found += len(records)
    return found


def _sample(record: Idea | SafetyReport, kind: str) -> str:
    """The words that say most about the language: an idea's text, a report's details
    (its place is often a name: "Furuset senter")."""
    given = words(record, kind)
    return given.get("text") or given.get("details") or given.get("place") or ""


# 2. Tasks -----------------------------------------------------------------------------------


def whole_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


async def make_tasks(session: AsyncSession, translator: Translator, *, now: datetime) -> int:
    """A task for each recent text (whose language is known) into each staff language it
    is not written in, unless this provider has one already or another finished it. Per
    field: words that come later (a voice message written down) get tasks of their own."""
    made = 0
    for kind, model, column in ((IDEA, Idea, TranslationTask.idea_id), (SAFETY, SafetyReport, TranslationTask.report_id)):
        since = now - timedelta(days=DISCOVER_DAYS)
        recent = model.created_at >= since if model is Idea else model.reported_on >= since.date()
        for field, attribute in FIELDS[kind].items():
            existing = select(TranslationTask.id).where(
                column == model.id, TranslationTask.field == field,
                or_(TranslationTask.provider == translator.name, TranslationTask.status == TRANSLATION_DONE),
            ).exists()
            given = getattr(model, attribute)
            records = (await session.execute(
                select(model).where(model.written_in.is_not(None), recent, given.is_not(None), given != "", ~existing)
                .order_by(model.id).limit(TASK_BATCH)
            )).scalars().all()
            for record in records:
                made += _tasks_for(session, translator, kind, record, column, field, now)
    return made


def _tasks_for(session: AsyncSession, translator: Translator, kind: str, record, column, field: str,
               now: datetime) -> int:
    """The tasks for one field of one record: one per staff language it is not in, and for
    an idea's text one per other language of ours (FOR_RESIDENTS)."""
    source, made = source_language(record), 0
    if field not in words(record, kind):  # only blanks
        return 0
    for target in LOCALES if (kind, field) in FOR_RESIDENTS else STAFF_LOCALES:
        if target == source:
            continue
        task = TranslationTask(field=field, target=target, provider=translator.name, attempts=0,
                               status=TRANSLATION_PENDING)
        setattr(task, column.key, record.id)
        if kind == SAFETY and not translator.sensitive:
            task.status = TRANSLATION_WITHHELD
        elif not (translator.supports(source) and translator.supports(target)):
            task.status, task.last_error = TRANSLATION_UNSUPPORTED, f"{translator.name} has no {source!r}"
        if kind == SAFETY and record.anonymous:
            task.next_try_at = whole_hour(now)
        session.add(task)
        made += 1
    return made


# 3. Translating -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Work:
    task_id: int
    text: str
    source: str
    target: str
    anonymous: bool


async def _due(app: App, now: datetime) -> list[_Work]:
    async with app.sessions() as session:
        tasks = (await session.execute(
            select(TranslationTask)
            .where(TranslationTask.status == TRANSLATION_PENDING,
                   or_(TranslationTask.next_try_at.is_(None), TranslationTask.next_try_at <= now))
            .order_by(TranslationTask.next_try_at.is_not(None), TranslationTask.target.not_in(STAFF_LOCALES),
                      TranslationTask.id)
            .limit(TASK_BATCH)
        )).scalars().all()
        work = []
        for task in tasks:
            kind = IDEA if task.idea_id is not None else SAFETY
            record = await session.get(MODELS[kind], task.idea_id or task.report_id)
            text = getattr(record, FIELDS[kind][task.field]) if record is not None else None
            if text:
                work.append(_Work(task.id, text, source_language(record), task.target,
                                  kind == SAFETY and record.anonymous))
        return work


async def translate_due(app: App, translator: Translator, *, now: datetime) -> int:
    """Work through the due tasks; the first failure of the provider ends the round."""
    done = 0
    for work in await _due(app, now):
        async with app.sessions() as session, session.begin():
            translated = await cached(session, work.text, work.source, work.target, translator.name)
            if translated is not None:
                await _settle(session, work.task_id, TRANSLATION_DONE)
                done += 1
                continue
        try:
            # Outside any transaction: the provider may take its time.
            translated = (await translator.translate([work.text], work.source, work.target))[0]
        except UnsupportedLanguage as problem:
            async with app.sessions() as session, session.begin():
                await _settle(session, work.task_id, TRANSLATION_UNSUPPORTED, error=str(problem))
            continue
        except TranslationError as problem:
            async with app.sessions() as session, session.begin():
                await _retry_later(session, work, problem, now)
            log.warning("translation failed, tried again later: %s", short(problem))
            break
        async with app.sessions() as session, session.begin():
            await store(session, work.text, work.source, work.target, translator.name, translated)
            await _settle(session, work.task_id, TRANSLATION_DONE)
        done += 1
    return done


async def _settle(session: AsyncSession, task_id: int, status: str, *, error: str | None = None) -> None:
    task = await session.get(TranslationTask, task_id)
    if task is not None:
        task.status, task.last_error = status, (short(error) if error else task.last_error)


def backoff(attempts: int) -> timedelta:
    """A minute after the first failure, doubling, at most LAST_RETRY."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LAST_RETRY)


def fail_once_more(work: TranslationTask | MediaFile, problem: Exception, now: datetime, *, anonymous: bool) -> None:
    """A task (a translation, a recording to write down) failed again: count it, say why,
    and when to try next (whole hours for an anonymous report's)."""
    work.attempts += 1
    wait = backoff(work.attempts)
    asked = getattr(problem, "retry_after", None)
    if asked:  # the service said how long (429 Retry-After): never sooner
        wait = max(wait, timedelta(seconds=asked))
    work.next_try_at = whole_hour(now + wait) if anonymous else now + wait
    work.last_error = short(problem)


async def _retry_later(session: AsyncSession, work: _Work, problem: TranslationError, now: datetime) -> None:
    task = await session.get(TranslationTask, work.task_id)
    if task is not None:
        fail_once_more(task, problem, now, anonymous=work.anonymous)


# Staff's words, while they compose -------------------------------------------------------------


@dataclass(frozen=True)
class Rendition:
    """Staff's words for readers of one language: translated, or why they go as written."""

    language: str
    text: str | None  # None: the words go as written
    problem: str | None = None


async def translate_words(
    app: App, text: str, source: str, targets: set[str], *, timeout: float = COMPOSE_TIMEOUT
) -> dict[str, Rendition]:
    """`text` (staff's note, a broadcast, an idea quoted to the area) in each of `targets`,
    for a preview before it goes: from the cache, else from the provider within `timeout`,
    and kept in the cache, which is what sending reads. Never inside a transaction."""
    translator = app.translator
    wanted = sorted(language for language in targets if language != source)
    if translator is None or not text.strip():  # goes as written by design: nothing failed
        return {language: Rendition(language, None) for language in wanted}
    found: dict[str, Rendition] = {}
    for language in wanted:
        async with app.sessions() as session:
            known = await cached(session, text, source, language)
        if known is not None:
            found[language] = Rendition(language, known)
            continue
        try:
            translated = (await translator.translate([text], source, language, timeout=timeout))[0]
        except TranslationError as problem:
            found[language] = Rendition(language, None, short(problem))
            continue
        async with app.sessions() as session, session.begin():
            await store(session, text, source, language, translator.name, translated)
        found[language] = Rendition(language, translated)
    return found
