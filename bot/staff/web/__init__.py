"""The staff web desk under /desk/: server-rendered pages (Jinja2, htmx, Leaflet from
vendored files), signed in by one-time links, scoped to each staff member's areas.

`create_desk(app)` builds the Starlette app that bot/web.py mounts at /desk. To add a
page: write `async def handler(desk: Desk)` under `@page()` (see desk.py), a template
that extends base.html, and add its Route to PAGES below (a NavItem's route name picks
it up in the header). See README.md beside this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from . import broadcast, dugnad_pages, exports, idea, impact, inbox, outreach, pages, safety_map, voices
from .desk import STATIC, Desk, DeskConfig, NavItem, environment, not_found, page
from .security import AttemptLimiter, BodyLimit, SecurityHeaders

if TYPE_CHECKING:
    from ...app import App


def _s(message: str) -> str:
    """Marks a staff string for extraction (the staff domain's N_); translated where shown."""
    return message


# The header's links, in order. A route of that name not yet built shows a placeholder.
NAV = (
    NavItem("inbox", _s("Inbox")),
    NavItem("safety_map", _s("Safety map")),
    NavItem("dugnads", _s("Dugnads")),
    NavItem("impact", _s("Impact")),
    NavItem("outreach", _s("Outreach")),
    NavItem("broadcast", _s("Broadcast")),
    NavItem("exports", _s("Exports")),
    NavItem("staff", _s("Staff"), admin=True),
    NavItem("audit", _s("Audit log"), admin=True),
)

# Every page's routes.
PAGES: list[BaseRoute] = [
    *pages.routes,
    *inbox.routes,
    *idea.routes,
    *safety_map.routes,
    *dugnad_pages.routes,
    *impact.routes,
    *broadcast.routes,
    *exports.routes,
    *voices.routes,
    *outreach.routes,
]


def _placeholder(item: NavItem):
    @page(admin=item.admin)
    async def coming(desk: Desk) -> Response:
        return desk.render("coming.html", title=desk.text._s(item.label))

    return coming


def create_desk(
    app: App,
    *,
    routes: list[BaseRoute] | None = None,
    photos: Callable[[str], Awaitable[bytes | None]] | None = None,
    as_sent: dict[str, Callable[[str], str]] | None = None,
    bot_username: str | None = None,
    sms_number: str | None = None,
) -> Starlette:
    """The desk as a Starlette app, to mount at /desk (bot/web.py does, giving it the
    channels' `photos` fetcher, `as_sent` renderers, the bot's username and the SMS
    number: see DeskConfig)."""
    routes = list(PAGES if routes is None else routes)
    named = {getattr(route, "name", None) for route in routes}
    for item in NAV:
        if item.route not in named:
            routes.append(Route("/" + item.route.replace("_", "-"), _placeholder(item), name=item.route))
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))

    settings = app.settings
    https = (settings.public_base_url or "").startswith("https://")
    desk = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, tiles_url=settings.map_tiles, https=https),
            Middleware(BodyLimit),
        ],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    desk.state.desk = DeskConfig(
        app=app,
        env=environment(),
        nav=NAV,
        secure_cookies=https,
        map_tiles=settings.map_tiles,
        map_attribution=settings.map_attribution,
        extra={"limiter": AttemptLimiter()},
        photos=photos,
        as_sent=dict(as_sent or {}),
        bot_username=settings.telegram_bot_username or bot_username,
        sms_number=sms_number,
    )
    return desk


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if request.url.path.startswith(request.scope.get("root_path", "") + "/static/"):
        return PlainTextResponse("Not found", status_code=status)
    request.scope["desk_status"] = status
    return await not_found(request)
