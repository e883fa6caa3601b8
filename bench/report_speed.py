"""The speed sections of bench/RESULTS.md (issue 16's figures): inbound per message
(part 1, and part 5's inbound half), broadcasts (part 2) and SMS through the real
`benken serve` (part 7), each with its summary rows, how it was measured and, for a figure
that misses its target, what holds it back."""

from __future__ import annotations

from typing import Any, Callable

from .common import verdict

Add = Callable[[str, str, str, "bool | None"], None]

CPU_RATIO_TARGET = 1.5  # Benken's CPU per Telegram message over a bare PTB echo bot's
BROADCAST_SHARE_TARGET = 0.95  # of the rate the scaled limits allow
SERVE_P99_TARGET_MS = 100.0
SERVE_CPU_TARGET_MS = 7.0  # CPU per SMS that leaves room for 100/s on one of two cores
SERVE_PLAN_TARGETS = {"sqlite_1": 100, "postgresql_1": 100, "postgresql_2": 150}  # offered msg/s


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def rate(value: float) -> str:
    return f"{value:,.0f} msg/s"


def cpu_ms_per_message(r: dict) -> float:
    """CPU of the measuring process per message (its share of a core over the run)."""
    return 1000 * r["cpu_share"] * r["seconds"] / r["messages"]


def echo_cpu_ms(part: dict) -> float | None:
    """The bare PTB echo bot's CPU per message: the mean of the runs before and after."""
    runs = [part[k] for k in ("echo_throughput", "echo_throughput_after") if part.get(k)]
    return sum(cpu_ms_per_message(r) for r in runs) / len(runs) if runs else None


# Part 1: inbound -------------------------------------------------------------------------------


def inbound_summary(add: Add, part: dict, backend: str, echo_ms: float | None) -> None:
    tg, sms = part.get("telegram_throughput"), part.get("sms_throughput")
    if tg and echo_ms:
        ratio = cpu_ms_per_message(tg) / echo_ms
        add(f"{backend}: Telegram inbound CPU per message vs a bare PTB echo bot",
            f"{ms(cpu_ms_per_message(tg))} vs {ms(echo_ms)} = {ratio:.2f}×", f"≤ {CPU_RATIO_TARGET}×",
            ratio <= CPU_RATIO_TARGET)
    if sms:
        add(f"{backend}: SMS inbound, transactions per message", f"{sms['transactions_per_message']:.2f}", "1",
            round(sms["transactions_per_message"], 2) <= 1.0)
        add(f"{backend}: SMS inbound CPU per message (in process, POST /sms/twilio)",
            ms(cpu_ms_per_message(sms)), "—", None)
    for key, name in (("telegram_latency", "Telegram"), ("sms_latency", "SMS")):
        lat = part.get(key)
        if lat:
            add(f"{backend}: {name} latency at 100 msg/s offered (in process, open loop)",
                f"p50 {ms(lat['p50_ms'])}, p99 {ms(lat['p99_ms'])}", "p99 < 100 ms", lat["p99_ms"] < 100)
    for key, r in part.items():
        if isinstance(r, dict) and r.get("errors"):
            add(f"{backend}: errors in {key.replace('_', ' ')}",
                f"{r['errors']} of {r['messages']:,}: {(r.get('first_errors') or [''])[0][:160]}", "0", False)


def rows_check(result: dict) -> str:
    stored, expected = result.get("stored"), result.get("expected")
    if not stored or not expected:
        return "not checked"
    wrong = [f"{k} {stored.get(k)} of {v}" for k, v in expected.items() if stored.get(k) != v]
    if wrong:
        return "**MISMATCH**: " + ", ".join(wrong)
    return "exactly as the scripts imply (" + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in expected.items()) + ")"


