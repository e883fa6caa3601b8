"""Writes bench/RESULTS.md from the results of one `python -m bench` run: the machine,
then every figure with how it was measured and whether its target was met, and what
holds back the figures that miss their target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from . import report_speed as speed
from . import similarity
from .common import verdict

RESULTS = Path(__file__).with_name("RESULTS.md")


def _section(title: str, part: Any, render: Callable[[Any], list[str]]) -> list[str]:
    lines = [f"## {title}", ""]
    if not isinstance(part, dict) or "error" in part or "skipped" in part:
        reason = (part or {}).get("error") or (part or {}).get("skipped") if isinstance(part, dict) else part
        return lines + [f"**Not measured**: {reason}", ""]
    try:
        return lines + render(part) + [""]
    except (KeyError, TypeError, ZeroDivisionError) as problem:  # a part that half-failed
        return lines + [f"**Could not report this part** ({type(problem).__name__}: {problem}); raw data below.", ""]


def summary(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) rows for the table at the top."""
    rows: list[tuple[str, str, str, str]] = []

    def add(figure, measured, target, met):
        rows.append((figure, measured, target, verdict(met)))

    speed.summary_rows(add, results)

    def scale(part: dict, backend: str) -> None:
        d = part.get("digest")
        if d:
            add(f"{backend}: digest (build_digest + render_text), 100k rows, 7 days",
                f"{d['first_seconds']:.2f} s", "< 2 s", d["first_seconds"] < 2)
            add(f"{backend}: digest peak memory",
                f"tracemalloc {d['tracemalloc_peak_mb']:.0f} MB, process RSS {d['maxrss_mb']:.0f} MB", "< 300 MB",
                d["maxrss_mb"] < 300 and d["tracemalloc_peak_mb"] < 300)
        small, big = part.get("export_10000"), part.get("export_100000")
        if small and big:
            flat = big["tracemalloc_peak_mb"] < 2 * small["tracemalloc_peak_mb"] and big["maxrss_mb"] < small["maxrss_mb"] + 20
            add(f"{backend}: export peak memory 10k → 100k ideas",
                f"tracemalloc {small['tracemalloc_peak_mb']:.2f} → {big['tracemalloc_peak_mb']:.2f} MB; "
                f"RSS {small['maxrss_mb']:.0f} → {big['maxrss_mb']:.0f} MB", "does not grow with rows", flat)

    p3 = results.get("part3") or {}
    if "error" not in p3:
        scale(p3, "SQLite")
    p4 = results.get("part4") or {}
    if p4.get("rows"):
        worst = max(r["max"] for r in p4["rows"])
        add("SMS: most segments in any message, any language", str(worst), f"≤ {p4['budget']}", worst <= p4["budget"])
    p8 = results.get("part8") or {}
    if p8.get("at"):
        for row in similarity.summary_rows(p8):
            add(*row)
    p5 = results.get("part5") or {}
    two = p5.get("two_workers")
    single = (p5.get("inbound") or {}).get("telegram_throughput")
    if two and single:
        add("PostgreSQL: Telegram inbound, two worker processes combined",
            f"{speed.rate(two['per_second'])} ({two['per_second'] / single['per_second']:.2f}× one process)", "—", None)
    race = p5.get("sms_race")
    if race:
        add("PostgreSQL: two simultaneous first SMS from one new number (race probe)",
            f"{race['failed_pairs']} of {race['pairs']} pairs had a request fail (HTTP 500)", "0", race["failed_pairs"] == 0)
    if p5.get("scale") and "error" not in p5["scale"]:
        scale(p5["scale"], "PostgreSQL")
    p6 = results.get("part6") or {}
    if (p6.get("identification") or {}).get("rows"):
        rows6 = p6["identification"]["rows"]
        worst = min(rows6, key=lambda r: r["long"][1] / r["long"][0])
        met = sum(1 for r in rows6 if r["long"][1] / r["long"][0] >= 0.9)
        add("Language identification, texts over 20 characters: languages at ≥ 90 % right",
            f"{met} of {len(rows6)} (lowest: {worst['language']} {worst['long'][1] / worst['long'][0]:.0%})",
            f"{len(rows6)} of {len(rows6)}", met == len(rows6))
    return rows


# Sections -----------------------------------------------------------------------------------------


