"""What every desk page stands on: the `@page` decorator (sign-in, admin check, CSRF,
one database session) and the `Desk` it hands to the handler (the staff member, their
areas, their language, rendering, audit).

A page is a plain async function:

    @page()                      # @page(admin=True) for admins only
    async def inbox(desk: Desk) -> Response:
        ideas = await desk.session.scalars(select(Idea).where(desk.in_my_areas(Idea.area_slug)))
        return desk.render("inbox.html", ideas=list(ideas))

For POST, the CSRF token has been checked (403 otherwise) and `desk.form` holds the
fields. The session is committed when the handler returns a response below 400 and
rolled back otherwise (or on an exception), so an audit line and the change it describes
are stored together or not at all.
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode
from typing import TYPE_CHECKING, Awaitable, Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ...areas import Area
from ...domain.staff import staff_area_slugs
from ...models import DeskSession, Staff, utcnow
from ...text.staff import StaffText
from . import auth

if TYPE_CHECKING:
    from ...app import App

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
SESSION_COOKIE = "benken_desk"  # the session id; HttpOnly, SameSite=Lax, path /desk
ANON_CSRF_COOKIE = "benken_desk_csrf"  # CSRF for the forms shown before sign-in
CSRF_FIELD = "csrf_token"  # the hidden field in every form
CSRF_HEADER = "x-csrf-token"  # the same token, sent by htmx (static/desk.js)

Handler = Callable[["Desk"], Awaitable[Response]]


@dataclass(frozen=True)
class NavItem:
    """One link in the header: the route name, its label (a msgid of the staff domain,
    translated when shown) and whether only admins see it."""

    route: str
    label: str
    admin: bool = False


def environment() -> Environment:
    """Jinja2 with autoescape on for every template (resident text is data, never markup)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@dataclass
class DeskConfig:
    """What create_desk builds once and every request reads (kept on the Starlette state)."""

    app: App
    env: Environment
    nav: tuple[NavItem, ...]
    secure_cookies: bool
    map_tiles: str
    map_attribution: str
    extra: dict = field(default_factory=dict)
    # A resident's photo by its Telegram file id (bytes, or None when it cannot be had);
    # None without a bot token. Built by bot/web.py, which may know the channels.
    photos: Callable[[str], Awaitable[bytes | None]] | None = None
    # How a channel changes a text on its way out (SMS: typographic quotes made plain),
    # so a preview shows what a resident's phone shows.
    as_sent: dict[str, Callable[[str], str]] = field(default_factory=dict)
    # For posters and the outreach page: the bot's @username (Telegram deep links) and
    # the number residents text, when SMS is configured; None otherwise.
    bot_username: str | None = None
    sms_number: str | None = None


def config(request: Request) -> DeskConfig:
    return request.app.state.desk


def path_for(request: Request, name: str, **params: object) -> str:
    """The path of a desk route, with the mount prefix ("/desk/…"), for links and redirects."""
    return request.scope.get("root_path", "") + str(request.app.router.url_path_for(name, **params))


def current_route(request: Request) -> str:
    """The name of the route that is answering, for aria-current in the navigation."""
    endpoint = request.scope.get("endpoint")
    return next((getattr(r, "name", "") for r in request.app.router.routes if getattr(r, "endpoint", None) is endpoint), "")


def anon_csrf_token(request: Request) -> str | None:
    return request.cookies.get(ANON_CSRF_COOKIE)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), given.encode())


async def read_form(request: Request) -> FormData:
    """The request's form fields (the body limit has already been applied in front)."""
    return await request.form(max_files=0, max_fields=200)


def render_page(request: Request, template: str, context: dict, *, locale: str, status_code: int = 200) -> HTMLResponse:
    """Render a template with what every page needs; used by Desk.render and the pages
    shown before sign-in."""
    cfg = config(request)
    text = StaffText(locale, cfg.app.settings.timezone)
    values = {
        "request": request,
        "t": text,
        "_s": text._s,
        "_sn": text._sn,
        "lang": text.locale,
        "url": functools.partial(path_for, request),
        "static": lambda path: path_for(request, "static", path=path),
        "staff": None,
        "nav": (),
        "csrf_token": anon_csrf_token(request) or "",
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, values["csrf_token"]),
        "current": current_route(request),
        "map_tiles": cfg.map_tiles,
        "map_attribution": cfg.map_attribution,
    }
    values.update(context)
    html = cfg.env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)


