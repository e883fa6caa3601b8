"""E-mail by SMTP (aiosmtplib), to the server in SMTP_URL.

    smtp://user:pass@host:587     STARTTLS when the server offers it (port 587 by default)
    smtps://user:pass@host:465    TLS from the first byte (port 465 by default)

User and password may be percent-encoded (`p%40ss` for `p@ss`); `?from=addr` sets the
sender, else the user name when it is an address, else benken@host. The password is never
logged, printed or kept in a repr.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

log = logging.getLogger(__name__)

SEND_TIMEOUT = 60  # seconds for the whole conversation with the server


class MailError(ValueError):
    """SMTP_URL cannot be used; the message never contains the password."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """The server, credentials and sender in an smtp:// or smtps:// URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise MailError("SMTP_URL is not a valid smtp:// or smtps:// URL") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    implicit_tls = parts.scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    sender = (parse_qs(parts.query).get("from") or [None])[0]
    if not sender:
        sender = username if username and "@" in username else f"benken@{parts.hostname}"
    return SmtpServer(parts.hostname, port or (465 if implicit_tls else 587), implicit_tls, username, password, sender)


def _html_document(body: str) -> str:
    """The Telegram-style HTML (lines, <b>, <i>) as an e-mail page that keeps its lines."""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        '<body><div style="white-space: pre-wrap; font-family: sans-serif;">'
        f"{body}</div></body></html>\n"
    )


def build_message(
    server: SmtpServer, to: str, subject: str, text: str, html_body: str | None = None,
    attachment: tuple[str, str] | None = None,
) -> EmailMessage:
    """multipart/mixed: text (and HTML as its alternative), then a CSV attachment
    (file name, content) when there is one."""
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=server.host)
    message.set_content(text)
    if html_body is not None:
        message.add_alternative(_html_document(html_body), subtype="html")
    if attachment is not None:
        filename, content = attachment
        # A byte-order mark, so that Excel opens æ, ø and å (and Arabic script) as written.
        message.add_attachment(content.encode("utf-8-sig"), maintype="text", subtype="csv", filename=filename)
    return message


async def send_email(smtp_url: str, message: EmailMessage) -> None:
    server = parse_smtp_url(smtp_url)
    await aiosmtplib.send(
        message,
        hostname=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.implicit_tls,
        # None: STARTTLS when the server offers it (plain smtp://); never with smtps://.
        start_tls=False if server.implicit_tls else None,
        timeout=SEND_TIMEOUT,
    )
    log.info("e-mail sent via %s:%s", server.host, server.port)
