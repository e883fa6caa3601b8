"""The foundation's pages: sign-in (by link, or a link by e-mail), sign-out, the desk's
language, and for admins the staff list and the audit log. The home page is the inbox
(inbox.py)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...models import Staff, utcnow
from ...text.staff import StaffText
from ...domain import staff as staff_rules
from . import auth
from .desk import (
    ANON_CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    Desk,
    anon_csrf_token,
    config,
    csrf_ok,
    page,
    path_for,
    read_form,
    render_page,
)
from .login_mail import send_login_link

AUDIT_PER_PAGE = 50


# Signing in and out -------------------------------------------------------------------


def _anon_locale(request: Request) -> str:
    lang = request.query_params.get("lang")
    return lang if lang in auth.DESK_LOCALES else auth.DESK_LOCALES[0]


def _login_page(request: Request, *, status_code: int = 200, **context: object) -> Response:
    """The sign-in page, with the CSRF cookie its e-mail form needs."""
    cfg = config(request)
    token = anon_csrf_token(request) or secrets.token_urlsafe(32)
    locale = str(context.pop("locale", None) or _anon_locale(request))
    other = "en" if locale == "nb" else "nb"
    values = {
        "csrf_token": token,
        "email_enabled": bool(cfg.app.settings.smtp_url and cfg.app.settings.public_base_url),
        "other_lang": other,
        "other_lang_url": path_for(request, "login") + "?" + urlencode({"lang": other}),
        "notice": None,
        "error": None,
    }
    values.update(context)
    response = render_page(request, "login.html", values, locale=locale, status_code=status_code)
    _set_cookie(request, response, ANON_CSRF_COOKIE, token, max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=request.scope.get("root_path") or "/",
        secure=config(request).secure_cookies,
        httponly=True,
        samesite="lax",
    )


def _client(request: Request) -> str:
    # uvicorn puts the proxy's X-Forwarded-For here when the proxy is trusted
    # (FORWARDED_ALLOW_IPS, 127.0.0.1 by default).
    return request.client.host if request.client else "unknown"


def _too_many(request: Request) -> Response | None:
    if config(request).extra["limiter"].allow(_client(request)):
        return None
    text = StaffText(_anon_locale(request))
    response = render_page(
        request,
        "error.html",
        {"title": text._s("Too many attempts"), "message": text._s("Too many sign-in attempts. Wait a minute and try again.")},
        locale=text.locale,
        status_code=429,
    )
    response.headers["Retry-After"] = "60"
    return response


async def login(request: Request) -> Response:
    """GET /desk/login: with ?token=…, sign in and go to the desk; without, say how to get a link."""
    token = request.query_params.get("token")
    if token is None:
        if request.query_params.get("signed_out"):
            text = StaffText(_anon_locale(request))
            return _login_page(request, notice=text._s("You have signed out."))
        return _login_page(request)
    refused = _too_many(request)
    if refused is not None:
        return refused
    cfg = config(request)
    now = utcnow()
    async with cfg.app.sessions() as session, session.begin():
        staff = await auth.consume_login_token(session, token, now)
        if staff is None:
            owner = await auth.login_token_owner(session, token)
            reason = "unknown link"
            if owner is not None:
                reason = "used link" if owner[0].used_at is not None else "expired link"
            await auth.audit(session, owner[1] if owner else None, "sign_in_refused", None, reason, now)
        else:
            session_id = await auth.open_session(session, staff, now)
            await auth.audit(session, staff, "sign_in", f"staff-{staff.id}", None, now)
    if staff is None:
        text = StaffText(_anon_locale(request))
        return _login_page(
            request,
            status_code=400,
            error=text._s("This sign-in link has been used or has expired. Ask for a new one below."),
        )
    response = RedirectResponse(path_for(request, "inbox"), status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session_id, max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    return response


async def login_email(request: Request) -> Response:
    """POST /desk/login/email: a link by e-mail to a registered address. The answer is the
    same whether or not the address is known, so the page does not tell who is staff."""
    refused = _too_many(request)
    if refused is not None:
        return refused
    form = await read_form(request)
    given = form.get(CSRF_FIELD)
    if not csrf_ok(anon_csrf_token(request), given if isinstance(given, str) else None):
        text = StaffText(_anon_locale(request))
        return render_page(
            request,
            "error.html",
            {"title": text._s("Not allowed"), "message": text._s("This form has expired. Go back, reload the page and try again.")},
            locale=text.locale,
            status_code=403,
        )
    cfg = config(request)
    settings = cfg.app.settings
    address = str(form.get("email") or "")[:staff_rules.MAX_EMAIL]
    locale = str(form.get("lang") or "")
    locale = locale if locale in auth.DESK_LOCALES else auth.DESK_LOCALES[0]
    task = None
    if settings.smtp_url and settings.public_base_url:
        now = utcnow()
        async with cfg.app.sessions() as session, session.begin():
            staff = await auth.staff_by_email(session, address)
            if staff is not None:
                token = await auth.issue_login_token(session, staff, now)
                await auth.audit(session, staff, "sign_in_link_emailed", f"staff-{staff.id}", None, now)
        if staff is not None:
            link = auth.login_url(settings.public_base_url, token)
            text = StaffText(staff.locale, settings.timezone)
            task = BackgroundTask(send_login_link, settings.smtp_url, staff.email, staff.name, link, text)
    text = StaffText(locale)
    response = _login_page(
        request,
        locale=locale,
        notice=text._s(
            "If that address belongs to a staff member, a sign-in link is on its way. It works once, within 10 minutes."
        ),
    )
    response.background = task
    return response


@page()
async def logout(desk: Desk) -> Response:
    """POST /desk/logout: the session ends here and in every worker."""
    await desk.audit("sign_out", f"staff-{desk.staff.id}")
    await auth.close_session(desk.session, desk.session_id)
    response = RedirectResponse(desk.url("login") + "?" + urlencode({"signed_out": 1, "lang": desk.text.locale}), 303)
    response.delete_cookie(SESSION_COOKIE, path=desk.request.scope.get("root_path") or "/")
    return response


@page()
async def language(desk: Desk) -> Response:
    """POST /desk/language: nb or en for this browser's session, then back where it was."""
    await auth.set_session_locale(desk.session, desk.session_id, str(desk.form.get("lang")))
    back = str(desk.form.get("next") or "")
    root = desk.request.scope.get("root_path", "")
    # Only back into the desk: a path of ours, never "//elsewhere" or a full URL.
    if not (back.startswith(root + "/") and not back.startswith("//") and "\\" not in back):
        back = desk.url("inbox")
    return RedirectResponse(back, status_code=303)


