"""The sign-in link by e-mail, through the server in SMTP_URL (as the digests use)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ...providers.mail import parse_smtp_url, send_email
from ...text.staff import StaffText

log = logging.getLogger(__name__)


def login_message(sender: str, host: str, to: str, name: str, link: str, text: StaffText) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = text._s("Your sign-in link for the Benken desk")
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=host)
    message.set_content(
        text._s(
            "Hello {name},\n\nOpen this link to sign in to the Benken desk. It works once, within 10 minutes:\n\n"
            "{link}\n\nIf you did not ask for it, you can ignore this e-mail.",
            name=name,
            link=link,
        )
    )
    return message


async def send_login_link(smtp_url: str, to: str, name: str, link: str, text: StaffText) -> None:
    """Send one sign-in link; failures are logged (the page has answered already), never raised."""
    try:
        server = parse_smtp_url(smtp_url)
        await send_email(smtp_url, login_message(server.sender, server.host, to, name, link, text))
    except Exception as exc:  # the address and the link stay out of the log
        log.warning("desk sign-in e-mail not sent: %s", type(exc).__name__)
