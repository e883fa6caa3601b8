"""SMS as a basic phone shows it, whatever the provider: plain text with numbered options,
the GSM-7 alphabet and segment arithmetic, phone numbers, and the carrier keywords.
Twilio's webhooks and REST API are in twilio.py."""

from __future__ import annotations

import math
import re

import phonenumbers

from conversations.messages import Capabilities, Outbound, numbered

DEFAULT_REGION = "NO"  # a number written without +47 is Norwegian

# Carrier-style keywords (Twilio's own list, plus Norwegian): a body that is exactly one
# of these controls the subscription, whatever step the resident is at.
OPT_OUT_WORDS = frozenset({"STOP", "STOPP", "SLUTT", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})  # an answer in a yes/no step otherwise
HELP_WORDS = frozenset({"HELP", "HJELP"})

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


SEGMENT_BUDGET = 3  # the most segments one message to a resident may cost (README: SMS costs)

# No photo step (basic phones; MMS costs), and every character is paid for.
CAPABILITIES = Capabilities(
    compact=True, carrier_stop=True, fits=lambda text: segments(gsm_safe(text)) <= SEGMENT_BUDGET
)
