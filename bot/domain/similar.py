"""Ideas like a new one, found before it is saved (and like an idea on the staff desk):
the same area, open, near in words and, where both have a location, in place.

Words are compared in a language both ideas have: the new idea as its resident wrote it,
the others as written or as the translation job left them in the cache (bot/messaging/
translation.py translates every idea's words into each language Benken speaks, so a
Polish resident's words meet a Norwegian idea in Polish). The scorer is rapidfuzz's
partial token sort ratio: word order and a longer text around the same words do not
matter, inflected endings cost little. Measured on tests/data/similar_ideas.json by
bench/similarity.py (`make bench`, part 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import IDEA_OPEN_STATUSES, Idea, IdeaSupport
from ..text.folding import normalize
from .queries import supporters_column
from .translations import cached_many, source_language, text_hash

NEAR_METRES = 150  # the rule: further apart, two ideas are about two places
SHOWN = 3  # similar ideas offered at most (the issue)
POOL = 300  # newest open ideas of an area compared: a district's year of ideas
# A pair scoring this (0-100) or more is similar. Chosen on the labelled pairs for
# precision over recall (a wrong suggestion costs a resident more than a missed one):
# see bench/RESULTS.md, part 7, for precision and recall around it.
SIMILAR = 68
SAME_CATEGORY = 5  # what the same category adds to the words' score
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Sketch:
    """What the matcher knows of an idea: its words in each language it has them in (the
    original and machine translations), its category and where it is, if it was said."""

    texts: dict[str, str]
    category: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def metres_between(a: Sketch, b: Sketch) -> float:
    """The great-circle distance between two located ideas (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def score(new: Sketch, old: Sketch) -> float | None:
    """How alike two ideas are (0-100, more with the same category), or None when they
    cannot be the same wish: located further apart than NEAR_METRES, or with no language
    in common to compare their words in."""
    if new.located and old.located and metres_between(new, old) > NEAR_METRES:
        return None
    common = new.texts.keys() & old.texts.keys()
    if not common:
        return None
    words = max(fuzz.partial_token_sort_ratio(new.texts[code], old.texts[code], processor=normalize)
                for code in common)
    return words + (SAME_CATEGORY if new.category == old.category else 0)


def is_similar(found: float | None) -> bool:
    return found is not None and found >= SIMILAR


@dataclass(frozen=True)
class Similar:
    """An idea like the new one, with what a reader is shown of it."""

    idea: Idea
    supporters: int
    score: float
    # Its words in the reader's language (a machine's) when the cache has them, else None.
    translated: str | None = None


async def similar_ideas(
    session: AsyncSession,
    area_slug: str,
    new: Sketch,
    *,
    reader: str,
    resident_id: int | None = None,
    leave_out: int | None = None,
    limit: int = SHOWN,
) -> list[Similar]:
    """Up to `limit` open ideas of the area like `new`, the most alike, shown newest first.
    Ideas `resident_id` wrote or supports already are left out (there is nothing to
    offer), and so is `leave_out` (the idea itself, on the staff desk)."""
    query = (
        select(Idea, supporters_column())
        .where(Idea.area_slug == area_slug, Idea.status.in_(IDEA_OPEN_STATUSES))
        .order_by(Idea.created_at.desc(), Idea.id.desc())
        .limit(POOL)
    )
    if leave_out is not None:
        query = query.where(Idea.id != leave_out)
    if resident_id is not None:
        supported = select(IdeaSupport.idea_id).where(IdeaSupport.resident_id == resident_id)
        query = query.where(Idea.author_id.is_distinct_from(resident_id), Idea.id.not_in(supported))
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    sketches = await sketches_of(session, [idea for idea, _count in rows], (*new.texts, reader))
    found = []
    for (idea, count), sketch in zip(rows, sketches):
        alike = score(new, sketch)
        if is_similar(alike):
            found.append(_as_shown(idea, count, sketch, reader, alike))
    best = sorted(found, key=lambda s: -s.score)[:limit]
    return sorted(best, key=lambda s: (s.idea.created_at, s.idea.id), reverse=True)


async def shown_again(session: AsyncSession, ids: list[int], *, reader: str) -> list[Similar]:
    """Ideas found similar before (`ids`, in that order) as a reader is shown them now:
    those still open, with their supporters and their words in the reader's language."""
    rows = (await session.execute(
        select(Idea, supporters_column()).where(Idea.id.in_(ids), Idea.status.in_(IDEA_OPEN_STATUSES))
    )).all()
    sketches = await sketches_of(session, [idea for idea, _count in rows], (reader,))
    found = {idea.id: _as_shown(idea, count, sketch, reader, 0.0) for (idea, count), sketch in zip(rows, sketches)}
    return [found[number] for number in ids if number in found]


def _as_shown(idea: Idea, supporters: int, sketch: Sketch, reader: str, alike: float) -> Similar:
    translated = sketch.texts.get(reader) if source_language(idea) != reader else None
    return Similar(idea, supporters, alike, translated)


async def sketches_of(session: AsyncSession, ideas: list[Idea], languages: tuple[str, ...]) -> list[Sketch]:
    """Each idea's sketch, with its words in those of `languages` the cache has them in."""
    cache = await cached_many(session, [(idea.text, source_language(idea)) for idea in ideas], tuple(set(languages)))
    sketches = []
    for idea in ideas:
        source, key = source_language(idea), text_hash(idea.text)
        texts = {code: cache[(key, source, code)] for code in languages if (key, source, code) in cache}
        texts[source] = idea.text
        sketches.append(Sketch(texts, idea.category, idea.latitude, idea.longitude))
    return sketches
