"""Part 8: similar ideas before saving. The matcher (bot/domain/similar.py: rapidfuzz's
partial token sort ratio in a language both ideas have, the machine translations the cache
holds, 150 m apart at most, the same category a little more) on the labelled pairs of
tests/data/similar_ideas.json: precision and recall of "similar" for true duplicates at
the matcher's threshold and around it, by kind of pair and by the new idea's language.
The issue's target: precision ≥ 0.8 at recall ≥ 0.6. Pure CPU, well under a second:
`python -m bench similarity` runs it alone.
"""

from __future__ import annotations

import time
from typing import Any

from .common import verdict

TITLE = "8. Similar ideas before saving"
PRECISION, RECALL = 0.8, 0.6  # the target
AROUND = range(-8, 9, 4)  # thresholds shown around the matcher's own


def _rates(rows: list[tuple[float | None, str]], threshold: float) -> dict[str, float]:
    found = [(s is not None and s >= threshold, label) for s, label in rows]
    hits = sum(1 for f, label in found if f and label == "duplicate")
    taken = sum(1 for f, _label in found if f)
    duplicates = sum(1 for _f, label in found if label == "duplicate")
    return {"threshold": threshold, "precision": hits / taken if taken else 1.0, "recall": hits / duplicates,
            "taken": taken}


async def run_part() -> dict[str, Any]:
    from bot.domain.similar import SIMILAR, score
    from tests.domain.test_similar import labelled

    pairs = labelled()
    started = time.perf_counter()
    rows = [(score(new, old), label) for _lang, new, old, label in pairs]
    seconds = time.perf_counter() - started
    taken = {kind: [0, 0] for kind in ("duplicate", "near", "unrelated")}  # pairs, taken as similar
    by_language: dict[str, list[int]] = {}  # duplicates, found
    for (found, label), (lang, *_rest) in zip(rows, pairs):
        similar = found is not None and found >= SIMILAR
        taken[label][0] += 1
        taken[label][1] += similar
        if label == "duplicate":
            counts = by_language.setdefault(lang, [0, 0])
            counts[0] += 1
            counts[1] += similar
    return {"pairs": len(pairs), "threshold": SIMILAR, "at": _rates(rows, SIMILAR),
            "around": [_rates(rows, SIMILAR + step) for step in AROUND], "taken": taken,
            "by_language": by_language, "ms_per_pair": seconds * 1000 / len(pairs)}


def summary_rows(part: dict) -> list[tuple[str, str, str, bool | None]]:
    at = part["at"]
    return [("Similar ideas: precision / recall of true duplicates on the labelled pairs",
             f"{at['precision']:.2f} / {at['recall']:.2f} ({part['pairs']} pairs)", "≥ 0.8 at ≥ 0.6",
             at["precision"] >= PRECISION and at["recall"] >= RECALL)]


def section(part: dict) -> list[str]:
    at, taken = part["at"], part["taken"]
    lines = [
        "**How.** `bench/similarity.py`: `bot.domain.similar.score` on every pair of "
        f"`tests/data/similar_ideas.json` ({part['pairs']} pairs: a new idea as a resident writes it, in one of our "
        "ten languages, beside an open idea of the area with the machine translations the cache holds for it). "
        "A pair is found similar at a score of "
        f"{part['threshold']} or more (the matcher's `SIMILAR`); {part['ms_per_pair']:.3f} ms a pair. The pairs were "
        "written by the developers, translations included: real residents write shorter, misspelt and mixed texts.",
        "",
        f"**At the threshold: precision {at['precision']:.2f}, recall {at['recall']:.2f}** (target precision ≥ 0.8 "
        f"at recall ≥ 0.6: {verdict(at['precision'] >= PRECISION and at['recall'] >= RECALL)}).",
        "",
        "| pairs | how many | taken as similar |",
        "|---|---|---|",
    ]
    names = {"duplicate": "true duplicates", "near": "near misses (same place or thing, another wish)",
             "unrelated": "unrelated"}
    lines += [f"| {names[kind]} | {n} | {found} |" for kind, (n, found) in taken.items()]
    lines += ["", "| threshold | precision | recall | pairs taken |", "|---|---|---|---|"]
    lines += [f"| {r['threshold']}{' (the matcher’s)' if r['threshold'] == part['threshold'] else ''} | "
              f"{r['precision']:.2f} | {r['recall']:.2f} | {r['taken']} |" for r in part["around"]]
    lines += ["", "Duplicates found, by the language the new idea was written in: " + ", ".join(
        f"{lang} {found}/{n}" for lang, (n, found) in sorted(part["by_language"].items())) + "."]
    return lines
