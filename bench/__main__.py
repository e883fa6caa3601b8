"""`python -m bench`: every Benken benchmark in one run (about 15 minutes on 2 cores),
with progress on stderr, written to bench/RESULTS.md.

1. inbound throughput, latency, CPU, memory and where the CPU goes, on SQLite (bench/inbound.py)
2. broadcast delivery through the outbox: straight, restarted, several senders (bench/broadcast.py)
3. digest and export at scale on SQLite (bench/scale.py)
4. SMS cost per language (bench/sms_cost.py)
5. parts 1 and 3 on PostgreSQL, and two worker processes (bench/postgres.py)
6. language identification and the first SMS's cost per language (bench/languages.py)
7. SMS webhooks through the real `benken serve` over HTTP (bench/serve_http.py)
8. similar ideas: precision and recall on the labelled pairs (bench/similarity.py)

`python -m bench languages` and `python -m bench similarity` run part 6 or 8 alone and
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

from . import broadcast, inbound, languages, postgres, report, scale, serve_http, similarity, sms_cost
from .common import POSTGRES_URL, ROOT, Databases, log, machine, postgres_available, postgres_version

BUDGET_SECONDS = 1200  # the whole run, on this 2-core machine
MEASURED = ("bot", "conversations", "tests/doubles/fake_telegram.py", "bench")


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
    sources = {name: (ROOT / name).read_text() for name in ("bot/run.py", "bot/serve.py")}
    return {"recover_with_worker": {name: "recover_interrupted(" in text and "worker=" in text.split(
        "recover_interrupted(", 1)[1].split(")", 1)[0] for name, text in sources.items()}}


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
        results["part1"] = await part("part 1: inbound on SQLite",
                                      lambda: inbound.run_part(dbs, "sqlite", profile=True), started)
        results["part2"] = await part("part 2: broadcast", lambda: broadcast.run_part(dbs, postgres=pg), started)
        results["part3"] = await part("part 3: digest and export on SQLite", lambda: scale.run_part(dbs, "sqlite"), started)
        results["part4"] = await part("part 4: SMS cost", sms_cost.run_part, started)
        results["part6"] = await part("part 6: languages in and out", languages.run_part, started)
        results["part8"] = await part("part 8: similar ideas", similarity.run_part, started)
        if pg:
            results["part5"] = await part("part 5: PostgreSQL", lambda: postgres.run_part(dbs), started)
        else:
            results["part5"] = {"skipped": f"PostgreSQL does not answer at {POSTGRES_URL} (set BENCH_POSTGRES_URL)"}
        results["part7"] = await part("part 7: benken serve over HTTP",
                                      lambda: serve_http.run_part(dbs, postgres=pg), started)
    finally:
        await dbs.close()
    results["total_seconds"] = time.monotonic() - started
    results["load_end"] = os.getloadavg()[0]
    results["fingerprint_end"] = fingerprint()
    path = report.write(results)
    minutes = results["total_seconds"] / 60
    log(f"done in {minutes:.1f} minutes{' (OVER the budget)' if results['total_seconds'] > BUDGET_SECONDS else ''}; "
        f"wrote {path.relative_to(ROOT)}")
    return path


ALONE = {"languages": ("part 6: languages in and out", languages.run_part, report.PART6_TITLE, report.part6),
         "similarity": ("part 8: similar ideas", similarity.run_part, similarity.TITLE, similarity.section)}


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