def _kinds(r: dict) -> str:
    kinds = r.get("sql_kinds_per_message") or {}
    return ", ".join(f"{v:g} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])) or "—"


def inbound_lines(part: dict, backend: str, echo_ms: float | None) -> list[str]:
    tg, sms = part["telegram_throughput"], part["sms_throughput"]
    lines = [
        "| scenario | messages | msg/s (closed loop) | CPU per message | CPU (1.0 = one core) | SQL statements / transactions per message | peak RSS (before the messages) | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def row(name: str, r: dict) -> None:
        sql = (f"{r['sql_statements_per_message']:.1f} / {r['transactions_per_message']:.2f}"
               if "sql_statements_per_message" in r else "—")
        lines.append(
            f"| {name} | {r['messages']:,} | {r['per_second']:.0f} | **{ms(cpu_ms_per_message(r))}** | "
            f"{r.get('cpu_share', 0):.2f} | {sql} | {r['maxrss_mb']:.0f} MB ({r['rss_before_mb']:.0f} MB) | {r['errors']} |")

    if part.get("echo_throughput"):
        row("bare PTB echo bot (no database), before", part["echo_throughput"])
    row("Benken, Telegram (build_application, overall cap lifted)", tg)
    if part.get("echo_throughput_after"):
        row("bare PTB echo bot (no database), after", part["echo_throughput_after"])
    row("Benken, SMS (POST /sms/twilio, TwiML)", sms)
    if part.get("telegram_shipped_limiter"):
        row("Benken, Telegram, build_application exactly as shipped (30/s)", part["telegram_shipped_limiter"])
    lines += ["", "Database after the throughput runs: Telegram " + rows_check(tg) + "; SMS " + rows_check(sms) + ".",
              "SQL per message, by kind: Telegram " + _kinds(tg) + "; SMS " + _kinds(sms) + ".", ""]
    if echo_ms:
        ratio = cpu_ms_per_message(tg) / echo_ms
        lines.append(f"**Benken / echo, CPU per Telegram message = {ms(cpu_ms_per_message(tg))} / {ms(echo_ms)} = "
                     f"{ratio:.2f}×** (echo: mean of the runs before and after"
                     f"{' in part 1' if backend != 'SQLite' else ''}; target ≤ {CPU_RATIO_TARGET}×: "
                     f"{verdict(ratio <= CPU_RATIO_TARGET)}). CPU is the measuring process's own (user + system), "
                     "so the figure does not move with the machine's other load the way throughput does.")
    lines += ["", "Latency at a fixed offered load (open loop, one message every 10 ms for 10 s; time from the "
              "message's scheduled arrival until it was handled and its replies were sent):", "",
              "| scenario | offered | achieved | p50 | p90 | p99 | max | worst dispatch lag | CPU | errors | target p99 < 100 ms |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, name in (("echo_latency", "bare PTB echo bot"), ("telegram_latency", "Benken, Telegram"),
                      ("sms_latency", "Benken, SMS")):
        r = part.get(key)
        if r:
            lines.append(
                f"| {name} | {r['offered_per_second']:.0f}/s | {r['achieved_per_second']:.1f}/s | {ms(r['p50_ms'])} | "
                f"{ms(r['p90_ms'])} | **{ms(r['p99_ms'])}** | {ms(r['max_ms'])} | {ms(r['max_dispatch_lag_ms'])} | "
                f"{r.get('cpu_share', 0):.2f} | {r['errors']} | "
                f"{verdict(r['p99_ms'] < 100) if key != 'echo_latency' else 'reference'} |")
    return lines


def profile_lines(part: dict) -> list[str]:
    """The profiled runs' top functions by own time (where one message's CPU goes)."""
    lines: list[str] = []
    for key, name in (("telegram_profile", "Telegram"), ("sms_profile", "SMS")):
        r = part.get(key)
        if not r or not r.get("profile"):
            continue
        lines += ["", f"**Where the CPU goes: {name}** (cProfile timing CPU, not waiting, over {r['messages']:,} messages in "
                  f"a run of its own, {r['profile_total_s']:.2f} s of profiled CPU; the top functions by their own "
                  "time):", "",
                  "| function | calls per message | own time | share |", "|---|---|---|---|"]
        for row in r["profile"]:
            function = row["function"].replace("|", "\\|")
            lines.append(f"| `{function}` | {row['calls'] / r['messages']:.1f} | "
                         f"{1000 * row['own_s'] / r['messages']:.3f} ms | {row['own_share']:.1%} |")
    if lines:
        lines += ["", "The profiler slows everything down about twofold, evenly enough to show proportions; the "
                  "figures above come from runs without it. What is left is spread thin: the event loop's own "
                  "work, the database driver, SQLAlchemy's statement handling, PTB's request path, and the "
                  "engine's rendering of a reply."]
    return lines


def part1(part: dict, echo_ms: float | None) -> list[str]:
    tg = part["telegram_throughput"]
    lines = [
        "**How.** Each scenario runs in a fresh Python process (peak memory = that process's "
        "`resource.getrusage(RUSAGE_SELF).ru_maxrss`, which includes the interpreter and all libraries, "
        f"{tg['rss_before_mb']:.0f} MB before the first message), against a fresh copy of a migrated database with "
        "one dugnad per area. The project's fake Bot API (`tests/doubles/fake_telegram.py`) runs in its own process "
        "on loopback (Telegram is remote, so its CPU is not charged to the bot); every reply is a real HTTP call.",
        "",
        "* Residents are scripted (`bench/residents.py`): onboarding, then one to three of the three flows (share an "
        "idea with category, place as words or a location, photo or skip, help yes/no, send; sign up for the "
        "area's dugnad, then the waiting list; report an unsafe place, 5% of them answering \"someone is in "
        "danger\"), with help, a wrong number and browsing in between.",
        "* Telegram: `build_application(app, limiter=…)` as shipped (PTB on aiohttp, `BotRateLimiter`) but without "
        "the 30/s overall limit (`BotRateLimiter(per_chat=1000, overall=0)`: capacity, not Telegram's pace), fed "
        "`telegram.Update` objects built beforehand with the fake's own builders through "
        "`application.process_update(update)`.",
        "* Echo: PTB as it comes (its httpx backend), one `MessageHandler(filters.ALL)` that replies the text, the "
        "same limiter, the same updates, the same fake; run before and after Benken (this VM's speed drifts).",
        "* SMS: the same kind of residents through `POST /sms/twilio` on `create_web(app, Metrics())` over "
        "`httpx.ASGITransport`, signed with twilio's `RequestValidator` (signatures computed before the clock "
        "starts). Over real HTTP and `benken serve`: part 7.",
        "* Throughput is closed-loop: 100 residents in flight (PTB's batch size when polling), each sending its "
        "next message once the previous one was answered. CPU per message = the process's CPU time / messages. "
        "Every run first handles 300 messages of other residents, unmeasured (statement cache, catalogs, "
        "connections: the figures are the steady state).",
        "",
    ]
    lines += inbound_lines(part, "SQLite", echo_ms)
    return lines + profile_lines(part)


# Part 2: broadcasts ----------------------------------------------------------------------------


def broadcast_summary(add: Add, part: dict) -> None:
    straight, restart, senders = part.get("straight"), part.get("restart"), part.get("senders")
    if straight:
        add(f"Broadcast, one sender: achieved rate (S={straight['scale']:g})",
            f"{straight['sent_per_second']:.0f}/s = {straight['share_of_allowed']:.0%} of "
            f"{straight['allowed_per_second']:.0f}/s", f"≥ {BROADCAST_SHARE_TARGET:.0%}",
            straight["share_of_allowed"] >= BROADCAST_SHARE_TARGET)
        add("Broadcast, one sender: 429s / lost / duplicated",
            f"{straight['http_429']} / {straight['lost']} / {straight['duplicated']}", "0 / 0 / 0",
            straight["http_429"] == 0 and straight["lost"] == 0 and straight["duplicated"] == 0)
    if restart:
        waiting = sum(restart["stuck_after_drain"].values())
        add("Broadcast killed half-way, restarted at once: rows left waiting after the restart's drain",
            f"{waiting} (of {sum(restart['left_unfinished_at_restart'].values())} unfinished at the kill)", "0",
            waiting == 0)
        add("Broadcast killed half-way: lost / duplicated / marked unconfirmed (in flight at the kill)",
            f"{restart['lost']} / {restart['duplicated']} / {restart['interrupted_failed']}",
            f"0 / 0 / ≤ {restart.get('drain_concurrent_sends')}",
            restart["lost"] == 0 and restart["duplicated"] == 0
            and restart["interrupted_failed"] <= (restart.get("drain_concurrent_sends") or 0))
    if senders:
        add(f"Broadcast, {senders['senders']} sender processes on PostgreSQL: combined rate",
            f"{senders['sent_per_second']:.0f}/s = {senders['share_of_allowed']:.0%} of "
            f"{senders['allowed_per_second']:.0f}/s", f"≥ {BROADCAST_SHARE_TARGET:.0%}",
            senders["share_of_allowed"] >= BROADCAST_SHARE_TARGET)
        add(f"Broadcast, {senders['senders']} sender processes: 429s / lost / duplicated",
            f"{senders['http_429']} / {senders['lost']} / {senders['duplicated']}", "0 / 0 / 0",
            senders["http_429"] == 0 and senders["lost"] == 0 and senders["duplicated"] == 0)


def _broadcast_row(name: str, x: dict) -> str:
    return (f"| {name} | {x['sent_per_second']:.0f}/s | **{x['share_of_allowed']:.0%}** | {x['http_429']} "
            f"({x['http_429_in_busy_chats']} / {x['http_429_in_single_message_chats']}) | {x['delivered_unique']:,} | "
            f"{x['lost']} | {x['duplicated']} | {x['interrupted_failed'] + x['other_unconfirmed_failed']} "
            f"({x['interrupted_that_reached_telegram']} / {x['interrupted_never_sent']}) | "
            f"{x.get('transactions_per_message', 0):.3f} | {x['cpu_share']:.2f} | {x['maxrss_mb']:.0f} MB |")


def _held_back(x: dict) -> str:
    """Why a run missed the rate target, from its own figures."""
    if x["share_of_allowed"] >= BROADCAST_SHARE_TARGET:
        return ""
    reasons = []
    if x["http_429"]:
        reasons.append(f"{x['http_429']} answers 429 (each pauses that sender for Telegram's `retry_after`, 1 s "
                       "unscaled, i.e. S seconds of the scaled run's time)")
    if x["cpu_share"] > 0.85 * x.get("senders", 1):
        reasons.append(f"CPU: {x['cpu_share']:.2f} of a core busy")
    reasons.append(f"the limiter keeps a {x.get('limiter_margin', 0.03):.0%} margin under Telegram's overall "
                   "limit (`OVERALL_MARGIN`)")
    reasons.append("the rest: requests a stall made later than their slot take a new one (the old slot goes "
                   "unused), the last check holds requests back while slow answers keep earlier ones counted, "
                   "and the first claim and the last chat's messages at the start and end")
    return " Held back by: " + "; ".join(reasons) + "."


def part2(part: dict, facts: dict | None) -> list[str]:
    s, r, p = part["straight"], part.get("restart"), part.get("senders")
    lines = [
        f"**How.** {s['messages']:,} pending outbox rows (bulk insert) to Telegram residents: "
        f"{s['messages'] - 100:,} chats get one message, 5 chats get 20 each, spread through the queue; each text carries a unique id `[B-00042]`. Drained by "
        "the product's scheduled drain, `sending.drain` (called again until nothing is pending), with "
        "`TelegramSender` through a PTB bot built as the product builds it (aiohttp, "
        f"`BotRateLimiter(per_chat=1*S, overall=30*S)`), S = {s['scale']:g}, against "
        f"`FakeTelegram(enforce_limits=True, scale={s['scale']:g})` in its own process (429 when a chat gets "
        f"messages closer than 0.95/S s, or more than 30·S in any one-second window). Allowed rate = the fastest "
        f"those limits permit = {s['allowed_per_second']:.0f}/s. Achieved = accepted sendMessage calls / seconds "
        "from the first claim to the end. Lost and duplicated come from comparing the ids the fake accepted with "
        "the outbox. The outbox clock is simulated (tomorrow noon, Oslo: outside quiet hours).",
        "",
        "| run | achieved | share of allowed | 429s (busy / single chats) | delivered | lost | duplicated | "
        "unconfirmed, not repeated (reached Telegram / never sent) | transactions per message | CPU | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        _broadcast_row("one sender (SQLite), straight through", s),
    ]
    if r:
        lines.append(_broadcast_row("one sender (SQLite), killed half-way and restarted at once (both lives)", r))
    if p:
        lines.append(_broadcast_row(f"{p['senders']} sender processes (PostgreSQL)", p))
    lines += [
        "",
        f"**The drain.** `sending.drain` claims {s.get('drain_claim_batch')} rows at a time for this worker and "
        f"claims the next ones while these go (when fewer than {s.get('drain_claim_ahead')} recipients wait for "
        f"a turn), sends for up to {s.get('drain_concurrent_sends')} recipients side by side (each recipient's "
        "messages in order, across claims), marks each message `sending` before its request goes (the marks "
        f"made within {s.get('drain_mark_window_ms', 0):g} ms share one transaction, with the results that came "
        f"in meanwhile): {s.get('transactions_per_message', 0):.3f} transactions per message here. The limiter "
        f"gives evenly spaced slots {s.get('limiter_margin', 0.03):.0%} under the overall limit, each "
        f"{s.get('limiter_lead_ms', 0):g} ms before its time so that the mark is committed by then; a request "
        f"later than {s.get('limiter_late_ms', 0):g} ms past its slot (a stall) takes a new slot instead of going "
        "in a bunch; and the last check before each request lets no more than "
        f"{1 - s.get('limiter_window_margin', 0.01):.0%} of the limit be on their way or answered within the last "
        "second (a request's arrival lies between its sending and its answer, so a slow answer keeps it counted). "
        f"Each chat is paced from Telegram's previous answer.{_held_back(s)}",
    ]
    if r:
        left, now = r["left_unfinished_at_restart"], r["recovered_at_immediate_restart"]
        lines += [
            "",
            f"**Killed half-way, restarted at once.** The draining task was cancelled after "
            f"{r['cancelled_after_sends']:,} sends and its process ended, leaving "
            + ", ".join(f"{v} {k}" for k, v in left.items()) +
            f". The restarted sender (same worker identity; `benken run`/`serve` pass theirs: "
            f"{', '.join(f'{k} {verdict(v)}' for k, v in ((facts or {}).get('recover_with_worker') or {}).items())}) "
            f"took its own claims back at once: {now['requeued']} back to the queue, {now['failed']} marked "
            f"unconfirmed (they were on their way to Telegram: not repeated, so never sent twice; "
            f"{r['interrupted_that_reached_telegram']} of them had in fact reached it). After its drain "
            f"{sum(r['stuck_after_drain'].values())} rows were left waiting, and a recovery 5 minutes later found "
            f"{sum(r['recovered_after_stale_claim'].values())}. Lost {r['lost']}, duplicated {r['duplicated']}."
            + _held_back(r),
        ]
    if p:
        lines += [
            "",
            f"**{p['senders']} sender processes** on one PostgreSQL database, as `benken serve --workers "
            f"{p['senders']}` runs them: each a `Worker(index, count)` that claims only its own recipients "
            "(resident id % count, so a chat's messages keep their order and pace in one process) with "
            f"1/{p['senders']} of the overall rate, against one fake. Per process: "
            + "; ".join(f"CPU {w['cpu_share']:.2f}, {w['transactions']} transactions, RSS {w['maxrss_mb']:.0f} MB"
                        for w in p["workers"])
            + f"; they started {p['late_start_s'] * 1000:.0f} ms after the agreed moment." + _held_back(p),
        ]
    return lines


# Part 7: benken serve over HTTP ----------------------------------------------------------------


def serve_summary(add: Add, part: dict) -> None:
    for key, offered in SERVE_PLAN_TARGETS.items():
        r = part.get(key)
        if not r:
            continue
        where = f"{r['backend']}, {r['workers']} process{'es' if r['workers'] > 1 else ''}"
        add(f"SMS through `benken serve` over HTTP ({where}) at {offered}/s offered: p99",
            f"{ms(r['p99_ms'])} (p50 {ms(r['p50_ms'])}, errors {r['errors']})", f"< {SERVE_P99_TARGET_MS:g} ms",
            r["p99_ms"] < SERVE_P99_TARGET_MS and r["errors"] == 0)
        if r["workers"] == 1:
            add(f"SMS through `benken serve` ({where}): server CPU per SMS",
                ms(r["server_cpu_ms_per_message"]), f"≤ {SERVE_CPU_TARGET_MS:g} ms",
                r["server_cpu_ms_per_message"] <= SERVE_CPU_TARGET_MS)


def part7(part: dict) -> list[str]:
    lines = [
        "**How.** `bench/serve_http.py`. `benken serve` runs as deployed, in its own process (uvicorn with uvloop "
        "and httptools; with `--workers 2` on PostgreSQL), against a fresh copy of the migrated database. The load "
        "generator is the benchmark's process: aiohttp POSTs Twilio webhooks signed with twilio's "
        "`RequestValidator` (signatures made before the clock starts), open loop: one message every 1/rate s "
        "whatever happens, from 100 resident slots (a resident writes at most once a second). Latency is from each "
        "message's scheduled arrival to the end of its TwiML answer. The server's CPU is read from /proc (user + "
        "system of the server and its worker processes) over the measured 10 s, after 2 s of warm-up traffic. "
        "The load generator and PostgreSQL share the same 2 cores.",
        "",
        "| server | offered | achieved | p50 | p90 | p99 | max | server CPU per SMS | server cores busy | errors | p99 < 100 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in SERVE_PLAN_TARGETS:
        r = part.get(key)
        if not r:
            continue
        lines.append(
            f"| {r['backend']}, {r['workers']} process{'es' if r['workers'] > 1 else ''} | "
            f"{r['offered_per_second']:.0f}/s | {r['achieved_per_second']:.1f}/s | {ms(r['p50_ms'])} | "
            f"{ms(r['p90_ms'])} | **{ms(r['p99_ms'])}** | {ms(r['max_ms'])} | {ms(r['server_cpu_ms_per_message'])} | "
            f"{r['server_cores']:.2f} | {r['errors']} | {verdict(r['p99_ms'] < SERVE_P99_TARGET_MS)} |")
        if r.get("first_errors"):
            lines.append(f"|  | first errors: `{'; '.join(r['first_errors'])[:200]}` |  |  |  |  |  |  |  |  |  |")
    return lines


def summary_rows(add: Add, results: dict[str, Any]) -> None:
    """The speed rows of the summary table, in the order of the parts."""
    p1 = results.get("part1") or {}
    echo_ms = echo_cpu_ms(p1)
    if "error" not in p1 and p1:
        inbound_summary(add, p1, "SQLite", echo_ms)
    p2 = results.get("part2") or {}
    if "error" not in p2:
        broadcast_summary(add, p2)
    p5 = results.get("part5") or {}
    if p5.get("inbound") and "error" not in p5["inbound"]:
        inbound_summary(add, p5["inbound"], "PostgreSQL", echo_cpu_ms(p5["inbound"]) or echo_ms)
    p7 = results.get("part7") or {}
    if "error" not in p7:
        serve_summary(add, p7)
