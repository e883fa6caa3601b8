"""/desk: a one-time link that signs the staff member in to the web desk."""

from __future__ import annotations

from ..models import utcnow
from .desk import Desk, esc
from .web import auth


async def desk_link(desk: Desk, _args) -> None:
    """A sign-in link to PUBLIC_BASE_URL/desk/login, valid once for 10 minutes; sent without
    a link preview, since Telegram fetching the preview would use the link up."""
    t = desk.t
    if not desk.public_base_url:
        desk.tell(t._s("The web desk has no address yet: PUBLIC_BASE_URL is not set. Ask whoever runs Benken."))
        return
    now = utcnow()
    token = await auth.issue_login_token(desk.session, desk.staff, now)
    await auth.audit(desk.session, desk.staff, "sign_in_link_sent", f"staff-{desk.staff.id}", "telegram", now)
    link = esc(auth.login_url(desk.public_base_url, token))
    intro = esc(t._s("Your sign-in link to the web desk. It works once, within 10 minutes:"))
    desk.say(f'{intro}\n<a href="{link}">{link}</a>', link_preview=False)


COMMANDS = {"desk": desk_link}
