"""Draining the outbox: a worker's claimed batch sent side by side, each recipient's
messages one after another in order, at the pace each channel's sender keeps.

What a send does is written a batch at a time, not a message at a time (the database,
not the provider, was what held a broadcast back): messages are marked `sending` in
chunks just ahead of the sends (so a crash can leave at most about two chunks
unconfirmed, never sent twice), and results are stored every RECORD_EVERY messages or
RECORD_SECONDS, in one transaction each.
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

MARK_AHEAD = 32  # messages marked `sending` per chunk; at most two chunks wait to be sent
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
    batch = await load(app, ids)
    await _Drain(app, senders, batch, now, metrics).run()
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
        self.chunks_marked = [asyncio.Event() for _ in range(0, len(batch), MARK_AHEAD)]
        self.started = 0  # messages whose send has begun (or that need none)
        self.progress = asyncio.Condition()
        self.results: list[tuple[OutboxMessage, SendResult]] = []
        self.recorded = asyncio.Event()

    async def run(self) -> None:
        queues: dict[tuple, list[tuple[int, OutboxMessage, Recipient | None, bool]]] = {}
        for position, (message, recipient, opted_out) in enumerate(self.batch):
            queues.setdefault((message.channel, recipient), []).append((position, message, recipient, opted_out))
        gate = asyncio.Semaphore(CONCURRENT_RECIPIENTS)

        async def serve(items) -> None:
            async with gate:
                await self.send_in_order(items)

        recorder = asyncio.create_task(self.record_periodically())
        try:
            await asyncio.gather(self.mark_ahead(), *(serve(items) for items in queues.values()))
        finally:
            recorder.cancel()
            await asyncio.gather(recorder, return_exceptions=True)
            await self.flush()

    async def mark_ahead(self) -> None:
        """Mark chunk j `sending` once the sends of chunk j-2 have all begun."""
        for number, event in enumerate(self.chunks_marked):
            async with self.progress:
                await self.progress.wait_for(lambda: self.started >= (number - 1) * MARK_AHEAD)
            chunk = self.batch[number * MARK_AHEAD:(number + 1) * MARK_AHEAD]
            await mark_sending(self.app, [m.id for m, recipient, opted_out in chunk if recipient and not opted_out])
            event.set()

    async def send_in_order(self, items) -> None:
        stopped = False  # the recipient blocked us: the rest of theirs is not sent
        for position, message, recipient, opted_out in items:
            await self.chunks_marked[position // MARK_AHEAD].wait()
            if recipient is None:
                result = SendResult(FAILED, error="no address for this channel")
            elif stopped or opted_out:
                result = SendResult(OPTED_OUT)
            else:
                await self.begun()
                result = await self.send(recipient, message)
            if recipient is None or stopped or opted_out:
                await self.begun()
            stopped = stopped or result.outcome == OPTED_OUT
            self.results.append((message, result))
            if metrics := self.metrics:
                metrics.outbox.labels(message.channel, result.outcome).inc()
            if len(self.results) >= RECORD_EVERY:
                await self.flush()

    async def begun(self) -> None:
        async with self.progress:
            self.started += 1
            self.progress.notify_all()

    async def send(self, recipient: Recipient, message: OutboxMessage) -> SendResult:
        try:
            return await self.senders[recipient.channel].send(recipient, message)
        except Exception as problem:  # a sender bug must not stop the queue
            log.exception("outbox %s: sender failed", message.id)
            return SendResult(UNKNOWN, error=f"sender error: {type(problem).__name__}")

    async def record_periodically(self) -> None:
        while True:
            await asyncio.sleep(RECORD_SECONDS)
            await self.flush()

    async def flush(self) -> None:
        results, self.results = self.results, []
        if results:
            await record(self.app, results, now=self.now)
