"""The pace Telegram asks of a bot, kept by BotRateLimiter: evenly spaced slots, replies
before broadcasts, a chat's next message a little over an interval after the answer, and
Telegram's own "retry after" honoured."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram_limits import BULK, CATCH_UP_SECONDS, CHAT_MARGIN, OVERALL_MARGIN, BotRateLimiter, Pacer


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
