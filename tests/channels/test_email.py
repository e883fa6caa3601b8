"""E-mail, the staff's second channel: SMTP_URL parsing, and an outbox message (a digest
with its spreadsheet) arriving at a real SMTP server on loopback."""

from __future__ import annotations

import csv
import email
import email.policy
import html
import io
import logging
from datetime import datetime, timezone

import pytest

from bot.channels.email import EmailSender, parse_smtp_url
from bot.messaging.outbox import FAILED, RETRY, SENT, Recipient
from bot.models import OutboxMessage

XSS = '<script>alert(1)</script> & "quotes"'


async def nothing_to_do() -> None:
    """The outbox's `ready` when no outbox is involved."""


def test_smtp_urls():
    plain = parse_smtp_url("smtp://user:pa%2Fss@mail.example:2525?from=benken@bydel.example")
    assert (plain.host, plain.port, plain.implicit_tls, plain.password, plain.sender) == (
        "mail.example", 2525, False, "pa/ss", "benken@bydel.example"
    )
    assert "pa/ss" not in repr(plain)
    tls = parse_smtp_url("smtps://mail.example")
    assert (tls.port, tls.implicit_tls, tls.username, tls.sender) == (465, True, None, "benken@mail.example")
    assert parse_smtp_url("smtp://mail.example").port == 587
    with pytest.raises(ValueError):
        parse_smtp_url("http://user:secret@mail.example")


def _digest_message() -> OutboxMessage:
    spreadsheet = "kind,ref,text\r\nidea,I-1,Benk ved æøå\r\n"
    return OutboxMessage(
        id=1, staff_id=1, channel="email", kind="digest", text=f"Benken-oppsummering\n{XSS}",
        extra={"subject": "Benken-oppsummering for Furuset", "html": f"<b>Benken</b>\n{html.escape(XSS)}",
               "attachment": {"filename": "benken-digest-2026-11-23.csv", "content": spreadsheet}},
        created_at=datetime(2026, 11, 23, 7, tzinfo=timezone.utc),
    )


async def test_an_email_arrives_with_text_html_and_the_spreadsheet(smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    inbox, port = smtp_server
    password = "s3cret p@ss:/"
    sender = EmailSender(f"smtp://digest%40bydel.example:s3cret%20p%40ss%3A%2F@127.0.0.1:{port}")
    result = await sender.send(Recipient("email", "staff@bydel.example"), _digest_message(), nothing_to_do)
    assert result.outcome == SENT and result.provider_message_id

    assert inbox.logins == [("digest@bydel.example", password)]
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "digest@bydel.example" and envelope.rcpt_tos == ["staff@bydel.example"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Benken-oppsummering for Furuset" and message.get_content_type() == "multipart/mixed"
    assert XSS in message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert html.escape(XSS) in page and "<script>" not in page
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "benken-digest-2026-11-23.csv" and attachment.get_content_type() == "text/csv"
    rows = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert rows[1] == ["idea", "I-1", "Benk ved æøå"]
    assert password not in caplog.text and "s3cret" not in caplog.text


async def test_an_unreachable_server_is_tried_again_later():
    from tests.support import free_port

    sender = EmailSender(f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    result = await sender.send(Recipient("email", "staff@bydel.example"), _digest_message(), nothing_to_do)
    assert result.outcome == RETRY


async def test_a_refused_recipient_is_not_tried_again(smtp_server):
    inbox, port = smtp_server

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 No such user here"

    inbox.handle_RCPT = refuse
    result = await EmailSender(f"smtp://127.0.0.1:{port}").send(Recipient("email", "gone@bydel.example"),
                                                                _digest_message(), nothing_to_do)
    assert result.outcome == FAILED and not inbox.envelopes