# Admins: the audit log and the staff ----------------------------------------------------


def action_label(text: StaffText, action: str) -> str:
    """What an audit action code means, in the reader's language (unknown codes as they are)."""
    labels = {
        "sign_in": text._s("Signed in"),
        "sign_out": text._s("Signed out"),
        "sign_in_refused": text._s("Sign-in refused"),
        "sign_in_link_emailed": text._s("Sign-in link e-mailed"),
        "staff_add": text._s("Added a staff member"),
        "staff_remove": text._s("Removed a staff member"),
        "staff_areas": text._s("Changed a staff member's areas"),
        "sign_in_link_sent": text._s("Sign-in link sent on Telegram"),
        "idea_answer": text._s("Answered an idea"),
        "you_said_we_did": text._s("Sent “You said, we did”"),
        "invite_helpers": text._s("Invited residents who want to help"),
        "event_create": text._s("Made a dugnad"),
        "event_change": text._s("Moved a dugnad"),
        "event_cancel": text._s("Cancelled a dugnad"),
        "attendance": text._s("Marked who came to a dugnad"),
        "broadcast": text._s("Sent a message to an area"),
        "export": text._s("Downloaded an export"),
    }
    return labels.get(action, action)


@page(admin=True)
async def audit_log(desk: Desk) -> Response:
    """GET /desk/audit?page=N: the audit log, newest first, AUDIT_PER_PAGE a page."""
    try:
        number = max(1, int(desk.request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    entries, total = await auth.audit_page(desk.session, number, AUDIT_PER_PAGE)
    pages = max(1, -(-total // AUDIT_PER_PAGE))
    return desk.render(
        "audit.html",
        entries=entries,
        page=min(number, pages),
        pages=pages,
        total=total,
        label=lambda action: action_label(desk.text, action),
    )


def refusal(text: StaffText, reason: str) -> str:
    return {
        "telegram_id": text._s("The Telegram id must be a whole number."),
        "name": text._s("Write the staff member's name (at most 120 characters)."),
        "email": text._s("That is not an e-mail address."),
        "area": text._s("Choose areas from the list."),
        "duplicate": text._s("A staff member with that Telegram id exists already."),
        "self": text._s("You cannot remove yourself. Ask another admin."),
        "last_admin": text._s("The last admin cannot be removed."),
    }.get(reason, reason)


async def _staff_page(desk: Desk, *, status_code: int = 200, **context: object) -> Response:
    rows = await staff_rules.list_staff(desk.session, desk.app.areas)
    names = {a.slug: a.name for a in desk.app.areas}
    values = {"rows": rows, "area_names": names, "all_areas": list(desk.app.areas), "error": None, "notice": None,
              "given": {}}
    values.update(context)
    return desk.render("staff.html", status_code=status_code, **values)


def _area_list(desk: Desk) -> list[str]:
    return [str(v) for v in desk.form.getlist("areas")]


@page(admin=True)
async def staff_list(desk: Desk) -> Response:
    """GET /desk/staff: every staff member with areas; forms to add, remove, set areas."""
    return await _staff_page(desk)


@page(admin=True)
async def staff_add(desk: Desk) -> Response:
    """POST /desk/staff: add a staff member."""
    form = desk.form
    try:
        staff = await staff_rules.add_staff(
            desk.session,
            desk.app.areas,
            telegram_id=str(form.get("telegram_id") or ""),
            name=str(form.get("name") or ""),
            area_slugs=_area_list(desk),
            is_admin=form.get("is_admin") == "1",
            email=str(form.get("email") or ""),
        )
    except staff_rules.StaffChangeRefused as refused:
        given = {key: str(form.get(key) or "") for key in ("telegram_id", "name", "email")}
        given |= {"areas": _area_list(desk), "is_admin": form.get("is_admin") == "1"}
        return await _staff_page(desk, status_code=400, error=refusal(desk.text, refused.reason), given=given)
    areas = ", ".join(_area_list(desk)) or "-"
    detail = f"{staff.name}; areas: {areas}" + ("; admin" if staff.is_admin else "")
    await desk.audit("staff_add", f"staff-{staff.id}", detail)
    return desk.redirect("staff")


@page(admin=True)
async def staff_remove(desk: Desk) -> Response:
    """POST /desk/staff/{id}/remove."""
    try:
        removed = await staff_rules.remove_staff(desk.session, desk.staff, desk.request.path_params["staff_id"])
    except staff_rules.StaffChangeRefused as refused:
        return await _staff_page(desk, status_code=400, error=refusal(desk.text, refused.reason))
    if removed is None:
        return await _staff_page(desk, status_code=404, error=desk.text._s("There is no such staff member."))
    await desk.audit("staff_remove", f"staff-{removed.id}", removed.name)
    return desk.redirect("staff")


@page(admin=True)
async def staff_areas(desk: Desk) -> Response:
    """POST /desk/staff/{id}/areas: replace a staff member's areas."""
    member = await desk.session.get(Staff, desk.request.path_params["staff_id"])
    if member is None:
        return await _staff_page(desk, status_code=404, error=desk.text._s("There is no such staff member."))
    try:
        slugs = await staff_rules.set_staff_areas(desk.session, desk.app.areas, member, _area_list(desk))
    except staff_rules.StaffChangeRefused as refused:
        return await _staff_page(desk, status_code=400, error=refusal(desk.text, refused.reason))
    await desk.audit("staff_areas", f"staff-{member.id}", f"{member.name}: {', '.join(slugs) or '-'}")
    return desk.redirect("staff")


routes = [
    Route("/login", login, methods=["GET"], name="login"),
    Route("/login/email", login_email, methods=["POST"], name="login_email"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/language", language, methods=["POST"], name="language"),
    Route("/audit", audit_log, methods=["GET"], name="audit"),
    Route("/staff", staff_list, methods=["GET"], name="staff"),
    Route("/staff", staff_add, methods=["POST"], name="staff_add"),
    Route("/staff/{staff_id:int}/remove", staff_remove, methods=["POST"], name="staff_remove"),
    Route("/staff/{staff_id:int}/areas", staff_areas, methods=["POST"], name="staff_areas"),
]
