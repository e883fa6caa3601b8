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


class Served:
    """A test double served on loopback inside `async with`: a subclass adds its routes in
    `routes(app)` and learns its address in `served_at(address)` (by default `base_url`)."""

    shutdown_timeout = 60.0
    max_body = 1024 * 1024  # aiohttp's own default
    _runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def served_at(self, address: str) -> None:
        self.base_url = address

    async def __aenter__(self):
        app = web.Application(client_max_size=self.max_body)
        self.routes(app)
        self._runner, address = await start(app, shutdown_timeout=self.shutdown_timeout)
        self.served_at(address)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
