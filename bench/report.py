"""Writes bench/RESULTS.md from the results of one `python -m bench` run: the machine,
then every figure with how it was measured and whether its target was met, and what
holds back the figures that miss their target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from . import similarity
from .common import verdict

RESULTS = Path(__file__).with_name("RESULTS.md")


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _rate(value: float) -> str:
    return f"{value:,.0f} msg/s"


def _section(title: str, part: Any, render: Callable[[Any], list[str]]) -> list[str]:
    lines = [f"## {title}", ""]
    if not isinstance(part, dict) or "error" in part or "skipped" in part:
        reason = (part or {}).get("error") or (part or {}).get("skipped") if isinstance(part, dict) else part
        return lines + [f"**Not measured**: {reason}", ""]
    try:
        return lines + render(part) + [""]
    except (KeyError, TypeError, ZeroDivisionError) as problem:  # a part that half-failed
        return lines + [f"**Could not report this part** ({type(problem).__name__}: {problem}); raw data below.", ""]


def _rows_check(result: dict) -> str:
    stored, expected = result.get("stored"), result.get("expected")
    if not stored or not expected:
        return "not checked"
    wrong = [f"{k} {stored.get(k)} of {v}" for k, v in expected.items() if stored.get(k) != v]
    if wrong:
        return "**MISMATCH**: " + ", ".join(wrong)
    return "exactly as the scripts imply (" + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in expected.items()) + ")"


def summary(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) rows for the table at the top."""
    rows: list[tuple[str, str, str, str]] = []

    def add(figure, measured, target, met):
        rows.append((figure, measured, target, verdict(met)))

    def inbound(part: dict, backend: str, echo: float | None) -> None:
        tg, sms = part.get("telegram_throughput"), part.get("sms_throughput")
        if tg and echo:
            ratio = tg["per_second"] / echo
            add(f"{backend}: Telegram inbound throughput vs bare PTB echo bot (mean of runs before and after)",
                f"{_rate(tg['per_second'])} vs {_rate(echo)} = {ratio:.2f}", "≥ 0.5", ratio >= 0.5)
        if sms:
            add(f"{backend}: SMS inbound throughput (POST /sms/twilio)", _rate(sms["per_second"]), "—", None)
        for key, name in (("telegram_latency", "Telegram"), ("sms_latency", "SMS")):
            lat = part.get(key)
            if lat:
                add(f"{backend}: {name} latency at 100 msg/s offered (open loop)",
                    f"p50 {_ms(lat['p50_ms'])}, p99 {_ms(lat['p99_ms'])}", "p99 < 100 ms", lat["p99_ms"] < 100)
        for key, r in part.items():
            if isinstance(r, dict) and r.get("errors"):
                add(f"{backend}: errors in {key.replace('_', ' ')}",
                    f"{r['errors']} of {r['messages']:,}: {(r.get('first_errors') or [''])[0][:160]}", "0", False)
        if tg and sms:
            add(f"{backend}: peak memory (RSS of the measuring process)",
                f"Telegram {tg['maxrss_mb']:.0f} MB, SMS {sms['maxrss_mb']:.0f} MB", "—", None)

    p1 = results.get("part1") or {}
    echo = p1.get("echo_mean_per_second")
    if "error" not in p1:
        inbound(p1, "SQLite", echo)
        shipped = p1.get("telegram_shipped_limiter")
        if shipped:
            add("SQLite: Telegram inbound through build_application as shipped (30/s overall cap)",
                _rate(shipped["per_second"]), "—", None)
    p2 = results.get("part2") or {}
    straight, restart, proto = p2.get("straight"), p2.get("restart"), p2.get("prototype")
    if straight:
        add(f"Broadcast: achieved rate, product drain_once (S={straight['scale']:g})",
            f"{straight['sent_per_second']:.0f}/s = {straight['share_of_allowed']:.0%} of {straight['allowed_per_second']:.0f}/s",
            "≥ 95%", straight["share_of_allowed"] >= 0.95)
        add("Broadcast: 429s from the fake", str(straight["http_429"]), "0", straight["http_429"] == 0)
        add("Broadcast: lost / duplicated", f"{straight['lost']} / {straight['duplicated']}", "0 / 0",
            straight["lost"] == 0 and straight["duplicated"] == 0)
    if restart:
        add("Broadcast with restart half-way: lost / duplicated",
            f"{restart['lost']} / {restart['duplicated']}", "0 / 0", restart["lost"] == 0 and restart["duplicated"] == 0)
        never = _never_attempted(restart)
        add("Broadcast with restart: marked failed-not-repeated (reached Telegram / never sent / of these, "
            "surely never attempted)",
            f"{restart['interrupted_failed']} ({restart['interrupted_that_reached_telegram']} / "
            f"{restart['interrupted_never_sent']} / ≥ {never})", "only messages in flight at the crash; none twice",
            never == 0 and restart["duplicated"] == 0)
    if restart and restart.get("stuck_after_drain") is not None:
        stuck = sum(restart["stuck_after_drain"].values())
        add("Broadcast with restart: rows still unfinished after an immediate restart and a full drain",
            f"{stuck} ({', '.join(f'{v} {k}' for k, v in restart['stuck_after_drain'].items() if v) or 'none'}), "
            "held until a recovery ≥ 5 min later", "0", stuck == 0)
    if proto:
        add(f"Broadcast, PROTOTYPE concurrent drain (not product code; {proto['messages']:,} messages)",
            f"{proto['sent_per_second']:.0f}/s = {proto['share_of_allowed']:.0%}, 429s {proto['http_429']}, "
            f"lost {proto['lost']}, dup {proto['duplicated']}", "≥ 95%", proto["share_of_allowed"] >= 0.95)

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
    p7 = results.get("part7") or {}
    if p7.get("at"):
        for row in similarity.summary_rows(p7):
            add(*row)
    p5 = results.get("part5") or {}
    if p5.get("inbound") and "error" not in p5["inbound"]:
        inbound(p5["inbound"], "PostgreSQL", echo)
    two = p5.get("two_workers")
    single = (p5.get("inbound") or {}).get("telegram_throughput")
    if two and single:
        add("PostgreSQL: Telegram inbound, two worker processes combined",
            f"{_rate(two['per_second'])} ({two['per_second'] / single['per_second']:.2f}× one process)", "—", None)
    race = p5.get("sms_race")
    if race:
        add("PostgreSQL: two simultaneous first SMS from one new number (race probe)",
            f"{race['failed_pairs']} of {race['pairs']} pairs had a request fail (HTTP 500)", "0", race["failed_pairs"] == 0)
    if p5.get("scale") and "error" not in p5["scale"]:
        scale(p5["scale"], "PostgreSQL")
    return rows


