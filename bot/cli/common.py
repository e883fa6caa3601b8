"""What the `benken` commands share: the one-line error, and reading a local time or an
idea's reference from the command line."""

from __future__ import annotations

from datetime import datetime

from ..domain.queries import IDEA_REF, parse_ref
from ..models import Idea
from ..text.times import parse_local_moment


class CommandError(Exception):
    """Bad input on the command line; the message is printed as is, on one line."""


def local_time(value: str, timezone: str, option: str) -> datetime:
    moment = parse_local_moment(value, timezone)
    if moment is None:
        raise CommandError(f'{option}: expected "YYYY-MM-DD HH:MM", got {value!r}')
    return moment


async def idea_by_ref(session, raw: str) -> Idea:
    number = parse_ref(raw, IDEA_REF)
    if number is None:
        raise CommandError(f"idea id: expected 12 or I-12, got {raw!r}")
    idea = await session.get(Idea, number)
    if idea is None:
        raise CommandError(f"no idea I-{number}")
    return idea