def part3(part: dict, backend: str) -> list[str]:
    pop, d, small, big = part["populate"], part["digest"], part["export_10000"], part["export_100000"]
    lines = []
    if backend == "SQLite":
        lines += [
            "**How.** One area (Furuset) with 10,000 residents, 60,000 ideas and 40,000 safety reports (100,000 in "
            "all) created evenly over 365 days, each idea with its 'received' status change, staff answers for 90% of "
            "ideas older than three weeks and 30% of younger ones, 40,000 supports, half the reports anonymous, at "
            "40 places; inserted with SQLAlchemy core `insert()` executemany (in chunks of 5,000) in a process of "
            "its own. Then, in a fresh process: `build_digest(...)` + `render_text(...)` for that area over the "
            "last 7 days, timed on the first call (and a second), then once more under `tracemalloc` for the peak "
            "of Python allocations; the process's `ru_maxrss` includes the interpreter, libraries and SQLite's "
            "page cache. Export: `export.write(app, \"ideas\", \"csv\", None, sink)` into a text sink that discards "
            "everything, in a fresh process, with 10,000 ideas and again after 90,000 more; peak and rows/s from "
            "one run under `tracemalloc` (tracing slows it: the rows/s are a floor).",
            "",
        ]
    lines += [
        f"Bulk insert: {pop['residents']:,} residents, {pop['ideas']:,} ideas, {pop['status_changes']:,} status "
        f"changes, {pop['supports']:,} supports, {pop['safety_reports']:,} safety reports in {pop['seconds']:.1f} s.",
        "",
        "| measurement | value | target |",
        "|---|---|---|",
        f"| digest, first call | **{d['first_seconds']:.2f} s** (second call {d['second_seconds']:.2f} s) | < 2 s: "
        f"{verdict(d['first_seconds'] < 2)} |",
        f"| digest peak memory | tracemalloc **{d['tracemalloc_peak_mb']:.1f} MB**, process RSS **{d['maxrss_mb']:.0f} MB** "
        f"| < 300 MB: {verdict(d['maxrss_mb'] < 300)} |",
        f"| digest content | {d['new_ideas']:,} new ideas, {d['safety_reports']:,} reports in {d['safety_groups']} groups, "
        f"**{d['waiting_ideas']:,} ideas waiting for an answer**; text {d['text_chars']:,} characters, "
        f"{d['text_lines']:,} lines; as Telegram HTML **{d['telegram_pieces']} messages** | — |",
        f"| export 10,000 ideas | {small['rows_per_second']:,.0f} rows/s; peak tracemalloc {small['tracemalloc_peak_mb']:.2f} MB, "
        f"RSS {small['maxrss_mb']:.0f} MB | — |",
        f"| export 100,000 ideas | {big['rows_per_second']:,.0f} rows/s; peak tracemalloc {big['tracemalloc_peak_mb']:.2f} MB, "
        f"RSS {big['maxrss_mb']:.0f} MB | flat: "
        f"{verdict(big['tracemalloc_peak_mb'] < 2 * small['tracemalloc_peak_mb'] and big['maxrss_mb'] < small['maxrss_mb'] + 20)} |",
    ]
    if backend == "SQLite":
        lines += [
            "",
            "Ten times the rows leave the export's peak memory essentially unchanged (it streams with "
            "`yield_per`). The digest is fast enough, but its \"ideas waiting for an answer\" part lists every idea "
            "never answered, however old, so with a backlog the digest grows without bound "
            f"({d['waiting_ideas']:,} entries here, {d['telegram_pieces']} Telegram messages to each staff member). "
            "Suggested fix: list the oldest N (say 30) and give the total, with the full list in the CSV/export.",
        ]
    return lines


def part4(part: dict) -> list[str]:
    lines = [
        "**How.** `tests.sms_walk.table(...)` for every language: one SMS resident per language walks every flow "
        "by numbers (errors, waiting list, reminders, thanks, a moved and a cancelled dugnad, deletion); every "
        "text is counted in Twilio segments by `bot.channels.sms.segments` (GSM-7 160/153 characters, else UCS-2 "
        "70/67).",
        "",
        "| language | messages | median segments | max segments | the costliest message (characters, start) | budget ≤ 3 |",
        "|---|---|---|---|---|---|",
    ]
    for r in part["rows"]:
        start = r.get("worst_start", "").replace("|", "\\|")
        lines.append(f"| {r['language']} ({r['locale']}) | {r['messages']} | {r['median']:g} | **{r['max']}** | "
                     f"{r['worst_chars']}: “{start}…” | {verdict(r['max'] <= part['budget'])} |")
    lines += ["", "(The README's table shows 96–98 messages per language; the walk now collects "
              f"{min(r['messages'] for r in part['rows'])}–{max(r['messages'] for r in part['rows'])}: "
              "the table there is out of date, the budget still holds.)"]
    return lines


