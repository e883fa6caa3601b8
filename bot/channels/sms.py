"""SMS as a basic phone shows it, whatever the provider: plain text with numbered options,
the GSM-7 alphabet and segment arithmetic, phone numbers, and the carrier keywords.
Twilio's webhooks and REST API are in twilio.py."""

from __future__ import annotations

from dataclasses import replace

import phonenumbers

from conversations.messages import Capabilities, Outbound, numbered

# The segment arithmetic lives with the text, where the staff desk's broadcast preview
# can count it too.
from ..text.sms_segments import GSM_BASIC, GSM_EXTENDED, gsm_safe, is_gsm7, segments  # noqa: F401

DEFAULT_REGION = "NO"  # a number written without +47 is Norwegian

# Carrier-style keywords (Twilio's own list, plus Norwegian): a body that is exactly one
# of these controls the subscription, whatever step the resident is at.
OPT_OUT_WORDS = frozenset({"STOP", "STOPP", "SLUTT", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})  # an answer in a yes/no step otherwise
HELP_WORDS = frozenset({"HELP", "HJELP"})


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
# Where the deployment takes photos by MMS (TWILIO_MMS), the idea's photo step is asked too.
WITH_MMS = replace(CAPABILITIES, photos=True)
