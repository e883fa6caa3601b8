"""What an SMS costs: the GSM-7 alphabet and Twilio's segment arithmetic. Pure functions
on text, here so that the SMS channel and the staff desk's broadcast preview count alike."""

from __future__ import annotations

import math
import re

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