# Sections -----------------------------------------------------------------------------------------


def _inbound_lines(part: dict, backend: str, echo: float | None) -> list[str]:
    tg, sms = part["telegram_throughput"], part["sms_throughput"]
    lines = [
        "| scenario | messages | residents | msg/s | closed-loop p50 / p99 | CPU (1.0 = one core) | SQL statements / transactions per message | peak RSS (before the messages) | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def row(name: str, r: dict) -> None:
        sql = (f"{r['sql_statements_per_message']:.1f} / {r['transactions_per_message']:.2f}"
               if "sql_statements_per_message" in r else "—")
        lines.append(
            f"| {name} | {r['messages']:,} | {r.get('residents', '—')} | **{r['per_second']:.0f}** | "
            f"{_ms(r['closed_loop_p50_ms'])} / {_ms(r['closed_loop_p99_ms'])} | {r.get('cpu_share', 0):.2f} | {sql} | "
            f"{r['maxrss_mb']:.0f} MB ({r['rss_before_mb']:.0f} MB) | {r['errors']} |")

    if part.get("echo_throughput"):
        row("bare PTB echo bot (no database), before", part["echo_throughput"])
    row("Benken, Telegram (build_application, overall cap lifted)", tg)
    if part.get("echo_throughput_after"):
        row("bare PTB echo bot (no database), after", part["echo_throughput_after"])
    row("Benken, SMS (POST /sms/twilio, TwiML)", sms)
    if part.get("telegram_shipped_limiter"):
        row("Benken, Telegram, build_application exactly as shipped", part["telegram_shipped_limiter"])
    lines += ["", "Database after the throughput runs: Telegram " + _rows_check(tg) + "; SMS " + _rows_check(sms) + ".",
              f"The fake Bot API accepted: {tg.get('fake', {})} (Benken)"
              + (f", {part['echo_throughput'].get('fake', {})} (echo)." if part.get("echo_throughput") else "."),
              "SQL per message, by kind: Telegram " + _kinds(tg) + "; SMS " + _kinds(sms) + ".", ""]
    if echo:
        ratio = tg["per_second"] / echo
        lines.append(f"**Benken / echo = {_rate(tg['per_second'])} / {_rate(echo)} = {ratio:.2f}** (echo: mean of "
                     f"the runs before and after{' in part 1' if backend != 'SQLite' else ''}; "
                     f"target ≥ 0.5: {verdict(ratio >= 0.5)}).")
    lines += ["", "Latency at a fixed offered load (open loop, one message every 10 ms for 10 s; time from the "
              "message's scheduled arrival until it was handled and its replies were sent):", "",
              "| scenario | offered | achieved | p50 | p90 | p99 | max | worst dispatch lag | CPU | errors | target p99 < 100 ms |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, name in (("echo_latency", "bare PTB echo bot"), ("telegram_latency", "Benken, Telegram"),
                      ("sms_latency", "Benken, SMS")):
        r = part.get(key)
        if r:
            lines.append(
                f"| {name} | {r['offered_per_second']:.0f}/s | {r['achieved_per_second']:.1f}/s | {_ms(r['p50_ms'])} | "
                f"{_ms(r['p90_ms'])} | **{_ms(r['p99_ms'])}** | {_ms(r['max_ms'])} | {_ms(r['max_dispatch_lag_ms'])} | "
                f"{r.get('cpu_share', 0):.2f} | {r['errors']} | {verdict(r['p99_ms'] < 100) if key != 'echo_latency' else 'reference'} |")
    return lines + _errors_lines(part, backend)


def _errors_lines(part: dict, backend: str) -> list[str]:
    """What went wrong in the inbound runs, if anything, with the cause where it is known."""
    failed = {k: r for k, r in part.items() if isinstance(r, dict) and r.get("errors")}
    if not failed:
        return []
    lines = ["", f"**Errors ({backend}).** " + "; ".join(
        f"{k.replace('_', ' ')}: {r['errors']} of {r['messages']:,} messages failed, e.g. `{(r.get('first_errors') or [''])[0]}`"
        for k, r in failed.items()) + "."]
    if any("uq_residents" in e for r in failed.values() for e in r.get("first_errors") or []):
        lines += ["", "Cause: two messages from the same NEW resident were handled at the same time (under load a "
                  "resident's next text arrives before the previous one is answered) and `services."
                  "find_or_create_resident` does SELECT, then INSERT: on PostgreSQL (READ COMMITTED) both see no "
                  "resident, the second INSERT violates the unique address, the request fails with HTTP 500 and the "
                  "resident gets no answer (Twilio does not retry it). SQLite's `BEGIN IMMEDIATE` serialises whole "
                  "transactions, so it cannot happen there; Telegram's per-chat lock in `TelegramChannel` prevents it "
                  "within one process, but not across two workers. The same concurrency also lets two messages of one "
                  "resident read the same conversation state, the later commit overwriting the first. Suggested fix: "
                  "`INSERT … ON CONFLICT (phone|telegram_id) DO NOTHING`, then `SELECT … FOR UPDATE` of the resident "
                  "row at the start of `receive`, which both removes the race and serialises one resident's messages "
                  "across requests and workers."]
    return lines


def _kinds(r: dict) -> str:
    kinds = r.get("sql_kinds_per_message") or {}
    return ", ".join(f"{v:g} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])) or "—"


def _why_inbound(part: dict, echo: float | None, backend: str) -> list[str]:
    """What holds the inbound figures back, from this run's own measurements."""
    tg, sms = part["telegram_throughput"], part["sms_throughput"]
    lat = part.get("telegram_latency") or {}
    text = [f"**What holds it back ({backend}).** "]
    text.append(f"The bot is CPU-bound: {tg.get('cpu_share', 0):.2f} of a core busy during the Telegram run, in one "
                "Python process (one event loop), so more residents in flight cannot add capacity to it. ")
    if echo:
        text.append(f"Per message the echo bot needs {1000 / echo:.1f} ms (PTB + httpx + the fake's answer), "
                    f"Benken {1000 / tg['per_second']:.1f} ms on Telegram and {1000 / sms['per_second']:.1f} ms by SMS. ")
    text.append(f"A Telegram message costs {tg.get('sql_statements_per_message', 0):.1f} SQL statements in "
                f"{tg.get('transactions_per_message', 0):.2f} transactions, an SMS {sms.get('sql_statements_per_message', 0):.1f} "
                f"in {sms.get('transactions_per_message', 0):.2f}, each through SQLAlchemy's ORM and an async driver. ")
    if backend == "SQLite":
        text.append("On SQLite every transaction begins `IMMEDIATE`, taking the single write lock even to read, so "
                    "transactions never overlap. ")
    if sms.get("transactions_per_message", 0) > 1.5:
        text.append("The SMS route opens a transaction of its own before the inbox's one (in the measured code: "
                    "`web.py` reads the sender's opt-out state in a separate session before `receive`). ")
    if tg.get("transactions_per_message", 0) > 1.5:
        text.append("The Telegram path also opened about one extra transaction per message (in the measured code: "
                    "the staff lookup in `StaffDesk.staff_for` before `receive`). ")
    if lat:
        text.append(f"Latency: at 100 msg/s offered, the bot's capacity in this run ({_rate(tg['per_second'])} closed-loop) "
                    + ("is below the offered load, so the queue grows for the whole 10 s and the latency is queueing, not "
                       "handling time." if tg["per_second"] < 100 else
                       "is close to the offered load (utilisation near 1), so bursts queue; the p50 is the handling "
                       "time, the p99 is queueing."))
    return ["".join(text)]


def _fixes_inbound(part: dict) -> list[str]:
    """Suggested fixes, from what this run measured (the code changes under us)."""
    tg, sms = part["telegram_throughput"], part["sms_throughput"]
    fixes = []
    if sms.get("transactions_per_message", 0) > 1.5:
        fixes.append("one transaction per SMS: read the opt-out state inside `receive`'s transaction instead of a "
                     "session of its own in `web.py`")
    if tg.get("transactions_per_message", 0) > 1.5:
        fixes.append("one transaction per Telegram message: answer the staff check from memory")
    kinds = {**(tg.get("sql_kinds_per_message") or {}), **(sms.get("sql_kinds_per_message") or {})}
    if kinds.get("SAVEPOINT"):
        fixes.append("the inbound log as one `INSERT … ON CONFLICT DO NOTHING RETURNING id` (no SELECT + SAVEPOINT)")
    fixes.append("fewer statements inside the transaction (now, per Telegram message: " + _kinds(tg) + "), e.g. "
                 "resident and conversation state in one query, `last_seen` written with the state")
    fixes.append("on SQLite, read-only sessions DEFERRED (only writers need IMMEDIATE)")
    fixes.append("beyond that, more processes (part 5: two workers on PostgreSQL); on SQLite their writes would "
                 "still queue for the one write lock")
    return ["", "**Suggested fixes** (not applied: product code): " + "; ".join(fixes) + "."]


def part1(part: dict, echo: float | None) -> list[str]:
    tg, shipped = part["telegram_throughput"], part.get("telegram_shipped_limiter")
    lines = [
        "**How.** Each scenario runs in a fresh Python process (peak memory = that process's "
        "`resource.getrusage(RUSAGE_SELF).ru_maxrss`, which includes the interpreter and all libraries, "
        f"{tg['rss_before_mb']:.0f} MB before the first message), against a fresh copy of a migrated database with one dugnad "
        "per area. The project's `tests/fake_telegram.py` runs in its own process on loopback (Telegram is remote, "
        "so its CPU is not charged to the bot); every reply is a real HTTP call to it.",
        "",
        "* Residents are scripted (`bench/residents.py`): onboarding, then one to three of the three flows (share an "
        "idea with category, place as words or a location, photo or skip, help yes/no, send; sign up for the "
        "area's dugnad (20 places, then the waiting list); report an unsafe place, 5% of them answering \"someone "
        "is in danger\"), with help, a wrong number and browsing in between. Inputs are typed (numbers and words, "
        "which every step accepts), plus locations and photos on Telegram; the SMS script is the same without "
        "the photo step and with places in words.",
        "* Telegram: `build_application(app, per_chat_per_second=1000)` fed `telegram.Update` objects (built "
        "beforehand with the fake's own builders) through `application.process_update(update)`.",
        "* SMS: the same kind of residents through `POST /sms/twilio` on `create_web(app, Metrics())` over "
        "`httpx.ASGITransport`, signed with twilio's `RequestValidator` (signatures computed before the clock starts).",
        "* Echo: a PTB Application with one `MessageHandler(filters.ALL)` that replies the text, the same "
        "limiter, the same updates, the same fake.",
        "* Throughput is closed-loop: 100 residents in flight (PTB's batch size when polling), each sending its "
        "next message once the previous one was answered.",
        "",
        "**The 30/s cap.** `build_application` builds `ChatRateLimiter(per_chat)` on PTB's `AIORateLimiter`, whose "
        "overall limit (30 requests a second, Telegram's broadcast limit) stays in force whatever `per_chat_per_second` "
        "says. Measured as shipped it caps the whole bot at "
        + (f"**{_rate(shipped['per_second'])}**" if shipped else "~30 msg/s")
        + ". For the capacity figures below the same `build_application` is called while "
        "`bot.channels.telegram.ChatRateLimiter` is wrapped to pass `overall_max_rate=0` (no overall limit; the "
        "echo bot gets the same limiter). So the Telegram figures are what the bot can handle, not what Telegram "
        "would let one bot send: at the real 30 msg/s, 100 inbound messages a second cannot all be answered "
        "by one Telegram bot.",
        "",
    ]
    lines += _inbound_lines(part, "SQLite", echo)
    lines += [""] + _why_inbound(part, echo, "SQLite") + [
        "",
    ] + _fixes_inbound(part)
    return lines


def _restart_paragraph(r: dict, facts: dict) -> str:
    def n(counts: dict) -> int:
        return sum(counts.values())

    def detail(counts: dict) -> str:
        return ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "none"

    left, stuck = r["left_unfinished_at_restart"], r["stuck_after_drain"]
    now, later = r["recovered_at_immediate_restart"], r["recovered_after_stale_claim"]
    return (
        f"**Restart half-way.** The draining task was cancelled after {r['cancelled_after_sends']:,} sends (inside a "
        f"{r.get('drain_claim_batch')}-row claim) and that process ended, leaving {n(left)} rows unfinished "
        f"({detail(left)}). The restarted sender's `recover_interrupted` settled {n(now)} of them at once (it leaves "
        f"claims younger than `STALE_CLAIM` = 5 minutes alone); the fresh drain sent everything else and {n(stuck)} "
        f"rows stayed unfinished ({detail(stuck)}). A `recover_interrupted` at least 5 minutes later requeued "
        f"{later['requeued']} (then sent) and marked {later['failed']} failed-not-repeated. Of all rows marked failed, "
        f"{r['interrupted_that_reached_telegram']} had reached Telegram (in flight at the cancel) and "
        f"{r['interrupted_never_sent']} had not; at most {r.get('drain_concurrent_sends') or 1} can have been in flight, "
        f"so at least **{_never_attempted(r)} were never attempted** (target: only messages interrupted mid-send may "
        f"be failed: {verdict(_never_attempted(r) == 0)}). Every message is accounted for: "
        f"{r['delivered_unique']:,} delivered once, {r['interrupted_failed']} marked failed-not-repeated, lost "
        f"{r['lost']}, duplicated {r['duplicated']} ({verdict(r['lost'] == 0 and r['duplicated'] == 0)} for 0/0).")


def _restart_problems(r: dict, facts: dict) -> list[str]:
    problems = []
    if _never_attempted(r):
        problems.append(
            "the never-attempted rest of a claimed batch is marked failed, so residents silently miss up to "
            f"{(r.get('drain_claim_batch') or 1) - 1} messages per crash (fix: mark a row `sending` only just before "
            "its own send and let recovery return claimed-but-untried rows to `pending`)")
    if sum(r["stuck_after_drain"].values()):
        start_only = facts.get("recovery_only_at_start")
        problems.append(
            "after a quick restart (under `STALE_CLAIM`, e.g. by systemd) the unfinished rows wait for a recovery at "
            "least 5 minutes later" + (", and in the measured code `benken run` and `benken serve` call "
            "`recover_interrupted` only at start-up, so they wait for the NEXT restart: delayed indefinitely (fix: "
            "run recovery periodically beside the drain, or have a restarted worker take over its own earlier claims)"
            if start_only else ""))
    if not problems:
        return ["", "No delivery problem showed in the restart."]
    return ["", "Product problem" + ("s" if len(problems) > 1 else "") + " shown here: "
            + "; ".join(f"({i}) {p}" for i, p in enumerate(problems, 1)) + "."]


def _never_attempted(r: dict) -> int:
    """Rows marked failed that cannot have been in flight: at most one send per resident
    task, so at most `drain_concurrent_sends` were in flight when the drain was stopped."""
    return max(0, r["interrupted_failed"] - (r.get("drain_concurrent_sends") or 1))


def _drain_words(x: dict) -> str:
    batch, concurrent = x.get("drain_claim_batch"), x.get("drain_concurrent_sends") or 1
    if concurrent > 1:
        return f"claims {batch} rows at a time and sends for up to {concurrent} residents side by side"
    return f"claims {batch} rows at a time and sends them one after another"


def _rate_paragraph(s: dict, p: dict | None) -> str:
    text = (f"**Rate: target ≥ 95% {verdict(s['share_of_allowed'] >= 0.95)}.** In the measured code `drain_once` "
            f"{_drain_words(s)}. It reached {s['sent_per_second']:.0f} messages a second at {s['cpu_share']:.2f} of a "
            f"core ({1000 * s['cpu_share'] / s['sent_per_second']:.1f} ms of CPU per message), with "
            f"{s.get('transactions_per_message', 0):.2f} transactions and {s.get('sql_statements_per_message', 0):.1f} "
            "SQL statements per message (on SQLite every transaction takes the write lock)")
    if s["cpu_share"] > 0.85:
        text += ": one Python process is CPU-bound well before the limits are"
    text += (f". 429s {s['http_429']} and lost/duplicated {s['lost']}/{s['duplicated']}: "
             f"{verdict(s['http_429'] == 0 and s['lost'] == 0 and s['duplicated'] == 0)}.")
    return text


def part2(part: dict, echo: float | None, results_code_facts: dict | None = None) -> list[str]:
    s, r, p = part["straight"], part.get("restart"), part.get("prototype")
    results_code_facts = results_code_facts or {}
    lines = [
        "**How.** " + "10,000 pending outbox rows (bulk insert) to Telegram residents: 9,900 chats get one message, "
        "5 chats get 20 each, spread through the queue; each text carries a unique id `[B-00042]`. Drained by "
        "the product's `outbox.drain_once` (called until nothing is pending) with `TelegramSender` through our own "
        f"PTB Application whose limiter is `ChatRateLimiter(per_chat=1*S, overall_max_rate=30*S)`, S = {s['scale']:g}, "
        f"against `FakeTelegram(enforce_limits=True, scale={s['scale']:g})` in its own process (429 when a chat gets "
        f"messages closer than 0.95/S s, or more than 30·S in any second). Allowed rate = the fastest those limits "
        f"permit = {s['allowed_per_second']:.0f}/s. Achieved = accepted sendMessage calls / seconds from the first "
        "claim to the end. Lost and duplicated come from comparing the ids the fake accepted with the outbox. "
        "The outbox clock is simulated (tomorrow noon, Oslo: outside quiet hours).",
        "",
        "| run | achieved | share of allowed | 429s (busy / single chats) | delivered | lost | duplicated | failed-not-repeated (reached Telegram / never sent) | CPU | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def row(name: str, x: dict) -> None:
        lines.append(
            f"| {name} | {x['sent_per_second']:.0f}/s | **{x['share_of_allowed']:.0%}** | {x['http_429']} "
            f"({x['http_429_in_busy_chats']} / {x['http_429_in_single_message_chats']}) | {x['delivered_unique']:,} | "
            f"{x['lost']} | {x['duplicated']} | {x['interrupted_failed'] + x['other_unconfirmed_failed']} "
            f"({x['interrupted_that_reached_telegram']} / {x['interrupted_never_sent']}) | {x['cpu_share']:.2f} | "
            f"{x['maxrss_mb']:.0f} MB |")

    row("product `drain_once`, straight through", s)
    if r:
        row("product `drain_once`, restarted half-way (rate over both lives)", r)
    if p:
        row(f"PROTOTYPE concurrent drain (not product code; {p['messages']:,} messages)", p)
    elif part.get("prototype_skipped"):
        lines += ["", "(The prototype of the suggested drain fix was skipped in this run to stay under 10 minutes.)"]
    lines += [
        "",
        _rate_paragraph(s, p),
    ]
    if p:
        lines += [
            "",
            f"The prototype (bench/broadcast.py `drain_concurrent`, not product code: claim 300 with `claim_due`, "
            f"load them in one query, send concurrently with one task per chat, record the sent ones in ONE "
            f"executemany UPDATE per batch: {p.get('transactions_per_message', 0):.2f} transactions per message) "
            f"reaches **{p['share_of_allowed']:.0%}** ({p['sent_per_second']:.0f}/s) with {p['http_429']} 429s, "
            f"{p['lost']} lost, {p['duplicated']} duplicated, at {p['cpu_share']:.2f} of a core, "
            f"{1000 * p['cpu_share'] / p['sent_per_second']:.1f} ms of CPU per message (PTB, httpx, the limiter). "
            + ("So the per-message transactions are the first thing to remove (record results in one transaction per "
               "batch); after that "
               if p["sent_per_second"] > 1.1 * s["sent_per_second"] else
               "In this run it was not clearly faster than the product's drain; either way ")
            + "one Python process is CPU-bound below 600/s on this machine, and the target needs several "
            "sender processes (PostgreSQL's `SKIP LOCKED` claims already allow that). Two things the prototype had "
            "to add to stay free of 429s: even spacing of sends (PTB's `AIORateLimiter` is a leaky bucket that lets a "
            "full second's quota out at once, so a strict 1-second window sees up to twice the rate) and a margin on "
            "each chat's pace (the scaled fake tolerates only 2.5 ms of jitter on a 50 ms gap; at S = 1 it is 50 ms).",
        ]
    if r:
        lines += [
            "",
            _restart_paragraph(r, results_code_facts),
        ] + _restart_problems(r, results_code_facts)
    return lines


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
    lines = [
        "**How.** The same code as parts 1 and 3 against PostgreSQL (fresh databases "
        "`benken_bench_<pid>_…` copied from a migrated template, dropped afterwards). The echo bot needs no "
        "database, so the ratio uses the echo figure from part 1 of this run.",
        "",
    ]
    lines += _inbound_lines(part["inbound"], "PostgreSQL", echo)
    lines += [""] + _why_inbound(part["inbound"], echo, "PostgreSQL")
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
            f"* combined: **{_rate(two['per_second'])}** over {two['seconds']:.1f} s for {two['messages']:,} messages = "
            f"{two['per_second'] / single['per_second']:.2f}× the single process ({_rate(single['per_second'])})",
            "* per worker: " + "; ".join(
                f"{w['per_second']:.0f} msg/s, CPU {w['cpu_share']:.2f}, RSS {w['maxrss_mb']:.0f} MB, errors {w['errors']}"
                for w in two["workers"]),
            f"* database afterwards: {_rows_check(two)}; the workers started {two['late_start_s'] * 1000:.0f} ms after "
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
    echo = (results.get("part1") or {}).get("echo_mean_per_second")
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
        + (f": the same echo run measured {_rate(results['part1']['echo_throughput']['per_second'])} before and "
           f"{_rate(results['part1']['echo_throughput_after']['per_second'])} after Benken's run, so absolute figures "
           "vary between runs; comparisons are side by side and the echo figure is their mean"
           if (results.get('part1') or {}).get('echo_throughput_after') else "")
        + ".",
        f"* code measured: sha256 `{results['fingerprint']['sha256']}` of {results['fingerprint']['files']} files in "
        "bot/, conversations/, tests/fake_telegram.py, tests/sms_walk.py at the start"
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
    lines += _section("1. Inbound throughput, latency and memory (SQLite)", results.get("part1"),
                      lambda p: part1(p, echo))
    lines += _section("2. Broadcast delivery through the outbox (SQLite)", results.get("part2"),
                      lambda p: part2(p, echo, results.get("code_facts")))
    lines += _section("3. Digest and export at scale (SQLite)", results.get("part3"), lambda p: part3(p, "SQLite"))
    lines += _section("4. SMS cost per language", results.get("part4"), part4)
    lines += _section("5. PostgreSQL", results.get("part5"), lambda p: part5(p, echo))
    lines += _section(PART6_TITLE, results.get("part6"), part6)
    lines += _section(similarity.TITLE, results.get("part7"), similarity.section)
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
