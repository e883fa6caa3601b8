"""The durable outbox: every proactive message (answers from staff, reminders, broadcasts,
digests) is a row here first; the sender claims due rows atomically and hands them to the
recipient's channel, within that channel's own rate limit.

At most once: a row is marked `sending` (and committed) before the provider is called,
so a crash or a timeout can leave a message unconfirmed, never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.quiet import is_quiet
from ..domain.residents import set_opted_out, upsert
from ..models import (
    OUTBOX_CANCELLED,
    OUTBOX_CLAIMED,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_PRIORITY_BULK,
    OUTBOX_PRIORITY_URGENT,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    OutboxMessage,
    Resident,
    Staff,
    utcnow,
)

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # with the backoff below: about 20 minutes of trying
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=10)
CLAIM_BATCH = 500  # sent side by side, so a batch should cover a few seconds of sending
CONCURRENT_SENDS = 64  # recipients served at once; the channels' limiters set the pace

# What a channel says about one send.
SENT = "sent"
RETRY = "retry"  # rate limited or the provider failed: safe to send again later
OPTED_OUT = "opted_out"  # the resident blocked us or unsubscribed at the provider
FAILED = "failed"  # will not go, for a reason in `error`
UNKNOWN = "unknown"  # may have gone out (a timeout after the request left): not repeated

# How a message's text is to be shown: as written (escaped where the channel marks up), or
# already as Telegram HTML (staff digests and reports, escaped when they were laid out).
PLAIN, HTML = "text", "html"


@dataclass(frozen=True)
class SendResult:
    outcome: str
    provider_message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, when the provider said


@dataclass(frozen=True)
class Recipient:
    """Where one message goes: a resident's or a staff member's address on a channel."""

    channel: str
    address: int | str  # a Telegram chat id, an E.164 phone number or an e-mail address
    resident_id: int | None = None  # opting out is a resident's; staff are never opted out


class Sender(Protocol):
    channel: str

    async def send(self, recipient: Recipient, message: OutboxMessage) -> SendResult: ...

    async def close(self) -> None: ...


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# Queueing -----------------------------------------------------------------------------------


async def enqueue(
    session: AsyncSession,
    resident: Resident,
    kind: str,
    text: str,
    *,
    priority: int = OUTBOX_PRIORITY_BULK,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Queue a proactive message to a resident; nothing for one who opted out."""
    if resident.opted_out:
        return None
    message = OutboxMessage(
        resident_id=resident.id, channel=resident.channel, kind=kind, text=text, priority=priority,
        not_before=not_before or utcnow(),
    )
    session.add(message)
    return message