def part5(part: dict, echo: float | None) -> list[str]:
    """PostgreSQL: inbound as in part 1 (with its own echo runs), two Telegram workers,
    the race probe, digest and export."""
    lines = [
        "**How.** The same code as parts 1 and 3 against PostgreSQL (fresh databases "
        "`benken_bench_<pid>_…` copied from a migrated template, dropped afterwards). The echo bot needs no "
        "database, but this VM's speed drifts over minutes, so it runs again right before and after Benken's "
        "PostgreSQL run and the ratio uses those two.",
        "",
    ]
    lines += speed.inbound_lines(part["inbound"], "PostgreSQL", speed.echo_cpu_ms(part["inbound"]) or echo)
    two = part.get("two_workers")
    single = part["inbound"]["telegram_throughput"]
    if two:
        lines += [
            "",
            "**Two worker processes** (bench/postgres.py): two OS processes, each with its own App on the same "
            "database and its own `build_application` (cap lifted), each handling half the residents (50 in "
            "flight each, 100 in all as in the single-process run), replies to one shared fake; combined = all "
            "messages / (last end − first start).",
            "",
            f"* combined: **{speed.rate(two['per_second'])}** over {two['seconds']:.1f} s for {two['messages']:,} messages = "
            f"{two['per_second'] / single['per_second']:.2f}× the single process ({speed.rate(single['per_second'])})",
            "* per worker: " + "; ".join(
                f"{w['per_second']:.0f} msg/s, CPU {w['cpu_share']:.2f}, RSS {w['maxrss_mb']:.0f} MB, errors {w['errors']}"
                for w in two["workers"]),
            f"* database afterwards: {speed.rows_check(two)}; the workers started {two['late_start_s'] * 1000:.0f} ms after "
            "the agreed moment",
            "* the machine has 2 cores, shared by both workers, PostgreSQL and the fake Bot API: the combined figure "
            "shows the work spreads over processes without conflicts, not the scaling a bigger machine would give.",
        ]
    race = part.get("sms_race")
    if race:
        lines += ["", f"**Race probe** (bench/postgres.py `sms_race_probe`): {race['pairs']} times, two signed "
                  "webhooks from the same new number (different MessageSids) sent at the same moment through "
                  f"`POST /sms/twilio`: **{race['failed_pairs']} of {race['pairs']} pairs** had a request fail"
                  + (f", e.g. `{race['first_errors'][0]}`" if race.get("first_errors") else "")
                  + (f"; the same probe on SQLite: {part['sms_race_sqlite']['failed_pairs']} of "
                     f"{part['sms_race_sqlite']['pairs']}" if part.get("sms_race_sqlite") else "") + "."]
        if race["failed_pairs"]:
            lines += ["", "Cause: `residents.find_or_create_resident` does SELECT, then INSERT; on PostgreSQL (READ "
                      "COMMITTED) both requests see no resident and the second INSERT violates the unique address, so "
                      "that text gets HTTP 500 and no answer (Twilio does not retry it). The same happens in load runs "
                      "when a new resident's second text arrives before the first is answered; SQLite's `BEGIN "
                      "IMMEDIATE` serialises whole transactions, and Telegram's per-chat lock helps only within one "
                      "process. Two messages of one resident handled at once can also both read the same conversation "
                      "state, the later commit overwriting the first. Suggested fix: `INSERT … ON CONFLICT DO NOTHING` "
                      "on the address, then `SELECT … FOR UPDATE` of the resident row at the start of `receive` "
                      "(serialises one resident's messages across requests and workers)."]
    if part.get("scale"):
        lines += ["", "**Digest and export on PostgreSQL:**", ""] + part3(part["scale"], "PostgreSQL")
    return lines


