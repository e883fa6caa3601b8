"""Draining the outbox: claimed messages sent side by side, each recipient's messages one
after another in order, at the pace each channel's sender keeps.

What a send does is written for many sends at once, not a message at a time (the
database, not the provider, was what held a broadcast back). A message is marked
`sending` at the last moment, once its channel's pace lets it go and just before the
provider is called (the sender awaits `ready`); the marks of all sends that reach that
moment within MARK_WINDOW share one transaction, and the results that came in meanwhile
are stored in it too (else every RECORD_EVERY results or RECORD_SECONDS). So after a
crash only messages really on their way are left unconfirmed (never sent twice), and a
restarted worker sends every other one at once. The drain's writes wait for each other
in the process rather than in SQLite's busy handler, which sleeps and polls.

The scheduled drain is a pipeline: it claims the next rows while the last ones are still
going (when fewer than CLAIM_AHEAD recipients wait for a turn), so the channel's pace is
never left idle between batches, and a recipient whose messages come in several claims
gets them in order from one task.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Awaitable, Callable, TypeVar

from ..models import OutboxMessage, utcnow
from .outbox import (
    CLAIM_BATCH,
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
    settle,
)

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

MARK_WINDOW = 0.01  # seconds the marks of sends about to go wait for each other (well inside LEAD)
RECORD_EVERY = 64  # results stored per transaction …
RECORD_SECONDS = 0.25  # … or at least this often while sending
CONCURRENT_RECIPIENTS = 128  # recipients served at once; the channels' limiters set the pace
CLAIM_AHEAD = CLAIM_BATCH // 2  # claim more when fewer recipients than this wait for a turn …
HOLD_AT_MOST = 4 * CLAIM_BATCH  # … and fewer messages than this are claimed and not yet settled
DRAIN_SECONDS = 60.0  # one scheduled drain claims for at most this long

Item = tuple[OutboxMessage, "Recipient | None", bool]
T = TypeVar("T")


async def drain_once(
    app: App,
    senders: dict[str, Sender],
    *,
    now: datetime | None = None,
    kinds: tuple[str, ...] | None = None,
    metrics=None,
    worker: Worker = SINGLE,
) -> int:
    """Send what is due now (only `kinds`, when given) of `worker`'s part, one claim of it;
    returns how many messages were claimed and settled."""
    fixed = now or utcnow()
    return await _Drain(app, senders, lambda: fixed, metrics).run(kinds=kinds, worker=worker, claims=1)


async def drain(
    app: App,
    senders: dict[str, Sender],
    *,
    metrics=None,
    worker: Worker = SINGLE,
    limit_seconds: float = DRAIN_SECONDS,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """The scheduled job: claim after claim while there is work (for at most `limit_seconds`,
    then the scheduler comes back), so a broadcast goes out at the channel's full pace.
    Returns how many messages were claimed and settled."""
    return await _Drain(app, senders, clock, metrics).run(worker=worker, seconds=limit_seconds)


class _Drain:
    """Claimed messages on their way out: a feeder claims, CONCURRENT_RECIPIENTS servers
    each take a recipient and send that recipient's messages in order."""

    def __init__(self, app: App, senders: dict[str, Sender], clock: Callable[[], datetime], metrics):
        self.app, self.senders, self.clock, self.metrics = app, senders, clock, metrics
        self.queues: dict[tuple, deque[Item]] = {}  # recipients with messages to send
        self.turns: asyncio.Queue[tuple] = asyncio.Queue()  # recipients waiting for a server
        self.servers: list[asyncio.Task] = []
        self.idle = 0  # servers waiting for a recipient
        self.held = 0  # messages claimed and not yet settled
        self.progress = asyncio.Event()  # a recipient got its turn or a message was settled
        self.marks: list[tuple[int, asyncio.Future]] = []
        self.to_write = asyncio.Event()  # marks are waiting, or RECORD_EVERY results
        self.results: list[tuple[OutboxMessage, SendResult]] = []
        self.problem: Exception | None = None  # a server's failure, raised once the rest is done
        self.writing = asyncio.Lock()  # the drain's transactions, one at a time

    async def run(self, *, kinds=None, worker: Worker, claims: int | None = None, seconds: float | None = None) -> int:
        helpers = [asyncio.create_task(self.write_in_groups()), asyncio.create_task(self.record_periodically())]
        try:
            try:
                claimed = await self.feed(kinds, worker, claims, seconds)
            except Exception:
                await self.turns.join()  # what was claimed before the failure still goes
                raise
            await self.turns.join()  # every recipient served to the end
            if self.problem is not None:
                raise self.problem
            return claimed
        finally:
            for task in self.servers + helpers:
                task.cancel()
            await asyncio.gather(*self.servers, *helpers, return_exceptions=True)
            await self.flush()

    async def feed(self, kinds, worker: Worker, claims: int | None, seconds: float | None) -> int:
        """Claim and hand out rows until none is due, `claims` claims were made or
        `seconds` passed; the next claim is made while the last one's messages go."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds if seconds is not None else None
        claimed = made = 0
        channels = list(self.senders)
        while True:
            ids = await self.write(claim_due(self.app, channels, now=self.clock(), limit=CLAIM_BATCH, kinds=kinds,
                                             worker=worker))
            if not ids:
                return claimed
            self.hand_out(await load(self.app, ids))
            claimed, made = claimed + len(ids), made + 1
            if made == claims or (deadline is not None and loop.time() >= deadline):
                return claimed
            while self.turns.qsize() >= CLAIM_AHEAD or self.held >= HOLD_AT_MOST:
                self.progress.clear()
                await self.progress.wait()

    def hand_out(self, batch: list[Item]) -> None:
        for item in batch:
            key = (item[0].channel, item[1])
            if (queue := self.queues.get(key)) is not None:
                queue.append(item)  # its server is at work on it: it sends this one too, in order
                continue
            self.queues[key] = deque([item])
            self.turns.put_nowait(key)
        self.held += len(batch)
        while len(self.servers) < CONCURRENT_RECIPIENTS and self.turns.qsize() > self.idle:
            self.servers.append(asyncio.create_task(self.serve()))

    async def serve(self) -> None:
        while True:
            self.idle += 1
            try:
                key = await self.turns.get()
            finally:
                self.idle -= 1
            self.progress.set()
            queue = self.queues[key]
            try:
                await self.send_in_order(queue)
            except Exception as problem:  # a bug must not stop the others: the rest stays claimed, for recovery
                log.exception("outbox: a recipient's messages stopped half-way")
                self.problem = self.problem or problem
                self.held -= len(queue)
            finally:
                del self.queues[key]  # no await since the queue was found empty
                self.turns.task_done()
                self.progress.set()

    async def send_in_order(self, queue: deque[Item]) -> None:
        stopped = False  # the recipient blocked us: the rest of theirs is not sent
        while queue:
            message, recipient, opted_out = queue.popleft()
            if recipient is None:
                result = SendResult(FAILED, error="no address for this channel")
            elif stopped or opted_out:
                result = SendResult(OPTED_OUT)
            else:
                result = await self.send(recipient, message)
            stopped = stopped or result.outcome == OPTED_OUT
            self.results.append((message, result))
            self.held -= 1
            self.progress.set()
            if metrics := self.metrics:
                metrics.outbox.labels(message.channel, result.outcome).inc()
            if len(self.results) >= RECORD_EVERY:
                self.to_write.set()

    async def send(self, recipient: Recipient, message: OutboxMessage) -> SendResult:
        async def ready() -> None:
            """The sender is about to call the provider: mark it `sending` first."""
            future = asyncio.get_running_loop().create_future()
            self.marks.append((message.id, future))
            self.to_write.set()
            await future

        try:
            return await self.senders[recipient.channel].send(recipient, message, ready)
        except Exception as problem:  # a sender bug must not stop the queue
            log.exception("outbox %s: sender failed", message.id)
            return SendResult(UNKNOWN, error=f"sender error: {type(problem).__name__}")

    async def write_in_groups(self) -> None:
        """Commit the `sending` marks of every send that is ready within MARK_WINDOW at once,
        with the results that came in meanwhile."""
        while True:
            await self.to_write.wait()
            await asyncio.sleep(MARK_WINDOW)
            self.to_write.clear()
            marks, self.marks = self.marks, []
            try:
                await self.flush([message_id for message_id, _ in marks])
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
            try:
                await self.flush()
            except Exception:  # the results stay for the next try
                log.warning("outbox: storing send results failed; trying again", exc_info=True)

    async def flush(self, marks: list[int] = ()) -> None:
        """One transaction: these marks and the results so far (kept for the next one if it fails)."""
        results, self.results = self.results, []
        try:
            await self.write(settle(self.app, sending=marks, results=results, now=self.clock()))
        except Exception:
            self.results[:0] = results
            raise

    async def write(self, transaction: Awaitable[T]) -> T:
        """One of the drain's transactions, after the one before it. A cancel (the process
        stopping) does not cut it off half-way: an aiosqlite transaction left open would keep
        SQLite's write lock, and every other writer would wait for it in vain."""

        async def in_turn() -> T:
            async with self.writing:
                return await transaction

        return await asyncio.shield(in_turn())
