"""Part 6: ten languages in, ten languages out.

1. Language identification (bot/text/language_id.py, lingua with Ge'ez for Tigrinya) on
   the labelled set tests/data/language_id.tsv: per language, right, undecided and wrong,
   for texts over 20 characters and for shorter ones; and how many would be "clearly" one
   language, the bar for greeting a first SMS in it.
2. What the first SMS from a new number costs, per language: the segments of Benken's
   first answer with the language identifier not loaded (as before this change: greeting
   and the ten-language menu) and loaded (greeted in the language the SMS was written in
   when it is clear), measured through the real engine with SMS capabilities, for every
   plain text of the labelled set as the first SMS. Either way the resident answers once
   (a language number, or "1" to continue) before the area question.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

LONG = 20  # characters: the bar is 90 % for texts longer than this


async def language_table() -> dict[str, Any]:
    import time

    from bot.text import language_id
    from bot.text.resident import LANGUAGE_NAMES, LOCALES
    from tests.text.test_language_id import labelled

    started = time.monotonic()
    language_id.warm_up()
    load_seconds = time.monotonic() - started
    rows = labelled()
    table = []
    started = time.monotonic()
    for locale in LOCALES:
        mine = [(kind, text) for language, kind, text in rows if language == locale]
        counts = {"long": [0, 0, 0, 0], "short": [0, 0, 0, 0]}  # texts, right, undecided, wrong
        wrong_as: dict[str, int] = {}
        clearly = 0
        for _kind, text in mine:
            found = language_id.detect(text)
            bucket = counts["long" if len(text) > LONG else "short"]
            bucket[0] += 1
            if found == locale:
                bucket[1] += 1
            elif found is None:
                bucket[2] += 1
            else:
                bucket[3] += 1
                wrong_as[found] = wrong_as.get(found, 0) + 1
            clearly += language_id.clearly_ours(text, LOCALES) == locale
        table.append({"locale": locale, "language": LANGUAGE_NAMES[locale], "long": counts["long"],
                      "short": counts["short"], "wrong_as": wrong_as, "clearly": clearly, "texts": len(mine)})
    return {"rows": table, "load_seconds": load_seconds,
            "ms_per_text": (time.monotonic() - started) * 1000 / (2 * len(rows))}


async def first_contact_cost() -> dict[str, Any]:
    from bot import db
    from bot.app import open_app
    from bot.channels import sms
    from bot.messaging.inbox import receive
    from bot.settings import Settings
    from bot.text import language_id
    from bot.text.resident import LANGUAGE_NAMES, LOCALES
    from conversations.messages import TEXT, Inbound
    from tests.text.test_language_id import labelled

    texts = [(language, text) for language, kind, text in labelled() if kind == "plain"]
    folder = Path(tempfile.mkdtemp(prefix="benken_bench_lang_"))
    url = f"sqlite+aiosqlite:///{folder / 'first.db'}"
    engine = db.create_engine(url)
    await db.upgrade(engine)
    await engine.dispose()
    costs: dict[str, dict[str, list[int]]] = {locale: {"before": [], "after": []} for locale in LOCALES}
    greeted_in_language = {locale: 0 for locale in LOCALES}
    number = 0
    async with open_app(Settings(database_url=url), migrate=False) as app:
        for when in ("before", "after"):
            if when == "after":
                language_id.warm_up()
            else:
                language_id._ready.clear()  # as before: no language is guessed from a first SMS
            for language, text in texts:
                number += 1
                received = await receive(app, "sms", f"bench-{number}", Inbound(TEXT, text=text),
                                         capabilities=sms.CAPABILITIES, phone=f"+4791{number:06d}")
                rendered = [sms.render(message) for message in received.messages]
                costs[language][when].append(sum(sms.segments(r) for r in rendered))
                shown = "\n".join(rendered)
                if when == "after" and sum(name in shown for name in LANGUAGE_NAMES.values()) < 3:  # no menu
                    greeted_in_language[language] += 1
    rows = [{"locale": locale, "language": LANGUAGE_NAMES[locale], "texts": len(costs[locale]["after"]),
             "before": statistics.mean(costs[locale]["before"]), "after": statistics.mean(costs[locale]["after"]),
             "after_max": max(costs[locale]["after"]), "greeted": greeted_in_language[locale]} for locale in LOCALES]
    return {"rows": rows}


async def run_part() -> dict[str, Any]:
    from .common import log, run_in_subprocess

    identification = await run_in_subprocess("bench.languages:language_table", {}, timeout=300)
    cost = await run_in_subprocess("bench.languages:first_contact_cost", {}, timeout=300)
    worst = min(r["long"][1] / r["long"][0] for r in identification["rows"])
    log(f"  language identification: at worst {worst:.0%} right over 20 characters; "
        f"first SMS {statistics.mean(r['before'] for r in cost['rows']):.1f} → "
        f"{statistics.mean(r['after'] for r in cost['rows']):.1f} segments on average")
    return {"identification": identification, "first_contact": cost}