def write(results: dict) -> Path:
    m = results["machine"]
    echo = speed.echo_cpu_ms(results.get("part1") or {})
    lines = [
        "# Benken benchmarks",
        "",
        f"Written by `python -m bench` on {m['date']}; the whole run took **{results['total_seconds'] / 60:.1f} "
        f"minutes** ({results['total_seconds']:.0f} s). Every comparison below was measured side by side in this run.",
        "",
        "## Machine",
        "",
        f"* platform: `{m['platform']}` ({m['processor']}), **{m['cpus']} CPUs**",
        f"* Python {m['python']} ({m['implementation']}), SQLite {m['sqlite']}, PostgreSQL "
        f"{results.get('postgres_version') or 'not available'} (on the same machine, loopback)",
        "* packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"* load average (1 min) at the start {results['load_start']:.2f}, at the end {results['load_end']:.2f}. "
        "This VM's speed drifts"
        + (f": the same echo run measured {speed.rate(results['part1']['echo_throughput']['per_second'])} before and "
           f"{speed.rate(results['part1']['echo_throughput_after']['per_second'])} after Benken's run, so absolute figures "
           "vary between runs; comparisons are side by side and the echo figure is their mean"
           if (results.get('part1') or {}).get('echo_throughput_after') else "")
        + ".",
        f"* code measured: sha256 `{results['fingerprint']['sha256']}` of {results['fingerprint']['files']} files in "
        "bot/, conversations/, tests/doubles/fake_telegram.py and bench/ at the start"
        + (" (unchanged at the end)" if results.get("fingerprint_end", {}).get("sha256") == results["fingerprint"]["sha256"]
           else f"; **at the end `{results.get('fingerprint_end', {}).get('sha256')}`: the code changed during the run**, "
                "so later parts may have measured newer code")
        + ". Other developers change bot/ continually: rerun `python -m bench` for current figures.",
        "",
        "## Summary",
        "",
        "| figure | measured | target | verdict |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary(results)]
    lines.append("")
    lines += _section("1. Inbound: CPU, throughput, latency and memory (SQLite)", results.get("part1"),
                      lambda p: speed.part1(p, echo))
    lines += _section("2. Broadcast delivery through the outbox", results.get("part2"),
                      lambda p: speed.part2(p, results.get("code_facts")))
    lines += _section("3. Digest and export at scale (SQLite)", results.get("part3"), lambda p: part3(p, "SQLite"))
    lines += _section("4. SMS cost per language", results.get("part4"), part4)
    lines += _section("5. PostgreSQL", results.get("part5"), lambda p: part5(p, echo))
    lines += _section(PART6_TITLE, results.get("part6"), part6)
    lines += _section("7. SMS through the real `benken serve`, over HTTP", results.get("part7"), speed.part7)
    lines += _section(similarity.TITLE, results.get("part8"), similarity.section)
    lines += [
        "## Raw results",
        "",
        "<details><summary>JSON of this run</summary>",
        "",
        "```json",
        json.dumps(results, indent=1, default=str, ensure_ascii=False),
        "```",
        "",
        "</details>",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    return RESULTS


def part6(part: dict) -> list[str]:
    ident, cost = part["identification"], part["first_contact"]
    lines = [
        "**How.** `bench/languages.py`. Language identification: `bot.text.language_id.detect` on the labelled set "
        "`tests/data/language_id.tsv` (30 short resident texts a language: plain, mixed with Norwegian place "
        "names or English words, misspelt or without diacritics, and five of 20 characters or fewer). "
        "*Undecided* means lingua was not sure enough (the job then uses the language the resident chose). "
        f"Loading lingua's models took {ident['load_seconds']:.1f} s (a thread at start-up); a text then takes "
        f"{ident['ms_per_text']:.2f} ms. The set was written by the developers, not by native speakers: real "
        "Arabic, Urdu and Dari texts (dialect, Roman Urdu) will be harder than these.",
        "",
        "| language | over 20 characters: right / undecided / wrong | ≥ 90 % | 20 or fewer: right / undecided / wrong "
        "| taken for | clearly this language (first SMS) |",
        "|---|---|---|---|---|---|",
    ]
    for r in ident["rows"]:
        n, right, undecided, wrong = r["long"]
        s_n, s_right, s_undecided, s_wrong = r["short"]
        taken = ", ".join(f"{code} ×{count}" for code, count in sorted(r["wrong_as"].items())) or "—"
        lines.append(f"| {r['language']} ({r['locale']}) | **{right}/{n} ({right / n:.0%})** / {undecided} / {wrong} | "
                     f"{verdict(right / n >= 0.9)} | {s_right}/{s_n} / {s_undecided} / {s_wrong} | {taken} | "
                     f"{r['clearly']}/{r['texts']} |")
    lines += [
        "",
        "**First SMS from a new number.** Segments of Benken's first answer (what the resident is charged for "
        "nothing; Twilio bills each segment), averaged over the labelled set's plain texts of each language sent "
        "as a first SMS. *Before*: the greeting in Norwegian and English, then the ten-language menu. *After*: "
        "when the SMS is clearly in one of our languages, the greeting in it with “1. Continue / 2. Other "
        "language”; otherwise as before.",
        "",
        "| language | first SMS texts | greeted in their language | segments before | segments after (max) |",
        "|---|---|---|---|---|",
    ]
    for r in cost["rows"]:
        lines.append(f"| {r['language']} ({r['locale']}) | {r['texts']} | {r['greeted']} | {r['before']:.1f} | "
                     f"**{r['after']:.1f}** ({r['after_max']}) |")
    return lines


PART6_TITLE = "6. Ten languages in, ten languages out"


def write_section(title: str, part: dict, render: Callable[[Any], list[str]]) -> Path:
    """One part alone (`python -m bench languages`, `… similarity`): its section of
    RESULTS.md replaced or added, the other sections left as the last full run wrote them."""
    section = "\n".join(_section(title, part, render))
    text = RESULTS.read_text() if RESULTS.exists() else "# Benken benchmarks\n\n"
    start = text.find(f"## {title}")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    else:
        raw = text.find("## Raw results")
        text = (text[:raw] + section + "\n" + text[raw:]) if raw >= 0 else text + "\n" + section
    RESULTS.write_text(text)
    return RESULTS
