"""The pace Telegram asks of a bot, kept by BotRateLimiter: evenly spaced slots, replies
before broadcasts, a chat's next message a little over an interval after the answer, and
Telegram's own "retry after" honoured."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from bot.channels.pacing import CATCH_UP_SECONDS, LATE_AT_MOST, Pacer
from bot.channels.telegram_limits import BULK, CHAT_MARGIN, OVERALL_MARGIN, BotRateLimiter, Bulk


async def test_slots_are_evenly_spaced_not_a_second_at_once():
    pacer, times = Pacer(50), []  # 50 a second: a slot every 20 ms

    async def one():
        await pacer.wait()
        times.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(25)))
    # A leaky bucket would let all 25 out at once. Here any 200 ms hold at most their 10
    # slots, and those of the CATCH_UP_SECONDS a late-waking loop may give at once.
    catch_up = round(CATCH_UP_SECONDS / 0.02) + 1
    most = max(sum(1 for t in times if start <= t < start + 0.2) for start in times)
    assert most <= 10 + catch_up
    assert times[-1] - times[0] >= (24 - catch_up) * 0.02 - 0.005


async def test_replies_take_the_next_slot_before_broadcasts():
    pacer, order = Pacer(20), []

    async def one(name, urgent):
        await pacer.wait(urgent)
        order.append(name)

    bulk = [asyncio.create_task(one(f"b{n}", False)) for n in range(6)]
    await asyncio.sleep(0.06)  # a broadcast is under way …
    reply = asyncio.create_task(one("reply", True))  # … when a resident writes
    await asyncio.gather(reply, *bulk)
    assert order.index("reply") <= 3  # not behind the whole queue
    assert order.index("reply") < order.index("b5")


async def _call(limiter, chat_id, log, *, bulk=False, answer_after=0.0, fail=None):
    async def callback():
        log.append((chat_id, time.monotonic()))
        await asyncio.sleep(answer_after)
        if fail:
            raise fail.pop(0)
        return True

    return await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id},
                                         BULK if bulk else None)


async def test_a_chats_next_message_waits_from_the_previous_answer():
    limiter, log = BotRateLimiter(per_chat=10, overall=1000), []  # a chat: one every 100 ms
    await asyncio.gather(*(_call(limiter, 7, log, answer_after=0.05) for _ in range(3)))
    gaps = [b - a for (_c, a), (_d, b) in zip(log, log[1:])]
    # 50 ms for the answer, then the chat's interval with its margin.
    assert all(gap >= 0.05 + (1 + CHAT_MARGIN) / 10 - 0.005 for gap in gaps)


async def test_retry_after_pauses_everyone_and_a_reply_tries_again():
    limiter, log = BotRateLimiter(per_chat=1000, overall=1000), []
    told = [RetryAfter(1)]
    started = time.monotonic()
    assert await _call(limiter, 8, log, fail=told) is True  # a reply: retried after the wait
    assert time.monotonic() - started >= 1.0 and len(log) == 2
    with pytest.raises(RetryAfter):  # a broadcast send goes back to the outbox instead
        await _call(limiter, 9, log, bulk=True, fail=[RetryAfter(1)])


async def test_the_overall_pace_keeps_a_margin_under_the_limit():
    limiter, log = BotRateLimiter(per_chat=1000, overall=100), []  # the limit: 100 a second
    await asyncio.gather(*(_call(limiter, chat, log, bulk=True) for chat in range(1, 31)))
    times = [t for _chat, t in log]
    # 30 sends to 30 chats: 29 intervals of the paced rate, which is under the limit by the
    # margin (jitter on the way cannot then bunch them past Telegram's count).
    assert times[-1] - times[0] >= 29 / (100 * (1 - OVERALL_MARGIN)) - 0.005


async def test_the_outbox_mark_is_made_in_the_lead_and_the_request_waits_for_its_slot():
    pacer, seen = Pacer(20, lead=0.04), []  # a slot every 50 ms, given 40 ms early

    async def one(n):
        async def ready():
            seen.append(("mark", n, time.monotonic()))
            await asyncio.sleep(0.03)  # a commit that takes a while, inside the lead

        async with pacer.turn(False, ready):
            seen.append(("send", n, time.monotonic()))

    started = time.monotonic()
    await asyncio.gather(*(one(n) for n in range(6)))
    sends = [t for kind, _n, t in seen if kind == "send"]
    marks = {n: t for kind, n, t in seen if kind == "mark"}
    # The slow marks did not push the sends together: still one every 50 ms …
    assert all(b - a >= 0.05 - 0.004 for a, b in zip(sends, sends[1:]))
    # … and each send's mark was made before the send's slot came, not after.
    send_of = {n: t for kind, n, t in seen if kind == "send"}
    assert all(marks[n] < send_of[n] - 0.02 for n in range(1, 6))
    assert sends[-1] - started < 6 * 0.05 + 0.03  # nothing lost to the marks either


async def test_a_request_a_stall_made_late_takes_a_new_slot_rather_than_go_in_a_bunch():
    pacer, sends = Pacer(50, lead=0.01), []  # a slot every 20 ms

    async def one(n):
        async def ready():
            if n < 3:  # the first three marks hang far longer than the lead allows
                await asyncio.sleep(LATE_AT_MOST + 0.05)

        async with pacer.turn(False, ready):
            sends.append((n, time.monotonic()))

    await asyncio.gather(*(one(n) for n in range(8)))
    times = sorted(t for _n, t in sends)
    # The late ones did not go at once when their marks were done: every send keeps the pace.
    assert all(b - a >= 0.02 - 0.004 for a, b in zip(times, times[1:]))
    assert sorted(n for n, _t in sends) == list(range(8))  # and every one went


async def test_no_more_than_the_limit_may_have_reached_telegram_in_any_second():
    # 200 slots a second, but at most 10 requests in any second counted by their answers:
    # slow answers (the far end busy, the network slow) hold the next requests back.
    limiter, log = BotRateLimiter(per_chat=1000, overall=10), []
    limiter._overall = Pacer(200, most_per_second=10)

    async def call(chat_id):
        async def callback():
            log.append(time.monotonic())
            await asyncio.sleep(0.3)  # Telegram answers after 300 ms
            return True

        return await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id}, BULK)

    await asyncio.gather(*(call(chat) for chat in range(1, 16)))
    # Requests 11-15 waited until the first answers were a full second old.
    assert log[10] - log[0] >= 1.3 - 0.01
    assert max(sum(1 for t in log if start <= t < start + 1.0) for start in log) <= 10


async def test_a_failed_mark_stops_the_send():
    limiter, log = BotRateLimiter(per_chat=1000, overall=1000), []

    async def ready():
        raise RuntimeError("database gone")

    async def callback():
        log.append("sent")

    with pytest.raises(RuntimeError):
        await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 5}, Bulk(ready))
    assert log == []
