"""The durable outbox: every proactive message (answers from staff, reminders, broadcasts,
digests) is a row here first. This module queues them, claims due rows for a worker,
records what the channels said and settles what a crash left; sending.py sends.

At most once: a row is marked `sending` (and committed) before the provider is called,
so a crash or a timeout can leave a message unconfirmed, never sent twice.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Awaitable, Callable, Protocol

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.messages import Choice, Outbound

from ..db import reading
from ..domain.quiet import is_quiet
from ..domain.queries import upsert
from ..domain.residents import set_opted_out
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
CLAIM_BATCH = 250  # rows claimed at a time; the drain claims the next ones while these go
LOAD_PART = 50  # claimed rows built into objects at a time

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


Ready = Callable[[], Awaitable[None]]


class Sender(Protocol):
    """A channel's sender. `ready` must be awaited right before the provider is called
    (after any pacing): it marks the message `sending` (durably), so that a crash never
    resends it and never fails one that did not leave."""

    channel: str

    async def send(self, recipient: Recipient, message: OutboxMessage, ready: Ready) -> SendResult: ...

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
    choices: tuple[Choice, ...] = (),
    rtl: bool = False,
) -> OutboxMessage | None:
    """Queue a proactive message to a resident; nothing for one who opted out. `choices`
    (a question Benken asks on its own) go as buttons or numbered lines, as the channel
    shows them; `rtl` says the text is right to left (numbers are isolated in it)."""
    if resident.opted_out:
        return None
    message = OutboxMessage(
        resident_id=resident.id, channel=resident.channel, kind=kind, text=text, priority=priority,
        not_before=not_before or utcnow(), choices=[[c.key, c.label] for c in choices] or None,
        extra={"rtl": True} if rtl and choices else None,
    )
    session.add(message)
    return message


def as_outbound(message: OutboxMessage) -> Outbound:
    """A queued message to a resident as the channels render a reply: text and choices."""
    choices = tuple(Choice(key, label) for key, label in message.choices or ())
    return Outbound(message.text, choices, rtl=bool((message.extra or {}).get("rtl")))


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


# Claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Worker:
    """A sender process: its name (kept on its claims) and, where several processes send
    (PostgreSQL), which part of the recipients is its own: recipient id % count == index.
    A recipient's messages then always go through one process, in order and at its pace."""

    id: str
    index: int = 0
    count: int = 1


def worker_for(settings, role: str, index: int = 0, count: int = 1) -> Worker:
    """The worker this process is: BENKEN_WORKER_ID, else host name, command and number."""
    base = settings.worker_id or f"{socket.gethostname()}:{role}"
    return Worker(base if count == 1 else f"{base}:{index}", index, count)


SINGLE = Worker("benken")  # one process, every recipient (tests, the CLI)


def _partition(worker: Worker):
    recipient = func.coalesce(OutboxMessage.resident_id, 0) + func.coalesce(OutboxMessage.staff_id, 0)
    return recipient % worker.count == worker.index


