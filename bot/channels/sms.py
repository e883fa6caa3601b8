"""The SMS channel (Twilio): inbound webhooks to messages, messages to plain SMS text,
segment arithmetic, and Twilio's errors to outcomes."""

from __future__ import annotations

import asyncio
import math
import re

import phonenumbers
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from conversations.messages import COMMAND, PHOTO, TEXT, Inbound, Outbound, numbered

from ..models import OutboxMessage, Resident
from ..outbox import FAILED, OPTED_OUT, RETRY, SENT, UNKNOWN, SendResult
from ..pace import Pace
from ..settings import Settings

INBOUND_PATH = "/sms/twilio"
STATUS_PATH = "/sms/twilio/status"

DEFAULT_REGION = "NO"  # a number written without +47 is Norwegian

# Carrier-style keywords (Twilio's own list, plus Norwegian): a body that is exactly one
# of these controls the subscription, whatever step the resident is at.
OPT_OUT_WORDS = frozenset({"STOP", "STOPP", "SLUTT", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})  # an answer in a yes/no step otherwise
HELP_WORDS = frozenset({"HELP", "HJELP"})

# Twilio error codes that say something about the resident rather than the message.
TWILIO_OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"
TWILIO_RATE_LIMITED = 20429

# The GSM 03.38 alphabet: text entirely in it costs 160 characters a segment (153 when
# concatenated); the extension table's characters count twice. Anything else makes the
# whole message UCS-2: 70 a segment, 67 when concatenated.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")

# Typography that has a GSM-7 equivalent: curly quotes, guillemets, dashes, ellipsis,
# and the invisible marks that only matter on screens that lay text out themselves.
_GSM_SAFE = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
        "–": "-", "—": "-", "‐": "-", "‑": "-", "…": "...", "\u00a0": " ", "\u202f": " ",
        "·": "-", "•": "-",
    }
)
_INVISIBLE = re.compile("[\u2068\u2069\u200e\u200f]")


def gsm_safe(text: str) -> str:
    """Typographic punctuation as its plain GSM-7 twin, so Latin-script text stays cheap.

    Direction isolates are dropped only where the text is otherwise GSM-7: there they
    would cost a UCS-2 message and do nothing; in Arabic script they keep numbers readable.
    """
    plain = text.translate(_GSM_SAFE)
    stripped = _INVISIBLE.sub("", plain)
    return stripped if is_gsm7(stripped) else plain


def is_gsm7(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def segments(text: str) -> int:
    """How many SMS segments Twilio bills for this text."""
    if is_gsm7(text):
        length = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        return 1 if length <= 160 else math.ceil(length / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def render(message: Outbound) -> str:
    """One outbound message as the SMS a basic phone shows: numbered options, no markup."""
    return gsm_safe(numbered(message))


def e164(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 (+4790000000), or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_inbound(form: dict[str, str], *, opted_out: bool) -> Inbound:
    """A Twilio webhook's form as an inbound message; carrier keywords become commands."""
    body = form.get("Body", "")
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return Inbound(COMMAND, text="stop")
    if word in OPT_IN_WORDS or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return Inbound(COMMAND, text="start")
    if word in HELP_WORDS:
        return Inbound(COMMAND, text="help")
    if int(form.get("NumMedia", "0") or 0) > 0 and form.get("MediaContentType0", "").startswith("image/"):
        return Inbound(PHOTO, text=body, photo_ref=form.get("MediaUrl0"))
    return Inbound(TEXT, text=body)


def twiml(texts: list[str]) -> str:
    """The TwiML that answers a webhook: one <Message> per outbound message."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return str(response)


class TwilioSender:
    """Sends outbox messages by Twilio's REST API, at most `per_second` a second."""

    channel = "sms"
    TIMEOUT = 15.0  # seconds; twilio's async client has no working timeout of its own

    def __init__(self, settings: Settings, per_second: float):
        self._http = AsyncTwilioHttpClient()
        self._client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=self._http)
        self._client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self._sender = (
            {"messaging_service_sid": settings.twilio_messaging_service_sid}
            if settings.twilio_messaging_service_sid
            else {"from_": settings.twilio_from_number}
        )
        self._status_callback = (
            settings.public_base_url.rstrip("/") + STATUS_PATH if settings.public_base_url else None
        )
        self._pace = Pace(per_second)

    async def send(self, resident: Resident, message: OutboxMessage) -> SendResult:
        await self._pace.wait()
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            async with asyncio.timeout(self.TIMEOUT):
                sent = await self._client.messages.create_async(
                    to=resident.phone, body=gsm_safe(message.text), smart_encoded=True, **self._sender, **extra
                )
        except TwilioRestException as problem:
            if problem.code == TWILIO_OPTED_OUT:
                return SendResult(OPTED_OUT, error=f"twilio {problem.code}")
            if problem.status == 429 or problem.code == TWILIO_RATE_LIMITED or problem.status >= 500:
                return SendResult(RETRY, error=f"twilio {problem.status}/{problem.code}")
            return SendResult(FAILED, error=f"twilio {problem.status}/{problem.code}: {problem.msg}")
        except TimeoutError:
            # The request may have reached Twilio: sending again could text twice.
            return SendResult(UNKNOWN, error="timeout")
        except OSError as problem:  # refused or unreachable: nothing was sent
            return SendResult(RETRY, error=f"connection: {type(problem).__name__}")
        return SendResult(SENT, provider_message_id=sent.sid)

    async def close(self) -> None:
        if self._http.session is not None:
            await self._http.session.close()


# Said to a sender we cannot keep as a resident (not a valid phone number). In Norwegian
# and English: we know nothing else about them.
UNREADABLE_SENDER = "Benken: Vi kan dessverre ikke svare dette nummeret. / Sorry, we cannot answer this number."
