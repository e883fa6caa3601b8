"""`benken` commands for the district's everyday work: answering ideas, running dugnads,
logging who came. bot/cli/__init__.py wires them into its parser."""

from __future__ import annotations

from ..domain import dugnad, ideas
from ..domain.queries import SIGNUP_REF, parse_ref
from ..models import EVENT_SCHEDULED, DugnadEvent, Idea, Signup
from ..staff import actions, previews
from ..text.staff import STAFF_DEFAULT_LOCALE, StaffText
from . import outreach
from .common import CommandError, idea_by_ref, local_time


async def idea_status(app, args) -> None:
    async with app.sessions() as session:
        idea = await idea_by_ref(session, args.id)
        number = idea.id
        try:
            ideas.check_answer(idea, args.status, args.template, args.param)
        except ideas.TransitionRefused as refused:
            raise CommandError(str(refused)) from None
    shares = []
    if args.preview or (app.translator is not None and args.note):
        # The note is translated now, before anything is recorded (the answer then reads
        # the translations from the cache); --preview stops here and sends nothing.
        shares = await previews.preview_answer(app, number, args.status, note=args.note, template=args.template,
                                               template_param=args.param, language=STAFF_DEFAULT_LOCALE)
    if args.preview:
        t = StaffText("en", app.settings.timezone)
        for share in shares:
            print(f"{share.language}: {previews.share_heading(t, share)}\n{share.text}\n")
        print(f"I-{number}: nothing sent (--preview)")
        return
    async with app.sessions() as session, session.begin():
        idea = await session.get(Idea, number)
        try:
            await outreach.publish_with_status(app, session, idea, args)
            told = await actions.answer_idea(
                session, idea, args.status, note=args.note, timezone=app.settings.timezone,
                template=args.template, template_param=args.param, base_url=app.settings.public_base_url,
            )
        except ideas.TransitionRefused as refused:
            raise CommandError(str(refused)) from None
    print(f"I-{idea.id}: {args.status}; {told} resident(s) will be told")
    for share in previews.untranslated(shares):
        print(f"{share.language}: the note goes as written, not translated ({share.problem})")


async def idea_duplicate(app, args) -> None:
    """`benken idea duplicate I-12 --of I-7`: I-12 joins I-7; its followers are told."""
    async with app.sessions() as session, session.begin():
        idea, original = await idea_by_ref(session, args.id), await idea_by_ref(session, args.of)
        try:
            told = await actions.mark_duplicate(session, idea, original, timezone=app.settings.timezone)
        except ideas.TransitionRefused as refused:
            raise CommandError(str(refused)) from None
    print(f"I-{idea.id}: a duplicate of I-{original.id}; {told} resident(s) will be told which idea they follow now")


async def _event_create(app, args) -> None:
    app.areas.require(args.area)
    timezone = app.settings.timezone
    start, end = local_time(args.start, timezone, "--start"), local_time(args.end, timezone, "--end")
    if end <= start:
        raise CommandError("--end must be after --start")
    if args.capacity < 1:
        raise CommandError("--capacity must be at least 1")
    if not args.title.strip() or not args.place.strip():
        raise CommandError("--title and --place must not be empty")
    async with app.sessions() as session, session.begin():
        event = await dugnad.create_event(
            session,
            area_slug=args.area,
            titles={"nb": args.title.strip()},
            place=args.place.strip(),
            start_at=start,
            end_at=end,
            capacity=args.capacity,
            timezone=timezone,
        )
    print(event.id)


async def _event(session, event_id: int) -> DugnadEvent:
    event = await session.get(DugnadEvent, event_id)
    if event is None:
        raise CommandError(f"no dugnad with id {event_id}")
    if event.status != EVENT_SCHEDULED:
        raise CommandError(f"dugnad {event_id} is {event.status}")
    return event


async def _event_cancel(app, args) -> None:
    async with app.sessions() as session, session.begin():
        told = await actions.cancel_event(session, await _event(session, args.id), timezone=app.settings.timezone)
    print(f"dugnad {args.id} cancelled; {told} resident(s) will be told")


async def _event_change(app, args) -> None:
    timezone = app.settings.timezone
    start = local_time(args.start, timezone, "--start") if args.start else None
    end = local_time(args.end, timezone, "--end") if args.end else None
    if not (start or end or (args.place and args.place.strip())):
        raise CommandError("give --start, --end or --place")
    async with app.sessions() as session, session.begin():
        try:
            change = dugnad.EventChange(start_at=start, end_at=end, place=(args.place or "").strip() or None)
            told = await actions.change_event(session, await _event(session, args.id), change, timezone=timezone)
        except ValueError as problem:
            raise CommandError(str(problem)) from None
    print(f"dugnad {args.id} changed; {told} resident(s) will be told")


EVENT_COMMANDS = {"create": _event_create, "cancel": _event_cancel, "change": _event_change,
                  **outreach.EVENT_COMMANDS}
IDEA_COMMANDS = {"status": idea_status, "duplicate": idea_duplicate, **outreach.IDEA_COMMANDS}


async def signup_attended(app, args) -> None:
    number = parse_ref(args.ref, SIGNUP_REF)
    if number is None:
        raise CommandError(f"sign-up: expected 7 or D-7, got {args.ref!r}")
    if args.hours is not None and not 0 < args.hours <= 24:
        raise CommandError("--hours must be more than 0 and at most 24")
    async with app.sessions() as session, session.begin():
        signup = await session.get(Signup, number)
        if signup is None:
            raise CommandError(f"no sign-up D-{number}")
        try:
            await dugnad.mark_attended(session, signup, hours=args.hours)
        except ValueError as problem:
            raise CommandError(str(problem)) from None
    print(f"D-{number}: attended, {signup.hours:g} hours")