@dataclass
class Desk:
    """One signed-in request: the staff member, their areas and language, the database
    session, and helpers to render, redirect and audit."""

    request: Request
    app: App
    session: AsyncSession
    staff: Staff
    desk_session: DeskSession
    session_id: str
    area_slugs: tuple[str, ...]  # every configured area for admins, else the staff member's own
    text: StaffText
    form: FormData | None = None  # the POSTed fields, CSRF already checked

    @property
    def csrf_token(self) -> str:
        """The value for the hidden `csrf_token` field ({{ csrf_field() }} in templates)."""
        return auth.csrf_token_for(self.session_id)

    @property
    def areas(self) -> list[Area]:
        """The staff member's areas as configured (name, bydel), in the areas file's order."""
        return [area for area in self.app.areas if area.slug in self.area_slugs]

    def area_name(self, slug: str) -> str:
        area = self.app.areas.get(slug)
        return area.name if area else slug

    @property
    def params(self) -> QueryParams:
        """The query string's parameters (what a GET form sent)."""
        return self.request.query_params

    def partial(self, target: str) -> bool:
        """Whether htmx asked for the element `target` only (a filter changed), rather than
        the whole page (a first visit, a reload, a link opened without JavaScript, or htmx
        restoring its history)."""
        headers = self.request.headers
        return (
            headers.get("hx-request") == "true"
            and headers.get("hx-target") == target
            and headers.get("hx-history-restore-request") != "true"
        )

    def in_my_areas(self, column: ColumnElement) -> ColumnElement[bool]:
        """A WHERE clause keeping rows of the staff member's areas: `.where(desk.in_my_areas(Idea.area_slug))`."""
        return column.in_(self.area_slugs)

    def require_area(self, slug: str | None) -> str:
        """The slug when it is one of the staff member's areas, else 404 (never say whether
        it exists elsewhere)."""
        if slug not in self.area_slugs:
            raise HTTPException(404)
        return slug

    def url(self, name: str, **params: object) -> str:
        return path_for(self.request, name, **params)

    def redirect(self, name: str, *, query: dict | None = None, **params: object) -> RedirectResponse:
        """See other (303): after a POST, the browser GETs the named page (with `query`,
        what the page says about the action, e.g. {"sent": 3})."""
        url = self.url(name, **params) + ("?" + urlencode(query) if query else "")
        return RedirectResponse(url, status_code=303)

    def render(self, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
        cfg = config(self.request)
        nav = [item for item in cfg.nav if self.staff.is_admin or not item.admin]
        values = {
            "staff": self.staff,
            "desk": self,
            "nav": nav,
            "areas": self.areas,
            "area_options": [(area.slug, area.name) for area in self.areas],
            "csrf_token": self.csrf_token,
        }
        values.update(context)
        return render_page(self.request, template, values, locale=self.text.locale, status_code=status_code)

    async def audit(self, action: str, target: str | None = None, detail: str | None = None) -> None:
        """One line in the audit log for what this staff member just did."""
        await auth.audit(self.session, self.staff, action, target, detail)


def page(*, admin: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Turn `async def handler(desk) -> Response` into a Starlette endpoint that needs a
    signed-in staff member (else: to the sign-in page), an admin when `admin` (else 403),
    and a valid CSRF token on anything but GET/HEAD (else 403)."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            cfg = config(request)
            session_id = request.cookies.get(SESSION_COOKIE)
            async with cfg.app.sessions() as session:
                found = await auth.desk_session(session, session_id, utcnow())
                if found is None:
                    return signed_out(request)
                desk_session, staff = found
                desk = Desk(
                    request=request,
                    app=cfg.app,
                    session=session,
                    staff=staff,
                    desk_session=desk_session,
                    session_id=session_id,
                    area_slugs=tuple(await staff_area_slugs(session, staff, cfg.app.areas)),
                    text=StaffText(desk_session.locale, cfg.app.settings.timezone),
                )
                if admin and not staff.is_admin:
                    return forbidden(desk)
                if request.method not in ("GET", "HEAD"):
                    desk.form = await read_form(request)
                    given = desk.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
                    if not csrf_ok(desk.csrf_token, given if isinstance(given, str) else None):
                        return forbidden(desk, csrf=True)
                try:
                    response = await handler(desk)
                except BaseException:
                    await session.rollback()
                    raise
                if response.status_code < 400:
                    await session.commit()
                else:
                    await session.rollback()
                return response

        return endpoint

    return decorate


def signed_out(request: Request) -> Response:
    """No valid session: to the sign-in page (htmx follows HX-Redirect instead)."""
    login = path_for(request, "login")
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": login})
    return RedirectResponse(login, status_code=303)


def forbidden(desk: Desk, *, csrf: bool = False) -> HTMLResponse:
    """403 with the page shell: not an admin, or a form without a valid CSRF token."""
    if csrf:
        message = desk.text._s("This form has expired. Go back, reload the page and try again.")
    else:
        message = desk.text._s("This page is for admins only.")
    return desk.render("error.html", status_code=403, title=desk.text._s("Not allowed"), message=message)


@page()
async def not_found(desk: Desk) -> Response:
    """404 (and 405) inside the desk, with the page shell; signed out: to the sign-in page."""
    status = 405 if desk.request.scope.get("desk_status") == 405 else 404
    return desk.render(
        "error.html",
        status_code=status,
        title=desk.text._s("Not found"),
        message=desk.text._s("There is no such page on the desk."),
    )
