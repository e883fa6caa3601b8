"""A4 posters for a notice board, a community house or the bench itself: a short
invitation in each chosen language, a QR code for the Telegram deep link (or for the
area's results page), and the SMS keyword when SMS is configured.

HTML and CSS laid out by WeasyPrint, which shapes text with HarfBuzz through Pango: Arabic
and Persian letters join, Urdu is set in Nastaliq, Tigrinya in Ethiopic. The fonts are
Debian's Noto fonts (fonts-noto-core, installed by `make`); a missing font falls back to
another that fontconfig finds, never to empty boxes silently: `missing_fonts` says which.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers
import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..areas import Area
from ..text.resident import LANGUAGE_NAMES, Text

TEMPLATES = Path(__file__).with_name("templates")
JOIN, RESULTS = "join", "results"  # what the poster invites to: take part, or see results
# The font each script is set in (CSS font-family), most wanted first. Urdu readers expect
# Nastaliq; Naskh stands in where no Nastaliq font is installed.
FONTS = {
    "ar": ("Noto Naskh Arabic", "Noto Sans Arabic"),
    "fa": ("Noto Naskh Arabic", "Noto Sans Arabic"),
    "ur": ("Noto Nastaliq Urdu", "Noto Naskh Arabic"),
    "ti": ("Noto Sans Ethiopic", "Noto Serif Ethiopic"),
}
LATIN_FONTS = ("Noto Sans", "DejaVu Sans")
QR_ERROR = "m"  # 15% of the code may be dirty or torn and it still reads: a notice board
# Sizes by how many languages share the page, so that all ten still fit one A4 sheet.
SIZES = (
    (4, {"qr": "64mm", "pad": "3.5mm", "lead": "17pt", "text": "14pt"}),
    (6, {"qr": "54mm", "pad": "2.5mm", "lead": "13pt", "text": "11pt"}),
    (len(LANGUAGE_NAMES), {"qr": "44mm", "pad": "1.2mm", "lead": "10.5pt", "text": "9pt"}),
)
NO_BREAK = "\u00a0"
QR_SCALE = 10  # SVG units a module; the code is sized in the page's CSS


class PosterError(ValueError):
    """The poster cannot be made as asked (an unknown language); the message says why."""


@dataclass(frozen=True)
class Sms:
    keyword: str  # "FURUSET"
    number: str  # the number residents send it to


def sms_keyword(area: Area) -> str:
    """What a resident sends by SMS to start with this area preselected."""
    return area.slug.upper()


def display_number(number: str) -> str:
    """+4759440000 as residents read it on a poster: +47 59 44 00 00."""
    try:
        parsed = phonenumbers.parse(number, "NO")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _font_stack(locale: str) -> str:
    return ", ".join(f'"{name}"' for name in (*FONTS.get(locale, ()), *LATIN_FONTS)) + ", sans-serif"


def _block(locale: str, area: Area, kind: str, sms: Sms | None) -> dict:
    """One language's lines: the invitation and how to answer it."""
    t = Text(locale)
    name = t.ltr(area.name)
    if kind == RESULTS:
        lines = [
            t._("See what neighbours in {area} said, and what the district did.", area=name),
            t._("Scan the code with your phone camera to open the page."),
        ]
    else:
        lines = [t._("Share your ideas for {area}, join a dugnad, and tell us where you feel unsafe.", area=name)]
        if sms is not None:
            lines.append(t._(
                "Scan the code to write to us on Telegram, or send {keyword} by SMS to {number}.",
                # A number broken over two lines cannot be typed: its spaces do not break.
                keyword=t.ltr(sms.keyword), number=t.ltr(sms.number.replace(" ", NO_BREAK)),
            ))
        else:
            lines.append(t._("Scan the code to write to us on Telegram, in your own language."))
    return {"lang": locale, "dir": "rtl" if t.rtl else "ltr", "font": _font_stack(locale), "lines": lines}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), undefined=StrictUndefined
    )


def poster_html(area: Area, *, link: str, langs: list[str], kind: str = JOIN, sms: Sms | None = None) -> str:
    """The poster as HTML (what WeasyPrint lays out); `link` is what the QR code holds."""
    unknown = [code for code in langs if code not in LANGUAGE_NAMES]
    if unknown or not langs:
        raise PosterError(f"--langs: expected codes from {', '.join(LANGUAGE_NAMES)}, got {', '.join(unknown) or 'none'}")
    qr = segno.make(link, error=QR_ERROR)
    blocks = [_block(code, area, kind, sms) for code in dict.fromkeys(langs)]
    return _environment().get_template("poster.html").render(
        area=area,
        link=link,
        qr=qr.svg_data_uri(scale=QR_SCALE, border=4),
        blocks=blocks,
        sms=sms if kind == JOIN else None,
        latin=_font_stack("en"),
        size=next(size for most, size in SIZES if len(blocks) <= most),
    )


def render_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint (imported here: it loads Pango, a second's work)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def poster_pdf(area: Area, *, link: str, langs: list[str], kind: str = JOIN, sms: Sms | None = None) -> bytes:
    return render_pdf(poster_html(area, link=link, langs=langs, kind=kind, sms=sms))


def missing_fonts(langs: list[str]) -> list[str]:
    """The first-choice fonts of `langs` that fontconfig does not know (empty when all are
    installed, or when fc-list itself is missing and nothing can be said)."""
    wanted = {FONTS.get(code, LATIN_FONTS)[0] for code in langs} | {LATIN_FONTS[0]}
    try:
        listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    return sorted(wanted - families)
