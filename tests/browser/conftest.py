"""The web desk in a real browser: Debian's Chromium driven by Playwright for Python.

Fixtures: `live_server` (uvicorn serving the whole web app on a free loopback port, in
the test's event loop), `page` (a Chromium page that reaches the live server only),
`sign_in(page, staff)`, `axe(page)` (no serious or critical accessibility violations)
and `screenshot(page, name)` (desktop 1366x768 and phone 390x844 PNGs; under a pytest
temporary folder, or BENKEN_SCREENSHOT_DIR when set).

`playwright install` is never run: it downloads a browser, which cannot happen here.
Without Chromium (BENKEN_CHROMIUM, default /usr/bin/chromium) or Playwright these tests
skip with the reason; with BENKEN_REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import uvicorn

from bot.app import App, open_app
from bot.metrics import Metrics
from bot.models import Staff
from bot.web import create_web

from tests.support import login_link

CHROMIUM = os.environ.get("BENKEN_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("BENKEN_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # tests run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces beside the request guard below: no name resolves but loopback.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TILE_HOST = "https://tile.openstreetmap.org/"  # the default BENKEN_MAP_TILES, answered by the guard
AXE_SOURCE = (Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def _missing() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set BENKEN_CHROMIUM)"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    problem = _missing()
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"browser tests are required (BENKEN_REQUIRE_BROWSER=1) but {problem}")
        pytest.skip(f"browser tests skipped: {problem}")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    app: App


@pytest.fixture
async def live_server(settings) -> LiveServer:
    """The whole web app (`create_web`) as `benken serve` runs it, on loopback."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # An SMTP_URL shows the e-mail form on the sign-in page; nothing listens there.
    live_settings = replace(settings, public_base_url=url, smtp_url=f"smtp://127.0.0.1:{_free_port()}?from=desk@bydel.example")
    async with open_app(live_settings, migrate=False) as app:
        server = uvicorn.Server(
            uvicorn.Config(create_web(app, Metrics()), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        task = asyncio.create_task(server.serve())
        for _ in range(200):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        try:
            yield LiveServer(url, app)
        finally:
            server.should_exit = True
            await task


def _blank_tile() -> bytes:
    """A light grey 256x256 PNG, given for every map tile (no tile server is reached)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xe4\xe6\xe9" * 256 for _ in range(256))
    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


TILE = _blank_tile()


@pytest.fixture
async def browser(chromium):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


class PageLog:
    """What a page did that a test may want to look at: console errors, CSP reports,
    requests the guard refused, and map tiles it answered."""

    def __init__(self):
        self.errors: list[str] = []
        self.refused: list[str] = []
        self.tiles: list[str] = []

    def assert_clean(self) -> None:
        assert self.errors == [] and self.refused == [], (self.errors, self.refused)


@pytest.fixture
async def page(browser, live_server):
    """A desktop-sized page that reaches the live server only: map tiles for the default
    tile host are answered with a blank tile here, anything else is aborted and noted."""
    # Less motion: maps settle at once, so screenshots show them finished; a Norwegian
    # browser, as at the district office (date fields show 05.12.2026).
    context = await browser.new_context(viewport=DESKTOP, base_url=live_server.url, reduced_motion="reduce",
                                        locale="nb-NO")
    log = PageLog()

    async def guard(route):
        url = route.request.url
        if url.startswith(live_server.url + "/"):
            await route.continue_()
        elif url.startswith(TILE_HOST):
            log.tiles.append(url)
            await route.fulfill(status=200, content_type="image/png", body=TILE)
        else:
            log.refused.append(url)
            await route.abort()

    await context.route("**/*", guard)
    opened = await context.new_page()
    opened.set_default_timeout(10_000)  # a desk page answers in milliseconds; fail fast
    opened.on("console", lambda message: log.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: log.errors.append(str(error)))
    opened.log = log  # type: ignore[attr-defined]
    try:
        yield opened
    finally:
        await context.close()


@pytest.fixture
def sign_in(live_server):
    """`await sign_in(page, staff)`: a one-time link from the domain function, opened."""

    async def open_link(page, staff: Staff):
        await page.goto(await login_link(live_server.app, staff))
        assert page.url == live_server.url + "/desk/", page.url

    return open_link


async def axe(page, *, allow: tuple[str, ...] = ()) -> dict:
    """Run axe-core on the page and fail on serious or critical violations (rule ids in
    `allow` excepted). The script is evaluated through the DevTools protocol, which the
    page's CSP does not govern, so the CSP under test stays as strict as in production."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE_SOURCE + "\n;undefined")
    results = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical") and v["id"] not in allow
    ]
    assert serious == [], "\n".join(serious)
    return results


@pytest.fixture
def screenshot(tmp_path_factory):
    """`await screenshot(page, "home")`: desk-home-desktop.png and desk-home-phone.png."""
    folder = os.environ.get("BENKEN_SCREENSHOT_DIR")
    directory = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)

    async def take(page, name: str) -> list[Path]:
        paths = []
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            await page.set_viewport_size(size)
            await page.wait_for_timeout(150)  # Leaflet redraws on resize
            path = directory / f"desk-{name}-{label}.png"
            await page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        await page.set_viewport_size(DESKTOP)
        return paths

    return take
