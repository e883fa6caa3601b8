"""Part 6: SMS webhooks through the real `benken serve`, over HTTP.

`benken serve` runs as deployed, in its own process (and with `--workers 2` on
PostgreSQL), against a fresh copy of the migrated database. The load generator is this
process: aiohttp (a client that costs little CPU, so that it takes as little as possible
of the two cores from the server) POSTs Twilio webhooks signed with twilio's
RequestValidator (signatures made before the clock starts), open loop: one message every
1/rate s whatever happens, from 100 resident "slots" (a resident writes at most once a
second and never before its previous answer was due). Latency is from each message's
scheduled arrival to the end of its TwiML answer. The server's CPU is read from /proc
(user + system time of the server and its worker processes) and divided by the messages.
Two seconds of warm-up traffic (catalogs, connections) come before the measured run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN, ROOT, log, percentile, sleep_until
from .inbound import arrivals, signed_requests
from .residents import take_messages

SLOTS = 100
WARM_UP_SECONDS = 2.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / ticks
        todo += children.get(current, [])
    return total


async def scenario(database_url: str, *, rate: float, seconds: float, workers: int = 1, first: int = 400_000) -> dict[str, Any]:
    import aiohttp

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "TWILIO_ACCOUNT_SID": TWILIO_SID,
           "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL}
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    total = int(rate * seconds)
    warm = int(rate * WARM_UP_SECONDS)
    residents = take_messages("sms", total + warm + 40 * SLOTS, first=first)
    messages = arrivals(signed_requests(residents, first * 100), total + warm, SLOTS)
    url = f"http://127.0.0.1:{port}/sms/twilio"
    latencies: list[float] = []
    failures: list[str] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as client:
            await _wait_healthy(client, port, server)

            async def one(request, scheduled: float, measured: bool) -> None:
                form, headers = request
                try:
                    async with client.post(url, data=form, headers=headers) as response:
                        body = await response.text()
                        if response.status != 200 or "<Message>" not in body:
                            failures.append(f"HTTP {response.status}: {body[:100]}")
                except aiohttp.ClientError as problem:
                    failures.append(f"{type(problem).__name__}: {problem}"[:120])
                if measured:
                    latencies.append(time.perf_counter() - scheduled)

            async def offer(batch, start: float, measured: bool) -> None:
                tasks = []
                for k, request in enumerate(batch):
                    scheduled = start + k / rate
                    await sleep_until(scheduled)
                    tasks.append(asyncio.create_task(one(request, scheduled, measured)))
                await asyncio.gather(*tasks)

            await offer(messages[:warm], time.perf_counter() + 0.1, False)
            failures.clear()
            cpu_before, began = _cpu_seconds(server.pid), time.perf_counter()
            await offer(messages[warm:], began + 0.1, True)
            elapsed = time.perf_counter() - began
            cpu = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        try:
            stderr = server.communicate(timeout=30)[1].decode(errors="replace")
        except subprocess.TimeoutExpired:
            server.kill()
            stderr = ""
    return {
        "backend": "postgresql" if database_url.startswith("postgresql") else "sqlite", "workers": workers,
        "offered_per_second": rate, "messages": total, "achieved_per_second": total / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000, "p90_ms": percentile(latencies, 90) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000, "max_ms": max(latencies) * 1000,
        "server_cpu_ms_per_message": cpu / total * 1000, "server_cores": cpu / elapsed,
        "errors": len(failures), "first_errors": failures[:3],
        "server_traceback": _last_traceback(stderr),
    }


def _last_traceback(stderr: str) -> str | None:
    """The end of the last traceback the server printed, if any (a 500 says why here)."""
    at = stderr.rfind("Traceback")
    return stderr[at:][-800:] if at >= 0 else None


async def _wait_healthy(client, port: int, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise RuntimeError(f"benken serve ended: {server.stderr.read().decode()[-500:]}")
        try:
            async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("benken serve did not come up")


async def run_part(dbs, *, postgres: bool) -> dict[str, Any]:
    """One process on SQLite at 100/s; on PostgreSQL one process at 100/s and two workers
    at 150/s."""
    plan = [("sqlite", 100, 1)] + ([("postgresql", 100, 1), ("postgresql", 150, 2)] if postgres else [])
    out: dict[str, Any] = {}
    for backend, rate, workers in plan:
        log(f"  serve over HTTP: {backend}, {workers} worker(s), {rate}/s offered")
        url = await dbs.fresh(backend, f"serve_{workers}")
        try:
            out[f"{backend}_{workers}"] = await scenario(url, rate=rate, seconds=10, workers=workers)
        finally:
            await dbs.drop(url)
    return out
