"""Draining the outbox: a worker's claimed batch sent side by side, each recipient's
messages one after another in order, at the pace each channel's sender keeps.

What a send does is written for many sends at once, not a message at a time (the
database, not the provider, was what held a broadcast back). A message is marked
`sending` at the last moment, once its channel's pace lets it go and just before the
provider is called (the sender awaits `ready`); the marks of all sends that reach that
moment within MARK_WINDOW share one transaction. So after a crash only messages really
on their way are left unconfirmed (never sent twice), and a restarted worker sends every
other one at once. Results are stored every RECORD_EVERY messages or RECORD_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from ..models import OutboxMessage, utcnow
from .outbox import (
    FAILED,
    OPTED_OUT,
    SINGLE,
    UNKNOWN,
    Recipient,
    Sender,
    SendResult,
    Worker,
    claim_due,
    load,
    mark_sending,
    record,
)

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

MARK_WINDOW = 0.005  # seconds the marks of sends about to go wait for each other
RECORD_EVERY = 64  # results stored per transaction …
RECORD_SECONDS = 0.25  # … or at least this often while sending
CONCURRENT_RECIPIENTS = 128  # recipients served at once; the channels' limiters set the pace
DRAIN_SECONDS = 60.0  # one scheduled drain sends batches for at most this long


async def drain_once(
    app: App,
    senders: dict[str, Sender],
    *,
    now: datetime | None = None,
    kinds: tuple[str, ...] | None = None,
    metrics=None,
    worker: Worker = SINGLE,
) -> int:
    """Send what is due now (only `kinds`, when given) of `worker`'s part; returns how many
    messages were claimed and settled."""
    now = now or utcnow()
    ids = await claim_due(app, list(senders), now=now, kinds=kinds, worker=worker)
    if not ids:
        return 0
    await _Drain(app, senders, await load(app, ids), now, metrics).run()
    return len(ids)


async def drain(
    app: App,
    senders: dict[str, Sender],
    *,
    metrics=None,
    worker: Worker = SINGLE,
    limit_seconds: float = DRAIN_SECONDS,
) -> int:
    """The scheduled job: batch after batch while there is work (at most `limit_seconds`,
    then the scheduler comes back), so a broadcast goes out at the channel's full pace."""
    loop, sent = asyncio.get_running_loop(), 0
    deadline = loop.time() + limit_seconds
    while loop.time() < deadline:
        done = await drain_once(app, senders, metrics=metrics, worker=worker)
        if not done:
            break
        sent += done
    return sent


class _Drain:
    """One claimed batch on its way out."""

    def __init__(self, app: App, senders: dict[str, Sender], batch, now: datetime, metrics):
        self.app, self.senders, self.batch, self.now, self.metrics = app, senders, batch, now, metrics
        self.marks: list[tuple[int, asyncio.Future]] = []
        self.marks_waiting = asyncio.Event()
        self.results: list[tuple[OutboxMessage, SendResult]] = []

    async def run(self) -> None:
        queues: dict[tuple, list[tuple[OutboxMessage, Recipient | None, bool]]] = {}
        for message, recipient, opted_out in self.batch:
            queues.setdefault((message.channel, recipient), []).append((message, recipient, opted_out))
        gate = asyncio.Semaphore(CONCURRENT_RECIPIENTS)

        async def serve(items) -> None:
            async with gate:
                await self.send_in_order(items)

        helpers = [asyncio.create_task(self.mark_in_groups()), asyncio.create_task(self.record_periodically())]
        try:
            await asyncio.gather(*(serve(items) for items in queues.values()))
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.flush()

    async def send_in_order(self, items) -> None:
        stopped = False  # the recipient blocked us: the rest of theirs is not sent
        for message, recipient, opted_out in items:
            if recipient is None:
                result = SendResult(FAILED, error="no address for this channel")
            elif stopped or opted_out:
                result = SendResult(OPTED_OUT)
            else:
                result = await self.send(recipient, message)
            stopped = stopped or result.outcome == OPTED_OUT
            self.results.append((message, result))
            if metrics := self.metrics:
                metrics.outbox.labels(message.channel, result.outcome).inc()
            if len(self.results) >= RECORD_EVERY:
                await self.flush()

    async def send(self, recipient: Recipient, message: OutboxMessage) -> SendResult:
        async def ready() -> None:
            """The sender is about to call the provider: mark it `sending` first."""
            future = asyncio.get_running_loop().create_future()
            self.marks.append((message.id, future))
            self.marks_waiting.set()
            await future

        try:
            return await self.senders[recipient.channel].send(recipient, message, ready)
        except Exception as problem:  # a sender bug must not stop the queue
            log.exception("outbox %s: sender failed", message.id)
            return SendResult(UNKNOWN, error=f"sender error: {type(problem).__name__}")

    async def mark_in_groups(self) -> None:
        """Commit the `sending` marks of every send that is ready within MARK_WINDOW at once."""
        while True:
            await self.marks_waiting.wait()
            await asyncio.sleep(MARK_WINDOW)
            self.marks_waiting.clear()
            marks, self.marks = self.marks, []
            try:
                await mark_sending(self.app, [message_id for message_id, _ in marks])
            except Exception as problem:  # nothing was marked: none of them may go
                for _id, future in marks:
                    future.set_exception(problem)
                continue
            for _id, future in marks:
                if not future.done():
                    future.set_result(None)

    async def record_periodically(self) -> None:
        while True:
            await asyncio.sleep(RECORD_SECONDS)
            await self.flush()

    async def flush(self) -> None:
        results, self.results = self.results, []
        if results:
            await record(self.app, results, now=self.now)
