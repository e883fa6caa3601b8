"""The project's fake Telegram Bot API (tests/fake_telegram.py) served in its own process,
so that its CPU time does not count against the bot being measured (Telegram is remote).
It counts Telegram's limits by its own clock, so it runs at a higher scheduling priority
(when allowed) and without full garbage collections: the bot's CPU load and the fake's
own pauses must not delay the moment it counts a request, as they would not at Telegram.

`python -m bench.fake_server TOKEN ENFORCE_LIMITS_JSON SCALE`: prints one JSON line with
the base URLs, then answers JSON-line commands on stdin: ``stats`` (calls by method and
status, 429s and the chats they hit), ``texts`` (writes [chat_id, text] of accepted sendMessage calls to `path`)
``calls`` (writes [time, status, chat_id] of every sendMessage to `path`) and ``quit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import json
import sys
from collections import Counter

from tests.doubles.fake_telegram import FakeTelegram


async def serve(token: str, enforce_limits: bool, scale: float) -> None:
    loop = asyncio.get_running_loop()
    async with FakeTelegram(token, enforce_limits=enforce_limits, scale=scale) as fake:
        print(json.dumps({"base_url": fake.base_url, "base_file_url": fake.base_file_url}), flush=True)
        for _ in range(1_000_000):  # bounded: one command per line
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            command = json.loads(line)
            name = command["command"]
            if name == "quit":
                print(json.dumps({"ok": True}), flush=True)
                break
            if name == "stats":
                counts = Counter(f"{c['method']} {c['status']}" for c in fake.calls)
                refused = Counter(c["params"].get("chat_id") for c in fake.calls if c["status"] == 429)
                answer = {"calls": len(fake.calls), "by_method_status": dict(counts),
                          "limit_violations": fake.limit_violations,
                          "refused_by_chat": {str(k): v for k, v in refused.items()}}
            elif name == "texts":
                texts = [[c["params"].get("chat_id"), c["params"].get("text")] for c in fake.calls
                         if c["method"] == "sendMessage" and c["status"] == 200]
                with open(command["path"], "w") as handle:
                    json.dump(texts, handle)
                answer = {"ok": True, "count": len(texts)}
            elif name == "calls":
                calls = [[c["time"], c["status"], c["params"].get("chat_id")] for c in fake.calls
                         if c["method"] == "sendMessage"]
                with open(command["path"], "w") as handle:
                    json.dump(calls, handle)
                answer = {"ok": True, "count": len(calls)}
            else:
                answer = {"error": f"unknown command {name!r}"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    # The fake stands for Telegram's servers and its clock counts the limits: a full garbage
    # collection here (its list of calls grows to tens of thousands) would stop it for tens
    # of milliseconds and then count the requests that queued meanwhile as if they came
    # together. Only the youngest generation is collected (a bench run's calls fit in memory).
    gc.set_threshold(700, 0, 0)
    with contextlib.suppress(OSError):
        os.nice(-10)
    asyncio.run(serve(sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])))
