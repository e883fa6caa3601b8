"""`python -m bench`: every Benken benchmark in one run (under 10 minutes on 2 cores),
with progress on stderr, written to bench/RESULTS.md.

1. inbound throughput, latency and memory on SQLite (bench/inbound.py)
2. broadcast delivery through the outbox (bench/broadcast.py)
3. digest and export at scale on SQLite (bench/scale.py)
4. SMS cost per language (bench/sms_cost.py)
5. parts 1 and 3 on PostgreSQL, and two worker processes (bench/postgres.py)
6. language identification and the first SMS's cost per language (bench/languages.py)
7. similar ideas: precision and recall on the labelled pairs (bench/similarity.py)

`python -m bench languages` and `python -m bench similarity` run part 6 or 7 alone and
replace only its section of RESULTS.md.

Temporary SQLite files and PostgreSQL databases (`benken_bench_<pid>_…`) are removed at
the end, also after a failure. A part that fails is reported as such; the others go on.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Awaitable, Callable

from . import broadcast, inbound, languages, postgres, report, scale, similarity, sms_cost
from .common import POSTGRES_URL, ROOT, Databases, log, machine, postgres_available, postgres_version

BUDGET_SECONDS = 600
PROTOTYPE_IF_BEFORE = 290  # seconds into the run (parts 1 and 2 without it take 250-310)
MEASURED = ("bot", "conversations", "tests/fake_telegram.py", "tests/sms_walk.py")


def fingerprint() -> dict[str, Any]:
    """A hash of the code being measured (the work tree changes while others work)."""
    digest, count = hashlib.sha256(), 0
    for name in MEASURED:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes())
            count += 1
    return {"sha256": digest.hexdigest()[:16], "files": count}


def code_facts() -> dict[str, Any]:
    """Facts about the measured code that the report states (checked, not assumed)."""
    calls = {name: (ROOT / name).read_text().count("recover_interrupted(") for name in ("bot/run.py", "bot/serve.py")}
    outbox_source = (ROOT / "bot/outbox.py").read_text()
    drain = outbox_source.split("async def drain_once", 1)[-1].split("\nasync def ", 1)[0]
    return {"recover_calls": calls,
            "recovery_only_at_start": all(c == 1 for c in calls.values()) and "recover_interrupted" not in drain}


async def part(name: str, run: Callable[[], Awaitable[dict]], started: float) -> dict[str, Any]:
    log(f"{name} … ({time.monotonic() - started:.0f} s so far)")
    try:
        return await run()
    except Exception as problem:  # reported in RESULTS.md; the other parts still run
        log(f"{name} FAILED: {type(problem).__name__}: {problem}")
        traceback.print_exc(limit=4)
        return {"error": f"{type(problem).__name__}: {str(problem)[:500]}"}


async def main() -> Path:
    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "fingerprint": fingerprint(), "load_start": os.getloadavg()[0],
                               "code_facts": code_facts()}
    pg = await postgres_available()
    results["postgres_version"] = await postgres_version(POSTGRES_URL) if pg else None
    log(f"{results['machine']['cpus']} CPUs, Python {results['machine']['python']}, PostgreSQL "
        f"{results['postgres_version'] or 'not available'}; code {results['fingerprint']['sha256']}")
    dbs = Databases()
    try:
        results["part1"] = await part("part 1: inbound on SQLite", lambda: inbound.run_part(dbs, "sqlite"), started)
        # The prototype of the suggested drain fix is optional: only while the run is on time.
        on_time = lambda: time.monotonic() - started < PROTOTYPE_IF_BEFORE  # noqa: E731
        results["part2"] = await part("part 2: broadcast", lambda: broadcast.run_part(dbs, prototype_if=on_time), started)
        results["part3"] = await part("part 3: digest and export on SQLite", lambda: scale.run_part(dbs, "sqlite"), started)
        results["part4"] = await part("part 4: SMS cost", sms_cost.run_part, started)
        results["part6"] = await part("part 6: languages in and out", languages.run_part, started)
        results["part7"] = await part("part 7: similar ideas", similarity.run_part, started)
        if pg:
            results["part5"] = await part("part 5: PostgreSQL", lambda: postgres.run_part(dbs), started)
        else:
            results["part5"] = {"skipped": f"PostgreSQL does not answer at {POSTGRES_URL} (set BENCH_POSTGRES_URL)"}
    finally:
        await dbs.close()
    results["total_seconds"] = time.monotonic() - started
    results["load_end"] = os.getloadavg()[0]
    results["fingerprint_end"] = fingerprint()
    path = report.write(results)
    minutes = results["total_seconds"] / 60
    log(f"done in {minutes:.1f} minutes{' (OVER the 10-minute budget)' if results['total_seconds'] > BUDGET_SECONDS else ''}; "
        f"wrote {path.relative_to(ROOT)}")
    return path


ALONE = {"languages": ("part 6: languages in and out", languages.run_part, report.PART6_TITLE, report.part6),
         "similarity": ("part 7: similar ideas", similarity.run_part, similarity.TITLE, similarity.section)}


async def one_part(name: str) -> Path:
    started = time.monotonic()
    label, run, title, render = ALONE[name]
    result = await part(label, run, started)
    path = report.write_section(title, result, render)
    log(f"{label} done in {time.monotonic() - started:.0f} s; its section of {path.relative_to(ROOT)} rewritten")
    return path


if __name__ == "__main__":
    asyncio.run(one_part(sys.argv[1]) if sys.argv[1:2] and sys.argv[1] in ALONE else main())
    sys.exit(0)
