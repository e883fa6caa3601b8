"""The outbox sender: claims due messages atomically and hands them to each resident's
channel, within the channel's own rate limit.

At most once: a row is marked `sending` (and committed) before the provider is called,
so a crash or a timeout can leave a message unconfirmed, never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update

from . import services
from .app import App
from .quiet import is_quiet
from .models import (
    OUTBOX_CANCELLED,
    OUTBOX_FAILED,
    OUTBOX_CLAIMED,
    OUTBOX_PENDING,
    OUTBOX_PRIORITY_URGENT,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    OutboxMessage,
    Resident,
    utcnow,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # with the backoff below: about 20 minutes of trying
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=10)
CLAIM_BATCH = 500  # sent side by side, so a batch should cover a few seconds of sending
CONCURRENT_SENDS = 64  # residents served at once; the channels' limiters set the pace

# What a channel says about one send.
SENT = "sent"
RETRY = "retry"  # rate limited or the provider failed: safe to send again later
OPTED_OUT = "opted_out"  # the resident blocked us or unsubscribed at the provider
FAILED = "failed"  # will not go, for a reason in `error`
UNKNOWN = "unknown"  # may have gone out (a timeout after the request left): not repeated


@dataclass(frozen=True)
class SendResult:
    outcome: str
    provider_message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, when the provider said


class Sender(Protocol):
    channel: str

    async def send(self, resident: Resident, message: OutboxMessage) -> SendResult: ...


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


async def claim_due(app: App, channels: list[str], *, now: datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Mark up to `limit` due pending messages for these channels as sending; their ids.

    On PostgreSQL the rows are locked with SKIP LOCKED, so several workers take disjoint
    batches; on SQLite the IMMEDIATE transaction serialises the claim. In quiet hours only
    urgent messages are due; the rest wait until morning.
    """
    due = [
        OutboxMessage.status == OUTBOX_PENDING,
        OutboxMessage.not_before <= now,
        Resident.channel.in_(channels),
    ]
    if is_quiet(now, app.settings.timezone):
        due.append(OutboxMessage.priority <= OUTBOX_PRIORITY_URGENT)
    async with app.sessions() as session, session.begin():
        rows = await session.execute(
            select(OutboxMessage.id)
            .join(Resident, Resident.id == OutboxMessage.resident_id)
            .where(*due)
            .order_by(OutboxMessage.priority, OutboxMessage.id)
            .limit(limit)
            .with_for_update(of=OutboxMessage, skip_locked=True)
        )
        ids = list(rows.scalars())
        if ids:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OUTBOX_PENDING)
                # not_before now records the claim, for recover_interrupted.
                .values(status=OUTBOX_CLAIMED, not_before=now)
            )
    return ids


async def drain_once(app: App, senders: dict[str, Sender], *, now: datetime | None = None) -> int:
    """Send what is due now; returns how many messages were handed to a provider.

    Residents are served side by side (their channel's rate limiter sets the pace), each
    resident's messages one after another, in order."""
    now = now or utcnow()
    ids = await claim_due(app, list(senders), now=now)
    if not ids:
        return 0
    async with app.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage, Resident)
            .join(Resident, Resident.id == OutboxMessage.resident_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.priority, OutboxMessage.id)
        )
        by_resident: dict[int, list[tuple[OutboxMessage, Resident]]] = {}
        for message, resident in rows.all():
            by_resident.setdefault(resident.id, []).append((message, resident))
    gate = asyncio.Semaphore(CONCURRENT_SENDS)

    async def send_in_order(items: list[tuple[OutboxMessage, Resident]]) -> None:
        async with gate:
            await _mark_sending(app, [message.id for message, _ in items])
            stopped = False
            for message, resident in items:
                blocked = stopped or resident.opted_out
                result = SendResult(OPTED_OUT) if blocked else await _send(senders, resident, message)
                stopped = stopped or result.outcome == OPTED_OUT
                await record(app, message.id, result, now=now)

    await asyncio.gather(*(send_in_order(items) for items in by_resident.values()))
    return len(ids)


async def _mark_sending(app: App, ids: list[int]) -> None:
    """From here on a message may reach the provider: after a crash it is not repeated."""
    async with app.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OUTBOX_SENDING, attempts=OutboxMessage.attempts + 1)
        )


async def _send(senders: dict[str, Sender], resident: Resident, message: OutboxMessage) -> SendResult:
    try:
        return await senders[resident.channel].send(resident, message)
    except Exception as problem:  # a sender bug must not stop the queue
        log.exception("outbox %s: sender failed", message.id)
        return SendResult(UNKNOWN, error=f"sender error: {type(problem).__name__}")


async def record(app: App, message_id: int, result: SendResult, *, now: datetime) -> None:
    """Store what the channel said about one message; a retry waits from `now`."""
    async with app.sessions() as session, session.begin():
        message = await session.get(OutboxMessage, message_id)
        message.provider_message_id = result.provider_message_id or message.provider_message_id
        message.last_error = (result.error or "")[:300] or None
        if result.outcome == SENT:
            message.status, message.sent_at = OUTBOX_SENT, now
        elif result.outcome == RETRY and message.attempts < MAX_ATTEMPTS:
            wait = timedelta(seconds=result.retry_after) if result.retry_after else backoff(message.attempts)
            message.status, message.not_before = OUTBOX_PENDING, now + wait
        elif result.outcome == OPTED_OUT:
            resident = await session.get(Resident, message.resident_id)
            await services.set_opted_out(session, resident, True)
            message.status = OUTBOX_CANCELLED
        else:
            message.status = OUTBOX_FAILED
            if result.outcome == UNKNOWN:
                message.last_error = ("not confirmed, not repeated: " + (result.error or ""))[:300]


STALE_CLAIM = timedelta(minutes=5)  # far longer than one send takes, rate limits included


async def recover_interrupted(app: App, *, now: datetime | None = None) -> tuple[int, int]:
    """After a crash: messages claimed but never tried go back to the queue; those handed
    towards the provider may or may not have gone, so they are marked failed rather than
    sent twice. Claims younger than STALE_CLAIM may belong to another worker still at work
    and are left alone. Returns (requeued, failed)."""
    now = now or utcnow()
    stale = OutboxMessage.not_before < now - STALE_CLAIM
    async with app.sessions() as session, session.begin():
        requeued = await session.execute(
            update(OutboxMessage).where(OutboxMessage.status == OUTBOX_CLAIMED, stale).values(status=OUTBOX_PENDING)
        )
        failed = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OUTBOX_SENDING, stale)
            .values(status=OUTBOX_FAILED, last_error="interrupted while sending: not confirmed, not repeated")
        )
    return requeued.rowcount, failed.rowcount
