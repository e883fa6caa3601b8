"""Serving a test double: an aiohttp application on 127.0.0.1 at a free port (tests talk
only to loopback)."""

from __future__ import annotations

from aiohttp import web


async def start(app: web.Application, *, shutdown_timeout: float = 60.0) -> tuple[web.AppRunner, str]:
    """`app` served on loopback: its runner (to clean up) and its "http://127.0.0.1:PORT"."""
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"
