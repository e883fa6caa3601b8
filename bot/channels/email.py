"""E-mail, the staff's second channel: outbox messages (a digest with its spreadsheet)
sent through the SMTP provider, and SMTP's answers mapped to outcomes."""

from __future__ import annotations

import aiosmtplib

from ..messaging.outbox import FAILED, RETRY, SENT, UNKNOWN, Ready, Recipient, SendResult
from ..models import OutboxMessage
from ..providers.mail import build_message, parse_smtp_url, send_email


class EmailSender:
    """Sends outbox messages to staff by e-mail: `extra` holds the subject, an HTML part
    and an attachment."""

    channel = "email"

    def __init__(self, smtp_url: str):
        self.smtp_url = smtp_url
        self.server = parse_smtp_url(smtp_url)  # a malformed SMTP_URL fails at start-up

    async def send(self, recipient: Recipient, message: OutboxMessage, ready: Ready) -> SendResult:
        extra = message.extra or {}
        attachment = extra.get("attachment")
        email = build_message(
            self.server, str(recipient.address), extra.get("subject", "Benken"), message.text, extra.get("html"),
            (attachment["filename"], attachment["content"]) if attachment else None,
        )
        await ready()
        try:
            await send_email(self.smtp_url, email)
        except aiosmtplib.SMTPRecipientsRefused as problem:
            return SendResult(FAILED, error=f"refused: {type(problem).__name__}")
        except (aiosmtplib.SMTPConnectError, ConnectionRefusedError) as problem:
            return SendResult(RETRY, error=f"connection: {type(problem).__name__}")
        except aiosmtplib.SMTPResponseException as problem:
            # 4xx: try later; 5xx: the server will not take it.
            outcome = RETRY if 400 <= problem.code < 500 else FAILED
            return SendResult(outcome, error=f"smtp {problem.code}")
        except (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPException, OSError) as problem:
            # It may have been taken before the connection broke: not sent again.
            return SendResult(UNKNOWN, error=f"{type(problem).__name__}")
        return SendResult(SENT, provider_message_id=email["Message-ID"][:64])

    async def close(self) -> None:
        """Each e-mail opens and closes its own connection."""
