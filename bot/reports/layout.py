"""How a staff report is laid out: a list of lines, each a few styled segments, rendered
as plain text (terminal, e-mail) or as Telegram HTML (only <b> and <i>, every text escaped).
The digest and the impact figures are both written as such lines, so they look alike."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

BOLD, ITALIC = "b", "i"
SEPARATOR = " · "
# Line kinds: a report's title, a part's heading, a resident's words, a detail, or plain.
TITLE, HEADING, QUOTE, DETAIL = "title", "heading", "quote", "detail"


@dataclass(frozen=True)
class Line:
    segments: tuple[tuple[str, str], ...]  # (text, "" | BOLD | ITALIC)
    kind: str = ""


def line(*segments: tuple[str, str] | str, kind: str = "") -> Line:
    return Line(tuple((s, "") if isinstance(s, str) else s for s in segments), kind)


def heading(text: str) -> Line:
    return line((text, BOLD), kind=HEADING)


def bullets(texts: list[str]) -> list[Line]:
    return [line("• " + text, kind=DETAIL) for text in texts]


# Control characters a resident may have sent: kept out of terminals (escape sequences)
# and Telegram; line breaks are handled by the layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def as_text(lines: list[Line]) -> str:
    """Plain text, for the terminal and the e-mail's text part; residents' words verbatim."""
    out: list[str] = []
    for item in lines:
        text = clean("".join(segment for segment, _style in item.segments))
        if item.kind == TITLE:
            out += [text, "=" * len(text)]
        elif item.kind == HEADING:
            out += ["", text, "-" * len(text)]
        elif item.kind == QUOTE:
            out.append("    " + text)
        elif item.kind == DETAIL:
            out.append("  " + text)
        else:
            out.append(text)
    return "\n".join(out)


def as_html(lines: list[Line]) -> str:
    """Telegram HTML: only <b> and <i>, every text escaped (residents', staff's and
    translators'), one element per line so that a long report can be cut between lines."""
    out: list[str] = []
    for item in lines:
        text = "".join(_html_segment(segment, style) for segment, style in item.segments)
        out += ["", text] if item.kind == HEADING else [text]
    return "\n".join(out)


def _html_segment(text: str, style: str) -> str:
    escaped = html.escape(clean(text))
    return f"<{style}>{escaped}</{style}>" if style else escaped
