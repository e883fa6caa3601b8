"""The `benken` command. Every failure a user can cause ends in one line and exit code 1."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import datetime, timedelta

from telegram.error import TelegramError

from .. import db, demo
from ..app import open_app, run_loop
from ..areas import AreasError, load_areas
from ..domain.staff import StaffChangeRefused, add_staff
from ..models import ANSWER_TEMPLATES, IDEA_ANSWER_STATUSES, utcnow
from ..reports import export
from ..settings import SettingsError, load_settings
from ..text.resident import LANGUAGE_NAMES
from ..text.staff import STAFF_LOCALES
from . import outreach, work
from .common import CommandError

CONSOLE_TELEGRAM_ID = 1  # the terminal resident, unless --telegram-id or --phone is given
MAX_WORKERS = 16  # processes for benken serve; more than the machine's cores buys nothing


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benken", description="Benken: ideas, dugnad and safety, by Telegram and SMS.")
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="a resident's conversation in the terminal")
    chat.add_argument("--phone", help="talk as this phone number (rendered as SMS)")
    chat.add_argument("--telegram-id", type=int, help="talk as this Telegram user id")
    chat.add_argument("--lang", choices=sorted(LANGUAGE_NAMES), help="preselect a language")

    database = commands.add_parser("db", help="database maintenance")
    database.add_subparsers(dest="db_command", required=True).add_parser("upgrade", help="migrate to the newest schema")

    commands.add_parser("run", help="the Telegram bot by long polling, with the outbox sender")

    serve = commands.add_parser("serve", help="the HTTP server (SMS webhooks, health, metrics) and the outbox sender")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="processes behind the one port (PostgreSQL only)")

    commands.add_parser("areas", help="list the configured areas")

    staff = commands.add_parser("staff", help="staff members")
    staff_add = staff.add_subparsers(dest="staff_command", required=True).add_parser("add", help="register a staff member")
    staff_add.add_argument("--telegram-id", type=int, required=True)
    staff_add.add_argument("--name", required=True)
    staff_add.add_argument("--area", action="append", default=[], dest="areas")
    staff_add.add_argument("--admin", action="store_true")
    staff_add.add_argument("--locale", choices=STAFF_LOCALES, default="nb", help="the language of their digest")
    staff_add.add_argument("--frequency", choices=("daily", "weekly", "never"), default="weekly", help="digest")
    staff_add.add_argument("--email", help="also send the digest here (needs SMTP_URL)")

    impact = commands.add_parser("impact", help="the figures a programme report needs")
    impact.add_argument("--area")
    impact.add_argument("--days", type=int, default=365)
    impact.add_argument("--lang", choices=STAFF_LOCALES, default="nb")

    digest = commands.add_parser("digest", help="the staff digest: print it, or send it now")
    digest.add_argument("--area")
    digest.add_argument("--days", type=int, default=7)
    digest.add_argument("--lang", choices=STAFF_LOCALES, default="nb")
    digest.add_argument("--send", action="store_true", help="send every staff member their digest now")

    event = commands.add_parser("event", help="dugnad events")
    event_commands = event.add_subparsers(dest="event_command", required=True)
    create = event_commands.add_parser("create", help="create a dugnad")
    create.add_argument("--area", required=True)
    create.add_argument("--title", required=True)
    create.add_argument("--start", required=True, help='local time, "YYYY-MM-DD HH:MM"')
    create.add_argument("--end", required=True, help='local time, "YYYY-MM-DD HH:MM"')
    create.add_argument("--place", required=True)
    create.add_argument("--capacity", type=int, required=True)
    cancel = event_commands.add_parser("cancel", help="cancel a dugnad; everyone signed up is told")
    cancel.add_argument("id", type=int)
    change = event_commands.add_parser("change", help="move a dugnad; everyone signed up is told")
    change.add_argument("id", type=int)
    change.add_argument("--start", help='local time, "YYYY-MM-DD HH:MM"')
    change.add_argument("--end", help='local time, "YYYY-MM-DD HH:MM"')
    change.add_argument("--place")

    signup = commands.add_parser("signup", help="dugnad sign-ups")
    attended = signup.add_subparsers(dest="signup_command", required=True).add_parser(
        "attended", help="log that a volunteer came (thanks go out the morning after)"
    )
    attended.add_argument("ref", help="7 or D-7")
    attended.add_argument("--hours", type=float, help="hours given (default: the dugnad's length)")

    idea = commands.add_parser("idea", help="staff answers to ideas")
    idea_commands = idea.add_subparsers(dest="idea_command", required=True)
    status = idea_commands.add_parser(
        "status", help="set an idea's status and tell the resident and supporters"
    )
    status.add_argument("id", help="12 or I-12")
    status.add_argument("status", choices=IDEA_ANSWER_STATUSES)
    status.add_argument("--note", help="the staff's own words, sent as written")
    status.add_argument("--template", choices=ANSWER_TEMPLATES, help="a ready-made answer, translated for each resident")
    status.add_argument("--param", help="the template's season (spring, summer, autumn, winter) or agency name")
    status.add_argument("--preview", action="store_true",
                        help="print what each language's readers would get (machine translated), and send nothing")

    duplicate = idea_commands.add_parser(
        "duplicate", help="join an idea with one that asks for the same; its author and supporters follow that one"
    )
    duplicate.add_argument("id", help="12 or I-12: the idea that repeats another")
    duplicate.add_argument("--of", required=True, help="7 or I-7: the idea it repeats")

    outreach.add_commands(commands, event_commands, idea_commands, status)

    exporter = commands.add_parser("export", help="write records to stdout")
    exporter.add_argument("kind", choices=export.KINDS)
    exporter.add_argument("--format", choices=("csv", "json"), default="csv")
    exporter.add_argument("--area")
    exporter.add_argument("--days", type=int, help="only the last N days (by creation, report day or start)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run" and not settings.telegram_bot_token:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set")
        if args.command == "serve" and args.workers != 1:
            from ..serve import WorkersRefused, serve_workers

            if not 1 < args.workers <= MAX_WORKERS:
                raise CommandError(f"--workers: from 1 to {MAX_WORKERS}")
            load_areas(settings.areas_file)  # a broken areas file stops us before any process starts
            try:
                serve_workers(settings, args.host, args.port, args.workers)
            except WorkersRefused as refused:
                raise CommandError(str(refused)) from None
            return 0
        if args.command == "areas":
            for area in load_areas(settings.areas_file):
                print(f"{area.slug}\t{area.name}\t{area.bydel}")
            return 0
        return run_loop(_run(args, settings))
    except (CommandError, SettingsError, AreasError, db.DatabaseError) as problem:
        print(f"benken: {problem}", file=sys.stderr)
        return 1
    except TelegramError as problem:  # an unreachable Bot API or a token it refuses
        print(f"benken: Telegram: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as problem:  # unreachable database, unwritable file
        print(f"benken: {problem}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace, settings) -> int:
    async with open_app(settings) as app:
        if args.command == "db":
            print("database is at the newest schema")
        elif args.command == "chat":
            await _chat(app, args)
        elif args.command == "staff":
            await _staff_add(app, args)
        elif args.command == "event":
            await work.EVENT_COMMANDS[args.event_command](app, args)
        elif args.command == "signup":
            await work.signup_attended(app, args)
        elif args.command == "digest":
            await _digest(app, args)
        elif args.command == "impact":
            await _impact(app, args)
        elif args.command == "run":
            from ..run import run

            await run(app)
        elif args.command == "serve":
            from ..serve import serve

            await serve(app, args.host, args.port)
        elif args.command == "idea":
            await work.IDEA_COMMANDS[args.idea_command](app, args)
        elif args.command == "poster":
            await outreach.poster(app, args)
        elif args.command == "export":
            if args.area:
                app.areas.require(args.area)
            if args.days is not None and args.days < 1:
                raise CommandError("--days must be at least 1")
            since = utcnow() - timedelta(days=args.days) if args.days else None
            await export.write(app, args.kind, args.format, args.area, sys.stdout, since=since)
    return 0


def _period(app, args) -> tuple[list[str], datetime, datetime]:
    """The areas (one, or all configured) and the last --days days."""
    if args.days < 1:
        raise CommandError("--days must be at least 1")
    slugs = [app.areas.require(args.area).slug] if args.area else [a.slug for a in app.areas]
    until = utcnow()
    return slugs, until - timedelta(days=args.days), until


async def _chat(app, args) -> None:
    from conversations.messages import TEXT

    from ..app import warm_up_language_id
    from ..channels import console
    from ..messaging.inbox import receive

    warm_up_language_id()
    async with app.sessions() as session, session.begin():
        if await demo.is_empty(session):
            await demo.load_demo(session, app.areas, app.settings.timezone)
    if args.phone:
        channel, address = "sms", {"phone": args.phone.strip()}
    else:
        channel, address = "telegram", {"telegram_id": args.telegram_id or CONSOLE_TELEGRAM_ID}
    first = True
    for line in sys.stdin:
        inbound = await console.parse(app, line)
        received = await receive(app, channel, f"console-{uuid.uuid4()}", inbound, locale=args.lang,
                                 capabilities=console.CAPABILITIES[channel], **address)
        if received.messages:
            print(("" if first else "\n") + console.render(received.messages), flush=True)
            first = False
        if inbound.kind == TEXT and not line.endswith("\n"):
            break


async def _impact(app, args) -> None:
    from ..reports.impact import measure, name_areas
    from ..reports.impact_layout import render_text

    slugs, since, until = _period(app, args)
    async with app.sessions() as session:
        figures = await measure(session, area_slugs=slugs, since=since, until=until, timezone=app.settings.timezone)
    print(render_text(name_areas(figures, app.areas), args.lang))


async def _digest(app, args) -> None:
    from ..app import open_runtime
    from ..messaging import sending
    from ..reports.delivery import DIGEST, queue_digests

    if not args.send:
        from ..reports.digest import build_digest
        from ..reports.digest_layout import render_text

        slugs, since, until = _period(app, args)
        async with app.sessions() as session:
            digest = await build_digest(session, app.areas, area_slugs=slugs, since=since, until=until,
                                        locale=args.lang, timezone=app.settings.timezone)
        print(render_text(digest, args.lang))
        return
    if not app.settings.telegram_bot_token:
        raise CommandError("--send needs TELEGRAM_BOT_TOKEN (digests go to staff on Telegram)")
    # Through the outbox like every message: queued once (a second --send the same day
    # queues nothing), then delivered now rather than at the running bot's next drain.
    now = utcnow()
    queued = await queue_digests(app, now=now)
    async with open_runtime(app) as runtime:
        while await sending.drain_once(app, runtime.senders, now=now, kinds=(DIGEST,), worker=runtime.worker):
            pass
    print(f"digest sent to {queued} staff member(s)")


async def _staff_add(app, args) -> None:
    for slug in args.areas:
        app.areas.require(slug)
    if not args.name.strip():
        raise CommandError("--name must not be empty")
    email = (args.email or "").strip() or None
    if email and "@" not in email:
        raise CommandError(f"--email: not an e-mail address: {email!r}")
    async with app.sessions() as session, session.begin():
        try:
            staff = await add_staff(
                session, app.areas, telegram_id=args.telegram_id, name=args.name, area_slugs=args.areas,
                is_admin=args.admin, locale=args.locale, digest_frequency=args.frequency, email=email,
            )
        except StaffChangeRefused as refused:
            if refused.reason == "duplicate":
                raise CommandError(f"a staff member with Telegram id {args.telegram_id} exists already") from None
            raise CommandError(f"--{refused.reason.replace('_', '-')}: not accepted") from None
    print(staff.id)