async def enqueue_staff(
    session: AsyncSession,
    staff: Staff,
    channel: str,
    kind: str,
    text: str,
    *,
    text_format: str = PLAIN,
    extra: dict | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue a message to a staff member (Telegram, or e-mail with `extra` holding the
    subject, HTML part and attachment). With a `dedupe_key`, a second message with the
    same key is not queued (a digest job that ran twice); False when it was not."""
    values = dict(
        staff_id=staff.id, channel=channel, kind=kind, text=text, format=text_format, extra=extra,
        dedupe_key=dedupe_key, priority=OUTBOX_PRIORITY_BULK, status=OUTBOX_PENDING, not_before=now or utcnow(),
        attempts=0, created_at=now or utcnow(),
    )
    statement = upsert(session)(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return (await session.execute(statement.returning(OutboxMessage.id))).scalar_one_or_none() is not None


# Sending ------------------------------------------------------------------------------------


async def claim_due(
    app: App, channels: list[str], *, now: datetime, limit: int = CLAIM_BATCH, kinds: tuple[str, ...] | None = None
) -> list[int]:
    """Mark up to `limit` due pending messages for these channels as claimed; their ids.

    On PostgreSQL the rows are locked with SKIP LOCKED, so several workers take disjoint
    batches; on SQLite the IMMEDIATE transaction serialises the claim. In quiet hours only
    urgent messages and messages to staff are due; residents' others wait until morning.
    """
    due = [
        OutboxMessage.status == OUTBOX_PENDING,
        OutboxMessage.not_before <= now,
        OutboxMessage.channel.in_(channels),
    ]
    if kinds:
        due.append(OutboxMessage.kind.in_(kinds))
    if is_quiet(now, app.settings.timezone):
        due.append(or_(OutboxMessage.priority <= OUTBOX_PRIORITY_URGENT, OutboxMessage.staff_id.is_not(None)))
    async with app.sessions() as session, session.begin():
        rows = await session.execute(
            select(OutboxMessage.id)
            .where(*due)
            .order_by(OutboxMessage.priority, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
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


def _recipient(message: OutboxMessage, resident: Resident | None, staff: Staff | None) -> Recipient | None:
    """The address to send to; None when there is none (a staff member without e-mail)."""
    if resident is not None:
        address = resident.telegram_id if resident.channel == "telegram" else resident.phone
        return Recipient(message.channel, address, resident.id)
    if staff is None:
        return None
    address = staff.email if message.channel == "email" else staff.telegram_id
    return Recipient(message.channel, address) if address else None


async def drain_once(
    app: App,
    senders: dict[str, Sender],
    *,
    now: datetime | None = None,
    kinds: tuple[str, ...] | None = None,
    metrics=None,
) -> int:
    """Send what is due now (only `kinds`, when given); returns how many messages were
    handed to a provider.

    Recipients are served side by side (their channel's rate limiter sets the pace), each
    one's messages one after another, in order."""
    now = now or utcnow()
    ids = await claim_due(app, list(senders), now=now, kinds=kinds)
    if not ids:
        return 0
    async with app.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage, Resident, Staff)
            .outerjoin(Resident, Resident.id == OutboxMessage.resident_id)
            .outerjoin(Staff, Staff.id == OutboxMessage.staff_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.priority, OutboxMessage.id)
        )
        queues: dict[tuple, list[tuple[OutboxMessage, Recipient | None, bool]]] = {}
        for message, resident, staff in rows.all():
            recipient = _recipient(message, resident, staff)
            opted_out = bool(resident and resident.opted_out)
            queues.setdefault((message.channel, recipient), []).append((message, recipient, opted_out))
    gate = asyncio.Semaphore(CONCURRENT_SENDS)

    async def send_in_order(items: list[tuple[OutboxMessage, Recipient | None, bool]]) -> None:
        async with gate:
            await _mark_sending(app, [message.id for message, _, _ in items])
            stopped = False
            for message, recipient, opted_out in items:
                if recipient is None:
                    result = SendResult(FAILED, error="no address for this channel")
                elif stopped or opted_out:
                    result = SendResult(OPTED_OUT)
                else:
                    result = await _send(senders, recipient, message)
                stopped = stopped or result.outcome == OPTED_OUT
                await record(app, message.id, result, now=now)
                if metrics is not None:
                    metrics.outbox.labels(message.channel, result.outcome).inc()

    await asyncio.gather(*(send_in_order(items) for items in queues.values()))
    return len(ids)


async def _mark_sending(app: App, ids: list[int]) -> None:
    """From here on a message may reach the provider: after a crash it is not repeated."""
    async with app.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OUTBOX_SENDING, attempts=OutboxMessage.attempts + 1)
        )


async def _send(senders: dict[str, Sender], recipient: Recipient, message: OutboxMessage) -> SendResult:
    try:
        return await senders[recipient.channel].send(recipient, message)
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
        elif result.outcome == OPTED_OUT and message.resident_id is not None:
            await set_opted_out(session, await session.get(Resident, message.resident_id), True)
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


# Delivery reports ----------------------------------------------------------------------------

# The delivery states providers report (Twilio's names).
DELIVERY_STATES = ("queued", "sending", "sent", "delivered", "undelivered", "failed", "read")


async def record_delivery(
    session: AsyncSession, provider_message_id: str, status: str, error_code: str | None, *, opted_out: bool = False
) -> bool:
    """Store a provider's delivery report on the outbox row; False for an unknown id.
    `opted_out`: the provider says the resident unsubscribed there."""
    message = (
        await session.execute(select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_message_id))
    ).scalar_one_or_none()
    if message is None or status not in DELIVERY_STATES:
        return False
    message.delivery_status = status
    if error_code:
        message.last_error = f"delivery error {error_code}"[:300]
    if opted_out and message.resident_id is not None:
        await set_opted_out(session, await session.get(Resident, message.resident_id), True)
    return True
