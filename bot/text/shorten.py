"""Resident- and staff-written text fitted into a line: flattened and cut at a limit."""

from __future__ import annotations

ELLIPSIS = "…"


def one_line(text: str) -> str:
    """The text on one line, runs of white space (line breaks too) folded into one space."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, on one line, cut with an ellipsis where it is longer."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS
