"""Resident texts translated for staff by the background job: the digest shows the
original and the machine translation, the cache saves calls, a provider that is down loses
nothing, and safety reports go only where they may."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain import safety
from bot.domain.residents import erase_resident
from bot.domain.translations import staff_translations
from bot.messaging import translation
from bot.models import Translation, TranslationTask
from bot.reports.digest import build_digest
from bot.reports.digest_layout import render_csv, render_text

from ..conftest import daytime
from ..factories import make_idea, make_resident

SOMALI = "Waxaan u baahanahay kuraas badan oo u dhow goobta carruurta"
# An idea's words go into every other language of ours: Norwegian and English for staff,
# the rest for residents (similar ideas are shown, and compared, in the reader's language).
EVERY_OTHER = 9


async def _idea(app, text=SOMALI, locale="so", now=None):
    async with app.sessions() as session, session.begin():
        resident = await make_resident(session, locale=locale)
        idea = await make_idea(session, resident, app, text=text, now=now)
    return resident, idea


async def _digest(app, now, locale="nb"):
    async with app.sessions() as session:
        return await build_digest(session, app.areas, area_slugs=["furuset"], since=now - timedelta(days=7),
                                  until=now + timedelta(minutes=1), locale=locale, timezone="Europe/Oslo")


async def test_a_somali_idea_reaches_the_digest_with_its_norwegian_translation(azure_app, fake_azure, language_id_ready):
    now = daytime()
    _resident, idea = await _idea(azure_app, now=now - timedelta(hours=1))
    assert await translation.tick(azure_app, now=now) == EVERY_OTHER
    async with azure_app.sessions() as session:
        stored = await session.get(type(idea), idea.id)
        assert stored.written_in == "so"
    digest = await _digest(azure_app, now)
    text = render_text(digest, "nb")
    assert SOMALI in text
    assert "Maskinoversatt fra somali: Vi trenger flere benker nær lekeplassen" in text
    assert "Machine translation from Somali: We need more benches near the playground" in render_text(digest, "en")
    csv = render_csv(digest)
    assert "so,Vi trenger flere benker nær lekeplassen" in csv


async def test_the_same_words_are_translated_once(azure_app, fake_azure, language_id_ready):
    now = daytime()
    await _idea(azure_app, now=now - timedelta(hours=2))
    await translation.tick(azure_app, now=now)
    calls = len(fake_azure.translations)
    assert calls == EVERY_OTHER
    await _idea(azure_app, now=now - timedelta(hours=1))  # another resident, the same words
    assert await translation.tick(azure_app, now=now) == EVERY_OTHER
    assert len(fake_azure.translations) == calls  # both from the cache
    assert await translation.tick(azure_app, now=now) == 0  # nothing left to do


async def test_a_provider_down_loses_nothing_retries_later_and_staff_are_told(azure_app, fake_azure, language_id_ready):
    now = daytime()
    _resident, idea = await _idea(azure_app, now=now - timedelta(hours=1))
    fake_azure.fail_next(503)
    assert await translation.tick(azure_app, now=now) == 0
    assert len(fake_azure.calls) == 1  # one failure ends the round: a service down is asked once
    async with azure_app.sessions() as session:
        tasks = (await session.execute(select(TranslationTask).order_by(TranslationTask.id))).scalars().all()
        assert all(task.status == "pending" for task in tasks) and len(tasks) == EVERY_OTHER
        failed = [task for task in tasks if task.attempts]
        assert len(failed) == 1 and "503" in failed[0].last_error and failed[0].next_try_at > now
        shown = await staff_translations(session, [("idea", idea.id)], "en")
    assert shown[("idea", idea.id)]["text"].original == SOMALI  # the original is always there
    assert "1 text waits for its machine translation: the translator failed (azure 503" in render_text(
        await _digest(azure_app, now), "en")
    assert "Benken prøver igjen" in render_text(await _digest(azure_app, now), "nb")

    fake_azure.fail_next(429, retry_after=600)
    assert await translation.tick(azure_app, now=now + timedelta(minutes=2)) == 0
    async with azure_app.sessions() as session:
        tasks = (await session.execute(select(TranslationTask).where(TranslationTask.attempts > 0))).scalars().all()
        # Retry-After is respected: no try before the service said.
        assert max(task.next_try_at for task in tasks) >= now + timedelta(minutes=2, seconds=600)

    assert await translation.tick(azure_app, now=now + timedelta(hours=1)) == EVERY_OTHER
    digest = render_text(await _digest(azure_app, now), "nb")
    assert "Vi trenger flere benker nær lekeplassen" in digest and "prøver igjen" not in digest


async def test_a_safety_report_never_goes_to_a_provider_not_allowed_sensitive_text(azure_app, fake_azure, language_id_ready):
    async with azure_app.sessions() as session, session.begin():
        resident = await make_resident(session, locale="so")
        draft = safety.SafetyDraft(time_of_day="evening", category="harassment", place_text="Jaranjarada dugsiga",
                                   details="Dhalinyaro ayaa ku qaylinaya gabdhaha habeenkii")
        report = await safety.report_safety(session, resident, "furuset", draft, anonymous=True, timezone="Europe/Oslo")
    await translation.tick(azure_app, now=daytime())
    assert fake_azure.translations == []
    sent = [str(call["body"]) for call in fake_azure.calls]
    assert not any("Dhalinyaro" in body or "Jaranjarada" in body for body in sent)
    async with azure_app.sessions() as session:
        shown = await staff_translations(session, [("safety", report.id)], "nb")
    assert shown[("safety", report.id)]["details"].state == "withheld"


async def test_a_self_hosted_translator_gets_safety_reports_with_whole_hours_for_anonymous_ones(
    libre_app, fake_libre, language_id_ready
):
    now = daytime().replace(minute=17, second=5)
    async with libre_app.sessions() as session, session.begin():
        resident = await make_resident(session, locale="ar")
        draft = safety.SafetyDraft(time_of_day="night", category="drugs",
                                   details="يبيع بعض الشباب المخدرات قرب الدرج كل ليلة، اتصلوا بي على 90012345")
        report = await safety.report_safety(session, resident, "furuset", draft, anonymous=True, timezone="Europe/Oslo")
    assert await translation.tick(libre_app, now=now) == 0  # not before the next whole hour
    async with libre_app.sessions() as session:
        tasks = (await session.execute(select(TranslationTask))).scalars().all()
        assert tasks and all(task.next_try_at.minute == 0 and task.next_try_at.second == 0 for task in tasks)
    assert await translation.tick(libre_app, now=now + timedelta(hours=1)) == 2
    sent = " ".join(str(call["body"]) for call in fake_libre.translations)
    assert "يبيع" in sent and "90012345" not in sent and "***" in sent  # masked before it left
    async with libre_app.sessions() as session:
        shown = await staff_translations(session, [("safety", report.id)], "nb")
    assert shown[("safety", report.id)]["details"].text.startswith("[ar>nb]")


async def test_a_language_the_translator_lacks_is_said_not_retried(libre_app, fake_libre, language_id_ready):
    now = daytime()
    _resident, idea = await _idea(libre_app, now=now - timedelta(hours=1))
    await translation.tick(libre_app, now=now)
    assert fake_libre.translations == []  # LibreTranslate has no Somali: never asked
    async with libre_app.sessions() as session:
        shown = await staff_translations(session, [("idea", idea.id)], "nb")
    assert shown[("idea", idea.id)]["text"].state == "unsupported"
    assert "oversetteren kan ikke somali" in render_text(await _digest(libre_app, now), "nb")


async def test_erasing_a_resident_erases_the_translations_of_their_words(azure_app, fake_azure, language_id_ready):
    now = daytime()
    resident, _idea_ = await _idea(azure_app, now=now - timedelta(hours=1))
    await translation.tick(azure_app, now=now)
    async with azure_app.sessions() as session, session.begin():
        assert len((await session.execute(select(Translation))).all()) == EVERY_OTHER
        await erase_resident(session, await session.get(type(resident), resident.id), keep_ideas=False,
                             timezone="Europe/Oslo")
    async with azure_app.sessions() as session:
        assert (await session.execute(select(Translation))).all() == []


async def test_without_a_translator_only_the_language_is_found(app, language_id_ready):
    now = daytime()
    _resident, idea = await _idea(app, text="Potrzebujemy więcej ławek przy placu zabaw", locale="nb",
                                  now=now - timedelta(hours=1))
    assert await translation.tick(app, now=now) == 0
    async with app.sessions() as session:
        assert (await session.get(type(idea), idea.id)).written_in == "pl"
        assert (await session.execute(select(TranslationTask))).all() == []
    text = render_text(await _digest(app, now), "nb")
    assert "Potrzebujemy" in text and "Maskinoversatt" not in text


async def test_exports_carry_the_language_and_the_machine_translations(azure_app, fake_azure, language_id_ready):
    import csv
    import io

    from bot.reports import export

    now = daytime()
    await _idea(azure_app, now=now - timedelta(hours=1))
    await translation.tick(azure_app, now=now)
    out = io.StringIO()
    assert await export.write(azure_app, "ideas", "csv", None, out) == 1
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["text"] == SOMALI and row["language"] == "so" and row["written_in"] == "so"
    assert row["text_nb"] == "Vi trenger flere benker nær lekeplassen"
    assert row["text_en"] == "We need more benches near the playground" and row["place_nb"] == ""
