"""`benken` commands for reaching out (issue 19): posters, ideas on the public results
page, and dugnads residents propose. bot/cli/__init__.py wires them into its parser; like every
command, a mistake ends in one line and exit code 1 (common.CommandError)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..domain import organisers, publishing
from ..domain.arrivals import BadSource, telegram_link
from ..domain.queries import parse_ref
from ..models import DugnadProposal, Idea
from ..staff import actions
from ..text.resident import LANGUAGE_NAMES

from .common import CommandError, idea_by_ref, local_time

def add_commands(commands, event_commands, idea_commands, status: argparse.ArgumentParser) -> None:
    poster = commands.add_parser("poster", help="an A4 poster: invitation, QR code for Telegram, SMS keyword")
    poster.add_argument("--area", required=True)
    poster.add_argument("--source", help="a short code for this poster or place (letters and digits)")
    poster.add_argument("--langs", default=",".join(LANGUAGE_NAMES), help="e.g. nb,en,ar,so (default: all ten)")
    poster.add_argument("--results", action="store_true", help="the QR code opens the area's results page")
    poster.add_argument("--out", required=True, help="the PDF file to write")

    status.add_argument("--public", action="store_true", help="also put the idea on the area's results page")
    status.add_argument("--summary", help="the public summary shown there (needed the first time)")
    status.add_argument("--photo", action="store_true", help="show the idea's photo on the results page too")
    unpublish = idea_commands.add_parser("unpublish", help="take an idea off the results page")
    unpublish.add_argument("id", help="12 or I-12")

    event_commands.add_parser("proposals", help="dugnads residents proposed, waiting for staff").add_argument("--area")
    approve = event_commands.add_parser("approve", help="make a proposed dugnad, the resident its organiser")
    approve.add_argument("ref", help="3 or P-3")
    approve.add_argument("--start", required=True, help='local time, "YYYY-MM-DD HH:MM"')
    approve.add_argument("--end", required=True, help='local time, "YYYY-MM-DD HH:MM"')
    approve.add_argument("--title", help="instead of the resident's words (Norwegian)")
    approve.add_argument("--place")
    approve.add_argument("--capacity", type=int)
    decline = event_commands.add_parser("decline", help="say no to a proposed dugnad; the resident is told")
    decline.add_argument("ref", help="3 or P-3")
    decline.add_argument("--note", help="the staff's own words, sent as written")


async def poster(app, args) -> None:
    from ..app import telegram_username
    from ..channels.twilio import configured as sms_configured
    from ..reports import poster as layout

    area = app.areas.require(args.area)
    settings = app.settings
    langs = [code.strip() for code in args.langs.split(",") if code.strip()]
    if args.results:
        if not settings.public_base_url:
            raise CommandError("--results needs PUBLIC_BASE_URL (the page's public address)")
        link, sms = publishing.results_url(settings.public_base_url, area.slug), None
    else:
        username = await telegram_username(settings)
        if username is None:
            raise CommandError("set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) for the poster's deep link")
        try:
            link = telegram_link(username, area.slug, args.source)
        except BadSource as problem:
            raise CommandError(f"--source: {problem}") from None
        number = settings.twilio_from_number if sms_configured(settings) else None
        sms = layout.Sms(layout.sms_keyword(area), layout.display_number(number)) if number else None
    try:
        pdf = layout.poster_pdf(area, link=link, langs=langs, kind=layout.RESULTS if args.results else layout.JOIN, sms=sms)
    except layout.PosterError as problem:
        raise CommandError(str(problem)) from None
    Path(args.out).write_bytes(pdf)
    missing = layout.missing_fonts(langs)
    note = f" (fonts missing, other fonts used: {', '.join(missing)})" if missing else ""
    print(f"{args.out}: {link}{note}")


async def publish_with_status(app, session, idea: Idea, args) -> None:
    """`idea status … --public`: on the results page before residents are told, so the
    link goes with a done idea's news."""
    if not args.public:
        if args.summary or args.photo:
            raise CommandError("--summary and --photo go with --public")
        return
    try:
        await publishing.publish_idea(session, idea, args.summary, None, photo=args.photo)
    except publishing.PublishRefused as refused:
        raise CommandError(str(refused)) from None


async def unpublish(app, args) -> None:
    async with app.sessions() as session, session.begin():
        idea = await idea_by_ref(session, args.id)
        await publishing.unpublish_idea(session, idea)
    print(f"I-{idea.id}: off the results page")


async def _proposal(session, raw: str) -> DugnadProposal:
    number = parse_ref(raw, organisers.PROPOSAL_REF)
    proposal = await session.get(DugnadProposal, number) if number is not None else None
    if proposal is None:
        raise CommandError(f"no proposed dugnad {raw!r} (expected 3 or P-3)")
    return proposal


async def proposals(app, args) -> None:
    slugs = [app.areas.require(args.area).slug] if args.area else [a.slug for a in app.areas]
    async with app.sessions() as session:
        for proposal in await organisers.open_proposals(session, slugs):
            print(f"P-{proposal.id}\t{proposal.area_slug}\t{proposal.what}\t{proposal.place}\t"
                  f"{proposal.when_text}\t{proposal.hands}\t{proposal.organiser_name}")


async def approve(app, args) -> None:
    timezone = app.settings.timezone
    start, end = local_time(args.start, timezone, "--start"), local_time(args.end, timezone, "--end")
    if args.capacity is not None and args.capacity < 1:
        raise CommandError("--capacity must be at least 1")
    async with app.sessions() as session, session.begin():
        proposal = await _proposal(session, args.ref)
        try:
            event = await actions.approve_proposal(
                session, proposal, timezone=timezone, start_at=start, end_at=end,
                title=(args.title or "").strip() or None, place=(args.place or "").strip() or None,
                capacity=args.capacity,
            )
        except organisers.ProposalRefused as refused:
            raise CommandError(str(refused)) from None
    print(f"P-{proposal.id}: dugnad {event.id} made; its organiser is told")


async def decline(app, args) -> None:
    async with app.sessions() as session, session.begin():
        proposal = await _proposal(session, args.ref)
        try:
            await actions.decline_proposal(session, proposal, note=args.note, timezone=app.settings.timezone)
        except organisers.ProposalRefused as refused:
            raise CommandError(str(refused)) from None
    print(f"P-{proposal.id}: declined; the resident is told")


EVENT_COMMANDS = {"proposals": proposals, "approve": approve, "decline": decline}
IDEA_COMMANDS = {"unpublish": unpublish}