async def claim_due(
    app: App,
    channels: list[str],
    *,
    now: datetime,
    limit: int = CLAIM_BATCH,
    kinds: tuple[str, ...] | None = None,
    worker: Worker = SINGLE,
) -> list[int]:
    """Mark up to `limit` due pending messages for these channels as claimed by `worker`;
    their ids, in the order they should go.

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
    if worker.count > 1:
        due.append(_partition(worker))
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
                .values(status=OUTBOX_CLAIMED, not_before=now, claimed_by=worker.id)
            )
    return ids


def recipient_of(message: OutboxMessage, resident: Resident | None, staff: Staff | None) -> Recipient | None:
    """The address to send to; None when there is none (a staff member without e-mail)."""
    if resident is not None:
        address = resident.telegram_id if resident.channel == "telegram" else resident.phone
        return Recipient(message.channel, address, resident.id)
    if staff is None:
        return None
    address = staff.email if message.channel == "email" else staff.telegram_id
    return Recipient(message.channel, address) if address else None


async def load(app: App, ids: list[int]) -> list[tuple[OutboxMessage, Recipient | None, bool]]:
    """The claimed messages in order, each with its address and whether its resident opted
    out. Read in parts of LOAD_PART rows, so that building them never holds up the event
    loop (and the channels' pace) for long."""
    loaded = []
    async with reading(app.sessions) as session:
        rows = await session.stream(
            select(OutboxMessage, Resident, Staff)
            .outerjoin(Resident, Resident.id == OutboxMessage.resident_id)
            .outerjoin(Staff, Staff.id == OutboxMessage.staff_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.priority, OutboxMessage.id)
            .execution_options(yield_per=LOAD_PART)
        )
        async for part in rows.partitions():
            loaded += [(m, recipient_of(m, r, s), bool(r and r.opted_out)) for m, r, s in part]
    return loaded


# Recording ------------------------------------------------------------------------------------


async def settle(
    app: App, *, sending: list[int] = (), results: list[tuple[OutboxMessage, SendResult]] = (), now: datetime
) -> None:
    """One transaction for the drain's bookkeeping: mark the messages about to go `sending`
    (from then on none is repeated after a crash) and store what the channels said about
    sent ones: the sent in one statement, the rest (retries with their wait, failures,
    opt-outs) after it. `message.attempts` is the count before this send."""
    if not sending and not results:
        return
    table = OutboxMessage.__table__
    sent = [
        {"b_id": m.id, "b_provider_id": r.provider_message_id, "b_error": (r.error or "")[:300] or None}
        for m, r in results if r.outcome == SENT
    ]
    async with app.sessions() as session, session.begin():
        if sending:
            await session.execute(
                update(table).where(table.c.id.in_(sending))
                .values(status=OUTBOX_SENDING, attempts=table.c.attempts + 1)
            )
        if sent:
            await session.execute(
                update(table).where(table.c.id == bindparam("b_id"))
                .values(status=OUTBOX_SENT, sent_at=now, provider_message_id=bindparam("b_provider_id"),
                        last_error=bindparam("b_error")),
                sent,
            )
        for message, result in results:
            if result.outcome != SENT:
                await _record_other(session, message, result, now)


async def _record_other(session: AsyncSession, message: OutboxMessage, result: SendResult, now: datetime) -> None:
    values: dict = {"last_error": (result.error or "")[:300] or None}
    if result.provider_message_id:
        values["provider_message_id"] = result.provider_message_id
    attempts = message.attempts + 1
    if result.outcome == RETRY and attempts < MAX_ATTEMPTS:
        wait = timedelta(seconds=result.retry_after) if result.retry_after else backoff(attempts)
        values.update(status=OUTBOX_PENDING, not_before=now + wait)
    elif result.outcome == OPTED_OUT and message.resident_id is not None:
        await set_opted_out(session, await session.get(Resident, message.resident_id), True)
        values["status"] = OUTBOX_CANCELLED
    else:
        values["status"] = OUTBOX_FAILED
        if result.outcome == UNKNOWN:
            values["last_error"] = ("not confirmed, not repeated: " + (result.error or ""))[:300]
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))


STALE_CLAIM = timedelta(minutes=5)  # far longer than one send takes, rate limits included


async def recover_interrupted(
    app: App, *, now: datetime | None = None, worker: Worker | None = None
) -> tuple[int, int]:
    """After a crash: messages claimed but never tried go back to the queue; those handed
    towards the provider may or may not have gone, so they are marked failed rather than
    sent twice. With `worker`, that worker's own claims are settled at once (it is starting
    again, so none of them is still at work); other claims only once older than
    STALE_CLAIM, since another worker may still be at work on them. Returns (requeued, failed)."""
    now = now or utcnow()
    stale = OutboxMessage.not_before < now - STALE_CLAIM
    if worker is not None:
        stale = or_(stale, OutboxMessage.claimed_by == worker.id)
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
