"""Part 4: what an SMS conversation costs, per language.

Runs the project's own walk (`tests.sms_walk.table`): one SMS resident per language goes
through every flow by numbers (with errors, the waiting list, reminders, thanks, a moved
and a cancelled dugnad, deletion), collecting every text the bot sends; each is counted
in Twilio's segments (`bot.channels.sms.segments`: GSM-7 160/153, else UCS-2 70/67).
The budget (README, tests/test_sms.py): no single message above 3 segments.
"""

from __future__ import annotations

from typing import Any

BUDGET = 3


async def segment_table() -> dict[str, Any]:
    from bot.channels.sms import segments
    from bot.text.resident import LANGUAGE_NAMES
    from tests.sms_walk import table

    rows = await table(list(LANGUAGE_NAMES))
    return {"rows": [
        {"locale": locale, "language": LANGUAGE_NAMES[locale], "messages": measured, "median": median,
         "max": most, "worst_chars": len(worst), "worst_segments": segments(worst),
         "worst_start": " ".join(worst.split())[:48]}
        for locale, measured, median, most, worst in rows
    ], "budget": BUDGET}


async def run_part() -> dict[str, Any]:
    from .common import log, run_in_subprocess

    out = await run_in_subprocess("bench.sms_cost:segment_table", {}, timeout=120)
    worst = max(r["max"] for r in out["rows"])
    log(f"  SMS walk: {len(out['rows'])} languages, at most {worst} segments a message")
    return out
